#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cbs_snapshot_policy_info
short_description: List Tencent Cloud CBS automatic snapshot policies
version_added: 0.2.0
description:
  - Lists automatic snapshot policies by ID or exact name, and by state (every policy of the region without
    any), with their schedules, retention, the disks bound to them and when each next runs; every page.
author:
  - snapshield.cloud contributors (@snapshield)
extends_documentation_fragment:
  - snapshield.cloud.tencentcloud
  - snapshield.cloud.connection
  - ansible.builtin.action_common_attributes
  - snapshield.cloud.attributes
  - snapshield.cloud.attributes.info_module
options:
  policy_ids:
    description:
      - IDs of the policies. IDs that do not exist are left out of the result.
    type: list
    elements: str
  names:
    description:
      - Names of the policies, compared exactly.
    type: list
    elements: str
  policy_state:
    description:
      - Only policies in this state.
    type: str
    choices: [NORMAL, ISOLATED]
seealso:
  - module: snapshield.cloud.cbs_snapshot_policy
"""

EXAMPLES = r"""
- name: Make sure a nightly policy exists
  snapshield.cloud.cbs_snapshot_policy:
    name: nightly
    hours: [2]
    disk_ids: [disk-lzrg2pwi]

- name: The nightly policy and its disks
  snapshield.cloud.cbs_snapshot_policy_info:
    names: [nightly]
  register: nightly

- name: Show when it next runs and how many disks it protects
  ansible.builtin.debug:
    msg: "{{ nightly.policies[0].next_trigger_time }}: {{ nightly.policies[0].disk_ids | length }} disks"

- name: Every policy of the region
  snapshield.cloud.cbs_snapshot_policy_info:
  register: every_policy
"""

RETURN = r"""
policies:
  description:
    - The policies found, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    policy_id:
      description: ID of the policy.
      type: str
      sample: asp-2ozjrmbw
    name:
      description: Name of the policy.
      type: str
      sample: nightly
    policy_state:
      description: State of the policy, V(NORMAL) or V(ISOLATED).
      type: str
      sample: NORMAL
    active:
      description: Whether the policy runs.
      type: bool
      sample: true
    permanent:
      description: Whether the policy's snapshots are kept until deleted.
      type: bool
      sample: false
    retention_days:
      description: Days the policy's snapshots are kept (when not permanent).
      type: int
      sample: 7
    hours:
      description: Hours of the day at which the policy runs (of its first schedule item).
      type: list
      elements: int
      sample: [2]
    weekdays:
      description: Days of the week (0 is Sunday) on which it runs, or null.
      type: list
      elements: int
      sample: [0, 1, 2, 3, 4, 5, 6]
    days_of_month:
      description: Days of the month on which it runs, or null.
      type: list
      elements: int
      sample: null
    interval_days:
      description: Every how many days it runs, or null.
      type: int
      sample: null
    schedule:
      description: Every schedule item of the policy, with the keys above.
      type: list
      elements: dict
      sample: [{"hours": [2], "weekdays": [0, 1, 2, 3, 4, 5, 6], "days_of_month": null, "interval_days": null}]
    next_trigger_time:
      description: When the policy next runs, as CBS reports it.
      type: str
      sample: "2026-12-04T02:00:00+08:00"
    create_time:
      description: When the policy was created.
      type: str
      sample: "2026-12-03T09:00:00+00:00"
    disk_ids:
      description: The disks bound to the policy, sorted.
      type: list
      elements: str
      sample: [disk-lzrg2pwi]
"""

from ansible_collections.snapshield.cloud.plugins.module_utils import tencentcloud
from ansible_collections.snapshield.cloud.plugins.module_utils._module import CloudModule
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import api
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import (
    POLICY_STATES,
    check_policy_listing_request,
)
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.errors import explain


def main():
    run = CloudModule(
        tencentcloud,
        dict(
            policy_ids=dict(type="list", elements="str"),
            names=dict(type="list", elements="str"),
            policy_state=dict(type="str", choices=list(POLICY_STATES)),
        ),
        check_policy_listing_request,
        explain,
        mutually_exclusive=[("policy_ids", "names")],
    )
    run.read(api.find_policies)


if __name__ == "__main__":
    main()
