#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cbs_disk_info
short_description: List Tencent Cloud CBS disks
version_added: 0.1.0
description:
  - Lists CBS disks by ID, or those matching every filter given (all disks of the region without any),
    following every page of results.
  - Use it to find the disks to give M(snapshield.cloud.cbs_snapshot), for example by tag.
  - With O(regions) or O(disks_by_region) it lists several regions in one task, side by side, each region within
    its own rate limits (Tencent Cloud counts them per region); every disk carries its RV(disks[].region).
author:
  - snapshield.cloud contributors (@snapshield)
extends_documentation_fragment:
  - snapshield.cloud.tencentcloud
  - snapshield.cloud.connection
  - ansible.builtin.action_common_attributes
  - snapshield.cloud.attributes
  - snapshield.cloud.attributes.info_module
options:
  disk_ids:
    description:
      - IDs of the disks.
      - Cannot be combined with the filters (O(zone), O(disk_name), O(disk_usage), O(tags)).
    type: list
    elements: str
    aliases: [disk_id]
  zone:
    description:
      - Only disks in this availability zone, for example V(ap-guangzhou-3).
    type: str
  disk_name:
    description:
      - Only disks with this name.
    type: str
  disk_usage:
    description:
      - Only system disks or only data disks.
    type: str
    choices: [SYSTEM_DISK, DATA_DISK]
  tags:
    description:
      - Only disks that have every one of these tags with these values (string keys to string values).
    type: dict
  regions:
    description:
      - List the disks of each of these regions (by O(disk_ids) or the filters, the same in every region) instead
        of O(region) alone.
      - A disk ID given in O(disk_ids) is looked up in every region; with the regions of the disks known, give
        O(disks_by_region) instead.
    type: list
    elements: str
    version_added: 0.2.0
  disks_by_region:
    description:
      - The disks to list, each region's IDs under its name (for example V(ap-guangzhou) with the list V([disk-1])
        and V(ap-shanghai) with V([disk-2])). Each region is read for its own disks only.
      - Cannot be combined with O(disk_ids), O(regions) or the filters.
    type: dict
    version_added: 0.2.0
  overview:
    description:
      - Also read each region's snapshot storage (DescribeSnapshotOverview) into RV(overviews), in the same task.
      - A refusal (for example a CAM policy without the action) does not fail the task; it is that region's
        RV(overviews[].error).
    type: bool
    default: false
    version_added: 0.2.0
seealso:
  - module: snapshield.cloud.cbs_snapshot
"""

EXAMPLES = r"""
- name: Production data disks
  snapshield.cloud.cbs_disk_info:
    disk_usage: DATA_DISK
    tags:
      env: prod
  register: disks

- name: Snapshot each of them
  snapshield.cloud.cbs_snapshot:
    disk_ids: "{{ disks.disks | selectattr('snapshot_ability') | map(attribute='disk_id') | list }}"
    snapshot_name: before-maintenance

- name: Two disks by ID
  snapshield.cloud.cbs_disk_info:
    disk_ids: [disk-lzrg2pwi, disk-7ke2a9x1]

- name: Production disks of three regions, and each region's snapshot storage
  snapshield.cloud.cbs_disk_info:
    regions: [ap-guangzhou, ap-shanghai, ap-beijing]
    tags:
      env: prod
    overview: true
  register: fleet
"""

RETURN = r"""
disks:
  description: The disks found.
  returned: always
  type: list
  elements: dict
  contains:
    disk_id:
      description: ID of the disk.
      type: str
      sample: disk-lzrg2pwi
    region:
      description: Region of the disk.
      type: str
      sample: ap-guangzhou
      version_added: 0.2.0
    disk_name:
      description: Name of the disk.
      type: str
      sample: db-data
    disk_size:
      description: Size in GB.
      type: int
      sample: 100
    disk_state:
      description: State of the disk, for example V(ATTACHED) or V(UNATTACHED).
      type: str
      sample: ATTACHED
    disk_usage:
      description: V(SYSTEM_DISK) or V(DATA_DISK).
      type: str
      sample: DATA_DISK
    disk_type:
      description: Medium of the disk, for example V(CLOUD_PREMIUM) or V(CLOUD_SSD).
      type: str
      sample: CLOUD_PREMIUM
    zone:
      description: Availability zone.
      type: str
      sample: ap-guangzhou-3
    project_id:
      description: Project of the disk.
      type: int
      sample: 0
    instance_id:
      description: Instance the disk is attached to, null when none.
      type: str
      sample: ins-3yl4y2yl
    snapshot_ability:
      description: Whether the disk can have snapshots.
      type: bool
      sample: true
    encrypted:
      description: Whether the disk is encrypted.
      type: bool
      sample: false
    tags:
      description: Tags of the disk.
      type: dict
      sample: {"env": "prod"}
    create_time:
      description: When the disk was created, as the API reports it.
      type: str
      sample: "2023-05-01T08:00:00+00:00"
    snapshot_count:
      description: Number of snapshots of the disk.
      type: int
      sample: 3
overviews:
  description: With O(overview), each region's snapshot storage, in GB.
  returned: with O(overview=true)
  type: list
  elements: dict
  version_added: 0.2.0
  contains:
    region:
      description: The region.
      type: str
      sample: ap-guangzhou
    total_count:
      description: Snapshots of the region.
      type: int
      sample: 120
    total_size:
      description: Snapshot storage of the region.
      type: int
      sample: 4096
    billed_size:
      description: The storage billed, beyond the free quota.
      type: int
      sample: 4046
    free_quota:
      description: The free quota.
      type: int
      sample: 50
    error:
      description: Why the region's storage could not be read; the other keys are then missing.
      returned: when it could not be read
      type: str
      sample: "DescribeSnapshotOverview failed with UnauthorizedOperation: ..."
"""

from ansible_collections.snapshield.cloud.plugins.module_utils import tencentcloud
from ansible_collections.snapshield.cloud.plugins.module_utils._module import CloudModule
from ansible_collections.snapshield.cloud.plugins.module_utils._places import REGION_PLACES_SPEC, region_places
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import api
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import DISK_USAGES, check_disk_listing_request
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.errors import explain


def main():
    filters = ("zone", "disk_name", "disk_usage", "tags")
    run = CloudModule(
        tencentcloud,
        dict(
            disk_ids=dict(type="list", elements="str", aliases=["disk_id"]),
            zone=dict(type="str"),
            disk_name=dict(type="str"),
            disk_usage=dict(type="str", choices=list(DISK_USAGES)),
            tags=dict(type="dict"),
            overview=dict(type="bool", default=False),
            **REGION_PLACES_SPEC,
        ),
        check_disk_listing_request,
        explain,
        places=region_places,
        mutually_exclusive=[("disk_ids", name) for name in filters + ("disks_by_region",)]
        + [("disks_by_region", name) for name in filters + ("regions",)],
    )
    run.read(api.find_disks)


if __name__ == "__main__":
    main()
