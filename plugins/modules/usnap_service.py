#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: usnap_service
short_description: Declare UCloud USnap snapshot protection of disks
description:
  - Makes sure UCloud disks have a USnap snapshot service with the wanted backup chain, or none.
  - A missing service is created (CreateSnapshotService), a service with another backup mode or chain
    is changed (UpgradeUSnapBackupRange), and O(state=absent) deletes the service.
  - A disk never gets a second service. When the answer to an order is lost, the module looks the service
    up before ordering again.
  - O(charge_type), O(quantity), O(business_group) and O(coupon_id) apply when a service is created.
    UCloud cannot change them on an existing service; when O(charge_type) or O(business_group) differs from
    the existing service's, the module warns.
  - A list of disks is worked concurrently within the client's rate limit. A failing disk does not stop the
    others; the task then fails naming every failed disk, and still returns every disk's result.
author:
  - snapshield.cloud contributors (@snapshield)
extends_documentation_fragment:
  - snapshield.cloud.ucloud
  - snapshield.cloud.connection
  - snapshield.cloud.usnap_plan
  - ansible.builtin.action_common_attributes
  - snapshield.cloud.attributes
attributes:
  check_mode:
    support: full
    details: Nothing is changed. The price of each new service or change is reported.
  diff_mode:
    support: full
    details: Before and after of the backup mode, chain and charge type of each disk.
options:
  disk_ids:
    description:
      - ID of the UDisk to protect, or a list of IDs (all in O(zone)). Required unless O(zones) is given.
    type: list
    elements: str
    aliases: [disk_id]
  zone:
    description:
      - Availability zone of the disks, for example V(cn-bj2-02). Required unless O(zones) is given.
    type: str
  zones:
    description:
      - The disks of several zones, each zone with its disk IDs, worked in one task as O(disk_ids) is in O(zone) -
        the zones side by side. Each zone's calls go to its C(region) (by default the zone's name less its last
        part - V(cn-bj2-02) is in V(cn-bj2)).
      - Every result then carries its RV(results[].region); a zone that cannot be read fails its own disks, not
        the others'.
      - The client's rate limits count each action across all zones, as UCloud publishes no limit per region.
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
        description: IDs of the UDisks of that zone.
        type: list
        elements: str
  state:
    description:
      - V(present) makes sure each disk has a service with the wanted chain; V(absent) deletes it.
      - With V(absent) the plan options are ignored.
    type: str
    choices: [present, absent]
    default: present
  business_group:
    description:
      - Business group of a new service (the API's C(Tag)). UCloud uses V(Default) when not set.
    type: str
    aliases: [tag]
  coupon_id:
    description:
      - Coupon to pay for a new service with.
    type: str
  report_cost:
    description:
      - Also return what each disk's service costs for one charge period as it stands after the task (in check
        mode, as it would stand), as RV(results[].cost), for reports of what a fleet's protection costs.
      - Prices come from DescribeSnapshotServicePrice, asked once per distinct disk size, plan and charge type of
        the task, not once per disk.
    type: bool
    default: false
    version_added: 0.2.0
"""

EXAMPLES = r"""
- name: Protect a disk with the basic chain
  snapshield.cloud.usnap_service:
    disk_ids: bsm-abcd1234
    zone: cn-bj2-02

- name: Keep 36 hours of journal, 2 days of hourly and 10 days of daily points, billed yearly
  snapshield.cloud.usnap_service:
    disk_ids: bsm-abcd1234
    zone: cn-bj2-02
    backup_mode: Custom
    journal: 36
    hour: 48
    day: 10
    charge_type: Year

- name: Find the disks of the db business group
  snapshield.cloud.ucloud_disk_info:
    zone: cn-bj2-02
    business_group: db
  register: db_disks

- name: Protect its data disks with the flagship chain
  snapshield.cloud.usnap_service:
    disk_ids: "{{ db_disks.disks | rejectattr('is_boot') | map(attribute='disk_id') | list }}"
    zone: cn-bj2-02
    backup_mode: Ultimate
    business_group: db

- name: What would it cost?
  snapshield.cloud.usnap_service:
    disk_ids: bsm-abcd1234
    zone: cn-bj2-02
    backup_mode: Ultimate
  check_mode: true
  register: plan

- name: Remove the protection
  snapshield.cloud.usnap_service:
    disk_ids: bsm-abcd1234
    zone: cn-bj2-02
    state: absent
"""

RETURN = r"""
results:
  description:
    - One entry per disk, in the order of O(disk_ids).
    - With O(state=absent) only RV(results[].disk_id), RV(results[].zone), RV(results[].changed) and
      RV(results[].service_id) (the service removed, or null) are set.
    - A failed disk has RV(results[].disk_id), C(failed), C(msg) and, for an API failure, C(error).
  returned: always
  type: list
  elements: dict
  contains:
    region:
      description: Region of the disk's zone.
      type: str
      sample: cn-bj2
      version_added: 0.2.0
    service_id:
      description: ID of the snapshot service. Null in check mode for a service not yet created.
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
      description:
        - Hours of journal the chain keeps.
        - Null in check mode when the change is to V(Base) or V(Ultimate), whose chains UCloud sets.
      type: int
      sample: 36
    hour:
      description: Hours of hourly points the chain keeps (null as for RV(results[].journal)).
      type: int
      sample: 48
    day:
      description: Days of daily points the chain keeps (null as for RV(results[].journal)).
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
    changed:
      description: Whether this disk was (or, in check mode, would be) changed.
      type: bool
      sample: true
    price:
      description:
        - In check mode, for a new service or a change, what it costs.
        - For a new service the price of the service (DescribeSnapshotServicePrice); for a change the price
          of the change (DescribeSnapshotServiceUpgradePrice), which has no list price.
      returned: check mode, when the disk would change (not with O(state=absent))
      type: dict
      contains:
        price:
          description: Price to pay, in cents as the API gives it.
          type: int
          sample: 1800
        original_price:
          description: Discounted price before coupons, in cents.
          type: int
          sample: 1800
        list_price:
          description: List price in cents; null for a change.
          type: int
          sample: 2000
        charge_type:
          description: Charge type the price is for.
          type: str
          sample: Month
        price_units:
          description: RV(results[].price.price) in currency units (divided by 100).
          type: float
          sample: 18.0
        original_price_units:
          description: RV(results[].price.original_price) in currency units.
          type: float
          sample: 18.0
        list_price_units:
          description: RV(results[].price.list_price) in currency units.
          type: float
          sample: 20.0
    cost:
      description:
        - What the service costs for one period of its charge type (a quantity of 1), for its backup mode, chain and
          the disk's size (DescribeSnapshotServicePrice). Null when the disk's size is not known.
        - The keys are those of RV(results[].price).
      returned: with O(report_cost=true) and O(state=present)
      type: dict
      sample:
        price: 1800
        original_price: 1800
        list_price: 2000
        charge_type: Month
        price_units: 18.0
        original_price_units: 18.0
        list_price_units: 20.0
service:
  description: When O(disk_ids) names one disk and it did not fail, its entry of RV(results).
  returned: when one disk was given and it succeeded
  type: dict
  sample:
    service_id: usnap-1a2b3c4d
    disk_id: bsm-abcd1234
    zone: cn-bj2-02
    status: Available
    backup_mode: Base
    journal: 12
    hour: 24
    day: 5
    charge_type: Month
    business_group: Default
    disk_size: 100
    create_time: 1735689600
    expire_time: 1738281600
    changed: true
"""

from ansible_collections.snapshield.cloud.plugins.module_utils import ucloud
from ansible_collections.snapshield.cloud.plugins.module_utils._module import CloudModule
from ansible_collections.snapshield.cloud.plugins.module_utils._places import ZONE_PLACES_SPEC, zone_disk_places
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap.checks import (
    check_service_request,
    plan_argument_spec,
)
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap.service import ServiceConverger


def main():
    run = CloudModule(
        ucloud,
        dict(
            disk_ids=dict(type="list", elements="str", aliases=["disk_id"]),
            zone=dict(type="str"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            business_group=dict(type="str", aliases=["tag"]),
            coupon_id=dict(type="str"),
            report_cost=dict(type="bool", default=False),
            **dict(plan_argument_spec(), **ZONE_PLACES_SPEC),
        ),
        check_service_request,
        places=zone_disk_places,
        required_one_of=[("zone", "zones")],
        mutually_exclusive=[("zones", "zone"), ("zones", "disk_ids")],
    )
    run.converge(lambda client, request: ServiceConverger(run.module, client, request), single_key="service")


if __name__ == "__main__":
    main()
