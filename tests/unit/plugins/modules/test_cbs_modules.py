# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CBS modules in-process: validation before any client, check and diff mode, documented return keys."""

from unittest import mock

import pytest
import yaml

from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import api as cbs
from ansible_collections.snapshield.cloud.plugins.modules import cbs_disk_info, cbs_snapshot, cbs_snapshot_info

MUTATING = ("CreateSnapshot", "DeleteSnapshots", "ModifySnapshotAttribute")


@pytest.mark.parametrize(
    "args, option",
    [
        (dict(disk_id="disk-1", snapshot_name="n", deadline="2001-01-01T00:00:00Z"), "deadline"),
        (dict(disk_id="disk-1", snapshot_name="n", tags={"a": 1}), "tags.a"),
        (dict(disk_id="disk-1", snapshot_name="n" * 61), "snapshot_name"),
        (dict(disk_id="disk-1", snapshot_name="n", wait_timeout=0), "wait_timeout"),
        (dict(snapshot_name="n"), "disk_ids, snapshot_id"),
    ],
)
def test_bad_input_fails_before_a_client_exists(args, option, run_main):
    with mock.patch.object(cbs_snapshot.tencentcloud, "client") as make_client:
        code, out = run_main(cbs_snapshot, dict(args, secret_id="id", secret_key="key", region="ap-guangzhou"))
    assert code == 1 and out["failed"] and option in out["msg"]
    make_client.assert_not_called()


def test_bad_tags_of_disk_info_fail_before_a_client_exists(run_main):
    with mock.patch.object(cbs_disk_info.tencentcloud, "client") as make_client:
        code, out = run_main(cbs_disk_info, dict(tags={"env": ["prod"]}))
    assert code == 1 and "tags.env must be a string" in out["msg"]
    make_client.assert_not_called()


def test_check_and_diff_mode_change_nothing(emu, auth, run_main):
    args = dict(
        auth,
        disk_id=["disk-emu00001", "disk-emu00002"],
        snapshot_name="planned",
        retention_days=2,
        _ansible_check_mode=True,
        _ansible_diff=True,
    )
    code, out = run_main(cbs_snapshot, args)
    assert code == 0 and out["changed"] and [d["before"] for d in out["diff"]] == [{}, {}]
    assert [d["after"]["disk_id"] for d in out["diff"]] == ["disk-emu00001", "disk-emu00002"]
    assert not [c for c in emu.calls()["log"] if c["action"] in MUTATING]
    assert not emu.dump_state()["snapshots"]


def test_create_then_find_it_with_the_info_module(emu, auth, run_main):
    code, out = run_main(cbs_snapshot, dict(auth, disk_id="disk-emu00003", snapshot_name="real", tags={"k": "v"}))
    assert code == 0 and out["changed"] and out["snapshot"]["state"] == "NORMAL" and "diff" not in out
    code, found = run_main(cbs_snapshot_info, dict(auth, disk_ids=["disk-emu00003"]))
    assert code == 0 and not found["changed"]
    assert found["snapshots"] == [
        {k: v for k, v in out["snapshot"].items() if k not in ("changed", "recovery_point", "region")}
    ]
    made = out["snapshot"]
    assert made["recovery_point"] == dict(snapshot_id=made["snapshot_id"], create_time=made["create_time"])
    code, storage = run_main(cbs_snapshot_info, dict(auth, overview=True))
    assert code == 0 and storage["snapshots"] == []
    region = storage["overview"]
    assert region["region"] == "ap-guangzhou" and region["total_count"] >= 1
    assert region["billed_size"] == max(0.0, region["total_size"] - region["free_quota"])


class OverviewClient:
    region = "ap-guangzhou"

    def call(self, action, params):
        return {}


def documented_keys(module, key):
    doc = yaml.safe_load(module.RETURN)[key]
    return set(doc["contains"])


def test_documented_return_keys_are_the_returned_keys():
    snapshot = set(cbs.snapshot_result({}))
    assert documented_keys(cbs_snapshot, "results") == snapshot | {
        "changed",
        "deleted",
        "pruned",
        "recovery_point",
        "region",
    }
    assert documented_keys(cbs_snapshot_info, "overview") == set(cbs.snapshot_overview(OverviewClient()))
    assert documented_keys(cbs_snapshot_info, "snapshots") == snapshot
    assert documented_keys(cbs_disk_info, "disks") == set(cbs.disk_result({})) | {"region"}
    assert documented_keys(cbs_disk_info, "overviews") == set(cbs.snapshot_overview(OverviewClient())) | {"error"}
