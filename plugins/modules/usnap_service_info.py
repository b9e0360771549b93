#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: usnap_service_info
short_description: List UCloud USnap snapshot services and their backup chains
description:
  - Lists the USnap snapshot services of a zone (DescribeSnapshotService, every page), or those of the given
    disks, each with its backup mode and chain (DescribeUSnapBackupRange).
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
      - Availability zone, for example V(cn-bj2-02).
    type: str
    required: true
  disk_ids:
    description:
      - Only the services of this disk, or of these disks. Disks without a service are left out.
      - Every service of O(zone) when not set.
    type: list
    elements: str
    aliases: [disk_id]
"""

EXAMPLES = r"""
- name: Every snapshot service of a zone
  snapshield.cloud.usnap_service_info:
    zone: cn-bj2-02
  register: usnap

- name: Disks on the basic chain
  ansible.builtin.debug:
    msg: "{{ usnap.services | selectattr('backup_mode', 'equalto', 'Base') | map(attribute='disk_id') }}"

- name: The services of two disks
  snapshield.cloud.usnap_service_info:
    zone: cn-bj2-02
    disk_ids: [bsm-abcd1234, bsm-efgh5678]
"""

RETURN = r"""
services:
  description: The services found, each as an entry of the usnap_service module's C(results).
  returned: success
  type: list
  elements: dict
  sample:
    - service_id: usnap-1a2b3c4d
      disk_id: bsm-abcd1234
      zone: cn-bj2-02
      status: Available
      backup_mode: Custom
      journal: 36
      hour: 48
      day: 10
      charge_type: Month
      business_group: Default
      disk_size: 100
      create_time: 1735689600
      expire_time: 1738281600
  contains:
    service_id:
      description: ID of the snapshot service.
      type: str
      sample: usnap-1a2b3c4d
    disk_id:
      description: ID of the disk.
      type: str
      sample: bsm-abcd1234
    zone:
      description: Availability zone.
      type: str
      sample: cn-bj2-02
    status:
      description: Status of the service, V(Available), V(InAvailable) or V(Expired).
      type: str
      sample: Available
    backup_mode:
      description: Backup mode, V(Base), V(Ultimate) or V(Custom).
      type: str
      sample: Custom
    journal:
      description: Hours of journal the chain keeps.
      type: int
      sample: 36
    hour:
      description: Hours of hourly points the chain keeps.
      type: int
      sample: 48
    day:
      description: Days of daily points the chain keeps.
      type: int
      sample: 10
    charge_type:
      description: How the service is billed, V(Year), V(Month) or V(Dynamic).
      type: str
      sample: Month
    business_group:
      description: Business group of the service (the API's C(Tag)).
      type: str
      sample: Default
    disk_size:
      description: Size of the disk in GB.
      type: int
      sample: 100
    create_time:
      description: When the service was created, in seconds since the epoch.
      type: int
      sample: 1735689600
    expire_time:
      description: When the service expires, in seconds since the epoch.
      type: int
      sample: 1738281600
"""

from ansible_collections.snapshield.cloud.plugins.module_utils import ucloud
from ansible_collections.snapshield.cloud.plugins.module_utils._module import CloudModule
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap import api
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap.checks import check_listing_request


def main():
    run = CloudModule(
        ucloud,
        dict(zone=dict(type="str", required=True), disk_ids=dict(type="list", elements="str", aliases=["disk_id"])),
        check_listing_request,
    )
    run.read(api.list_services)


if __name__ == "__main__":
    main()
