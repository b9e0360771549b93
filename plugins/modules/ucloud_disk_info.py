#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ucloud_disk_info
short_description: List UCloud disks (UDisk) and how they are backed up
description:
  - Lists the UDisks of the region (DescribeUDisk, every page), optionally filtered, with their backup mode.
author:
  - snapshield.cloud contributors (@snapshield)
extends_documentation_fragment:
  - snapshield.cloud.ucloud
  - snapshield.cloud.connection
  - ansible.builtin.action_common_attributes
  - snapshield.cloud.attributes
  - snapshield.cloud.attributes.info_module
options:
  zone:
    description:
      - Only disks in this availability zone, for example V(cn-bj2-02).
    type: str
  disk_ids:
    description:
      - Only this disk, or these disks. Disks that do not exist (or do not match the other filters) are left out.
    type: list
    elements: str
    aliases: [disk_id]
  business_group:
    description:
      - Only disks of this business group (the API's C(Tag)).
    type: str
    aliases: [tag]
  disk_name:
    description:
      - Only disks with exactly this name.
    type: str
    aliases: [name]
  zones:
    description:
      - List the disks of each of these zones (optionally only the C(disk_ids) of each), with the filters, in one
        task - the zones side by side. Each zone is read in its C(region) (by default the zone's name less its last
        part - V(cn-bj2-02) is in V(cn-bj2)). Every disk carries its RV(disks[].region).
      - Cannot be combined with O(zone) or O(disk_ids).
    type: list
    elements: dict
    version_added: 0.2.0
    suboptions:
      zone:
        description: The zone, for example V(cn-bj2-02).
        type: str
        required: true
      region:
        description: Region of the zone, for example V(cn-bj2).
        type: str
      disk_ids:
        description: Only these disks of that zone.
        type: list
        elements: str
"""

EXAMPLES = r"""
- name: Every disk of a zone
  snapshield.cloud.ucloud_disk_info:
    zone: cn-bj2-02
  register: found

- name: Protect the database disks that have no snapshot service yet
  snapshield.cloud.usnap_service:
    zone: cn-bj2-02
    disk_ids: "{{ found.disks | selectattr('business_group', 'equalto', 'db')
                 | rejectattr('backup_mode', 'equalto', 'SnapshotService') | map(attribute='disk_id') }}"
    backup_mode: Ultimate

- name: One disk by ID
  snapshield.cloud.ucloud_disk_info:
    disk_ids: bsm-abcd1234
"""

RETURN = r"""
disks:
  description: The disks found.
  returned: success
  type: list
  elements: dict
  contains:
    disk_id:
      description: ID of the disk.
      type: str
      sample: bsm-abcd1234
    region:
      description: Region of the disk.
      type: str
      sample: cn-bj2
      version_added: 0.2.0
    disk_name:
      description: Name of the disk.
      type: str
      sample: db-data-01
    disk_size:
      description: Size in GB.
      type: int
      sample: 100
    status:
      description: Status of the disk, for example V(Available) or V(InUse).
      type: str
      sample: InUse
    zone:
      description: Availability zone.
      type: str
      sample: cn-bj2-02
    disk_type:
      description: Type of the disk, for example V(DataDisk) or V(SystemDisk).
      type: str
      sample: DataDisk
    is_boot:
      description: Whether it is a boot (system) disk.
      type: bool
      sample: false
    business_group:
      description: Business group (the API's C(Tag)).
      type: str
      sample: db
    backup_mode:
      description:
        - How the disk is backed up, as the API says it.
        - V(SnapshotService) (USnap), V(UDataArk) (the older data ark product), or an empty string for none.
      type: str
      sample: SnapshotService
    create_time:
      description: When the disk was created, in seconds since the epoch.
      type: int
      sample: 1735689600
"""

from ansible_collections.snapshield.cloud.plugins.module_utils import ucloud
from ansible_collections.snapshield.cloud.plugins.module_utils._module import CloudModule
from ansible_collections.snapshield.cloud.plugins.module_utils._places import ZONE_PLACES_SPEC, zone_places
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap import api
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap.checks import check_listing_request


def main():
    run = CloudModule(
        ucloud,
        dict(
            zone=dict(type="str"),
            disk_ids=dict(type="list", elements="str", aliases=["disk_id"]),
            business_group=dict(type="str", aliases=["tag"]),
            disk_name=dict(type="str", aliases=["name"]),
            **ZONE_PLACES_SPEC,
        ),
        check_listing_request,
        places=zone_places,
        mutually_exclusive=[("zones", "zone"), ("zones", "disk_ids")],
    )
    run.read(api.list_disks)


if __name__ == "__main__":
    main()
