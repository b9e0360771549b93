# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""cbs_snapshot_policy: the converger of one automatic snapshot policy, declared by its name.

``read`` finds the policies of that name (one call, or a page per 100); ``act`` creates the policy or changes
only what differs, then binds and unbinds exactly the disks that differ, 80 a call; state=absent deletes it.
In check mode nothing changes: CreateAutoSnapshotPolicy with DryRun says when a new schedule would first run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.snapshield.cloud.plugins.module_utils._converge import Converger
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import api
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import DiskError


def changes_of(policy, request):
    """The ModifyAutoSnapshotPolicyAttribute fields that make ``policy`` (as the API shows it) what is asked."""
    changes = {}
    if api.schedule_key(policy.get("Policy")) != api.schedule_key(request["schedule"]):
        changes["Policy"] = request["schedule"]
    if request["active"] is not None and policy.get("IsActivated") != request["active"]:
        changes["IsActivated"] = request["active"]
    if request["retention_days"] is not None:
        if policy.get("IsPermanent") or policy.get("RetentionDays") != request["retention_days"]:
            changes["RetentionDays"] = request["retention_days"]
    elif request["permanent"] and not policy.get("IsPermanent"):
        changes["IsPermanent"] = True
    return changes


def planned(policy, changes, request, bind, unbind, next_trigger):
    """The policy as it will be: ``policy`` (a result; empty for a new one) with the changes and bindings."""
    after = dict(policy) if policy else api.policy_result({"AutoSnapshotPolicyName": request["name"]})
    if not policy:
        after.update(active=True, permanent=False, retention_days=7, policy_state="NORMAL")
    schedule = changes.get("Policy")
    if schedule is not None:
        after.update(api.schedule_result(schedule[0]), schedule=[api.schedule_result(item) for item in schedule])
    if "IsActivated" in changes:
        after["active"] = changes["IsActivated"]
    if "RetentionDays" in changes:
        after.update(retention_days=changes["RetentionDays"], permanent=False)
    if "IsPermanent" in changes:
        after["permanent"] = changes["IsPermanent"]
    after["disk_ids"] = sorted((set(after["disk_ids"]) | set(bind)) - set(unbind))
    after["next_trigger_time"] = next_trigger
    return after


class PolicyConverger(Converger):
    def __init__(self, module, client, request):
        self.check_mode = module.check_mode
        self.client = client
        self.request = request
        self.found = []

    def read(self):
        self.found = api.policies_named(self.client, [self.request["name"]])
        if len(self.found) > 1 and self.request["state"] == "present":
            raise DiskError(
                "%d automatic snapshot policies are named %r (%s): delete all but one (cbs_snapshot_policy with "
                "state=absent deletes them all), then run the task again"
                % (
                    len(self.found),
                    self.request["name"],
                    ", ".join(policy["AutoSnapshotPolicyId"] for policy in self.found),
                )
            )
        return [self.request["name"]]

    def act(self, target):
        name = target
        if self.request["state"] == "absent":
            return self._absent(name)
        existing = self.found[0] if self.found else None
        before = api.policy_result(existing) if existing else {}
        changes = changes_of(existing, self.request) if existing else self._create_params()
        wanted = self.request["disk_ids"]
        bound = set(before.get("disk_ids") or [])
        bind = [] if wanted is None else [disk_id for disk_id in wanted if disk_id not in bound]
        unbind = sorted(bound - set(wanted)) if self.request["exclusive"] else []
        changed = bool(changes or bind or unbind)
        if self.check_mode:
            return self._planned(before, changes, bind, unbind)
        if existing is None:
            policy_id = api.create_policy(self.client, changes)["AutoSnapshotPolicyId"]
        else:
            policy_id = existing["AutoSnapshotPolicyId"]
            if changes:
                api.modify_policy(
                    self.client, dict(changes, AutoSnapshotPolicyId=policy_id), lambda: self._has(policy_id)
                )
        if bind:
            api.bind_disks(self.client, policy_id, bind)
        if unbind:
            api.unbind_disks(self.client, policy_id, unbind)
        after = api.policy_result(api.policy_by_id(self.client, policy_id)) if changed else dict(before)
        result = dict(after, changed=changed, bound=bind, unbound=unbind)
        if changed:
            result["diff"] = dict(before=before, after=after)
        return result

    def _create_params(self):
        request = self.request
        params = dict(Policy=request["schedule"], AutoSnapshotPolicyName=request["name"])
        if request["active"] is not None:
            params["IsActivated"] = request["active"]
        if request["retention_days"] is not None:
            params["RetentionDays"] = request["retention_days"]
        elif request["permanent"]:
            params["IsPermanent"] = True
        return params

    def _planned(self, before, changes, bind, unbind):
        """Check mode: the policy as it would be, with the exact disks that would be bound and unbound."""
        if bind:
            unusable = api.unusable_disks(self.client, bind)
            if unusable:
                raise DiskError("; ".join(unusable[disk_id] for disk_id in bind if disk_id in unusable))
        next_trigger = before.get("next_trigger_time")
        if "Policy" in changes:
            next_trigger = api.next_trigger_time(self.client, changes["Policy"])
        if not before:  # a new policy: every field is a change
            changes = {key: value for key, value in changes.items() if key != "AutoSnapshotPolicyName"}
        after = planned(before, changes, self.request, bind, unbind, next_trigger)
        changed = bool(changes or bind or unbind)
        result = dict(after, changed=changed, bound=bind, unbound=unbind)
        if changed:
            result["diff"] = dict(before=before, after=dict(after))
        return result

    def _has(self, policy_id):
        """Whether a ModifyAutoSnapshotPolicyAttribute whose answer was lost took effect: nothing left to change."""
        found = api.policies_by_id(self.client, [policy_id])
        return bool(found) and not changes_of(found[0], self.request)

    def _absent(self, name):
        if not self.found:
            return dict(name=name, changed=False, deleted=[])
        deleted = [api.policy_result(policy) for policy in self.found]
        if not self.check_mode:
            api.delete_policies(self.client, [policy["policy_id"] for policy in deleted])
        before = deleted[0] if len(deleted) == 1 else deleted
        return dict(name=name, changed=True, deleted=deleted, diff=dict(before=before, after={}))
