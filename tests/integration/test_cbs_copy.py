# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cbs_snapshot_copy against the emulator through a playbook: copies live in their regions, once each."""


def test_copies_in_two_regions_once_each_with_retention(emulator, run_playbook):
    emulator.configure(copy_delay=1.0)
    run = run_playbook("cbs_copy.yml", diff=True)
    assert run.rc == 0, run.stdout
    planned = run.result("Plan the copies")
    assert planned["changed"] and all(c["snapshot_id"] is None for r in planned["results"] for c in r["copies"])
    copied = run.result("Copy")
    assert copied["changed"] and [r["disk_id"] for r in copied["results"]] == ["disk-emu00001", "disk-emu00002"]
    for result in copied["results"]:
        assert [c["region"] for c in result["copies"]] == ["ap-shanghai", "ap-beijing"]
        assert all(c["state"] == "NORMAL" and c["deadline"] and c["changed"] for c in result["copies"])
    again = run.result("Copy again")
    assert not again["changed"]
    state = emulator.dump_state()["snapshots"]
    made = sorted((s["region"], s["disk_id"]) for s in state if s["copy_from_remote"])
    assert made == [
        ("ap-beijing", "disk-emu00001"),
        ("ap-beijing", "disk-emu00002"),
        ("ap-shanghai", "disk-emu00001"),
        ("ap-shanghai", "disk-emu00002"),
    ]
    log = emulator.calls()["log"]
    assert len([c for c in log if c["action"] == "CopySnapshotCrossRegions"]) == 2
    assert len([c for c in log if c["action"] == "ModifySnapshotAttribute"]) == 4
