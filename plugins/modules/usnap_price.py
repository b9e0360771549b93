#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: usnap_price
short_description: What UCloud USnap snapshot protection costs
description:
  - Asks UCloud (DescribeSnapshotServicePrice) what a USnap snapshot service costs for a disk size or a disk,
    a backup chain, a charge type and a quantity. Changes nothing.
  - Works ad hoc, with the credentials from the E(UCLOUD_PUBLIC_KEY), E(UCLOUD_PRIVATE_KEY) and E(UCLOUD_REGION)
    environment variables, for example C(ansible localhost -m snapshield.cloud.usnap_price -a "zone=cn-bj2-02
    disk_size=100 backup_mode=Ultimate").
author:
  - snapshield.cloud contributors (@snapshield)
extends_documentation_fragment:
  - snapshield.cloud.ucloud
  - snapshield.cloud.connection
  - snapshield.cloud.usnap_plan
  - ansible.builtin.action_common_attributes
  - snapshield.cloud.attributes
  - snapshield.cloud.attributes.info_module
options:
  disk_size:
    description:
      - Disk size in GB to price. One of O(disk_size) and O(disk_id) is required.
    type: int
    aliases: [size]
  disk_id:
    description:
      - ID of a UDisk in O(zone) whose size to price (looked up with DescribeUDisk).
    type: str
  zone:
    description:
      - Availability zone, for example V(cn-bj2-02).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Price the flagship chain for 100 GB
  snapshield.cloud.usnap_price:
    zone: cn-bj2-02
    disk_size: 100
    backup_mode: Ultimate
  register: quote

- name: Show it
  ansible.builtin.debug:
    msg: "{{ quote.price_units }} per {{ quote.charge_type }}"

- name: Price a custom chain for a disk, for a year
  snapshield.cloud.usnap_price:
    zone: cn-bj2-02
    disk_id: bsm-abcd1234
    backup_mode: Custom
    journal: 24
    hour: 48
    day: 10
    charge_type: Year
"""

RETURN = r"""
price:
  description: Price to pay, in cents as the API gives it.
  returned: success
  type: int
  sample: 1800
original_price:
  description: Discounted price (the API's C(OriginalPrice)), in cents.
  returned: success
  type: int
  sample: 1800
list_price:
  description: List price (the API's C(ListPrice)), in cents.
  returned: success
  type: int
  sample: 2000
charge_type:
  description: Charge type the price is for, V(Year), V(Month) or V(Dynamic).
  returned: success
  type: str
  sample: Month
price_units:
  description: RV(price) in currency units (divided by 100).
  returned: success
  type: float
  sample: 18.0
original_price_units:
  description: RV(original_price) in currency units.
  returned: success
  type: float
  sample: 18.0
list_price_units:
  description: RV(list_price) in currency units.
  returned: success
  type: float
  sample: 20.0
disk_size:
  description: Disk size in GB that was priced (O(disk_size), or the size of O(disk_id)).
  returned: success
  type: int
  sample: 100
"""

from ansible_collections.snapshield.cloud.plugins.module_utils import ucloud
from ansible_collections.snapshield.cloud.plugins.module_utils._module import CloudModule
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap import api
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap.checks import (
    check_price_request,
    plan_argument_spec,
)


def main():
    run = CloudModule(
        ucloud,
        dict(
            disk_size=dict(type="int", aliases=["size"]),
            disk_id=dict(type="str"),
            zone=dict(type="str", required=True),
            **plan_argument_spec(),
        ),
        check_price_request,
        mutually_exclusive=[("disk_size", "disk_id")],
        required_one_of=[("disk_size", "disk_id")],
    )
    run.read(api.quote)


if __name__ == "__main__":
    main()
