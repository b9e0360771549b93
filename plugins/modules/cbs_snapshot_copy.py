#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cbs_snapshot_copy
short_description: Copy Tencent Cloud CBS snapshots to other regions
version_added: 0.2.0
description:
  - Makes sure each snapshot (by O(snapshot_ids), or the one named O(snapshot_name) on each of O(disk_ids)) has a
    copy in every region of O(destination_regions), so a disaster in its region does not take every copy with it.
  - A copy is named after its source, C(<source name> copy of <source id>) (the source name shortened to fit
    60 characters). A destination that already holds a copy of that name (C(CopyFromRemote)) keeps it, whatever
    its state, so a snapshot is never copied twice to one region.
  - The snapshots missing in some destinations are copied with one CopySnapshotCrossRegions call each, to all
    of those destinations at once. When its answer is lost, every destination is read for the copy before
    anything is sent again; a destination that still has none fails the snapshot (run the task again).
  - With O(retention_days), each new copy gets its deadline in its region right after it is made
    (ModifySnapshotAttribute in that region). Copies that already existed are not changed.
  - With O(wait), every copy is waited for until it is V(NORMAL) (it is V(COPYING_FROM_REMOTE), then
    V(CHECKING_COPIED) before), all copies in all regions polled together, each region read with its own
    region. Tencent limits each action per region, and so does the module.
  - Only a V(NORMAL) snapshot can be copied.
author:
  - snapshield.cloud contributors (@snapshield)
extends_documentation_fragment:
  - snapshield.cloud.tencentcloud
  - snapshield.cloud.connection
  - ansible.builtin.action_common_attributes
  - snapshield.cloud.attributes
attributes:
  check_mode:
    support: full
    details: Nothing is copied; the copies that would be made are reported, with null IDs.
  diff_mode:
    support: full
    details: Per snapshot, its copies before and after.
options:
  snapshot_ids:
    description:
      - IDs of the snapshots to copy, in O(region).
    type: list
    elements: str
    aliases: [snapshot_id]
  disk_ids:
    description:
      - Disks whose snapshot named O(snapshot_name) is copied (the newest V(NORMAL) one of that name).
      - Needs O(snapshot_name).
    type: list
    elements: str
    aliases: [disk_id]
  snapshot_name:
    description:
      - Name of the snapshot of each of O(disk_ids) to copy, compared exactly.
    type: str
  destination_regions:
    description:
      - Regions to copy to, such as V(ap-shanghai). Not the region the snapshots are in.
    type: list
    elements: str
    required: true
  retention_days:
    description:
      - Days after the copy when CBS deletes a new copy in its region, from 1 to 36500. Without it, copies are
        kept as CBS keeps them.
    type: int
  wait:
    description:
      - Wait until every copy is V(NORMAL).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait, including the time spent waiting out throttling. A copy still under way at the end
        fails its snapshot, and goes on.
    type: int
    default: 3600
seealso:
  - module: snapshield.cloud.cbs_snapshot
  - module: snapshield.cloud.cbs_snapshot_info
"""

EXAMPLES = r"""
- name: Keep a copy of a release snapshot in Shanghai and Beijing for 90 days
  snapshield.cloud.cbs_snapshot_copy:
    snapshot_ids: [snap-gybrif0z]
    destination_regions: [ap-shanghai, ap-beijing]
    retention_days: 90

- name: Snapshot a disk before a migration
  snapshield.cloud.cbs_snapshot:
    disk_ids: [disk-lzrg2pwi, disk-7ke2a9x1]
    snapshot_name: before-migration-2

- name: Copy that snapshot of each disk off-region without waiting for the copies
  snapshield.cloud.cbs_snapshot_copy:
    disk_ids: [disk-lzrg2pwi, disk-7ke2a9x1]
    snapshot_name: before-migration-2
    destination_regions: [ap-shanghai]
    wait: false
"""

RETURN = r"""
results:
  description:
    - One entry per snapshot (or disk), in the order given.
    - A failed one has C(snapshot_id) (or C(disk_id)), C(failed), C(msg) and, for an API failure, C(error).
  returned: always
  type: list
  elements: dict
  contains:
    snapshot_id:
      description: ID of the source snapshot.
      type: str
      sample: snap-gybrif0z
    snapshot_name:
      description: Name of the source snapshot.
      type: str
      sample: release-2.0
    disk_id:
      description: ID of the disk of the source snapshot.
      type: str
      sample: disk-lzrg2pwi
    changed:
      description: Whether a copy was made (or would be).
      type: bool
      sample: true
    copies:
      description: The copy in each destination region, in the order of O(destination_regions).
      type: list
      elements: dict
      contains:
        region:
          description: The destination region.
          type: str
          sample: ap-shanghai
        snapshot_id:
          description: ID of the copy in that region (null in check mode for a copy to be made).
          type: str
          sample: snap-3m1ksl0e
        snapshot_name:
          description: Name of the copy.
          type: str
          sample: release-2.0 copy of snap-gybrif0z
        state:
          description: V(NORMAL), or with O(wait=false) V(COPYING_FROM_REMOTE) or V(CHECKING_COPIED).
          type: str
          sample: NORMAL
        percent:
          description: Progress of the copy.
          type: int
          sample: 100
        deadline:
          description: When CBS deletes the copy (UTC), null for a permanent one.
          type: str
          sample: "2027-03-03T09:48:55+00:00"
        copy_from_remote:
          description: Whether CBS marks it as a copy from another region.
          type: bool
          sample: true
        changed:
          description: Whether this task made the copy (or would).
          type: bool
          sample: true
snapshot:
  description: The single entry of RV(results), when one snapshot (or disk) was given and it succeeded.
  returned: when exactly one snapshot or disk was given
  type: dict
  sample: {"snapshot_id": "snap-gybrif0z", "snapshot_name": "release-2.0", "disk_id": "disk-lzrg2pwi",
           "changed": true, "copies": [{"region": "ap-shanghai", "snapshot_id": "snap-3m1ksl0e",
           "snapshot_name": "release-2.0 copy of snap-gybrif0z", "state": "NORMAL", "percent": 100,
           "deadline": null, "copy_from_remote": true, "changed": true}]}
"""

from ansible_collections.snapshield.cloud.plugins.module_utils import tencentcloud
from ansible_collections.snapshield.cloud.plugins.module_utils._module import CloudModule
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import check_copy_request
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.copy import CopyConverger
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.errors import explain


def main():
    run = CloudModule(
        tencentcloud,
        dict(
            snapshot_ids=dict(type="list", elements="str", aliases=["snapshot_id"]),
            disk_ids=dict(type="list", elements="str", aliases=["disk_id"]),
            snapshot_name=dict(type="str"),
            destination_regions=dict(type="list", elements="str", required=True),
            retention_days=dict(type="int"),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=3600),
        ),
        check_copy_request,
        explain,
        mutually_exclusive=[("snapshot_ids", "disk_ids"), ("snapshot_ids", "snapshot_name")],
        required_one_of=[("snapshot_ids", "disk_ids")],
        required_by=dict(disk_ids="snapshot_name"),
    )
    by_disk = bool(run.request["disk_ids"])
    run.converge(
        lambda client, request: CopyConverger(run.module, client, request),
        single_key="snapshot",
        target_key="disk_id" if by_disk else "snapshot_id",
        noun="disks" if by_disk else "snapshots",
    )


if __name__ == "__main__":
    main()
