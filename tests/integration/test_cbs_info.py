# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cbs_disk_info and cbs_snapshot_info against the emulator: paging past 100 items, filters, tags as dicts."""


def test_info_modules_page_through_everything_and_filter(emulator, run_playbook):
    emulator.seed(cloud="tencent", count=190)
    busy = emulator.seed(cloud="tencent", snapshots=[{"name": "s%03d" % n, "age": 60 * n} for n in range(120)])
    special = emulator.seed(cloud="tencent", count=3, snapshots=[{"name": "special"}, {"name": "specials"}])
    with emulator.state.lock:  # one "special" snapshot is not NORMAL
        emulator.state.snapshots[special["snapshots"][2]].fixed_state = "CREATING"
    state = emulator.dump_state()
    disks = [d for d in state["disks"] if d["cloud"] == "tencent"]
    busy_disk = busy["disks"][0]
    some_ids = busy["snapshots"][:2] + ["snap-nothere1"]
    emulator.clear_calls()

    run = run_playbook(
        "cbs_info.yml", extra_vars=dict(busy_disk=busy_disk, all_disks=[d["id"] for d in disks], some_ids=some_ids)
    )
    assert run.rc == 0, run.stdout

    every = run.result("Every disk")["disks"]
    assert len(disks) > 200 and sorted(d["disk_id"] for d in every) == sorted(d["id"] for d in disks)
    first = every[0]
    assert set(first) >= {"disk_id", "disk_name", "disk_size", "disk_usage", "zone", "snapshot_ability", "tags"}
    assert isinstance(first["tags"], dict) and first["zone"].startswith("ap-guangzhou-")

    tagged = run.result("Disks by tags")["disks"]
    wanted = sorted(d["id"] for d in disks if d["tags"].get("env") == "prod" and d["tags"].get("team") == "alpha")
    assert wanted and sorted(d["disk_id"] for d in tagged) == wanted
    assert all(d["tags"]["env"] == "prod" and d["tags"]["team"] == "alpha" for d in tagged)

    zoned = run.result("Data disks of a zone")["disks"]
    assert sorted(d["disk_id"] for d in zoned) == sorted(
        d["id"] for d in disks if d["zone"] == "ap-guangzhou-3" and d["usage"] == "DATA_DISK"
    )
    by_id = run.result("Disks by ID")["disks"]
    assert sorted(d["disk_id"] for d in by_id) == ["disk-emu00001", "disk-emu00002"]

    mine = run.result("Every snapshot of a disk")["snapshots"]
    assert [s["snapshot_name"] for s in mine] == ["s%03d" % n for n in range(120)]  # newest first
    named = run.result("Snapshots by name and state")["snapshots"]
    assert sorted(s["snapshot_id"] for s in named) == sorted([special["snapshots"][0], special["snapshots"][4]])
    assert {s["snapshot_name"] for s in named} == {"special"} and {s["state"] for s in named} == {"NORMAL"}
    assert sorted(s["snapshot_id"] for s in run.result("Snapshots by ID")["snapshots"]) == sorted(some_ids[:2])

    log = [c for c in emulator.calls()["log"] if c["outcome"] == "ok"]
    disk_pages = [
        c["params"]
        for c in log
        if c["action"] == "DescribeDisks" and not c["params"].get("Filters") and not c["params"].get("DiskIds")
    ]
    assert [p["Offset"] for p in disk_pages] == [0, 100, 200] and {p["Limit"] for p in disk_pages} == {100}
    tag_filters = [
        c["params"]["Filters"]
        for c in log
        if c["action"] == "DescribeDisks" and any(f["Name"].startswith("tag:") for f in c["params"].get("Filters", []))
    ]
    assert tag_filters[0] == [{"Name": "tag:env", "Values": ["prod"]}, {"Name": "tag:team", "Values": ["alpha"]}]
    snapshot_lookups = [c["params"] for c in log if c["action"] == "DescribeSnapshots" and "Filters" in c["params"]]
    # 214 disks by name and state: the region holds fewer than 100 such snapshots, so its first page (filtered by
    # name and state) is cheaper than 22 disk-id batches, and is all that is read
    named_lookups = [p for p in snapshot_lookups if {"Name": "snapshot-name", "Values": ["special"]} in p["Filters"]]
    assert len(named_lookups) == 1 and all(f["Name"] != "disk-id" for f in named_lookups[0]["Filters"])
