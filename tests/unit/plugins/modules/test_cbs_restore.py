# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cbs_restore in-process against the emulator: new disks and rollbacks, reuse, deletion of what it made only,
faults and lost answers (never a second disk, never a blind second rollback), the ClientToken."""

import pytest

from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import api
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.restore import client_token
from ansible_collections.snapshield.cloud.plugins.modules import cbs_restore

MUTATING = ("CreateDisks", "ApplySnapshot", "TerminateDisks")
TAG = "snapshield-restored-from"


@pytest.fixture
def auth(auth, emu):
    emu.configure(disk_create_delay=0.3, rollback_delay=0.3)
    return auth


def seed(emu, size=100, state="UNATTACHED", snapshots=({"name": "nightly", "age": 600},), **spec):
    created = emu.seed(cloud="tencent", size=size, state=state, snapshots=list(snapshots), **spec)
    return created["disks"][0], created["snapshots"]


def calls(emu, action, outcome=None):
    return [c for c in emu.calls()["log"] if c["action"] == action and outcome in (None, c["outcome"])]


def restored_disks(emu, snapshot_id=None):
    return [
        d
        for d in emu.dump_state()["disks"]
        if d["cloud"] == "tencent" and TAG in d["tags"] and snapshot_id in (None, d["tags"][TAG])
    ]


def disk(emu, disk_id):
    return next(d for d in emu.dump_state()["disks"] if d["id"] == disk_id)


def test_client_token_is_deterministic_per_snapshot_and_name():
    token = client_token("snap-aaaa1111", "db-restored")
    assert token == client_token("snap-aaaa1111", "db-restored")
    assert token != client_token("snap-aaaa1112", "db-restored")
    assert token != client_token("snap-aaaa1111", "db-restored2")
    assert len(token) <= 64 and token.isascii()


def test_new_disk_waits_then_is_reused(emu, auth, run_main):
    source, (snap,) = seed(emu, size=50, disk_type="CLOUD_SSD", zone="ap-guangzhou-4", tags={"team": "db"})
    code, out = run_main(cbs_restore, dict(auth, disk_id=source, tags={"purpose": "drill"}))
    assert code == 0, out
    restore = out["restore"]
    (made,) = restored_disks(emu, snap)
    assert restore["restored_disk_id"] == made["id"] and restore["restored_disk_name"] == source + "-restored"
    assert (made["size"], made["disk_type"], made["zone"]) == (50, "CLOUD_SSD", "ap-guangzhou-4")
    assert made["tags"] == {"purpose": "drill", TAG: snap} and made["source_snapshot"] == snap
    assert restore["state"] == "UNATTACHED" and restore["disk_size"] == 50 and restore["changed"]
    assert restore["snapshot_id"] == snap and restore["recovery_point"].endswith("Z")
    assert 590 <= restore["recovery_point_age"] <= 700
    assert 0.25 <= restore["restore_seconds"] < 10 and restore["available_at"] >= restore["requested_at"]
    (create,) = calls(emu, "CreateDisks")
    assert create["params"]["ClientToken"] == client_token(snap, source + "-restored")
    assert create["params"]["DiskChargeType"] == "POSTPAID_BY_HOUR" and create["params"]["DiskSize"] == 50
    emu.clear_calls()
    code, again = run_main(cbs_restore, dict(auth, disk_id=source, tags={"purpose": "drill"}))
    assert code == 0 and not again["changed"] and again["restore"]["restored_disk_id"] == made["id"]
    assert again["restore"]["restore_seconds"] is None and again["restore"]["available_at"]
    assert not [c for c in emu.calls()["log"] if c["action"] in MUTATING]


@pytest.mark.parametrize("when", ["after_apply", "before_apply"])
def test_lost_create_answer_makes_one_disk(emu, auth, run_main, when):
    source, (snap,) = seed(emu)
    emu.set_faults(action="CreateDisks", lose=when)
    code, out = run_main(cbs_restore, dict(auth, disk_id=source, disk_name="lost-{disk_id}"))
    assert code == 0, out
    assert emu.set_faults()["rules"] == [], "the fault was never triggered"
    (made,) = restored_disks(emu, snap)
    assert out["restore"]["restored_disk_id"] == made["id"]
    sent = [(c["outcome"], c["applied"]) for c in calls(emu, "CreateDisks")]
    # after_apply: looked up by name and tag, found, not sent again; before_apply: not found, sent once more
    assert sent == ([("lost", True)] if when == "after_apply" else [("lost", False), ("ok", True)])


def test_lost_create_answer_unseen_by_the_lookup_is_answered_by_the_client_token(emu, auth, run_main, monkeypatch):
    """The disk a lost call made is not seen by the look-up (a listing that lags): the resent call carries the same
    ClientToken and CBS answers that disk, so there is still one disk."""
    source, (snap,) = seed(emu)
    emu.set_faults(action="CreateDisks", lose="after_apply")
    monkeypatch.setattr(api, "disks_named", lambda client, names: {name: [] for name in names})
    code, out = run_main(cbs_restore, dict(auth, disk_id=source))
    assert code == 0, out
    assert [(c["outcome"], c["applied"]) for c in calls(emu, "CreateDisks")] == [("lost", True), ("ok", True)]
    (made,) = restored_disks(emu, snap)
    assert out["restore"]["restored_disk_id"] == made["id"]


@pytest.mark.parametrize("fault", [dict(http_status=503), dict(throttle=True), dict(error="InternalError")])
def test_faults_on_create_and_terminate(emu, auth, run_main, fault):
    source, (snap,) = seed(emu)
    emu.set_faults(action="CreateDisks", **fault)
    code, out = run_main(cbs_restore, dict(auth, disk_id=source))
    assert code == 0 and len(restored_disks(emu, snap)) == 1, out
    emu.set_faults(action="TerminateDisks", **fault)
    code, out = run_main(cbs_restore, dict(auth, disk_id=source, state="absent"))
    assert code == 0 and out["changed"] and restored_disks(emu) == [], out
    assert emu.set_faults()["rules"] == []


@pytest.mark.parametrize("when", ["after_apply", "before_apply"])
def test_lost_rollback_answer_is_read_before_any_resend(emu, auth, run_main, when):
    source, (snap,) = seed(emu)
    emu.set_faults(action="ApplySnapshot", lose=when)
    code, out = run_main(cbs_restore, dict(auth, disk_id=source, target="in_place"))
    assert code == 0, out
    assert disk(emu, source)["rollbacks"] == [snap]
    sent = [(c["outcome"], c["applied"]) for c in calls(emu, "ApplySnapshot")]
    assert sent == ([("lost", True)] if when == "after_apply" else [("lost", False), ("ok", True)])
    reads = [
        c
        for c in emu.calls()["log"]
        if c["action"] == "DescribeDisks" and c["seq"] > calls(emu, "ApplySnapshot")[0]["seq"]
    ]
    assert reads, "the disk was not read after the lost answer"
    assert out["restore"]["state"] == "UNATTACHED" and out["restore"]["restore_seconds"] >= 0.25


def test_in_place_attached_needs_auto_stop(emu, auth, run_main):
    source, (snap,) = seed(emu, state="ATTACHED")
    code, out = run_main(cbs_restore, dict(auth, disk_id=source, target="in_place"))
    assert code == 1 and "auto_stop_instance" in out["msg"] and "attached" in out["msg"]
    assert out["restores"][0]["failed"] and not calls(emu, "ApplySnapshot")
    code, out = run_main(
        cbs_restore, dict(auth, disk_id=source, target="in_place", auto_stop_instance=True, auto_start_instance=True)
    )
    assert code == 0, out
    (apply,) = calls(emu, "ApplySnapshot")
    assert apply["params"] == dict(SnapshotId=snap, DiskId=source, AutoStopInstance=True, AutoStartInstance=True)
    assert out["restore"]["state"] == "ATTACHED" and disk(emu, source)["rollbacks"] == [snap]


def test_absent_deletes_only_tagged_disks_of_that_name(emu, auth, run_main):
    source, (snap,) = seed(emu)
    code, out = run_main(cbs_restore, dict(auth, disk_id=source, disk_name="copy-{disk_id}"))
    assert code == 0, out
    made = out["restore"]["restored_disk_id"]
    stranger = emu.seed(cloud="tencent", name="copy-" + source, state="UNATTACHED")["disks"][0]
    other_tag = emu.seed(cloud="tencent", name="copy-" + source, state="UNATTACHED", tags={TAG: "x", "keep": "1"})
    code, out = run_main(
        cbs_restore, dict(auth, disk_id=source, disk_name="copy-{disk_id}", state="absent", tags={"keep": "0"})
    )
    assert code == 0 and not out["changed"], out  # nothing carries keep=0
    emu.clear_calls()
    code, out = run_main(
        cbs_restore, dict(auth, disk_id=source, disk_name="copy-{disk_id}", state="absent", snapshot_id=snap)
    )
    assert code == 0 and out["changed"], out
    assert [d["disk_id"] for d in out["restore"]["deleted"]] == [made]
    assert sorted(d["disk_id"] for d in out["restore"]["left_alone"]) == sorted([stranger, other_tag["disks"][0]])
    (terminate,) = calls(emu, "TerminateDisks")
    assert terminate["params"]["DiskIds"] == [made]
    ids = {d["id"] for d in emu.dump_state()["disks"]}
    assert made not in ids and {stranger, other_tag["disks"][0], source} <= ids


def test_a_rerun_after_a_failed_run_gets_the_same_disk_from_the_client_token(emu, auth, run_main, monkeypatch):
    """Every answer of the first run is lost and the listing lags, so the run fails; the next run sends the same
    ClientToken (derived from snapshot and name, not from the run) and CBS answers the disk the first run made."""
    source, (snap,) = seed(emu)
    emu.set_faults(action="CreateDisks", lose="after_apply", count=3)
    monkeypatch.setattr(api, "disks_named", lambda client, names: {name: [] for name in names})
    code, out = run_main(cbs_restore, dict(auth, disk_id=source))
    assert code == 1 and "lost its answer 3 times" in out["msg"], out
    (made,) = restored_disks(emu, snap)
    code, out = run_main(cbs_restore, dict(auth, disk_id=source))
    assert code == 0 and out["restore"]["restored_disk_id"] == made["id"], out
    assert len(restored_disks(emu, snap)) == 1
    tokens = {c["params"]["ClientToken"] for c in calls(emu, "CreateDisks")}
    assert tokens == {client_token(snap, source + "-restored")}


def test_restoring_again_after_a_delete_follows_the_token_of_the_deleted_disk(emu, auth, run_main, monkeypatch):
    """CBS answers a remembered ClientToken with its disk even once that disk is deleted: the module waits for it
    only as long as a new disk may stay unlisted, then makes the disk with the token that follows from the deleted
    one, the same in every run; a third restore follows the chain one step further."""
    monkeypatch.setattr(api, "VISIBILITY_GRACE", 0.5)
    source, (snap,) = seed(emu)
    args = dict(auth, disk_id=source, disk_name="drill-{disk_id}")
    made = []
    for _run in range(3):
        code, out = run_main(cbs_restore, args)
        assert code == 0, out
        made.append(out["restore"]["restored_disk_id"])
        assert [d["id"] for d in restored_disks(emu, snap)] == [made[-1]]
        assert out["restore"]["changed"] and out["restore"]["restore_seconds"] < 5
        code, out = run_main(cbs_restore, dict(args, state="absent"))
        assert code == 0 and [d["disk_id"] for d in out["restore"]["deleted"]] == [made[-1]], out
    assert len(set(made)) == 3
    name = "drill-" + source
    chain = [client_token(snap, name), client_token(snap, name, made[0]), client_token(snap, name, made[1])]
    sent = [c["params"]["ClientToken"] for c in calls(emu, "CreateDisks")]
    assert sent == chain[:1] + chain[:2] + chain
