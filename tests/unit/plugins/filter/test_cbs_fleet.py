# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cbs_fleet role's filters: variable checks, the plan of disks, per-disk results for the report."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.snapshield.cloud.plugins.filter.cbs_fleet import (
    FilterModule,
    cbs_fleet_copyable,
    cbs_fleet_managed_tags,
    cbs_fleet_plan,
    cbs_fleet_problems,
    cbs_fleet_results,
)
from ansible_collections.snapshield.cloud.plugins.filter.fleet_report import fleet_report, fleet_report_markdown

KEY = "snapshield-managed-by"  # the wire value: snapshots already tagged with it stay managed
DEFAULTS = dict(
    cbs_fleet_disks=[],
    cbs_fleet_tags={},
    cbs_fleet_snapshot_name="cbs-fleet-2026-01-01",
    cbs_fleet_retention_days=0,
    cbs_fleet_min_age=0,
    cbs_fleet_tags_on_snapshot={},
    cbs_fleet_managed_by="cbs_fleet",
    cbs_fleet_keep=0,
    cbs_fleet_wait_timeout=1800,
    cbs_fleet_max_rpo=25,
    cbs_fleet_price_per_gb_month=0.0,
)


def problems(**overrides):
    return cbs_fleet_problems(dict(DEFAULTS, **overrides))


def test_good_variables_have_no_problem():
    assert problems(cbs_fleet_disks=["disk-1"]) == []
    assert (
        problems(
            cbs_fleet_tags={"env": "prod"},
            cbs_fleet_keep=7,
            cbs_fleet_retention_days=30,
            cbs_fleet_tags_on_snapshot={"owner": "dba", KEY: "cbs_fleet"},
        )
        == []
    )


@pytest.mark.parametrize(
    "overrides, words",
    [
        (dict(), ["give cbs_fleet_disks", "does not snapshot every disk"]),
        (dict(cbs_fleet_disks=["d"], cbs_fleet_tags={"env": "prod"}), ["not both"]),
        (dict(cbs_fleet_disks=["d", " "]), ["cbs_fleet_disks must be disk ids"]),
        (dict(cbs_fleet_tags={"env": 1}), ["cbs_fleet_tags.env must be a string", "quote it"]),
        (dict(cbs_fleet_disks=["d"], cbs_fleet_tags_on_snapshot={"v": 2.0}), ["cbs_fleet_tags_on_snapshot.v"]),
        (dict(cbs_fleet_disks=["d"], cbs_fleet_tags_on_snapshot={"k" * 128: "v"}), ["longer than 127"]),
        (dict(cbs_fleet_disks=["d"], cbs_fleet_tags_on_snapshot={"k": "v" * 256}), ["longer than 255"]),
        (
            dict(cbs_fleet_disks=["d"], cbs_fleet_snapshot_name="n" * 61),
            ["cbs_fleet_snapshot_name", "61", "at most 60"],
        ),
        (dict(cbs_fleet_disks=["d"], cbs_fleet_snapshot_name=" "), ["cbs_fleet_snapshot_name must not be empty"]),
        (dict(cbs_fleet_disks=["d"], cbs_fleet_keep=-1), ["cbs_fleet_keep must be 0 or more", "0 prunes nothing"]),
        (dict(cbs_fleet_disks=["d"], cbs_fleet_retention_days=-2), ["cbs_fleet_retention_days must be 0 or more"]),
        (dict(cbs_fleet_disks=["d"], cbs_fleet_min_age=-5), ["cbs_fleet_min_age must be 0 or more"]),
        (dict(cbs_fleet_disks=["d"], cbs_fleet_wait_timeout=0), ["cbs_fleet_wait_timeout must be 1 or more"]),
        (dict(cbs_fleet_disks=["d"], cbs_fleet_managed_by=""), ["cbs_fleet_managed_by must be a non-empty", KEY]),
        (dict(cbs_fleet_disks=["d"], cbs_fleet_tags_on_snapshot={KEY: "me"}), ["must not set " + KEY, "'cbs_fleet'"]),
        (dict(cbs_fleet_disks=["d"], cbs_fleet_max_rpo=-1), ["cbs_fleet_max_rpo must be 0 or more", "at risk"]),
        (dict(cbs_fleet_disks=["d"], cbs_fleet_price_per_gb_month=-0.1), ["cbs_fleet_price_per_gb_month", "-0.1"]),
        (dict(cbs_fleet_disks=["d"], cbs_fleet_price_per_gb_month="free"), ["cbs_fleet_price_per_gb_month", "free"]),
    ],
)
def test_each_problem_names_its_variable(overrides, words):
    (message,) = problems(**overrides)
    assert all(word in message for word in words), message


def test_every_bad_tag_is_named():
    assert problems(cbs_fleet_tags={"env": 1, "team": 2.5}) == [
        "cbs_fleet_tags.env must be a string, got int 1 (quote it in YAML)",
        "cbs_fleet_tags.team must be a string, got float 2.5 (quote it in YAML)",
    ]


def test_problems_need_a_dict():
    with pytest.raises(AnsibleFilterError, match="expected a dict"):
        cbs_fleet_problems(["cbs_fleet_disks"])


def test_managed_tags_carry_the_managed_by_value():
    assert cbs_fleet_managed_tags("cbs_fleet") == {KEY: "cbs_fleet"}
    assert cbs_fleet_managed_tags("weekly") == {KEY: "weekly"}


def disk(disk_id, ability=True, zone="ap-guangzhou-3"):
    return dict(disk_id=disk_id, zone=zone, snapshot_ability=ability)


def test_plan_keeps_the_order_asked_for_and_splits_skipped_and_missing():
    found = [disk("disk-3"), disk("disk-1", zone="ap-guangzhou-4"), disk("disk-2", ability=False)]
    plan = cbs_fleet_plan(found, ["disk-1", "disk-2", " disk-3", "disk-9", "disk-1"])
    assert plan["able"] == ["disk-1", "disk-3"] and plan["missing"] == ["disk-9"]
    (skipped,) = plan["skipped"]
    assert skipped["disk_id"] == "disk-2" and skipped["zone"] == "ap-guangzhou-3"
    assert "cannot have snapshots" in skipped["reason"]
    assert plan["zones"] == {"disk-3": "ap-guangzhou-3", "disk-1": "ap-guangzhou-4", "disk-2": "ap-guangzhou-3"}


def test_plan_of_discovered_disks_is_sorted_and_misses_nothing():
    plan = cbs_fleet_plan([disk("disk-b"), disk("disk-a"), disk("disk-c", ability=False)])
    assert plan["able"] == ["disk-a", "disk-b"] and plan["missing"] == [] and len(plan["skipped"]) == 1
    assert cbs_fleet_plan([], []) == dict(
        able=[], skipped=[], missing=[], zones={}, regions={}, by_region={}, searched=[]
    )


def test_plan_groups_the_able_disks_by_region():
    found = [
        dict(disk("disk-1"), region="ap-guangzhou"),
        dict(disk("disk-2", zone="ap-shanghai-2"), region="ap-shanghai"),
        dict(disk("disk-3", ability=False, zone="ap-shanghai-2"), region="ap-shanghai"),
        dict(disk("disk-4", zone="ap-shanghai-2"), region="ap-shanghai"),
    ]
    plan = cbs_fleet_plan(found, None, ["ap-guangzhou", "ap-shanghai"])
    assert plan["by_region"] == {"ap-guangzhou": ["disk-1"], "ap-shanghai": ["disk-2", "disk-4"]}
    assert plan["skipped"][0]["region"] == "ap-shanghai"
    missing = cbs_fleet_results({}, cbs_fleet_plan(found, ["disk-1", "disk-9"], ["ap-guangzhou", "ap-shanghai"]))
    assert [r["msg"] for r in missing if r["disk_id"] == "disk-9"] == [
        "disk disk-9 does not exist in region ap-guangzhou, ap-shanghai: remove it from cbs_fleet_disks"
    ]


def test_looped_policy_and_copy_tasks_report_each_regions_disks():
    found = [dict(disk("disk-1"), region="ap-guangzhou"), dict(disk("disk-2"), region="ap-shanghai")]
    plan = cbs_fleet_plan(found)

    def item(region, **result):
        return dict(result, item=dict(key=region, value=plan["by_region"][region]), ansible_loop_var="item")

    policy = dict(
        results=[
            item("ap-guangzhou", policy=dict(name="nightly", policy_id="asp-1", bound=["disk-1"])),
            item("ap-shanghai", failed=True, msg="LimitExceeded.AutoSnapshotPolicyOutOfQuota"),
        ]
    )
    results = {r["disk_id"]: r for r in cbs_fleet_results({"skipped": True}, plan, policy=policy)}
    assert results["disk-1"]["region"] == "ap-guangzhou" and results["disk-1"]["changed"]
    assert results["disk-2"]["failed"] and "OutOfQuota" in results["disk-2"]["msg"]
    snapped = dict(
        results=[
            dict(disk_id="disk-1", region="ap-guangzhou", state="NORMAL", snapshot_id="snap-1", changed=True),
            dict(disk_id="disk-2", region="ap-shanghai", state="NORMAL", snapshot_id="snap-2", changed=True),
        ]
    )
    copies = dict(
        results=[
            item("ap-guangzhou", results=[dict(disk_id="disk-1", copies=[dict(region="ap-beijing")], changed=True)]),
            item("ap-shanghai", failed=True, msg="UnsupportedRegion"),
        ]
    )
    results = {r["disk_id"]: r for r in cbs_fleet_results(snapped, plan, copies=copies)}
    assert results["disk-1"]["note"] == "copied to ap-beijing" and not results["disk-1"].get("failed")
    assert results["disk-2"]["failed"] and "UnsupportedRegion" in results["disk-2"]["msg"]


def test_plan_refuses_what_is_not_a_disk_list():
    with pytest.raises(AnsibleFilterError, match="cbs_disk_info"):
        cbs_fleet_plan(["disk-1"])


PLAN = dict(able=["disk-1", "disk-2"], skipped=[], missing=["disk-9"], zones={"disk-1": "z3", "disk-2": "z4"})


def snap(snapshot_id, state="NORMAL"):
    return dict(snapshot_id=snapshot_id, state=state)


def test_results_get_their_zone_a_pruning_note_and_missing_disks_fail():
    registered = dict(
        changed=True,
        results=[
            dict(
                disk_id="disk-1",
                snapshot_id="snap-new",
                snapshot_name="n",
                state="NORMAL",
                changed=True,
                pruned=[snap("snap-a"), snap("snap-b")],
            ),
            dict(disk_id="disk-2", changed=False, failed=True, msg="quota"),
        ],
    )
    results = cbs_fleet_results(registered, PLAN)
    assert [r["zone"] for r in results] == ["z3", "z4", None]
    assert results[0]["note"] == "pruned 2 older managed snapshots: snap-a, snap-b"
    assert results[1]["failed"] and results[1]["msg"] == "quota"
    assert results[2]["failed"] and "disk-9 does not exist" in results[2]["msg"]
    one = dict(results=[dict(disk_id="disk-1", snapshot_id=None, changed=True, pruned=[snap("snap-a")])])
    assert cbs_fleet_results(one, PLAN, check_mode=True)[0]["note"] == "would prune 1 older managed snapshot: snap-a"


def test_a_task_that_failed_as_a_whole_fails_every_disk_and_a_skipped_one_none():
    results = cbs_fleet_results(dict(failed=False, msg="AuthFailure.SecretIdNotFound"), PLAN)
    assert [(r["disk_id"], r.get("failed"), r["msg"][:11]) for r in results] == [
        ("disk-1", True, "AuthFailure"),
        ("disk-2", True, "AuthFailure"),
        ("disk-9", True, "disk disk-9"),
    ]
    assert cbs_fleet_results(dict(skipped=True, changed=False), dict(PLAN, missing=[])) == []


def test_the_report_shows_the_note_of_a_pruned_disk():
    registered = dict(
        results=[
            dict(
                disk_id="disk-1",
                snapshot_id="snap-new",
                snapshot_name="daily",
                state="NORMAL",
                changed=True,
                pruned=[snap("snap-old")],
            )
        ]
    )
    markdown = fleet_report_markdown(
        fleet_report(
            cbs_fleet_results(registered, PLAN), "tencentcloud", skipped=[dict(disk_id="disk-5", reason="no ability")]
        )
    )
    assert "| pruned 1 older managed snapshot: snap-old |" in markdown and "| no ability |" in markdown
    assert "| disk-9 |" in markdown


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {
        "cbs_fleet_problems",
        "cbs_fleet_managed_tags",
        "cbs_fleet_plan",
        "cbs_fleet_results",
        "cbs_fleet_copyable",
    }


# Policy mode and copies ---------------------------------------------------------------------------------------

NIGHTLY = dict(name="nightly", hours=[2])


@pytest.mark.parametrize(
    "overrides, words",
    [
        (dict(cbs_fleet_mode="weekly"), ["cbs_fleet_mode must be snapshot or policy"]),
        (dict(cbs_fleet_mode="policy"), ["cbs_fleet_mode=policy needs cbs_fleet_policy", "name and hours"]),
        (dict(cbs_fleet_mode="policy", cbs_fleet_policy=dict(hours=[2])), ["cbs_fleet_policy.name is required"]),
        (dict(cbs_fleet_mode="policy", cbs_fleet_policy=dict(name="n")), ["cbs_fleet_policy.hours is required"]),
        (dict(cbs_fleet_mode="policy", cbs_fleet_policy=dict(NIGHTLY, hours=[25])), ["cbs_fleet_policy.hours must"]),
        (dict(cbs_fleet_mode="policy", cbs_fleet_policy=dict(NIGHTLY, colour="red")), ["unknown keys colour"]),
        (
            dict(cbs_fleet_mode="policy", cbs_fleet_policy=NIGHTLY, cbs_fleet_copy_regions=["ap-shanghai"]),
            ["cbs_fleet_copy_regions applies with cbs_fleet_mode=snapshot"],
        ),
        (dict(cbs_fleet_policy=NIGHTLY), ["cbs_fleet_policy applies only with cbs_fleet_mode=policy"]),
        (dict(cbs_fleet_copy_regions=["ap-shanghai", " "]), ["cbs_fleet_copy_regions must not contain empty"]),
        (dict(cbs_fleet_copy_retention_days=-1), ["cbs_fleet_copy_retention_days must be 0 or more"]),
    ],
)
def test_mode_policy_and_copy_problems_name_their_variable(overrides, words):
    (message,) = problems(cbs_fleet_disks=["d"], **overrides)
    assert all(word in message for word in words), message


def test_good_policy_and_copy_variables_have_no_problem():
    assert problems(cbs_fleet_disks=["d"], cbs_fleet_mode="policy", cbs_fleet_policy=dict(NIGHTLY, weekdays=[1])) == []
    assert (
        problems(cbs_fleet_disks=["d"], cbs_fleet_copy_regions=["ap-shanghai"], cbs_fleet_copy_retention_days=3) == []
    )


def test_policy_results_report_every_disk_bound_and_protected():
    policy = dict(
        changed=True,
        policy=dict(name="nightly", policy_id="asp-1", bound=["disk-2"], next_trigger_time="2026-12-04T02:00:00+08:00"),
    )
    results = cbs_fleet_results(dict(skipped=True), PLAN, policy=policy)
    assert [(r["disk_id"], r.get("changed"), r.get("failed")) for r in results] == [
        ("disk-1", False, None),
        ("disk-2", True, None),
        ("disk-9", False, True),
    ]
    assert (
        results[1]["note"]
        == "newly bound to automatic snapshot policy nightly (asp-1), next run 2026-12-04T02:00:00+08:00"
    )
    report = fleet_report(results, "tencentcloud")
    rows = {row["disk_id"]: row for row in report["rows"]}
    assert rows["disk-1"]["coverage"] == "protected" and rows["disk-1"]["plan"] == "policy nightly"
    failed = cbs_fleet_results(dict(skipped=True), dict(PLAN, missing=[]), policy=dict(failed=True, msg="quota"))
    assert [(r["disk_id"], r["msg"]) for r in failed] == [("disk-1", "quota"), ("disk-2", "quota")]


def test_copies_are_noted_and_a_failed_copy_fails_its_disk():
    registered = dict(
        results=[
            dict(disk_id="disk-1", snapshot_id="snap-1", state="NORMAL", changed=True),
            dict(disk_id="disk-2", snapshot_id="snap-2", state="NORMAL", changed=False),
        ]
    )
    assert cbs_fleet_copyable(registered) == ["disk-1", "disk-2"]
    assert cbs_fleet_copyable(dict(results=[dict(disk_id="d", state="CREATING")])) == []
    copies = dict(
        results=[
            dict(disk_id="disk-1", changed=True, copies=[dict(region="ap-shanghai"), dict(region="ap-beijing")]),
            dict(disk_id="disk-2", failed=True, msg="quota in ap-beijing"),
        ]
    )
    results = cbs_fleet_results(registered, dict(PLAN, missing=[]), copies=copies)
    assert results[0]["note"] == "copied to ap-shanghai, ap-beijing" and not results[0].get("failed")
    assert results[1]["failed"] and results[1]["msg"] == (
        "snapshot snap-2 is there, but copying it failed: quota in ap-beijing"
    )
    whole = cbs_fleet_results(registered, dict(PLAN, missing=[]), copies=dict(failed=True, msg="auth"))
    assert all(r["failed"] and r["msg"].endswith("copying it failed: auth") for r in whole)
