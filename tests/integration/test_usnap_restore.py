# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""usnap_restore against the emulator: clone and in place, idempotent re-runs, check and diff mode, every refusal,
and state=absent deleting only its own clones."""

import calendar
import time

import pytest

ZONE = "cn-bj2-02"
DAY, HOUR = 86400, 3600
MUTATING = ("CloneUDiskUDataArk", "RestoreUDisk", "DeleteUDisk")


@pytest.fixture
def emu(emulator):
    emulator.configure(clone_delay=0.5, restore_delay=0.5)
    return emulator


def seed(emu, count=1, **spec):
    """Detached disks in ZONE with a Base service (journal 12 h, hourly 24 h, daily 5 d) made two days ago."""
    spec = dict(dict(zone=ZONE, status="Available", service=dict(mode="Base", age=2 * DAY)), count=count, **spec)
    return emu.seed(**spec)["disks"]


def calls(emu, *actions):
    return [e for e in emu.calls()["log"] if e["action"] in actions]


def disk(emu, disk_id):
    return next((d for d in emu.dump_state()["disks"] if d["id"] == disk_id), None)


def iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def test_clone_then_idempotent_rerun(run_playbook, emu):
    disks = seed(emu, count=2)
    run = run_playbook(
        "usnap_restore.yml",
        diff=True,
        extra_vars=dict(disks=disks, clone_name="restored-{disk_id}", group="drill", again=True),
    )
    assert run.rc == 0, run.stdout
    made = run.result("Restore")
    assert made["changed"] and "restore" not in made  # two disks: no single-disk key
    for source, result in zip(disks, made["restores"]):
        clone = disk(emu, result["restored_disk_id"])
        assert (clone["clone_of"], clone["name"], clone["tag"], clone["size"]) == (
            source,
            "restored-%s" % source,
            "drill",
            disk(emu, source)["size"],
        )
        assert (result["disk_id"], result["target"], result["state"], result["snapshot_id"]) == (
            source,
            "clone",
            "Available",
            None,
        )
        assert clone["clone_point"] == calendar.timegm(time.strptime(result["recovery_point"], "%Y-%m-%dT%H:%M:%SZ"))
        assert 0.5 <= result["restore_seconds"] < 30 and result["available_at"] >= result["requested_at"]
        assert 0 <= result["recovery_point_age"] <= 2
    assert [d["after_header"] for d in made["diff"]] == disks
    again = run.result("Restore again")
    assert not again["changed"]
    assert [r["restored_disk_id"] for r in again["restores"]] == [r["restored_disk_id"] for r in made["restores"]]
    assert len(calls(emu, "CloneUDiskUDataArk")) == 2  # one per disk, none on the re-run
    assert len([d for d in emu.dump_state()["disks"] if d.get("clone_of")]) == 2


def test_in_place_to_a_whole_hour(run_playbook, emu):
    (source,) = seed(emu)
    now = int(time.time())
    point = now - 20 * HOUR - now % HOUR  # a whole hour of the hourly band
    run = run_playbook("usnap_restore.yml", extra_vars=dict(disks=[source], target="in_place", point=iso(point)))
    assert run.rc == 0, run.stdout
    restore = run.result("Restore")["restore"]
    assert (restore["restored_disk_id"], restore["target"], restore["recovery_point"], restore["state"]) == (
        source,
        "in_place",
        iso(point),
        "Available",
    )
    assert restore["restore_seconds"] >= 0.5
    assert disk(emu, source)["restores"] == [point]
    assert [e["params"]["SnapshotTime"] for e in calls(emu, *MUTATING)] == [str(point)]


def test_check_mode_says_what_and_calls_nothing(run_playbook, emu):
    (source,) = seed(emu)
    for target, name in (("clone", "preview"), ("in_place", None)):
        extra = dict(disks=[source], target=target, point=iso(int(time.time()) - 60))
        if name:
            extra["clone_name"] = name
        run = run_playbook("usnap_restore.yml", check=True, diff=True, extra_vars=extra)
        assert run.rc == 0, run.stdout
        result = run.result("Restore")
        assert result["changed"] and result["restore"]["recovery_point"] == extra["point"]
        expected = (
            "clone %s as of %s into a new disk preview" % (source, extra["point"])
            if name
            else "restore %s in place to %s" % (source, extra["point"])
        )
        assert result["restore"]["summary"] == expected
        assert result["diff"][0]["after"] != result["diff"][0]["before"]
    assert calls(emu, *MUTATING) == []
    assert not [d for d in emu.dump_state()["disks"] if d.get("clone_of")] and disk(emu, source)["restores"] == []


@pytest.mark.parametrize(
    "case, words",
    [
        ("outside_window", "point_in_time 2020-01-01T00:00:00Z is not a recovery point of"),
        ("attached", "is attached to uhost-"),
        ("several_without_placeholder", "clone_name must contain {disk_id} when more than one disk is given"),
        ("absent_in_place", "state=absent deletes clones this module made; it cannot be used with target=in_place"),
    ],
)
def test_refusals_send_no_change(run_playbook, emu, case, words):
    detached = seed(emu, count=2)
    attached = seed(emu, status="InUse")
    extra = dict(
        outside_window=dict(disks=detached[:1], clone_name="x", point="2020-01-01T00:00:00Z"),
        attached=dict(disks=attached, target="in_place"),
        several_without_placeholder=dict(disks=detached, clone_name="same"),
        absent_in_place=dict(disks=detached[:1], target="in_place", restore_state="absent", group="drill"),
    )[case]
    emu.clear_calls()
    run = run_playbook("usnap_restore.yml", extra_vars=extra)
    failure = run.failure("Restore")
    assert words in failure["msg"]
    assert calls(emu, *MUTATING) == []
    if case in ("several_without_placeholder", "absent_in_place"):
        assert emu.calls()["log"] == []  # bad input fails before any API call
    if case == "outside_window":
        assert "its USnap window holds" in failure["msg"] and "journal 12 h, hourly 24 h, daily 5 d" in failure["msg"]


def test_absent_deletes_only_the_matching_clone(run_playbook, emu):
    one, two = seed(emu, count=2)
    made = run_playbook("usnap_restore.yml", extra_vars=dict(disks=[one, two], clone_name="d-{disk_id}", group="drill"))
    assert made.rc == 0, made.stdout
    clone_ids = [r["restored_disk_id"] for r in made.result("Restore")["restores"]]
    stranger = seed(emu, name="d-%s" % one, tag="web", service=None)[0]  # the clone's name, not its business group
    other_name = seed(emu, name="keep-me", tag="drill", service=None)[0]
    run = run_playbook(
        "usnap_restore.yml",
        extra_vars=dict(disks=[one, two], clone_name="d-{disk_id}", group="drill", restore_state="absent", again=True),
    )
    assert run.rc == 0, run.stdout
    gone = run.result("Restore")
    assert gone["changed"] and [r["deleted_disk_ids"] for r in gone["restores"]] == [[c] for c in clone_ids]
    assert gone["restores"][0]["left_alone"] == [dict(disk_id=stranger, reason="its business group is web, not drill")]
    assert not run.result("Restore again")["changed"]
    left = {d["id"] for d in emu.dump_state()["disks"]}
    assert not left & set(clone_ids) and {one, two, stranger, other_name} <= left
    assert sorted(e["params"]["UDiskId"] for e in calls(emu, "DeleteUDisk")) == sorted(clone_ids)
