# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Automatic snapshot policies: checks, and the policy converger against an in-memory CBS behind the real client
(so retries, classification and the lost-answer guard are the client's own)."""

import pytest

from ansible_collections.snapshield.cloud.plugins.module_utils._converge import converge
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import api as cbs_api
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import checks
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.policy import PolicyConverger
from ansible_collections.snapshield.cloud.plugins.module_utils.tencentcloud import TencentCloudClient
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import TRANSIENT, ApiError, DiskError

NOW = 1700000000.0
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


# Checks -----------------------------------------------------------------------------------------------------


def params(**overrides):
    base = dict(
        name="nightly",
        state="present",
        hours=[2],
        weekdays=None,
        days_of_month=None,
        interval_days=None,
        retention_days=None,
        permanent=None,
        active=None,
        disk_ids=None,
        exclusive=False,
    )
    base.update(overrides)
    return base


def test_a_schedule_without_days_runs_every_day():
    request = checks.check_policy_request(params(hours=[14, 2, 2]))
    assert request["schedule"] == [dict(Hour=[2, 14], DayOfWeek=EVERY_DAY)]
    assert checks.check_policy_request(params(days_of_month=[15, 1]))["schedule"] == [
        dict(Hour=[2], DayOfMonth=[1, 15])
    ]
    assert checks.check_policy_request(params(interval_days=3))["schedule"] == [dict(Hour=[2], IntervalDays=3)]


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(name=" "), "^name must not be empty"),
        (dict(name="快" * 21), "^name is 63 bytes long"),
        (dict(hours=None), "^hours is required with state=present"),
        (dict(hours=[]), "^hours must be a non-empty list"),
        (dict(hours=[24]), "^hours must hold numbers from 0 to 23, got 24"),
        (dict(hours=[True]), "^hours must hold numbers"),
        (dict(weekdays=[7]), "^weekdays must hold numbers from 0 to 6"),
        (dict(days_of_month=[0]), "^days_of_month must hold numbers from 1 to 31"),
        (dict(interval_days=366), "^interval_days must be at most 365"),
        (dict(interval_days=0), "^interval_days must be 1 or more"),
        (dict(weekdays=[1], interval_days=2), "^weekdays and interval_days cannot be combined"),
        (dict(permanent=True, retention_days=3), "^retention_days cannot be combined with permanent=true"),
        (dict(permanent=False), "^permanent=false needs retention_days"),
        (dict(retention_days=0), "^retention_days must be 1 or more"),
        (dict(disk_ids=[]), "^disk_ids must be a disk id or a non-empty list"),
        (dict(disk_ids=["disk-1", "disk-1"]), "^disk_ids lists disk-1 more than once"),
        (dict(exclusive=True), "^exclusive needs disk_ids"),
        (dict(state="absent", disk_ids=["disk-1"]), "^hours, disk_ids only apply with state=present"),
    ],
)
def test_bad_requests_name_the_option(overrides, message):
    with pytest.raises(ValueError, match=message):
        checks.check_policy_request(params(**overrides))


def test_exclusive_with_no_disks_unbinds_every_disk_and_absent_needs_only_the_name():
    assert checks.check_policy_request(params(disk_ids=[], exclusive=True))["disk_ids"] == []
    assert checks.check_policy_request(params(state="absent", hours=None))["name"] == "nightly"


def test_listing_request():
    request = checks.check_policy_listing_request(dict(policy_ids=None, names=["a", "b"], policy_state="NORMAL"))
    assert request == dict(policy_ids=None, names=["a", "b"], state="NORMAL")
    with pytest.raises(ValueError, match="^names must not contain empty ids"):
        checks.check_policy_listing_request(dict(policy_ids=None, names=["a", ""], policy_state=None))


# The converger ----------------------------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakePolicies(TencentCloudClient):
    """CBS policies in memory. ``faults[action]``: (when, ApiError) pairs used one per call, "before"/"after" apply."""

    def __init__(self, clock):
        super(FakePolicies, self).__init__(
            "AKID", "secret", "ap-guangzhou", rate_limit=0, sleep=clock.sleep, clock=clock, retries=2
        )
        self.policies, self.log, self.faults, self.serial = {}, [], {}, 0
        self.disks = {"disk-%d" % n for n in range(1, 300)}

    def add(self, name, schedule=None, disks=(), **fields):
        self.serial += 1
        policy_id = "asp-%04d" % self.serial
        self.policies[policy_id] = dict(
            dict(
                AutoSnapshotPolicyId=policy_id,
                AutoSnapshotPolicyName=name,
                AutoSnapshotPolicyState="NORMAL",
                IsActivated=True,
                IsPermanent=False,
                RetentionDays=7,
                Policy=schedule or [dict(Hour=[2], DayOfWeek=EVERY_DAY)],
                DiskIdSet=list(disks),
                NextTriggerTime="2023-11-15T02:00:00+08:00",
                CreateTime="2023-11-01T00:00:00+00:00",
            ),
            **fields,
        )
        return policy_id

    def _send(self, action, params):
        self.log.append((action, params))
        pending = self.faults.get(action) or []
        when, error = pending.pop(0) if pending else (None, None)
        if when == "before":
            raise error
        result = getattr(self, action)(params)
        if when == "after":
            raise error
        return result

    def _policy(self, policy_id):
        if policy_id not in self.policies:
            raise ApiError("gone", code="InvalidAutoSnapshotPolicyId.NotFound", action="x")
        return self.policies[policy_id]

    def CreateAutoSnapshotPolicy(self, params):
        assert "ClientToken" not in params
        if params.get("DryRun"):
            return dict(NextTriggerTime="2023-11-16T03:00:00+08:00")
        fields = {k: params[k] for k in ("IsActivated", "IsPermanent", "RetentionDays") if k in params}
        policy_id = self.add(params["AutoSnapshotPolicyName"], params["Policy"], **fields)
        return dict(AutoSnapshotPolicyId=policy_id, NextTriggerTime="2023-11-15T02:00:00+08:00")

    def ModifyAutoSnapshotPolicyAttribute(self, params):
        policy = self._policy(params["AutoSnapshotPolicyId"])
        for key in ("IsActivated", "IsPermanent", "Policy", "RetentionDays"):
            if key in params:
                policy[key] = params[key]
        if "RetentionDays" in params:
            policy["IsPermanent"] = False
        return {}

    def DescribeAutoSnapshotPolicies(self, params):
        rows = [dict(p, DiskIdSet=list(p["DiskIdSet"])) for p in self.policies.values()]
        for flt in params.get("Filters", []):
            column = {
                "auto-snapshot-policy-id": "AutoSnapshotPolicyId",
                "auto-snapshot-policy-name": "AutoSnapshotPolicyName",
                "auto-snapshot-policy-state": "AutoSnapshotPolicyState",
            }[flt["Name"]]
            rows = [r for r in rows if r[column] in flt["Values"]]
        offset, limit = params["Offset"], params["Limit"]
        return dict(TotalCount=len(rows), AutoSnapshotPolicySet=rows[offset : offset + limit])

    def DeleteAutoSnapshotPolicies(self, params):
        for policy_id in params["AutoSnapshotPolicyIds"]:
            self._policy(policy_id)
        for policy_id in params["AutoSnapshotPolicyIds"]:
            del self.policies[policy_id]
        return {}

    def BindAutoSnapshotPolicy(self, params):
        policy = self._policy(params["AutoSnapshotPolicyId"])
        assert len(params["DiskIds"]) <= 80
        for disk_id in params["DiskIds"]:
            if disk_id not in self.disks:
                raise ApiError("no disk", code="InvalidDiskId.NotFound", action="BindAutoSnapshotPolicy")
            if disk_id in policy["DiskIdSet"]:
                raise ApiError("bound", code="InvalidDisk.AlreadyBound", action="BindAutoSnapshotPolicy")
        policy["DiskIdSet"].extend(params["DiskIds"])
        return {}

    def UnbindAutoSnapshotPolicy(self, params):
        policy = self._policy(params["AutoSnapshotPolicyId"])
        policy["DiskIdSet"] = [d for d in policy["DiskIdSet"] if d not in params["DiskIds"]]
        return {}

    def DescribeDisks(self, params):
        disks = [dict(DiskId=d, SnapshotAbility=True) for d in params["DiskIds"] if d in self.disks]
        return dict(TotalCount=len(disks), DiskSet=disks)

    def actions(self, name=None):
        return [a for a, p in self.log if name in (None, a)]


class Module:
    def __init__(self, check_mode=False):
        self.check_mode = check_mode


def run(client, check_mode=False, **overrides):
    request = checks.check_policy_request(params(**overrides))
    outcome = converge(PolicyConverger(Module(check_mode), client, request))[request["name"]]
    if outcome.error is not None:
        raise outcome.error
    return outcome.result


@pytest.fixture
def cbs():
    return FakePolicies(Clock())


def named(cbs, name="nightly"):
    return [p for p in cbs.policies.values() if p["AutoSnapshotPolicyName"] == name]


def lost(when="after"):
    return [(when, ApiError("timeout", code="NetworkError", kind=TRANSIENT))]


def test_create_binds_in_batches_of_eighty_then_a_rerun_only_reads(cbs):
    disks = ["disk-%d" % n for n in range(1, 201)]
    result = run(cbs, disk_ids=disks, retention_days=14)
    assert result["changed"] and result["bound"] == disks and result["unbound"] == []
    (policy,) = named(cbs)
    assert policy["RetentionDays"] == 14 and sorted(policy["DiskIdSet"]) == sorted(disks)
    assert [len(p["DiskIds"]) for a, p in cbs.log if a == "BindAutoSnapshotPolicy"] == [80, 80, 40]
    assert result["disk_ids"] == sorted(disks) and result["diff"]["before"] == {}
    cbs.log.clear()
    again = run(cbs, disk_ids=disks, retention_days=14)
    assert not again["changed"] and "diff" not in again
    assert set(cbs.actions()) == {"DescribeAutoSnapshotPolicies"}


def test_only_what_differs_is_modified(cbs):
    cbs.add("nightly", disks=["disk-1"])
    result = run(cbs, hours=[2], retention_days=30, disk_ids=["disk-1"])
    assert result["changed"] and result["retention_days"] == 30
    (modify,) = [p for a, p in cbs.log if a == "ModifyAutoSnapshotPolicyAttribute"]
    assert modify == dict(AutoSnapshotPolicyId="asp-0001", RetentionDays=30)
    assert result["diff"]["before"]["retention_days"] == 7 and result["diff"]["after"]["retention_days"] == 30
    assert not cbs.actions("BindAutoSnapshotPolicy")


def test_a_schedule_in_another_order_is_the_same_schedule(cbs):
    cbs.add("nightly", schedule=[dict(DayOfWeek=[6, 5, 4, 3, 2, 1, 0], Hour=[14, 2])])
    assert not run(cbs, hours=[2, 14])["changed"]
    assert run(cbs, hours=[2, 14], weekdays=[1])["changed"]
    assert named(cbs)[0]["Policy"] == [dict(Hour=[2, 14], DayOfWeek=[1])]


def test_exclusive_unbinds_exactly_the_disks_not_listed(cbs):
    cbs.add("nightly", disks=["disk-1", "disk-2", "disk-3"])
    result = run(cbs, disk_ids=["disk-2", "disk-4"], exclusive=True)
    assert result["bound"] == ["disk-4"] and result["unbound"] == ["disk-1", "disk-3"]
    assert sorted(named(cbs)[0]["DiskIdSet"]) == ["disk-2", "disk-4"]
    (unbind,) = [p for a, p in cbs.log if a == "UnbindAutoSnapshotPolicy"]
    assert unbind["DiskIds"] == ["disk-1", "disk-3"]


def test_without_exclusive_other_disks_stay_bound(cbs):
    cbs.add("nightly", disks=["disk-1"])
    result = run(cbs, disk_ids=["disk-2"])
    assert result["unbound"] == [] and sorted(named(cbs)[0]["DiskIdSet"]) == ["disk-1", "disk-2"]


def test_check_mode_uses_dry_run_and_lists_exact_binds_without_changing_anything(cbs):
    cbs.add("nightly", disks=["disk-1", "disk-2"])
    result = run(cbs, check_mode=True, hours=[3], disk_ids=["disk-2", "disk-9"], exclusive=True)
    assert result["changed"] and result["bound"] == ["disk-9"] and result["unbound"] == ["disk-1"]
    assert result["next_trigger_time"] == "2023-11-16T03:00:00+08:00" and result["hours"] == [3]
    assert result["disk_ids"] == ["disk-2", "disk-9"]
    (dry,) = [p for a, p in cbs.log if a == "CreateAutoSnapshotPolicy"]
    assert dry["DryRun"] is True
    mutations = {"ModifyAutoSnapshotPolicyAttribute", "BindAutoSnapshotPolicy", "UnbindAutoSnapshotPolicy"}
    assert not mutations & set(cbs.actions()) and len(cbs.policies) == 1
    assert sorted(named(cbs)[0]["DiskIdSet"]) == ["disk-1", "disk-2"]


def test_check_mode_of_a_new_policy(cbs):
    result = run(cbs, check_mode=True, disk_ids=["disk-1"], permanent=True)
    assert result["changed"] and result["policy_id"] is None and result["permanent"] is True
    assert result["next_trigger_time"] and result["bound"] == ["disk-1"] and not cbs.policies


def test_check_mode_fails_for_a_disk_that_does_not_exist(cbs):
    with pytest.raises(DiskError, match="disk-nope does not exist"):
        run(cbs, check_mode=True, disk_ids=["disk-nope"])


def test_a_lost_create_answer_finds_the_policy_by_name_and_never_makes_two(cbs):
    cbs.faults["CreateAutoSnapshotPolicy"] = lost("after")
    result = run(cbs, disk_ids=["disk-1"])
    assert result["changed"] and len(named(cbs)) == 1 and len(cbs.actions("CreateAutoSnapshotPolicy")) == 1
    assert named(cbs)[0]["DiskIdSet"] == ["disk-1"]


def test_a_create_lost_before_it_arrived_is_sent_again(cbs):
    cbs.faults["CreateAutoSnapshotPolicy"] = lost("before")
    run(cbs)
    assert len(named(cbs)) == 1 and len(cbs.actions("CreateAutoSnapshotPolicy")) == 2


def test_a_lost_bind_is_read_back_not_resent(cbs):
    cbs.add("nightly")
    cbs.faults["BindAutoSnapshotPolicy"] = lost("after")
    run(cbs, disk_ids=["disk-1", "disk-2"])
    assert len(cbs.actions("BindAutoSnapshotPolicy")) == 1 and named(cbs)[0]["DiskIdSet"] == ["disk-1", "disk-2"]


def test_a_disk_bound_meanwhile_is_not_bound_twice(cbs):
    policy_id = cbs.add("nightly")
    converger = PolicyConverger(Module(), cbs, checks.check_policy_request(params(disk_ids=["disk-1", "disk-2"])))
    converger.read()
    cbs.policies[policy_id]["DiskIdSet"].append("disk-1")  # bound by someone else after the read
    converger.act("nightly")
    assert sorted(named(cbs)[0]["DiskIdSet"]) == ["disk-1", "disk-2"]
    assert [p["DiskIds"] for a, p in cbs.log if a == "BindAutoSnapshotPolicy"] == [["disk-1", "disk-2"], ["disk-2"]]


def test_a_lost_unbind_is_read_back_before_anything_is_sent_again(cbs):
    cbs.add("nightly", disks=["disk-1", "disk-2"])
    cbs.faults["UnbindAutoSnapshotPolicy"] = lost("after")
    run(cbs, disk_ids=["disk-2"], exclusive=True)
    assert len(cbs.actions("UnbindAutoSnapshotPolicy")) == 1 and named(cbs)[0]["DiskIdSet"] == ["disk-2"]


def test_a_lost_modify_is_read_back(cbs):
    cbs.add("nightly")
    cbs.faults["ModifyAutoSnapshotPolicyAttribute"] = lost("after")
    run(cbs, active=False)
    assert len(cbs.actions("ModifyAutoSnapshotPolicyAttribute")) == 1 and named(cbs)[0]["IsActivated"] is False


def test_two_policies_of_one_name_fail_without_changing_anything(cbs):
    cbs.add("nightly")
    cbs.add("nightly")
    with pytest.raises(DiskError, match="2 automatic snapshot policies are named 'nightly' \\(asp-0001, asp-0002\\)"):
        run(cbs, disk_ids=["disk-1"])
    assert set(cbs.actions()) == {"DescribeAutoSnapshotPolicies"}


def test_absent_deletes_every_policy_of_that_name_and_only_those(cbs):
    cbs.add("nightly")
    cbs.add("nightly")
    other = cbs.add("weekly")
    result = run(cbs, state="absent", hours=None)
    assert result["changed"] and len(result["deleted"]) == 2 and list(cbs.policies) == [other]
    assert len(cbs.actions("DeleteAutoSnapshotPolicies")) == 1
    assert not run(cbs, state="absent", hours=None)["changed"]


def test_absent_in_check_mode_deletes_nothing(cbs):
    cbs.add("nightly")
    result = run(cbs, check_mode=True, state="absent", hours=None)
    assert result["changed"] and len(cbs.policies) == 1 and not cbs.actions("DeleteAutoSnapshotPolicies")


def test_a_lost_delete_is_read_back_not_resent(cbs):
    cbs.add("nightly")
    cbs.faults["DeleteAutoSnapshotPolicies"] = lost("after")
    run(cbs, state="absent", hours=None)
    assert len(cbs.actions("DeleteAutoSnapshotPolicies")) == 1 and not cbs.policies


def test_info_finds_by_exact_name_and_state(cbs):
    cbs.add("nightly", disks=["disk-2", "disk-1"])
    cbs.add("nightly-2")
    found = cbs_api.find_policies(cbs, dict(policy_ids=None, names=["nightly"], state="NORMAL"))["policies"]
    assert [p["name"] for p in found] == ["nightly"] and found[0]["disk_ids"] == ["disk-1", "disk-2"]
    assert found[0]["hours"] == [2] and found[0]["weekdays"] == EVERY_DAY and found[0]["next_trigger_time"]
    everything = cbs_api.find_policies(cbs, dict(policy_ids=None, names=None, state=None))["policies"]
    assert len(everything) == 2
    by_id = cbs_api.find_policies(cbs, dict(policy_ids=["asp-0002", "asp-9"], names=None, state=None))["policies"]
    assert [p["policy_id"] for p in by_id] == ["asp-0002"]
