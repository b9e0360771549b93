# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cbs_restore against the emulator: playbooks run the way AWX runs them, then the emulator is inspected."""

MUTATING = ("CreateDisks", "ApplySnapshot", "TerminateDisks")
TAG = "snapshield-restored-from"


def calls(emu, action=None, outcome=None):
    return [
        c
        for c in emu.calls()["log"]
        if (action is None or c["action"] == action) and (outcome is None or c["outcome"] == outcome)
    ]


def seed(emu, **spec):
    created = emu.seed(cloud="tencent", **spec)
    return created["disks"][0], created["snapshots"]


def tencent_disks(emu):
    return {d["id"]: d for d in emu.dump_state()["disks"] if d["cloud"] == "tencent"}


def two_sources(emu):
    snapshots = [dict(name="nightly", age=7200), dict(name="weekly", age=600)]
    return [seed(emu, size=100, state="UNATTACHED", snapshots=snapshots) for _number in range(2)]


def test_new_disks_in_place_rerun_and_delete(emulator, run_playbook):
    emulator.configure(disk_create_delay=0.5, rollback_delay=0.5)
    (first, first_snaps), (second, second_snaps) = two_sources(emulator)
    attached, (attached_snap,) = seed(emulator, size=50, state="ATTACHED", snapshots=[dict(name="nightly")])
    before = set(tencent_disks(emulator))
    extra = dict(sources=[first, second], older_snapshot=second_snaps[0], attached=attached)
    run = run_playbook("cbs_restore_lifecycle.yml", diff=True, extra_vars=extra)
    assert run.rc == 0, run.stdout

    restored = run.result("New disks from the newest snapshots")["restores"]
    assert [r["snapshot_id"] for r in restored] == [first_snaps[1], second_snaps[1]]  # weekly: the newest
    assert [r["restored_disk_name"] for r in restored] == ["drill-" + first, "drill-" + second]
    assert all(r["restore_seconds"] >= 0.5 and 500 <= r["recovery_point_age"] < 700 for r in restored)
    # new disks: one CreateDisks each, in the first task only; the re-run made none
    creates = calls(emulator, "CreateDisks")
    names = [c["params"]["DiskName"] for c in creates]
    assert sorted(names[:2]) == sorted(["drill-" + first, "drill-" + second]) and names[2:] == ["older-copy"]
    assert all(c["outcome"] == "ok" for c in creates)
    again = run.result("New disks again")
    assert not again["changed"] and all(not r["changed"] for r in again["restores"])
    by_id = run.result("A named snapshot by id, to a larger disk")["restore"]
    assert by_id["disk_id"] == second and by_id["disk_size"] == 300

    # in place: the snapshot of that name, and the attached disk with AutoStopInstance
    applies = calls(emulator, "ApplySnapshot")
    assert [c["params"] for c in applies] == [
        dict(SnapshotId=first_snaps[0], DiskId=first),
        dict(SnapshotId=attached_snap, DiskId=attached, AutoStopInstance=True, AutoStartInstance=True),
    ]
    disks = tencent_disks(emulator)
    assert disks[first]["rollbacks"] == [first_snaps[0]] and disks[attached]["rollbacks"] == [attached_snap]
    assert run.result("In place, a detached disk")["diff"][0]["after"]["snapshot_id"] == first_snaps[0]

    # deleted: the two drill disks, nothing else; the larger disk of another name stays
    deleted = run.result("Delete the new disks")
    gone = sorted(d["disk_id"] for r in deleted["restores"] for d in r["deleted"])
    assert gone == sorted(r["restored_disk_id"] for r in restored)
    (terminate,) = calls(emulator, "TerminateDisks")
    assert sorted(terminate["params"]["DiskIds"]) == gone
    left = set(tencent_disks(emulator))
    assert left == before | {by_id["restored_disk_id"]}
    assert not run.result("Delete them again")["changed"]


def test_check_mode_says_what_and_calls_nothing_that_changes(emulator, run_playbook):
    (first, first_snaps), (second, _second_snaps) = two_sources(emulator)
    made, _none = seed(emulator, name="made-" + second, state="UNATTACHED", tags={TAG: "snap-earlier1"})
    before = emulator.dump_state()["disks"]
    run = run_playbook("cbs_restore_check.yml", check=True, diff=True, extra_vars=dict(sources=[first, second]))
    assert run.rc == 0, run.stdout
    assert not [c for c in emulator.calls()["log"] if c["action"] in MUTATING]
    assert emulator.dump_state()["disks"] == before

    planned = run.result("Would restore to new disks")
    assert planned["changed"]
    first_plan = planned["restores"][0]
    assert first_plan["summary"].startswith("would create new disk planned-%s (100 GB" % first)
    assert first_snaps[1] in first_plan["summary"] and first_plan["restored_disk_id"] is None
    assert (
        planned["diff"][0]["before"] == {} and planned["diff"][0]["after"]["restored_disk_name"] == "planned-" + first
    )
    in_place = run.result("Would roll back in place")["restore"]
    assert in_place["summary"].startswith(
        "would have disk %s rolled back in place to snapshot %s" % (first, first_snaps[1])
    )
    would_delete = run.result("Would delete the new disks of a name")["restore"]
    assert [d["disk_id"] for d in would_delete["deleted"]] == [made]


def test_refusals_name_the_problem_and_call_nothing(emulator, run_playbook):
    attached, _snaps = seed(emulator, size=100, state="ATTACHED", snapshots=[dict(name="nightly")])
    creating, _pending = seed(emulator, state="UNATTACHED", snapshots=[dict(name="now", state="CREATING")])
    _other, (foreign,) = seed(emulator, state="UNATTACHED", snapshots=[dict(name="nightly")])
    extra = dict(attached=attached, creating=creating, foreign_snapshot=foreign)
    run = run_playbook("cbs_restore_refusals.yml", extra_vars=extra)
    assert run.rc == 0, run.stdout
    messages = {
        "Attached disk in place without auto_stop_instance": ["attached", "auto_stop_instance=true"],
        "Snapshot not NORMAL": ["CREATING", "only a NORMAL snapshot"],
        "Snapshot of another disk": ["is a snapshot of disk %s, not of %s" % (_other, attached)],
        "Disk size smaller than the snapshot": ["disk_size 10 is smaller than snapshot", "(100 GB)"],
        "One disk_name for several disks": ["disk_name must contain {disk_id}"],
        "Absent in place": ["state=absent", "target=in_place"],
    }
    for task, fragments in messages.items():
        msg = run.failure(task)["msg"]
        assert all(fragment in msg for fragment in fragments), (task, msg)
    assert not [c for c in emulator.calls()["log"] if c["action"] in MUTATING]
    # the option checks fail before any call at all
    assert {c["action"] for c in emulator.calls()["log"]} <= {"DescribeSnapshots", "DescribeDisks"}
