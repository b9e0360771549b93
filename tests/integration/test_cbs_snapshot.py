# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cbs_snapshot against the emulator: playbooks run the way AWX runs them, then the emulator is inspected."""

import time
from datetime import datetime, timedelta, timezone

MUTATING = ("CreateSnapshot", "DeleteSnapshots", "ModifySnapshotAttribute")


def calls(emu, action=None, outcome=None):
    return [
        c
        for c in emu.calls()["log"]
        if (action is None or c["action"] == action) and (outcome is None or c["outcome"] == outcome)
    ]


def snapshots(emu, disk_id=None, name=None):
    return [
        s
        for s in emu.dump_state()["snapshots"]
        if (disk_id is None or s["disk_id"] == disk_id) and (name is None or s["name"] == name)
    ]


def failure(run, task):
    """The task's result, which must be a failure, rescued or not (ansible-runner leaves ``failed`` out of ``res``)."""
    (event,) = [
        e
        for e in run.events
        if e.get("event") in ("runner_on_ok", "runner_on_failed") and e["event_data"].get("task") == task
    ]
    assert event["event"] == "runner_on_failed", (task, event["event_data"]["res"])
    return event["event_data"]["res"]


def seed_disk(emu, **spec):
    """A new Tencent disk (with ``snapshots``), returning (disk id, snapshot ids)."""
    created = emu.seed(cloud="tencent", **spec)
    return created["disks"][0], created["snapshots"]


def test_create_wait_idempotent_min_age_deadline_tags_diff(emulator, run_playbook):
    emulator.configure(snapshot_delay=1.5)
    in_two_days = datetime.now(timezone(timedelta(hours=8))).replace(microsecond=0) + timedelta(days=2)
    run = run_playbook("cbs_snapshot_present.yml", diff=True, extra_vars=dict(deadline=in_two_days.isoformat()))
    assert run.rc == 0, run.stdout

    created = run.result("Create")
    snap = created["snapshot"]
    assert created["changed"] and snap["changed"]
    assert snap["state"] == "NORMAL" and snap["percent"] == 100
    assert snap["deadline"] == in_two_days.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert snap["tags"] == {"owner": "dba", "reason": "upgrade 1.4"} and snap["is_permanent"] is False
    assert created["diff"][0]["before"] == {} and created["diff"][0]["after"]["snapshot_id"] == snap["snapshot_id"]
    # it was CREATING for a while: read back more than once before it was NORMAL
    creates = [c for c in calls(emulator, "CreateSnapshot") if c["params"]["DiskId"] == "disk-emu00001"]
    assert len(creates) == 1
    polls = [
        c
        for c in calls(emulator, "DescribeSnapshots")
        if c["seq"] > creates[0]["seq"] and c["params"].get("SnapshotIds") == [snap["snapshot_id"]]
    ]
    assert len(polls) >= 2
    # deadline and tags were set by the create call itself
    assert creates[0]["params"]["Deadline"] == snap["deadline"]
    assert creates[0]["params"]["Tags"] == [{"Key": "owner", "Value": "dba"}, {"Key": "reason", "Value": "upgrade 1.4"}]
    (state,) = snapshots(emulator, "disk-emu00001")
    assert state["deadline"] == in_two_days.timestamp() and state["tags"] == creates[0]["params"]["Tags"]

    again = run.result("Create again")
    assert not again["changed"] and again["snapshot"]["snapshot_id"] == snap["snapshot_id"]
    assert "diff" not in again or not again["diff"]
    reused = run.result("Reuse a recent one")
    assert not reused["changed"] and reused["snapshot"]["snapshot_id"] == snap["snapshot_id"]

    two = run.result("Two disks without waiting")
    assert two["changed"] and "snapshot" not in two
    assert [r["disk_id"] for r in two["results"]] == ["disk-emu00002", "disk-emu00003"]
    assert all(r["state"] == "CREATING" and r["disk_usage"] == "DATA_DISK" for r in two["results"])
    assert len(calls(emulator, "CreateSnapshot")) == 3 and not calls(emulator, "ModifySnapshotAttribute")
    for created_snap in snapshots(emulator, name="weekly"):
        assert 7 * 86400 <= created_snap["deadline"] - created_snap["create_time"] <= 7 * 86400 + 120


def test_check_mode_makes_no_change(emulator, run_playbook):
    disk, (old,) = seed_disk(emulator, snapshots=[{"name": "old"}])
    run = run_playbook("cbs_snapshot_check.yml", check=True, diff=True, extra_vars=dict(seeded_disk=disk))
    assert run.rc == 0, run.stdout
    assert not [c for c in calls(emulator) if c["action"] in MUTATING or c["applied"]]

    planned = run.result("Would create")
    assert planned["changed"] and len(planned["results"]) == 2
    for result, diff in zip(planned["results"], planned["diff"]):
        assert result["snapshot_id"] is None and result["snapshot_name"] == "planned"
        assert result["tags"] == {"owner": "dba"} and result["deadline"]
        assert diff["before"] == {} and diff["after"]["disk_id"] == result["disk_id"]
    doomed = run.result("Would delete")
    assert doomed["changed"] and doomed["snapshot"]["deleted"][0]["snapshot_id"] == old
    assert doomed["diff"][0]["before"]["snapshot_id"] == old and doomed["diff"][0]["after"] == {}
    refused = failure(run, "Would fail on a disk without snapshots")
    assert "disk-emu00010" in refused["msg"] and "disk-emu00001:" not in refused["msg"]
    assert snapshots(emulator, disk) and not snapshots(emulator, name="planned")


def test_absent_by_id_and_by_name(emulator, run_playbook):
    disk, (by_id, by_name, creating, kept) = seed_disk(
        emulator, snapshots=[{"name": "by-id"}, {"name": "by-name"}, {"name": "creating"}, {"name": "kept"}]
    )
    with emulator.state.lock:
        emulator.state.snapshots[creating].ready_at = time.time() + 2
    run = run_playbook("cbs_snapshot_absent.yml", extra_vars=dict(doomed_id=by_id, seeded_disk=disk))
    assert run.rc == 0, run.stdout

    first = run.result("Delete by ID")
    assert first["changed"] and [d["snapshot_id"] for d in first["snapshot"]["deleted"]] == [by_id]
    assert not run.result("Delete by ID again")["changed"]
    by_name_result = run.result("Delete by name")
    assert by_name_result["changed"] and by_name_result["snapshot"]["deleted"][0]["snapshot_id"] == by_name
    assert not run.result("Delete by name again")["changed"]
    assert run.result("Delete a CREATING one once it is NORMAL")["changed"]
    assert [s["id"] for s in snapshots(emulator, disk)] == [kept]
    deletes = calls(emulator, "DeleteSnapshots")
    assert [c["params"]["SnapshotIds"] for c in deletes] == [[by_id], [by_name], [creating]]
    assert all(c["outcome"] == "ok" for c in deletes)


def test_bad_input_fails_naming_the_option_without_any_call(emulator, run_playbook):
    soon = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()
    run = run_playbook("cbs_snapshot_bad_input.yml", extra_vars=dict(soon=soon))
    assert run.rc == 0, run.stdout  # every failure was rescued, and the rescue's assertions held
    expected = {
        "Name too long": ["snapshot_name", "61", "60"],
        "Deadline too soon": ["deadline", "at least one day"],
        "Deadline not a time": ["deadline", "ISO-8601", "next tuesday"],
        "Tag value not a string": ["tags.version", "string"],
        "Retention of zero days": ["retention_days", "1 or more"],
        "Deadline and retention": ["deadline", "retention_days", "mutually exclusive"],
        "No name": ["snapshot_name", "disk_id"],
        "Backup point for two disks": ["disk_backup_id", "single disk_id"],
        "Creation options with an ID": ["tags", "snapshot_id"],
    }
    for task, words in expected.items():
        result = failure(run, task)
        assert all(word in result["msg"] for word in words), (task, result["msg"])
    assert emulator.calls()["log"] == []


def test_throttled_fleet_ends_protected_without_duplicates(emulator, run_playbook):
    emulator.seed(cloud="tencent", count=12, snapshot_ability=True)
    fleet = ["disk-emu%05d" % n for n in range(1, 33) if n not in (10, 20)]
    emulator.configure(snapshot_delay=0.5)
    emulator.set_faults(rate_limit=10)
    started = time.monotonic()
    run = run_playbook("cbs_snapshot_fleet.yml", extra_vars=dict(fleet=fleet, name="fleet"))
    assert run.rc == 0, run.stdout
    result = run.result("Protect the fleet")
    assert result["changed"] and len(result["results"]) == 30
    assert [r["disk_id"] for r in result["results"]] == fleet
    assert all(r["state"] == "NORMAL" and r["changed"] for r in result["results"])
    assert sorted(s["disk_id"] for s in snapshots(emulator, name="fleet")) == sorted(fleet)
    assert len(calls(emulator, "CreateSnapshot", "ok")) == 30
    assert calls(emulator, outcome="throttled"), "the emulator never throttled: the test proves nothing"
    lookups = [c for c in calls(emulator, "DescribeSnapshots", "ok") if "Filters" in c["params"]]
    # 30 disks would take 3 disk-id batches; the region's snapshots of that name fit in one page
    assert [c["params"]["Filters"] for c in lookups] == [[{"Name": "snapshot-name", "Values": ["fleet"]}]]
    polls = [c for c in calls(emulator, "DescribeSnapshots", "ok") if "SnapshotIds" in c["params"]]
    assert len(polls) < 30, "waits were not batched"
    assert time.monotonic() - started < 40


def test_lost_answers_and_api_errors(emulator, run_playbook):
    full_disk = seed_disk(emulator, snapshots=[{"name": "existing"}])[0]
    emulator.configure(snapshot_quota=1)
    emulator.set_faults(
        rules=[
            {"action": "CreateSnapshot", "lose": "after_apply"},
            {"action": "CreateSnapshot", "lose": "before_apply"},
        ]
    )
    run = run_playbook("cbs_snapshot_faults.yml", extra_vars=dict(full_disk=full_disk))
    assert run.rc == 0, run.stdout  # the refused disks' failure was rescued, and the rescue's assertions held

    after = run.result("Answer lost after the snapshot was made")
    assert after["changed"] and after["snapshot"]["state"] == "NORMAL"
    assert len(snapshots(emulator, "disk-emu00001", "lost-after")) == 1
    before = run.result("Request lost before the snapshot was made")
    assert before["changed"] and len(snapshots(emulator, "disk-emu00002", "lost-before")) == 1
    creates = [(c["params"]["DiskId"], c["outcome"], c["applied"]) for c in calls(emulator, "CreateSnapshot")]
    assert creates[:3] == [
        ("disk-emu00001", "lost", True),
        ("disk-emu00002", "lost", False),
        ("disk-emu00002", "ok", True),
    ]

    mixed = failure(run, "Some disks cannot have snapshots")
    assert mixed["msg"].startswith("3 of 4 disks failed")
    by_disk = {r["disk_id"]: r for r in mixed["results"]}
    assert by_disk["disk-emu00003"]["state"] == "NORMAL" and not by_disk["disk-emu00003"].get("failed")
    for disk_id, code, hint in (
        ("disk-emu00010", "InvalidDisk.NotSupportSnapshot", "snapshot_ability"),
        ("disk-nothere1", "InvalidDiskId.NotFound", "check disk_id and region"),
        (full_disk, "InsufficientSnapshotQuota", "quota"),
    ):
        failed = by_disk[disk_id]
        assert failed["failed"] and failed["error"]["code"] == code
        assert hint in failed["msg"] and failed["error"]["request_id"] in failed["msg"]
        assert disk_id in mixed["msg"]
    secret = emulator.credentials["tencent_secret_key"]
    assert secret not in run.stdout and secret not in str(mixed)


def test_temporary_credentials(emulator, run_playbook):
    creds = emulator.credentials
    run = run_playbook(
        "cbs_snapshot_token.yml",
        extra_vars=dict(
            temp_auth=dict(secret_id=creds["tencent_temp_id"], secret_key=creds["tencent_temp_key"]),
            temp_token=creds["tencent_token"],
        ),
        envvars=dict(TENCENTCLOUD_SECURITY_TOKEN=creds["tencent_token"]),
    )
    assert run.rc == 0, run.stdout  # the refusal without a token was rescued, and the rescue's assertions held
    assert run.result("Token from the option")["changed"]
    assert [s["snapshot_name"] for s in run.result("Token from the environment")["snapshots"]] == ["temporary"]
    refused = failure(run, "No token")
    assert refused["error"]["code"] == "AuthFailure.TokenFailure"
    assert "security_token" in refused["msg"] and refused["error"]["request_id"] in refused["msg"]
    assert creds["tencent_token"] not in run.stdout
