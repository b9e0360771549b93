# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restore_drill role against the emulator, on both clouds: a sample drilled with one restore task and its
clones deleted, the sweep of earlier drills' clones that leaves every other disk alone, max_rpo failing a stale
disk, a failed clone that still deletes the others, check mode making nothing, bad variables failing first."""

import json

import pytest

DAY = 86400
PREFIX, MARKER, MARKER_VALUE = "snapshield-drill-", "snapshield-drill", "restore_drill"
EARLIER = PREFIX + "20261201T000000Z-"  # the name of an earlier drill's clone, less its source disk's id
UCLOUD_ZONE, CBS_ZONE = "cn-bj2-02", "ap-guangzhou-3"
CLONE_TIME = 1.0
# Per cloud: the emulator's name of it, the actions that make and delete clones, the restore task.
CLOUDS = dict(
    ucloud=dict(emulator="ucloud", clone="CloneUDiskUDataArk", delete="DeleteUDisk", zone=UCLOUD_ZONE),
    tencentcloud=dict(emulator="tencent", clone="CreateDisks", delete="TerminateDisks", zone=CBS_ZONE),
)
MUTATING = {"CloneUDiskUDataArk", "DeleteUDisk", "RestoreUDisk", "CreateDisks", "TerminateDisks", "ApplySnapshot"}
RESTORE_TASKS = {
    "ucloud": "Clone every disk of the drill from its newest recovery point",
    "tencentcloud": "Clone every disk of the drill from its newest snapshot",
}


@pytest.fixture
def emu(emulator):
    emulator.configure(clone_delay=CLONE_TIME, disk_create_delay=CLONE_TIME)
    return emulator


def disks(emu, cloud):
    return {d["id"]: d for d in emu.dump_state()["disks"] if d["cloud"] == CLOUDS[cloud]["emulator"]}


def is_clone(disk):
    marked = disk.get("tag") == MARKER if disk["cloud"] == "ucloud" else disk["tags"].get(MARKER) == MARKER_VALUE
    return disk["name"].startswith(PREFIX) and marked


def calls(emu, *actions):
    return [c for c in emu.calls()["log"] if c["action"] in actions]


def deleted(emu, cloud):
    ids = []
    for call in calls(emu, CLOUDS[cloud]["delete"]):
        if call["applied"]:
            ids += call["params"].get("DiskIds") or [call["params"].get("UDiskId")]
    return ids


def seed(emu, cloud, count, stale=False):
    """``count`` disks with recovery points (a USnap service; a CBS snapshot an hour old, or 3 days with stale)."""
    if cloud == "ucloud":
        service = dict(mode="Base")
        if stale:  # the journal stopped when the service expired, 3 days ago
            service.update(status="Expired", expired_time=int(emu.dump_state()["now"]) - 3 * DAY, age=10 * DAY)
        return emu.seed(cloud="ucloud", count=count, zone=UCLOUD_ZONE, tag="db", status="Available",
                        service=service)["disks"]  # fmt: skip
    age = 3 * DAY if stale else 3600
    return emu.seed(cloud="tencent", count=count, zone=CBS_ZONE, snapshot_ability=True, encrypted=False,
                    snapshots=[dict(name="nightly", age=age)])["disks"]  # fmt: skip


def seed_others(emu, cloud, source):
    """A clone an earlier drill left (of ``source``), and two disks the sweep must leave alone: one named as a clone
    without the marker, one with the marker but not named as a clone."""
    if cloud == "ucloud":
        left = emu.seed(cloud="ucloud", zone=UCLOUD_ZONE, tag=MARKER, name=EARLIER + source, status="Available")
        named = emu.seed(cloud="ucloud", zone=UCLOUD_ZONE, tag="Default", name=EARLIER + "bsm-emu00001")
        marked = emu.seed(cloud="ucloud", zone=UCLOUD_ZONE, tag=MARKER, name="scratch", status="Available")
    else:
        common = dict(zone=CBS_ZONE, state="UNATTACHED")
        left = emu.seed(cloud="tencent", name=EARLIER + source,
                        tags={MARKER: MARKER_VALUE, "snapshield-restored-from": "snap-earlier"}, **common)  # fmt: skip
        named = emu.seed(cloud="tencent", name=EARLIER + "disk-emu00001", tags={}, **common)
        marked = emu.seed(cloud="tencent", name="scratch", tags={MARKER: MARKER_VALUE}, **common)
    return left["disks"][0], [named["disks"][0], marked["disks"][0]]


def drill_vars(cloud, **more):
    variables = dict(restore_drill_cloud=cloud, restore_drill_max_rpo=25)
    if cloud == "ucloud":
        variables["restore_drill_zone"] = UCLOUD_ZONE
    variables.update(("restore_drill_" + key, value) for key, value in more.items())
    return variables


def report_of(path):
    return json.loads(path.with_suffix(".json").read_text())


@pytest.mark.parametrize("cloud", ["ucloud", "tencentcloud"])
def test_a_sampled_drill_clones_measures_and_deletes_and_sweeps_only_drill_clones(cloud, emu, run_playbook, tmp_path):
    sample = seed(emu, cloud, 4)
    leftover, others = seed_others(emu, cloud, sample[0])
    before = disks(emu, cloud)
    report = tmp_path / "drill.html"
    run = run_playbook("restore_drill_run.yml", extra_vars=drill_vars(cloud, sample=10, report=str(report)))
    assert run.rc == 0, run.stdout[-4000:]

    after = disks(emu, cloud)
    assert not [d for d in after.values() if is_clone(d)]  # no clone left, the leftover swept
    assert leftover not in after and set(others) <= set(after) and set(before) - {leftover} <= set(after)
    made = calls(emu, CLOUDS[cloud]["clone"])
    assert len(made) == 4 and all(c["outcome"] == "ok" for c in made)  # one per disk of the sample, none twice
    assert set(deleted(emu, cloud)) - set(before) and leftover in deleted(emu, cloud)
    assert not set(deleted(emu, cloud)) & (set(before) - {leftover})  # of what existed, only the leftover went

    restored = run.result(RESTORE_TASKS[cloud])
    elements = restored.get("restores") or restored["results"]
    assert sorted(e["disk_id"] for e in elements) == sorted(sample)  # one task, every disk
    data = report_of(report)
    assert data["kind"] == "drill" and data["totals"] == dict(failed=0, stale=0, would_drill=0, passed=4, disks=4)
    for row in data["rows"]:
        assert row["disk_id"] in sample and row["disk_size"] == before[row["disk_id"]]["size"]
        assert 0 <= row["rpo"] < 2 * 3600 and CLONE_TIME * 0.9 <= row["rto"] < 60, row
        assert row["recovery_point"].endswith("Z") and row["clone_id"] not in after
    assert data["sweep"]["found"] == [
        dict(disk_id=leftover, disk_name=EARLIER + sample[0], source=sample[0], run="20261201T000000Z")
    ]
    assert data["sweep"]["deleted"] == 1 and data["sweep"]["left"] == []
    summary = run.result("Summary")["msg"]
    assert summary[0] == "4 disks drilled: 4 passed, 0 failed, 0 stale"
    assert summary[-1] == "Leftovers of earlier drills: 1 found, 1 deleted, 0 left"
    page = report.read_text()
    assert page.startswith("<!DOCTYPE html>") and all(disk in page for disk in sample)


@pytest.mark.parametrize("cloud", ["ucloud", "tencentcloud"])
def test_max_rpo_fails_a_stale_disk_and_its_clone_is_still_deleted(cloud, emu, run_playbook, tmp_path):
    fresh, stale = seed(emu, cloud, 1), seed(emu, cloud, 1, stale=True)
    report = tmp_path / "drill"
    run = run_playbook(
        "restore_drill_run.yml", extra_vars=drill_vars(cloud, disks=fresh + stale, max_rpo=25, report=str(report))
    )
    assert run.rc != 0 and "Fail when a disk failed the drill" in run.stdout, run.stdout[-4000:]
    rows = {row["disk_id"]: row for row in report_of(report)["rows"]}
    assert rows[fresh[0]]["result"] == "passed" and rows[stale[0]]["result"] == "stale"
    assert 3 * DAY - 120 <= rows[stale[0]]["rpo"] <= 3 * DAY + 120
    assert "older than max_rpo (25.0 h)" in rows[stale[0]]["note"]
    assert not [d for d in disks(emu, cloud).values() if is_clone(d)]
    assert len(calls(emu, CLOUDS[cloud]["clone"])) == 2  # the stale disk is still cloned, timed and deleted


@pytest.mark.parametrize("cloud", ["ucloud", "tencentcloud"])
def test_a_failed_clone_fails_its_disk_and_every_other_clone_is_deleted(cloud, emu, run_playbook, tmp_path):
    sample = seed(emu, cloud, 3)
    code = "17084" if cloud == "ucloud" else "InvalidParameter.DiskSizeNotMatch"  # final: never retried
    emu.set_faults(action=CLOUDS[cloud]["clone"], error=code, count=1)
    report = tmp_path / "drill"
    run = run_playbook("restore_drill_run.yml", extra_vars=drill_vars(cloud, disks=sample, report=str(report)))
    assert run.rc != 0 and "1 of 3 disks failed the drill" in run.stdout, run.stdout[-4000:]
    data = report_of(report)
    assert data["totals"]["failed"] == 1 and data["totals"]["passed"] == 2
    (problem,) = data["problems"]
    assert problem["disk_id"] in sample and code in problem["note"]
    assert not [d for d in disks(emu, cloud).values() if is_clone(d)]
    assert len(deleted(emu, cloud)) == 2


@pytest.mark.parametrize("cloud", ["ucloud", "tencentcloud"])
def test_check_mode_makes_and_deletes_nothing_and_says_what_would_be_drilled(cloud, emu, run_playbook, tmp_path):
    sample = seed(emu, cloud, 2)
    leftover, others = seed_others(emu, cloud, sample[1])
    report = tmp_path / "drill"
    run = run_playbook("restore_drill_run.yml", check=True, extra_vars=drill_vars(cloud, sample=5, report=str(report)))
    assert run.rc == 0, run.stdout[-4000:]
    assert not [c for c in emu.calls()["log"] if c["action"] in MUTATING or c["applied"]]
    assert {leftover, *others} <= set(disks(emu, cloud))
    data = report_of(report)
    assert data["check_mode"] and data["totals"]["would_drill"] == 2 and data["totals"]["disks"] == 2
    assert all(row["recovery_point"] and row["rpo"] is not None and row["rto"] is None for row in data["rows"])
    assert data["sweep"]["would_delete"] == 1 and data["sweep"]["deleted"] == 0
    assert run.result("Summary")["msg"][0].startswith("2 disks would be drilled (check mode: nothing cloned")


@pytest.mark.parametrize(
    "variables, message",
    [
        (dict(restore_drill_cloud="ucloud", restore_drill_sample=3), "restore_drill_zone must name the zone"),
        (dict(restore_drill_cloud="tencentcloud"), "give restore_drill_disks (disk ids) or restore_drill_sample"),
        (dict(restore_drill_cloud="aws", restore_drill_sample=3), "restore_drill_cloud"),
    ],
)
def test_bad_variables_fail_before_any_call(variables, message, emu, run_playbook):
    run = run_playbook("restore_drill_run.yml", extra_vars=variables)
    assert run.rc != 0 and message in run.stdout, run.stdout[-3000:]
    assert emu.calls()["log"] == []
