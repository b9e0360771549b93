# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cbs_fleet role against the emulator: first run, converged re-run, discovery by tags, skipped disks,
retention that never touches unmanaged snapshots, check mode with its report, bad variables, and the read budget.

The fixture's fleet: disk-emu00001..20; every 10th cannot have snapshots; tags env = prod/staging/dev by
``(n-1) % 3`` and team = alpha/beta by ``(n-1) % 2``.
"""

import json
import math
import time
from datetime import datetime, timezone

MUTATING = ("CreateSnapshot", "DeleteSnapshots", "ModifySnapshotAttribute")
READS = ("DescribeDisks", "DescribeSnapshots")
MANAGED_KEY = "snapshield-managed-by"
DAY = 86400
SNAPSHOT_TASK = "Snapshot the fleet and prune older managed snapshots"
SUMMARY_TASK = "Summary"


def disk_ids(numbers):
    return ["disk-emu%05d" % n for n in numbers]


def calls(emu, *actions):
    return [c for c in emu.calls()["log"] if not actions or c["action"] in actions]


def snapshots(emu, disk_id=None):
    return [s for s in emu.dump_state()["snapshots"] if disk_id is None or s["disk_id"] == disk_id]


def tags_of(snap):
    return {t["Key"]: t["Value"] for t in snap["tags"]}


def changed_tasks(run):
    return [
        e["event_data"]["task"]
        for e in run.events
        if e.get("event") == "runner_on_ok" and e["event_data"]["res"].get("changed")
    ]


def failed_tasks(run):
    return [e["event_data"]["task"] for e in run.events if e.get("event") == "runner_on_failed"]


def today():
    return datetime.now(timezone.utc).strftime("%Y-%m-%d")


def test_first_run_then_converged_rerun(emulator, run_playbook, tmp_path):
    fleet = disk_ids(range(1, 21))
    report = tmp_path / "report.html"
    fleet_vars = dict(
        cbs_fleet_disks=fleet,
        cbs_fleet_retention_days=7,
        cbs_fleet_keep=3,
        cbs_fleet_tags_on_snapshot={"owner": "dba"},
        cbs_fleet_report=str(report),
        cbs_fleet_price_per_gb_month=0.25,
    )
    started = time.time()
    run = run_playbook("cbs_fleet_run.yml", extra_vars=fleet_vars)
    assert run.rc == 0, run.stdout

    able = [d for d in fleet if d not in ("disk-emu00010", "disk-emu00020")]
    name = "cbs-fleet-" + today()
    result = run.result(SNAPSHOT_TASK)
    assert result["changed"] and [r["disk_id"] for r in result["results"]] == able
    assert all(r["state"] == "NORMAL" and r["snapshot_name"] == name for r in result["results"])
    made = snapshots(emulator)
    assert sorted(s["disk_id"] for s in made) == able
    for snap in made:
        assert tags_of(snap) == {"owner": "dba", MANAGED_KEY: "cbs_fleet"} and snap["state"] == "NORMAL"
        assert started + 7 * DAY <= snap["deadline"] <= time.time() + 7 * DAY + 120
    assert len([c for c in calls(emulator, "CreateSnapshot") if c["outcome"] == "ok"]) == 18
    assert not calls(emulator, "DeleteSnapshots")

    # the disks without snapshot ability are skipped and listed, not failed
    summary = run.result(SUMMARY_TASK)["msg"]
    assert summary[0] == "20 disks: 18 protected, 0 at risk, 0 unprotected, 2 skipped, 0 failed; 18 changed", summary
    markdown = report.with_suffix(".md").read_text()
    for disk in ("disk-emu00010", "disk-emu00020"):
        (row,) = [line for line in markdown.splitlines() if line.startswith("| %s |" % disk)]
        assert "| skipped |" in row and "cannot have snapshots" in row
    page = report.read_text()
    assert page.startswith("<!DOCTYPE html>") and "disk-emu00001" in page and name in page
    data = run.result("Build the report")["ansible_facts"]["cbs_fleet_report_data"]
    made = {s["id"]: s for s in snapshots(emulator)}
    for row in data["rows"]:
        if row["coverage"] == "protected":
            assert row["recovery_basis"] in ["snapshot %s" % i for i in made] and 0 <= row["rpo"] < 120
    # the storage is read with the discovery, before this run's snapshots: none yet
    storage = data["protection_cost"]["storage"]
    assert (storage["region"], storage["total_size"], storage["billed_size"]) == ("ap-guangzhou", 0, 0)
    assert len(calls(emulator, "DescribeSnapshotOverview")) == 1
    assert json.loads(report.with_suffix(".json").read_text())["rpo"] == data["rpo"]

    emulator.clear_calls()
    again = run_playbook("cbs_fleet_run.yml", extra_vars=fleet_vars)
    assert again.rc == 0, again.stdout
    assert changed_tasks(again) == [] and not calls(emulator, *MUTATING)
    rerun = again.result(SNAPSHOT_TASK)
    assert not rerun["changed"] and all(r["pruned"] == [] for r in rerun["results"])
    assert (
        again.result(SUMMARY_TASK)["msg"][0]
        == "20 disks: 18 protected, 0 at risk, 0 unprotected, 2 skipped, 0 failed; 0 changed"
    )
    assert len(snapshots(emulator)) == 18
    data = again.result("Build the report")["ansible_facts"]["cbs_fleet_report_data"]
    storage = data["protection_cost"]["storage"]
    billed = sum(s["size"] for s in snapshots(emulator)) - 50.0  # the emulator's free quota
    assert (storage["region"], storage["billed_size"]) == ("ap-guangzhou", billed)
    assert data["protection_cost"]["per_month"] == round(billed * 0.25, 2)  # cbs_fleet_price_per_gb_month
    assert len(calls(emulator, "DescribeSnapshotOverview")) == 1


def test_discovery_by_tags_skips_disks_without_snapshot_ability(emulator, run_playbook):
    local = emulator.seed(cloud="tencent", tags={"env": "prod", "team": "alpha"}, snapshot_ability=False)["disks"][0]
    other = emulator.seed(cloud="tencent", tags={"env": "prod", "team": "beta"})["disks"][0]
    run = run_playbook(
        "cbs_fleet_run.yml",
        extra_vars=dict(cbs_fleet_tags={"env": "prod", "team": "alpha"}, cbs_fleet_snapshot_name="tagged"),
    )
    assert run.rc == 0, run.stdout
    wanted = disk_ids([1, 7, 13, 19])  # (n-1) % 6 == 0: env prod and team alpha
    assert sorted(s["disk_id"] for s in snapshots(emulator)) == wanted
    assert [r["disk_id"] for r in run.result(SNAPSHOT_TASK)["results"]] == wanted
    assert other not in [s["disk_id"] for s in snapshots(emulator)]
    (discovery,) = calls(emulator, "DescribeDisks")
    assert discovery["params"]["Filters"] == [
        {"Name": "tag:env", "Values": ["prod"]},
        {"Name": "tag:team", "Values": ["alpha"]},
    ]
    assert local not in [c["params"]["DiskId"] for c in calls(emulator, "CreateSnapshot")]
    assert (
        run.result(SUMMARY_TASK)["msg"][0]
        == "5 disks: 4 protected, 0 at risk, 0 unprotected, 1 skipped, 0 failed; 4 changed"
    )


def seed_history(emu, count, managed_ages, unmanaged):
    """``count`` new disks with managed snapshots of those ages (days) and the given unmanaged snapshots."""
    history = [
        dict(name="cbs-fleet-old-%d" % age, age=age * DAY, tags={MANAGED_KEY: "cbs_fleet"}) for age in managed_ages
    ]
    return emu.seed(cloud="tencent", count=count, snapshot_ability=True, snapshots=history + unmanaged)


def test_retention_prunes_older_managed_snapshots_only(emulator, run_playbook):
    unmanaged = [
        dict(name="manual", age=30 * DAY),
        dict(name="weekly-job", age=20 * DAY, tags={MANAGED_KEY: "weekly"}),
        dict(name="owner-tagged", age=25 * DAY, tags={"owner": "dba"}),
    ]
    seeded = seed_history(emulator, 12, [1, 2, 3, 4, 5], unmanaged)
    fleet = seeded["disks"]
    before = {s["id"]: s for s in snapshots(emulator)}
    run = run_playbook("cbs_fleet_run.yml", extra_vars=dict(cbs_fleet_disks=fleet, cbs_fleet_keep=3))
    assert run.rc == 0, run.stdout

    result = run.result(SNAPSHOT_TASK)
    for disk, disk_result in zip(fleet, result["results"]):
        left = snapshots(emulator, disk)
        managed = sorted(
            (s for s in left if tags_of(s).get(MANAGED_KEY) == "cbs_fleet"), key=lambda s: -s["create_time"]
        )
        # today's and the two newest old ones are kept, the three older managed ones deleted
        assert [s["name"] for s in managed] == ["cbs-fleet-" + today(), "cbs-fleet-old-1", "cbs-fleet-old-2"]
        assert sorted(s["snapshot_name"] for s in disk_result["pruned"]) == [
            "cbs-fleet-old-3",
            "cbs-fleet-old-4",
            "cbs-fleet-old-5",
        ]
        assert sorted(
            s["name"] for s in left if s["id"] in before and s["name"] in ("manual", "weekly-job", "owner-tagged")
        ) == ["manual", "owner-tagged", "weekly-job"]
    deleted = [i for c in calls(emulator, "DeleteSnapshots") for i in c["params"]["SnapshotIds"]]
    assert len(deleted) == 36 and all(tags_of(before[i]).get(MANAGED_KEY) == "cbs_fleet" for i in deleted)
    assert len(calls(emulator, "DeleteSnapshots")) == 1  # 36 ids from 12 disks: one call
    # the converged re-run of a pruned fleet deletes nothing more: test_converged_run_reads_...


def test_check_mode_changes_nothing_and_writes_the_report(emulator, run_playbook, tmp_path):
    seeded = seed_history(emulator, 2, [1, 2], [dict(name="manual", age=9 * DAY)])
    fleet = disk_ids([1, 10]) + seeded["disks"]
    before = snapshots(emulator)
    report = tmp_path / "nested-name.md"
    run = run_playbook(
        "cbs_fleet_run.yml",
        check=True,
        diff=True,
        extra_vars=dict(cbs_fleet_disks=fleet, cbs_fleet_keep=2, cbs_fleet_report=str(report)),
    )
    assert run.rc == 0, run.stdout
    assert not [c for c in calls(emulator) if c["action"] in MUTATING or c["applied"]]
    assert snapshots(emulator) == before or sorted(s["id"] for s in snapshots(emulator)) == sorted(
        s["id"] for s in before
    )

    planned = run.result(SNAPSHOT_TASK)
    assert planned["changed"] and all(r["snapshot_id"] is None for r in planned["results"])
    assert [len(r["pruned"]) for r in planned["results"]] == [0, 1, 1]
    markdown = report.read_text()
    assert "check mode: what the run would do and cost" in markdown
    assert markdown.count("would be created") == 3 and markdown.count("would prune 1 older managed snapshot") == 2
    assert "| disk-emu00010 |" in markdown and report.with_suffix(".html").exists()
    assert (
        run.result(SUMMARY_TASK)["msg"][0]
        == "4 disks: 3 protected, 0 at risk, 0 unprotected, 1 skipped, 0 failed; 3 would change"
    )


def test_missing_disks_fail_the_run_after_the_others(emulator, run_playbook, tmp_path):
    report = tmp_path / "missing"
    run = run_playbook(
        "cbs_fleet_run.yml",
        extra_vars=dict(cbs_fleet_disks=disk_ids([1, 2]) + ["disk-nothere1"], cbs_fleet_report=str(report)),
    )
    assert run.rc != 0
    assert sorted(s["disk_id"] for s in snapshots(emulator)) == disk_ids([1, 2])
    assert failed_tasks(run) == ["Fail when a disk failed"]
    assert "1 of 3 disks failed: disk-nothere1: disk disk-nothere1 does not exist" in run.stdout
    assert "| disk-nothere1 |" in (tmp_path / "missing.md").read_text()


def test_bad_variables_are_refused_before_any_api_call(emulator, run_playbook):
    run = run_playbook("cbs_fleet_bad_vars.yml")
    assert run.rc == 0, run.stdout
    messages = run.result("Messages")["bad_messages"]
    spec = "Validating arguments against arg spec 'main'"
    expected = {
        "keep not a number": (spec, ["cbs_fleet_keep", "int"]),
        "disks not a list": (spec, ["cbs_fleet_disks", "list"]),
        "wait not a boolean": (spec, ["cbs_fleet_wait", "bool"]),
        "tags not a dict": (spec, ["cbs_fleet_tags", "dict"]),
        "retention not a number": (spec, ["cbs_fleet_retention_days", "int"]),
        "disks and tags": ("Check the fleet variables", ["not both"]),
        "neither disks nor tags": ("Check the fleet variables", ["cbs_fleet_disks", "cbs_fleet_tags"]),
        "negative keep": ("Check the fleet variables", ["cbs_fleet_keep must be 0 or more"]),
        "name too long": ("Check the fleet variables", ["cbs_fleet_snapshot_name", "61", "60"]),
        "tag value a number": ("Check the fleet variables", ["cbs_fleet_tags_on_snapshot.version", "string"]),
        "managed tag overridden": ("Check the fleet variables", ["snapshield-managed-by"]),
        "negative max rpo": ("Check the fleet variables", ["cbs_fleet_max_rpo must be 0 or more"]),
        "negative price": ("Check the fleet variables", ["cbs_fleet_price_per_gb_month", "0 or more", "-0.5"]),
        "price not a number": (spec, ["cbs_fleet_price_per_gb_month", "float"]),
    }
    assert set(messages) == set(expected)
    for case, (task, words) in expected.items():
        got = messages[case]
        assert got != "ACCEPTED" and got["task"].startswith(task), (case, got)
        assert all(word in got["msg"] for word in words), (case, got["msg"])
    assert calls(emulator) == []


def test_converged_run_reads_at_most_one_call_per_ten_disks(emulator, run_playbook):
    """60 disks (58 can have snapshots), 40 with three days of history, keep 3: the converged run's reads."""
    seed_history(emulator, 40, [1, 2, 3], [dict(name="manual", age=9 * DAY)])
    fleet = disk_ids(range(1, 61))
    budget = len(fleet) // 10
    fleet_vars = dict(cbs_fleet_disks=fleet, cbs_fleet_keep=3)

    emulator.clear_calls()
    first = run_playbook("cbs_fleet_run.yml", extra_vars=fleet_vars)
    assert first.rc == 0, first.stdout
    # (the emulator throttles a create now and then, at 20 a second: the client waits and sends it again)
    first_calls = {a: len([c for c in calls(emulator, a) if c["outcome"] == "ok"]) for a in READS + MUTATING}
    assert first_calls["CreateSnapshot"] == 58 and first_calls["DescribeDisks"] == 1
    assert first_calls["DeleteSnapshots"] == 1  # the 3-day-old snapshot of 40 disks, in one call
    lookups = [c for c in calls(emulator, "DescribeSnapshots") if "SnapshotIds" not in c["params"]]
    polls = [c for c in calls(emulator, "DescribeSnapshots") if "SnapshotIds" in c["params"]]
    assert len(polls) <= 3, "the new snapshots are waited for together, 100 a call"
    assert len(lookups) == 2  # 160 snapshots in the region: 2 pages, fewer than 6 batches of 10 disks

    emulator.clear_calls()
    converged = run_playbook("cbs_fleet_run.yml", extra_vars=fleet_vars)
    assert converged.rc == 0 and changed_tasks(converged) == []
    reads = calls(emulator, *READS)
    assert not calls(emulator, *MUTATING) and len(calls(emulator)) == len(reads) + 1  # and the storage overview
    # 1 DescribeDisks (60 ids) + ceil(snapshots in the region / 100) pages: 18 + 40 * 4 = 178 -> 2
    region = len(snapshots(emulator))
    assert len(reads) + 1 == 1 + math.ceil(region / 100.0) + 1 <= budget, [c["params"] for c in reads]

    # a region crowded with other disks' snapshots: the batches of 10 disks win, after one page to find out
    emulator.seed(cloud="tencent", count=1, snapshots=700)
    emulator.clear_calls()
    crowded = run_playbook("cbs_fleet_run.yml", extra_vars=fleet_vars)
    assert crowded.rc == 0 and changed_tasks(crowded) == []
    reads = calls(emulator, *READS)
    assert not calls(emulator, *MUTATING)
    assert len(reads) == 1 + 1 + math.ceil(58 / 10.0) <= budget + 2, [c["params"] for c in reads]


POLICY_TASK = "Bind the fleet to its automatic snapshot policy"
COPY_TASK = "Copy the snapshots of this run to other regions"


def test_policy_mode_binds_the_fleet_once_then_only_reads(emulator, run_playbook, tmp_path):
    fleet = disk_ids(range(1, 21))
    fleet_vars = dict(
        cbs_fleet_disks=fleet,
        cbs_fleet_mode="policy",
        cbs_fleet_policy=dict(name="fleet-nightly", hours=[2], retention_days=14),
        cbs_fleet_report=str(tmp_path / "report.html"),
    )
    planned = run_playbook("cbs_fleet_run.yml", check=True, extra_vars=fleet_vars)
    assert planned.rc == 0, planned.stdout
    assert emulator.dump_state()["policies"] == []
    run = run_playbook("cbs_fleet_run.yml", extra_vars=fleet_vars)
    assert run.rc == 0, run.stdout
    (policy,) = emulator.dump_state()["policies"]
    able = [d for d in fleet if not d.endswith("0")]  # every 10th disk cannot have snapshots
    assert policy["name"] == "fleet-nightly" and sorted(policy["disk_ids"]) == able
    assert len(calls(emulator, "BindAutoSnapshotPolicy")) == 1 and not calls(emulator, "CreateSnapshot")
    markdown = (tmp_path / "report.md").read_text()
    assert "| policy fleet-nightly |" in markdown
    emulator.clear_calls()
    again = run_playbook("cbs_fleet_run.yml", extra_vars=fleet_vars)
    assert again.rc == 0, again.stdout
    assert not [r for r in again.results(POLICY_TASK) if r.get("changed")]
    # the disks, the policy with its bound disks, and the region's snapshot storage for the report's cost
    assert {c["action"] for c in calls(emulator)} == {
        "DescribeDisks",
        "DescribeAutoSnapshotPolicies",
        "DescribeSnapshotOverview",
    }
    assert len(calls(emulator)) == 3


def test_copy_regions_copy_each_snapshot_once_per_region(emulator, run_playbook):
    emulator.configure(copy_delay=0.5)
    fleet = disk_ids(range(1, 5))
    fleet_vars = dict(
        cbs_fleet_disks=fleet, cbs_fleet_copy_regions=["ap-shanghai", "ap-beijing"], cbs_fleet_copy_retention_days=7
    )
    run = run_playbook("cbs_fleet_run.yml", extra_vars=fleet_vars)
    assert run.rc == 0, run.stdout
    copies = [s for s in emulator.dump_state()["snapshots"] if s["copy_from_remote"]]
    assert sorted((s["region"], s["disk_id"]) for s in copies) == sorted(
        (region, disk) for region in ("ap-shanghai", "ap-beijing") for disk in fleet
    )
    assert all(s["deadline"] for s in copies)
    emulator.clear_calls()
    again = run_playbook("cbs_fleet_run.yml", extra_vars=fleet_vars)
    assert again.rc == 0, again.stdout
    assert not calls(emulator, "CopySnapshotCrossRegions", "CreateSnapshot", "ModifySnapshotAttribute")
