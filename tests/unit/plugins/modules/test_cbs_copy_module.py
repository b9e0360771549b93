# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cbs_snapshot_copy in-process against the emulator: copies in their regions, reuse, retention, waiting, check
and diff mode, lost answers, the returned keys as documented."""

import pytest
import yaml

from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.copy import copy_result
from ansible_collections.snapshield.cloud.plugins.modules import cbs_snapshot_copy

REGIONS = ["ap-shanghai", "ap-beijing"]


@pytest.fixture
def auth(auth, emu):
    emu.configure(copy_delay=0.6)
    return auth


def seeded(emu, name="nightly", state=None):
    created = emu.seed(cloud="tencent", snapshots=[dict(name=name, state=state)] if state else [dict(name=name)])
    return created["disks"][0], created["snapshots"][0]


def copies(emu, source_id=None):
    return [
        s
        for s in emu.dump_state()["snapshots"]
        if s["copy_from_remote"] and (source_id is None or s["name"].endswith(" copy of %s" % source_id))
    ]


def calls(emu, action):
    return [c for c in emu.calls()["log"] if c["action"] == action]


def test_copy_to_two_regions_wait_and_set_retention_then_reuse(emu, auth, run_main):
    _disk, snap = seeded(emu)
    code, out = run_main(
        cbs_snapshot_copy, dict(auth, snapshot_ids=[snap], destination_regions=REGIONS, retention_days=3)
    )
    assert code == 0 and out["changed"], out
    result = out["snapshot"]
    assert [c["region"] for c in result["copies"]] == REGIONS
    assert all(c["state"] == "NORMAL" and c["copy_from_remote"] and c["changed"] for c in result["copies"])
    assert all(c["deadline"] for c in result["copies"])
    (copy_call,) = calls(emu, "CopySnapshotCrossRegions")
    assert copy_call["params"] == {
        "SnapshotId": snap,
        "DestinationRegions": REGIONS,
        "SnapshotName": "nightly copy of %s" % snap,
    }
    assert sorted(s["region"] for s in copies(emu, snap)) == sorted(REGIONS)
    assert len(calls(emu, "ModifySnapshotAttribute")) == 2
    # waited: polled while COPYING_FROM_REMOTE / CHECKING_COPIED
    assert len(calls(emu, "DescribeSnapshots")) > 4
    emu.clear_calls()
    code, again = run_main(
        cbs_snapshot_copy, dict(auth, snapshot_ids=[snap], destination_regions=REGIONS, retention_days=3)
    )
    assert code == 0 and not again["changed"]
    assert [c["snapshot_id"] for c in again["snapshot"]["copies"]] == [c["snapshot_id"] for c in result["copies"]]
    assert {c["action"] for c in emu.calls()["log"]} == {"DescribeSnapshots"}
    # one more region: only it is copied to
    code, more = run_main(
        cbs_snapshot_copy, dict(auth, snapshot_ids=[snap], destination_regions=REGIONS + ["ap-chengdu"])
    )
    assert code == 0 and more["changed"] and [c["changed"] for c in more["snapshot"]["copies"]] == [False, False, True]
    assert calls(emu, "CopySnapshotCrossRegions")[-1]["params"]["DestinationRegions"] == ["ap-chengdu"]
    assert len(copies(emu, snap)) == 3


def test_by_disk_and_name_without_waiting(emu, auth, run_main):
    disk, snap = seeded(emu, name="before-migration")
    args = dict(
        auth, disk_ids=[disk], snapshot_name="before-migration", destination_regions=["ap-shanghai"], wait=False
    )
    code, out = run_main(cbs_snapshot_copy, args)
    assert code == 0 and out["snapshot"]["disk_id"] == disk and out["snapshot"]["snapshot_id"] == snap
    assert out["snapshot"]["copies"][0]["state"] in ("COPYING_FROM_REMOTE", "CHECKING_COPIED")


def test_check_and_diff_mode_copy_nothing(emu, auth, run_main):
    _disk, snap = seeded(emu)
    args = dict(auth, snapshot_ids=[snap], destination_regions=REGIONS, _ansible_check_mode=True, _ansible_diff=True)
    code, out = run_main(cbs_snapshot_copy, args)
    assert code == 0 and out["changed"] and [c["snapshot_id"] for c in out["snapshot"]["copies"]] == [None, None]
    assert out["diff"][0]["before"] == {"copies": []} and len(out["diff"][0]["after"]["copies"]) == 2
    assert not calls(emu, "CopySnapshotCrossRegions") and not copies(emu)


def test_a_lost_copy_answer_is_read_back_in_each_region_and_never_copied_twice(emu, auth, run_main):
    _disk, snap = seeded(emu)
    emu.set_faults(action="CopySnapshotCrossRegions", lose="after_apply")
    code, out = run_main(cbs_snapshot_copy, dict(auth, snapshot_ids=[snap], destination_regions=REGIONS))
    assert code == 0 and out["changed"] and all(c["state"] == "NORMAL" for c in out["snapshot"]["copies"])
    assert [c["outcome"] for c in calls(emu, "CopySnapshotCrossRegions")] == ["lost"]
    assert len(copies(emu, snap)) == 2


def test_a_copy_lost_before_it_arrived_is_sent_again(emu, auth, run_main):
    _disk, snap = seeded(emu)
    emu.set_faults(action="CopySnapshotCrossRegions", lose="before_apply")
    code, out = run_main(cbs_snapshot_copy, dict(auth, snapshot_ids=[snap], destination_regions=REGIONS))
    assert code == 0 and [c["outcome"] for c in calls(emu, "CopySnapshotCrossRegions")] == ["lost", "ok"]
    assert len(copies(emu, snap)) == 2


def test_failures_name_the_snapshot_and_the_others_are_copied(emu, auth, run_main):
    _disk, good = seeded(emu)
    _disk, creating = seeded(emu, state="CREATING")
    args = dict(auth, snapshot_ids=[good, creating, "snap-nope"], destination_regions=["ap-shanghai"])
    code, out = run_main(cbs_snapshot_copy, args)
    assert code == 1 and out["msg"].startswith("2 of 3 snapshots failed")
    assert "snapshot %s is CREATING: only a NORMAL snapshot can be copied" % creating in out["msg"]
    assert "snapshot snap-nope does not exist in region ap-guangzhou" in out["msg"]
    assert out["results"][0]["changed"] and len(copies(emu, good)) == 1


def test_bad_input_is_refused_before_any_call(emu, auth, run_main):
    code, out = run_main(cbs_snapshot_copy, dict(auth, snapshot_ids=["snap-1"], destination_regions=["ap-guangzhou"]))
    assert code == 1 and out["msg"].startswith("destination_regions lists ap-guangzhou")
    code, out = run_main(cbs_snapshot_copy, dict(auth, disk_ids=["disk-1"], destination_regions=["ap-shanghai"]))
    assert code == 1 and "snapshot_name" in out["msg"]
    assert emu.calls()["log"] == []


def test_documented_return_keys_are_the_returned_keys():
    doc = yaml.safe_load(cbs_snapshot_copy.RETURN)["results"]["contains"]
    assert set(doc) == {"snapshot_id", "snapshot_name", "disk_id", "changed", "copies"}
    assert set(doc["copies"]["contains"]) == set(copy_result("r", {}, False))
