# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cbs_snapshot_policy and cbs_snapshot_policy_info against the emulator: playbooks run the way AWX runs them,
then the emulator's state and call log are inspected."""

MUTATING = (
    "CreateAutoSnapshotPolicy",
    "ModifyAutoSnapshotPolicyAttribute",
    "DeleteAutoSnapshotPolicies",
    "BindAutoSnapshotPolicy",
    "UnbindAutoSnapshotPolicy",
)


def calls(emu, action=None, outcome=None):
    return [
        c
        for c in emu.calls()["log"]
        if (action is None or c["action"] == action) and (outcome is None or c["outcome"] == outcome)
    ]


def test_lifecycle_create_modify_bind_exact_absent_and_check_mode(emulator, run_playbook):
    run = run_playbook("cbs_policy_lifecycle.yml", diff=True)
    assert run.rc == 0, run.stdout
    policy_calls = [c for c in calls(emulator) if c["action"] in MUTATING]

    plan = run.result("Plan")["policy"]
    assert plan["changed"] and plan["policy_id"] is None and plan["next_trigger_time"].endswith("+08:00")
    assert plan["bound"] == ["disk-emu00001", "disk-emu00002", "disk-emu00003"] and plan["retention_days"] == 14
    assert policy_calls[0]["action"] == "CreateAutoSnapshotPolicy" and policy_calls[0]["params"]["DryRun"] is True

    created = run.result("Create")
    policy = created["policy"]
    assert created["changed"] and policy["policy_id"].startswith("asp-") and policy["active"]
    assert policy["disk_ids"] == ["disk-emu00001", "disk-emu00002", "disk-emu00003"]
    assert created["diff"][0]["before"] == {} and created["diff"][0]["after"]["policy_id"] == policy["policy_id"]
    (create,) = [c for c in calls(emulator, "CreateAutoSnapshotPolicy") if not c["params"].get("DryRun")]
    assert create["params"] == {
        "Policy": [{"Hour": [2], "DayOfWeek": [0, 1, 2, 3, 4, 5, 6]}],
        "AutoSnapshotPolicyName": "nightly",
        "RetentionDays": 14,
    }
    (bind,) = [
        c
        for c in calls(emulator, "BindAutoSnapshotPolicy")
        if c["seq"] < calls(emulator, "ModifyAutoSnapshotPolicyAttribute")[0]["seq"]
    ]
    assert bind["params"]["DiskIds"] == ["disk-emu00001", "disk-emu00002", "disk-emu00003"]

    again = run.result("Create again")
    assert not again["changed"] and again["policy"]["policy_id"] == policy["policy_id"]
    assert "diff" not in again or not again["diff"]

    modified = run.result("Modify")
    assert modified["changed"] and not modified["policy"]["active"] and modified["policy"]["hours"] == [2, 14]
    (modify,) = calls(emulator, "ModifyAutoSnapshotPolicyAttribute")
    assert modify["params"] == {
        "Policy": [{"Hour": [2, 14], "DayOfWeek": [1, 3]}],
        "IsActivated": False,
        "AutoSnapshotPolicyId": policy["policy_id"],
    }
    assert modified["diff"][0]["before"]["active"] and not modified["diff"][0]["after"]["active"]

    planned = run.result("Plan exclusive")["policy"]
    assert planned["bound"] == ["disk-emu00004"] and planned["unbound"] == ["disk-emu00001", "disk-emu00003"]
    exclusive = run.result("Exclusive")["policy"]
    assert exclusive["bound"] == ["disk-emu00004"] and exclusive["unbound"] == ["disk-emu00001", "disk-emu00003"]
    assert [c["params"]["DiskIds"] for c in calls(emulator, "UnbindAutoSnapshotPolicy")] == [
        ["disk-emu00001", "disk-emu00003"]
    ]
    assert [c["params"]["DiskIds"] for c in calls(emulator, "BindAutoSnapshotPolicy")][-1] == ["disk-emu00004"]
    # the check-mode runs changed nothing: one bind of three disks, one of one, one unbind
    assert len(calls(emulator, "BindAutoSnapshotPolicy")) == 2

    assert run.result("Plan deletion")["changed"]
    deleted = run.result("Delete")
    assert deleted["changed"] and deleted["policy"]["deleted"][0]["policy_id"] == policy["policy_id"]
    assert [c["params"] for c in calls(emulator, "DeleteAutoSnapshotPolicies")] == [
        {"AutoSnapshotPolicyIds": [policy["policy_id"]]}
    ]
    assert not run.result("Delete again")["changed"]
    assert emulator.dump_state()["policies"] == []
    # bad input made no call
    assert run.result("Hour 24")["msg"].startswith("hours must hold numbers")


def test_lost_answers_never_make_two_policies_nor_repeat_an_unbind_or_delete_blindly(emulator, run_playbook):
    disks = ["disk-emu%05d" % n for n in range(1, 10)]
    emulator.set_faults(
        rules=[
            {"action": "CreateAutoSnapshotPolicy", "lose": "after_apply"},
            {"action": "BindAutoSnapshotPolicy", "lose": "after_apply"},
            {"action": "UnbindAutoSnapshotPolicy", "lose": "after_apply"},
            {"action": "BindAutoSnapshotPolicy", "lose": "before_apply"},
            {"action": "DeleteAutoSnapshotPolicies", "lose": "after_apply"},
        ]
    )
    run = run_playbook("cbs_policy_faults.yml", extra_vars=dict(disks=disks))
    assert run.rc == 0, run.stdout
    assert run.result("Create")["policy"]["disk_ids"] == disks
    creates = calls(emulator, "CreateAutoSnapshotPolicy")
    assert [c["outcome"] for c in creates] == ["lost"]  # found by name: never sent again
    binds = calls(emulator, "BindAutoSnapshotPolicy")
    # lost after apply (read back: taken), then the exclusive run's bind lost before apply (read back: resent)
    assert [c["outcome"] for c in binds] == ["lost", "lost", "ok"]
    assert [c["outcome"] for c in calls(emulator, "UnbindAutoSnapshotPolicy")] == ["lost"]
    assert run.result("Exclusive")["policy"]["disk_ids"] == disks[1:] + ["disk-emu00011"]
    assert [c["outcome"] for c in calls(emulator, "DeleteAutoSnapshotPolicies")] == ["lost"]
    assert run.result("Delete")["changed"] and emulator.dump_state()["policies"] == []
