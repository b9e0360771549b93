# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: ucloud_disks
short_description: UCloud disks (UDisk) as inventory hosts
version_added: 0.1.0
description:
  - Every UDisk of the given regions (zones, projects), matching the given filters, is a host named by its disk ID,
    with the disk's details, its business group, what it is attached to and its backup mode as host variables.
  - Each region, zone and project is read side by side with C(DescribeUDisk), page by page.
  - Every host has C(ansible_connection=local) and C(ansible_python_interpreter={{ ansible_playbook_python }}),
    since a disk is worked from the controller through the API.
  - Uses a YAML configuration file whose name ends with C(.ucloud_disks.yml) or C(.ucloud_disks.yaml).
  - The credentials, base URL and connection options are those of the modules, from the file or else from the same
    environment variables (an empty value counts as not set). Their string values may be templates,
    for example C({{ vault_ucloud_private_key }}) with the value given as an extra var.
author:
  - snapshield.cloud contributors (@snapshield)
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - snapshield.cloud.ucloud
  - snapshield.cloud.connection
options:
  plugin:
    description: Marks the file as a configuration of this plugin.
    required: true
    type: str
    choices: [snapshield.cloud.ucloud_disks]
  regions:
    description:
      - The regions whose disks become hosts, for example V([cn-bj2, cn-sh2]).
      - When not set, the regions of O(zones), or else the one region of O(region) (or E(UCLOUD_REGION)).
    type: list
    elements: str
  region:
    description:
      - One region to read when neither O(regions) nor O(zones) is set, for example V(cn-bj2).
      - If not set, the value of the E(UCLOUD_REGION) environment variable is used.
  zones:
    description:
      - Only the disks of these availability zones, for example V([cn-bj2-02, cn-bj2-03]), each read in its region.
      - Every zone must be in one of O(regions) when both are set.
    type: list
    elements: str
  project_ids:
    description:
      - The projects whose disks are read, each apart. A disk listed by several of them is one host.
      - When not set, the project of O(project_id) (or E(UCLOUD_PROJECT_ID)), else the account's default project.
    type: list
    elements: str
  business_group:
    description:
      - Only disks of this business group (the API's C(Tag)), applied by the API.
    type: str
  disk_type:
    description:
      - Only disks of this type, applied by the API (C(DiskType)), for example V(DataDisk), V(SystemDisk),
        V(SSDDataDisk), V(RSSDDataDisk).
    type: str
seealso:
  - plugin: snapshield.cloud.cbs_disks
    plugin_type: inventory
  - module: snapshield.cloud.ucloud_disk_info
"""

EXAMPLES = r"""
# fleet.ucloud_disks.yml: two zones of Beijing 2, grouped by zone and backup mode
plugin: snapshield.cloud.ucloud_disks
zones: [cn-bj2-02, cn-bj2-03]
disk_type: DataDisk
keyed_groups:
  - key: zone
    prefix: zone
  - key: backup_mode | default('none', true)
    prefix: backup
groups:
  unprotected: backup_mode == ''
  db: business_group == 'db'

# ---
# Two regions and two projects, credentials from UCLOUD_PUBLIC_KEY and UCLOUD_PRIVATE_KEY, cached
# plugin: snapshield.cloud.ucloud_disks
# regions: [cn-bj2, cn-sh2]
# project_ids: [org-abc123, org-def456]
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/snapshield-inventory
"""

from ansible_collections.snapshield.cloud.plugins.module_utils import ucloud
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap import api
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap.checks import check_inventory_request, region_of
from ansible_collections.snapshield.cloud.plugins.plugin_utils.disk_inventory import DiskInventory


class InventoryModule(DiskInventory):
    NAME = "snapshield.cloud.ucloud_disks"
    SUFFIXES = (".ucloud_disks.yml", ".ucloud_disks.yaml")
    cloud = ucloud
    OWN_OPTIONS = ("regions", "zones", "project_ids", "business_group", "disk_type")

    def check(self, options):
        return check_inventory_request(options)

    def units(self, request):
        """(region, zone or None, project or None): each zone listed apart, or each region whole."""
        places = [(region_of(zone), zone) for zone in request["zones"]] or [(r, None) for r in request["regions"]]
        return [(region, zone, project) for region, zone in places for project in request["project_ids"]]

    def read(self, client, request, unit):
        region, zone, project = unit
        rows = api.region_disks(client, region, zone, project, request["filters"])
        return [api.inventory_host(row, region, project) for row in rows]
