# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The policy modules in-process against the emulator: check and diff mode, the returned keys as documented."""

import yaml

from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import api as cbs
from ansible_collections.snapshield.cloud.plugins.modules import cbs_snapshot_policy, cbs_snapshot_policy_info

MUTATING = ("ModifyAutoSnapshotPolicyAttribute", "DeleteAutoSnapshotPolicies", "BindAutoSnapshotPolicy")


def test_check_and_diff_mode_plan_with_dry_run_and_change_nothing(emu, auth, run_main):
    args = dict(
        auth, name="nightly", hours=[2], disk_ids=["disk-emu00001"], _ansible_check_mode=True, _ansible_diff=True
    )
    code, out = run_main(cbs_snapshot_policy, args)
    assert code == 0 and out["changed"] and out["policy"]["bound"] == ["disk-emu00001"]
    assert out["policy"]["next_trigger_time"] and out["diff"][0]["before"] == {}
    assert out["diff"][0]["after"]["disk_ids"] == ["disk-emu00001"] and out["diff"][0]["before_header"] == "nightly"
    creates = [c for c in emu.calls()["log"] if c["action"] == "CreateAutoSnapshotPolicy"]
    assert [c["params"].get("DryRun") for c in creates] == [True]
    assert not [c for c in emu.calls()["log"] if c["action"] in MUTATING] and not emu.dump_state()["policies"]


def test_create_then_find_it_with_the_info_module(emu, auth, run_main):
    code, out = run_main(cbs_snapshot_policy, dict(auth, name="nightly", hours=[2], disk_ids=["disk-emu00002"]))
    assert code == 0 and out["changed"] and out["policy"]["policy_id"].startswith("asp-") and "diff" not in out
    code, found = run_main(cbs_snapshot_policy_info, dict(auth, names=["nightly"]))
    assert code == 0 and not found["changed"]
    assert found["policies"] == [{k: v for k, v in out["policy"].items() if k not in ("changed", "bound", "unbound")}]


def test_a_failure_names_the_policy(emu, auth, run_main):
    code, out = run_main(cbs_snapshot_policy, dict(auth, name="nightly", hours=[2], disk_ids=["disk-nope"]))
    assert code == 1 and out["msg"].startswith("1 of 1 policies failed: nightly: ")
    assert out["results"][0]["error"]["code"] == "InvalidDiskId.NotFound"


def documented_keys(module, key):
    return set(yaml.safe_load(module.RETURN)[key]["contains"])


def test_documented_return_keys_are_the_returned_keys():
    policy = set(cbs.policy_result({}))
    assert documented_keys(cbs_snapshot_policy, "policy") == policy | {"changed", "bound", "unbound", "deleted"}
    assert documented_keys(cbs_snapshot_policy_info, "policies") == policy
