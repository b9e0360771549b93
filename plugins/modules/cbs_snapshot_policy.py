#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cbs_snapshot_policy
short_description: Declare a Tencent Cloud CBS automatic snapshot policy and the disks bound to it
version_added: 0.2.0
description:
  - Makes sure the automatic snapshot policy named O(name) exists with the schedule, retention and activation
    asked for, and that the disks of O(disk_ids) are bound to it (and, with O(exclusive), only they); or
    that no policy of that name exists.
  - CBS then takes the snapshots itself, on schedule, whether or not any job runs.
  - The name is the policy's identity. The module creates the policy when no policy has that name, and changes
    only the fields that differ from the request (ModifyAutoSnapshotPolicyAttribute). Options left out are
    not compared, except the schedule, which O(hours) and its days declare completely.
  - Disks are bound and unbound exactly where the bindings differ, 80 disks a call. A disk bound by anyone
    else stays bound unless O(exclusive) is set.
  - CreateAutoSnapshotPolicy has no idempotency token. When its answer is lost (timeout, server error,
    dropped connection), the module looks for a policy of that name before it creates one again, so there
    are never two policies of one name. Every other change whose answer is lost is read back before it is
    sent again; unbinding and deleting are never sent again without reading first.
  - When several policies already have the name (made elsewhere), the task fails naming them, and changes
    nothing; O(state=absent) deletes them all.
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
    details:
      - Nothing changes. A new or changed schedule's first run comes from CreateAutoSnapshotPolicy with
        C(DryRun), which creates nothing; RV(policy.bound) and RV(policy.unbound) list the exact disks that
        would be bound and unbound, and disks that do not exist or cannot have snapshots fail the task.
  diff_mode:
    support: full
    details: The policy before and after, with its bound disks.
options:
  name:
    description:
      - Name of the policy, at most 60 bytes in UTF-8. It identifies the policy, compared exactly.
    type: str
    required: true
  state:
    description:
      - V(present) makes sure the policy exists as declared; V(absent) deletes every policy of that name
        (the disks bound to it are then bound to nothing). Deleting nothing is not a change.
    type: str
    choices: [present, absent]
    default: present
  hours:
    description:
      - Hours of the day (0 to 23, Beijing time as CBS counts them) at which snapshots are taken.
      - Required with O(state=present).
    type: list
    elements: int
  weekdays:
    description:
      - Days of the week on which snapshots are taken, 0 (Sunday) to 6 (Saturday).
      - Without O(weekdays), O(days_of_month) and O(interval_days), every day.
    type: list
    elements: int
  days_of_month:
    description:
      - Days of the month (1 to 31) on which snapshots are taken.
    type: list
    elements: int
  interval_days:
    description:
      - Take snapshots every this many days (1 to 365), counted by CBS from the policy's creation.
    type: int
  retention_days:
    description:
      - Days CBS keeps each snapshot the policy takes, 1 to 36500. A new policy without it (and without
        O(permanent)) keeps them 7 days, as CBS does by default.
    type: int
  permanent:
    description:
      - V(true) keeps the policy's snapshots until they are deleted. V(false) needs O(retention_days).
      - Left out, an existing policy's retention is not changed unless O(retention_days) is given.
    type: bool
  active:
    description:
      - Whether the policy runs. A new policy without it is active.
      - Left out, an existing policy's activation is not changed.
    type: bool
  disk_ids:
    description:
      - Disks to bind to the policy. Left out, bindings are not changed.
      - An empty list is allowed only with O(exclusive), and unbinds every disk.
    type: list
    elements: str
    aliases: [disk_id]
  exclusive:
    description:
      - Unbind the disks bound to the policy that are not in O(disk_ids).
    type: bool
    default: false
notes:
  - CBS rate-limits these actions per region and per sub-account (20 calls a second).
seealso:
  - module: snapshield.cloud.cbs_snapshot_policy_info
  - module: snapshield.cloud.cbs_snapshot
"""

EXAMPLES = r"""
- name: Snapshot two disks every night at 02:00, keep each snapshot 14 days
  snapshield.cloud.cbs_snapshot_policy:
    name: nightly
    hours: [2]
    retention_days: 14
    disk_ids: [disk-lzrg2pwi, disk-7ke2a9x1]

- name: Weekly on Sunday and Wednesday at 03:00 and 15:00, kept until deleted
  snapshield.cloud.cbs_snapshot_policy:
    name: weekly-db
    hours: [3, 15]
    weekdays: [0, 3]
    permanent: true

- name: On the 1st and 15th of each month, bound to exactly these disks (others are unbound)
  snapshield.cloud.cbs_snapshot_policy:
    name: monthly
    hours: [1]
    days_of_month: [1, 15]
    retention_days: 90
    disk_ids: [disk-7ke2a9x1]
    exclusive: true

- name: Pause a policy without changing its disks
  snapshield.cloud.cbs_snapshot_policy:
    name: nightly
    hours: [2]
    active: false

- name: Remove the policy
  snapshield.cloud.cbs_snapshot_policy:
    name: weekly-db
    state: absent
"""

RETURN = r"""
policy:
  description:
    - The policy after the task (in check mode, as it would be; a new one has a null ID and creation time).
    - With O(state=absent), RV(policy.name), RV(policy.changed) and RV(policy.deleted).
  returned: success
  type: dict
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
      sample: 14
    hours:
      description: Hours of the day at which the policy runs.
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
      description: Every schedule item of the policy (a policy made elsewhere may have several), with the keys above.
      type: list
      elements: dict
      sample: [{"hours": [2], "weekdays": [0, 1, 2, 3, 4, 5, 6], "days_of_month": null, "interval_days": null}]
    next_trigger_time:
      description: When the policy next runs, as CBS reports it (in check mode, from C(DryRun)).
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
      sample: [disk-lzrg2pwi, disk-7ke2a9x1]
    bound:
      description: The disks this task bound (or would bind).
      type: list
      elements: str
      sample: [disk-7ke2a9x1]
    unbound:
      description: The disks this task unbound (or would unbind).
      type: list
      elements: str
      sample: []
    changed:
      description: Whether the policy or its bindings changed.
      type: bool
      sample: true
    deleted:
      description: With O(state=absent), the policies deleted (or that would be), with the keys above.
      type: list
      elements: dict
      sample: []
results:
  description:
    - A list holding RV(policy). A failed task has C(name), C(failed), C(msg) and, for an API failure, C(error) in it.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.snapshield.cloud.plugins.module_utils import tencentcloud
from ansible_collections.snapshield.cloud.plugins.module_utils._module import CloudModule
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import check_policy_request
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.errors import explain
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.policy import PolicyConverger


def main():
    run = CloudModule(
        tencentcloud,
        dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            hours=dict(type="list", elements="int"),
            weekdays=dict(type="list", elements="int"),
            days_of_month=dict(type="list", elements="int"),
            interval_days=dict(type="int"),
            retention_days=dict(type="int"),
            permanent=dict(type="bool"),
            active=dict(type="bool"),
            disk_ids=dict(type="list", elements="str", aliases=["disk_id"]),
            exclusive=dict(type="bool", default=False),
        ),
        check_policy_request,
        explain,
        mutually_exclusive=[("weekdays", "days_of_month", "interval_days")],
    )
    run.converge(
        lambda client, request: PolicyConverger(run.module, client, request),
        single_key="policy",
        target_key="name",
        noun="policies",
    )


if __name__ == "__main__":
    main()
