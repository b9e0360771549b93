#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cbs_snapshot_info
short_description: List Tencent Cloud CBS snapshots
version_added: 0.1.0
description:
  - Lists CBS snapshots by ID, or those matching every filter given (all snapshots of the region without any),
    following every page of results.
author:
  - snapshield.cloud contributors (@snapshield)
extends_documentation_fragment:
  - snapshield.cloud.tencentcloud
  - snapshield.cloud.connection
  - ansible.builtin.action_common_attributes
  - snapshield.cloud.attributes
  - snapshield.cloud.attributes.info_module
options:
  snapshot_ids:
    description:
      - IDs of the snapshots. IDs that do not exist are left out of the result.
      - Cannot be combined with the filters (O(disk_ids), O(snapshot_name), O(snapshot_state)).
    type: list
    elements: str
  disk_ids:
    description:
      - Only snapshots of these disks. Any number of disks (they are asked for 10 at a time).
    type: list
    elements: str
    aliases: [disk_id]
  snapshot_name:
    description:
      - Only snapshots with exactly this name.
    type: str
  snapshot_state:
    description:
      - Only snapshots in this state.
    type: str
    choices: [NORMAL, CREATING, ROLLBACKING, COPYING_FROM_REMOTE, CHECKING_COPIED, TORECYCLE]
  overview:
    description:
      - Also return RV(overview), the snapshot storage of the region (DescribeSnapshotOverview, one call).
      - With no other option, only the overview is read and RV(snapshots) is empty.
    type: bool
    default: false
    version_added: 0.2.0
seealso:
  - module: snapshield.cloud.cbs_snapshot
"""

EXAMPLES = r"""
- name: Every snapshot of two disks
  snapshield.cloud.cbs_snapshot_info:
    disk_ids: [disk-lzrg2pwi, disk-7ke2a9x1]
  register: found

- name: Snapshots still being created
  snapshield.cloud.cbs_snapshot_info:
    snapshot_state: CREATING
  register: creating

- name: How much snapshot storage the region bills
  snapshield.cloud.cbs_snapshot_info:
    overview: true
  register: storage

- name: One snapshot by ID
  snapshield.cloud.cbs_snapshot_info:
    snapshot_ids: [snap-gybrif0z]
  register: one
"""

RETURN = r"""
snapshots:
  description:
    - The snapshots found, newest first (for each disk in turn when O(disk_ids) is given).
  returned: always
  type: list
  elements: dict
  contains:
    snapshot_id:
      description: ID of the snapshot.
      type: str
      sample: snap-gybrif0z
    snapshot_name:
      description: Name of the snapshot.
      type: str
      sample: nightly-2024-01-08
    disk_id:
      description: ID of the disk.
      type: str
      sample: disk-lzrg2pwi
    state:
      description: State of the snapshot, for example V(NORMAL) or V(CREATING).
      type: str
      sample: NORMAL
    percent:
      description: Progress of the snapshot's creation.
      type: int
      sample: 100
    create_time:
      description: When the snapshot was created, as the API reports it.
      type: str
      sample: "2024-01-08T09:47:55+00:00"
    deadline:
      description: When CBS deletes the snapshot (UTC), null for a permanent one.
      type: str
      sample: "2024-02-07T09:47:55+00:00"
    is_permanent:
      description: Whether the snapshot has no deadline.
      type: bool
      sample: false
    tags:
      description: Tags of the snapshot.
      type: dict
      sample: {"owner": "dba"}
    disk_size:
      description: Size of the disk in GB.
      type: int
      sample: 100
    disk_usage:
      description: V(SYSTEM_DISK) or V(DATA_DISK).
      type: str
      sample: DATA_DISK
    encrypted:
      description: Whether the snapshot is of an encrypted disk.
      type: bool
      sample: false
overview:
  description:
    - The snapshot storage of the region, all its snapshots (DescribeSnapshotOverview). The API reports sizes, not
      prices.
  returned: with O(overview=true)
  type: dict
  version_added: 0.2.0
  contains:
    region:
      description: The region asked.
      type: str
      sample: ap-guangzhou
    total_count:
      description: Snapshots in the region (the API's C(TotalNums)).
      type: int
      sample: 42
    total_size:
      description: Size of every snapshot, in GB (the API's C(TotalSize)).
      type: float
      sample: 1520.5
    billed_size:
      description: Size that is billed, in GB, after the free quota (the API's C(RealTradeSize)).
      type: float
      sample: 1470.5
    free_quota:
      description: Free snapshot storage, in GB (the API's C(FreeQuota)).
      type: float
      sample: 50.0
"""

from ansible_collections.snapshield.cloud.plugins.module_utils import tencentcloud
from ansible_collections.snapshield.cloud.plugins.module_utils._module import CloudModule
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import api
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import (
    SNAPSHOT_STATES,
    check_snapshot_listing_request,
)
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.errors import explain


def main():
    run = CloudModule(
        tencentcloud,
        dict(
            snapshot_ids=dict(type="list", elements="str"),
            disk_ids=dict(type="list", elements="str", aliases=["disk_id"]),
            snapshot_name=dict(type="str"),
            snapshot_state=dict(type="str", choices=list(SNAPSHOT_STATES)),
            overview=dict(type="bool", default=False),
        ),
        check_snapshot_listing_request,
        explain,
        mutually_exclusive=[
            ("snapshot_ids", "disk_ids"),
            ("snapshot_ids", "snapshot_name"),
            ("snapshot_ids", "snapshot_state"),
        ],
    )
    run.read(api.find_snapshots)


if __name__ == "__main__":
    main()
