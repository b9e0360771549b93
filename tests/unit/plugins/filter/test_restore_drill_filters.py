# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restore_drill role's steps: its variables checked, the sample picked, earlier drills' clones found."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.snapshield.cloud.plugins.filter.restore_drill import (
    restore_drill_leftovers,
    restore_drill_marker,
    restore_drill_plan,
    restore_drill_problems,
)

GOOD = dict(
    restore_drill_cloud="ucloud",
    restore_drill_disks=[],
    restore_drill_sample=5,
    restore_drill_zone="cn-bj2-02",
    restore_drill_max_rpo=25,
    restore_drill_wait_timeout=1800,
    restore_drill_run_id="20261203T140000Z",
)


def problems(**changes):
    return restore_drill_problems(dict(GOOD, **changes))


def test_good_variables_have_no_problem():
    assert problems() == []
    assert problems(restore_drill_cloud="tencentcloud", restore_drill_zone="") == []
    assert problems(restore_drill_sample=0, restore_drill_disks=["bsm-1"]) == []


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(restore_drill_cloud="aws"), "restore_drill_cloud must be one of ucloud, tencentcloud, got 'aws'"),
        (dict(restore_drill_disks=["bsm-1"]), "give restore_drill_disks (disk ids) or restore_drill_sample"),
        (dict(restore_drill_sample=0), "give restore_drill_disks (disk ids) or restore_drill_sample (how many"),
        (dict(restore_drill_sample=-2), "restore_drill_sample must be a number of disks, 0 or more, got -2"),
        (dict(restore_drill_sample=True), "restore_drill_sample must be a number of disks"),
        (dict(restore_drill_sample=0, restore_drill_disks=[" "]), "restore_drill_disks must be disk ids"),
        (dict(restore_drill_zone=" "), "restore_drill_zone must name the zone of the disks"),
        (dict(restore_drill_max_rpo=-1), "restore_drill_max_rpo must be a number of hours, 0 or more"),
        (dict(restore_drill_wait_timeout=0), "restore_drill_wait_timeout must be a number of seconds, 1 or more"),
        (dict(restore_drill_run_id=""), "restore_drill_run_id must be 1 to 24 letters, digits or underscores"),
        (dict(restore_drill_run_id="x" * 25), "restore_drill_run_id must be 1 to 24 letters"),
        (dict(restore_drill_run_id="2026-12-03"), "restore_drill_run_id must be 1 to 24 letters"),
    ],
)
def test_each_problem_names_its_variable(changes, message):
    found = problems(**changes)
    assert len(found) == 1 and found[0].startswith(message), found


def test_problems_need_a_dict():
    with pytest.raises(AnsibleFilterError, match="expected a dict"):
        restore_drill_problems(["restore_drill_cloud"])


def udisk(n, backup_mode="SnapshotService", **extra):
    disk = dict(
        disk_id="bsm-%03d" % n,
        disk_name="data-%03d" % n,
        disk_size=20 * n,
        zone="cn-bj2-02",
        business_group="db",
        backup_mode=backup_mode,
    )
    disk.update(extra)
    return disk


def test_a_ucloud_sample_takes_only_disks_with_a_service_and_never_a_drill_clone():
    found = [udisk(n) for n in range(1, 9)]
    found += [
        udisk(9, backup_mode=""),  # no recovery point
        udisk(10, backup_mode="UDataArk"),
        udisk(11, disk_name="snapshield-drill-r1-bsm-001"),  # a clone, even if its group was changed
        udisk(12, business_group="snapshield-drill"),
    ]
    plan = restore_drill_plan(found, "ucloud", sample=3, seed="run-1")
    assert plan["candidates"] == 8 and len(plan["disks"]) == 3 and plan["disks"] == sorted(plan["disks"])
    assert set(plan["disks"]) <= {"bsm-%03d" % n for n in range(1, 9)}
    assert plan["sources"][plan["disks"][0]]["disk_size"] == 20 * int(plan["disks"][0][-3:])
    assert restore_drill_plan(found, "ucloud", sample=3, seed="run-1") == plan  # the same run picks the same
    picks = {tuple(restore_drill_plan(found, "ucloud", sample=3, seed="run-%d" % n)["disks"]) for n in range(20)}
    assert len(picks) > 5  # other runs pick others
    everything = restore_drill_plan(found, "ucloud", sample=50, seed="x")
    assert everything["disks"] == ["bsm-%03d" % n for n in range(1, 9)] and everything["missing"] == []


def test_a_cbs_sample_takes_disks_with_snapshots():
    found = [
        dict(disk_id="disk-1", disk_size=50, zone="z3", snapshot_count=2, snapshot_ability=True, tags={}),
        dict(disk_id="disk-2", disk_size=50, zone="z3", snapshot_count=0, snapshot_ability=True, tags={}),
        dict(disk_id="disk-3", disk_size=50, zone="z3", snapshot_count=1, snapshot_ability=True,
             tags={"snapshield-drill": "restore_drill"}),
        dict(disk_id="disk-4", disk_size=10, zone="z4", snapshot_count=4, snapshot_ability=True,
             tags={"snapshield-drill": "something else"}),
    ]  # fmt: skip
    plan = restore_drill_plan(found, "tencentcloud", sample=10)
    assert plan["disks"] == ["disk-1", "disk-4"] and plan["candidates"] == 2
    assert plan["sources"]["disk-4"] == dict(disk_size=10, zone="z4", disk_name=None)


def test_given_disks_keep_their_order_and_missing_ones_are_named():
    plan = restore_drill_plan([udisk(2), udisk(1, backup_mode="")], "ucloud", disks=["bsm-002", "bsm-404", "bsm-001"])
    assert plan["disks"] == ["bsm-002", "bsm-404", "bsm-001"] and plan["missing"] == ["bsm-404"]
    assert sorted(plan["sources"]) == ["bsm-001", "bsm-002"]  # a listed disk is drilled as told
    with pytest.raises(AnsibleFilterError, match="cloud must be one of"):
        restore_drill_plan([], "aws")


def test_leftovers_are_only_disks_named_as_drill_clones_grouped_by_drill():
    found = [
        dict(disk_id="bsm-c1", disk_name="snapshield-drill-20261201T000000Z-bsm-001"),
        dict(disk_id="bsm-c2", disk_name="snapshield-drill-20261201T000000Z-bsm-002"),
        dict(disk_id="bsm-c3", disk_name="snapshield-drill-weekly_7-bsm-001"),
        dict(disk_id="bsm-x", disk_name="scratch"),  # in the drill's group, but not a clone: left out
        dict(disk_id="bsm-y", disk_name="snapshield-drill-20261201T000000Z"),  # no source
        dict(disk_id="bsm-w", disk_name="snapshield-drill-bad.run-bsm-001"),
        dict(disk_id="bsm-z", disk_name=None),
    ]
    first, second = restore_drill_leftovers(found)
    assert first == dict(
        run="20261201T000000Z",
        clone_name="snapshield-drill-20261201T000000Z-{disk_id}",
        sources=["bsm-001", "bsm-002"],
        disks=[
            dict(disk_id="bsm-c1", disk_name=found[0]["disk_name"], source="bsm-001", run="20261201T000000Z"),
            dict(disk_id="bsm-c2", disk_name=found[1]["disk_name"], source="bsm-002", run="20261201T000000Z"),
        ],
    )
    assert (second["run"], second["sources"], second["clone_name"]) == (
        "weekly_7",
        ["bsm-001"],
        "snapshield-drill-weekly_7-{disk_id}",
    )
    assert restore_drill_leftovers(None) == []


def test_markers():
    assert restore_drill_marker("ucloud", "r1") == dict(
        clone_name="snapshield-drill-r1-{disk_id}",
        business_group="snapshield-drill",
        find=dict(business_group="snapshield-drill"),
    )
    cbs = restore_drill_marker("tencentcloud", "r1")
    assert cbs["tags"] == {"snapshield-drill": "restore_drill", "snapshield-drill-run": "r1"}
    assert cbs["find"] == dict(tags={"snapshield-drill": "restore_drill"})
    assert cbs["clone_name"] == "snapshield-drill-r1-{disk_id}"
