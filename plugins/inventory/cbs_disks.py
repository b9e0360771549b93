# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: cbs_disks
short_description: Tencent Cloud CBS disks as inventory hosts
version_added: 0.1.0
description:
  - Every CBS disk of the given regions, matching the given filters, is a host named by its disk ID, with the disk's
    details, its tags and the automatic snapshot policies bound to it as host variables.
  - Regions are read side by side (Tencent Cloud limits each action per region), each with C(DescribeDisks) page by
    page and the policy bindings in the same calls (C(ReturnBindAutoSnapshotPolicy)).
  - Every host has C(ansible_connection=local) and C(ansible_python_interpreter={{ ansible_playbook_python }}),
    since a disk is worked from the controller through the API.
  - Uses a YAML configuration file whose name ends with C(.cbs_disks.yml) or C(.cbs_disks.yaml).
  - The credentials, endpoint and connection options are those of the modules, from the file or else from the same
    environment variables (an empty value counts as not set). Their string values may be templates,
    for example C({{ vault_tencent_secret_key }}) with the value given as an extra var.
author:
  - snapshield.cloud contributors (@snapshield)
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - snapshield.cloud.tencentcloud
  - snapshield.cloud.connection
options:
  plugin:
    description: Marks the file as a configuration of this plugin.
    required: true
    type: str
    choices: [snapshield.cloud.cbs_disks]
  regions:
    description:
      - The regions whose disks become hosts, for example V([ap-guangzhou, ap-shanghai]).
      - When not set, the one region of O(region) (or E(TENCENTCLOUD_REGION)).
    type: list
    elements: str
  region:
    description:
      - One region to read when O(regions) is not set, for example V(ap-guangzhou).
      - If not set, the value of the E(TENCENTCLOUD_REGION) environment variable is used.
  filters:
    description:
      - Only disks matching every filter, applied by the API (C(DescribeDisks) C(Filters)).
      - A dictionary of filter names to a value or a list of values (any of them matches).
      - Names are those of the API, for example V(zone), V(disk-usage), V(disk-type), V(disk-state), V(disk-name),
        V(disk-id), V(instance-id), V(project-id), V(portable), V(tag-key), V(tag-value) and V(tag:<key>) for a tag's
        value. An unknown name fails before any call.
    type: dict
    default: {}
seealso:
  - plugin: snapshield.cloud.ucloud_disks
    plugin_type: inventory
  - module: snapshield.cloud.cbs_disk_info
"""

EXAMPLES = r"""
# prod.cbs_disks.yml: production data disks of two regions, grouped by region, zone and bound policy
plugin: snapshield.cloud.cbs_disks
regions: [ap-guangzhou, ap-shanghai]
filters:
  disk-usage: DATA_DISK
  tag:env: prod
keyed_groups:
  - key: region
    prefix: region
  - key: zone
    prefix: zone
  - key: auto_snapshot_policy_ids
    prefix: policy
groups:
  unprotected: auto_snapshot_policy_ids | length == 0

# ---
# Credentials from a vault through an extra var, and the cache for an hour
# plugin: snapshield.cloud.cbs_disks
# secret_id: AKIDEXAMPLE
# secret_key: "{{ vault_tencent_secret_key }}"
# region: ap-guangzhou
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/snapshield-inventory
# cache_timeout: 3600
"""

from ansible_collections.snapshield.cloud.plugins.module_utils import tencentcloud
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import api
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import check_inventory_request
from ansible_collections.snapshield.cloud.plugins.plugin_utils.disk_inventory import DiskInventory


class InventoryModule(DiskInventory):
    NAME = "snapshield.cloud.cbs_disks"
    SUFFIXES = (".cbs_disks.yml", ".cbs_disks.yaml")
    cloud = tencentcloud
    OWN_OPTIONS = ("regions", "filters")

    def check(self, options):
        return check_inventory_request(options)

    def units(self, request):
        return request["regions"]

    def read(self, client, request, unit):
        return [api.inventory_host(raw, unit) for raw in api.region_disks(client.in_region(unit), request["filters"])]
