# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.snapshield.cloud.plugins.filter.fleet_report import fleet_report
from ansible_collections.snapshield.cloud.plugins.filter.usnap_fleet import (
    FilterModule,
    usnap_fleet_groups,
    usnap_fleet_plans,
    usnap_fleet_problems,
    usnap_fleet_results,
    usnap_fleet_summary,
)

ZONE = "cn-bj2-02"
BASE = dict(backup_mode="Base", journal=None, hour=None, day=None, charge_type=None, quantity=1)
CUSTOM = dict(backup_mode="Custom", journal=36, hour=48, day=10, charge_type=None, quantity=1)


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {
        "usnap_fleet_plans",
        "usnap_fleet_groups",
        "usnap_fleet_results",
        "usnap_fleet_summary",
        "usnap_fleet_problems",
    }


def test_groups_split_their_disks_by_zone_with_the_zones_region():
    disks = [
        dict(disk_id="bsm-1", zone="hk-02", region="hk"),
        dict(disk_id="bsm-2", zone="cn-sh2-02", region="cn-sh2"),
        dict(disk_id="bsm-3", zone="hk-02", region="hk"),
    ]
    fleet = usnap_fleet_groups(disks, usnap_fleet_plans())
    assert fleet["groups"][0]["zones"] == [
        dict(zone="cn-sh2-02", region="cn-sh2", disk_ids=["bsm-2"]),
        dict(zone="hk-02", region="hk", disk_ids=["bsm-1", "bsm-3"]),
    ]


def test_problems_say_where_the_fleet_must_be():
    def problems(hosts=None, **variables):
        return usnap_fleet_problems(dict(dict(usnap_fleet_zone=None, usnap_fleet_zones=[]), **variables), hosts)

    assert problems(usnap_fleet_zone="cn-bj2-02") == []
    assert problems(usnap_fleet_zones=[dict(zone="hk-02")]) == []
    assert "not both" in problems(usnap_fleet_zone="cn-bj2-02", usnap_fleet_zones=[dict(zone="hk-02")])[0]
    assert "or run the role over disk hosts" in problems()[0]
    assert "must name a zone" in problems(usnap_fleet_zone=" ")[0]
    assert "usnap_fleet_zones[0]" in problems(usnap_fleet_zones=[dict(region="hk")])[0]
    hosts = dict(inventory=True, problems=[])
    assert problems(hosts) == []
    assert "leave out usnap_fleet_zone" in problems(hosts, usnap_fleet_zone="cn-bj2-02")[0]
    assert "usnap_fleet_rate_share must be more than 0" in problems(hosts, usnap_fleet_rate_share=0)[0]
    assert problems(hosts, usnap_fleet_rate_share=0.25) == []


def test_default_plan_is_checked_and_normalised():
    assert usnap_fleet_plans({}) == dict(default=BASE, overrides={})
    plans = usnap_fleet_plans(None, backup_mode="Custom", journal=36, hour=48, day=10, charge_type="Yearly", quantity=2)
    assert plans["default"] == dict(CUSTOM, charge_type="Year", quantity=2)


@pytest.mark.parametrize(
    "params, words",
    [
        (
            dict(backup_mode="Custom", journal=36, hour=48),
            ["usnap_fleet_backup_mode=Custom", "missing: usnap_fleet_day"],
        ),
        (dict(backup_mode="Custom", journal=13, hour=48, day=10), ["usnap_fleet_journal", "multiple of 12", "13"]),
        (dict(backup_mode="Base", hour=48), ["usnap_fleet_hour", "usnap_fleet_backup_mode=Custom"]),
        (dict(quantity=0), ["usnap_fleet_quantity", "1 or more"]),
        (dict(backup_mode="Gold"), ["usnap_fleet_backup_mode", "Gold"]),
    ],
)
def test_bad_default_plan_names_the_role_variable(params, words):
    with pytest.raises(AnsibleFilterError) as info:
        usnap_fleet_plans({}, **params)
    assert all(word in str(info.value) for word in words), str(info.value)


def test_override_inherits_the_default_and_the_chain_only_with_the_same_mode():
    plans = usnap_fleet_plans(
        {
            "bsm-a": dict(day=15),  # same mode: keeps journal and hour
            "bsm-b": dict(backup_mode="Ultimate"),  # other mode: no chain inherited
            "bsm-c": dict(charge_type="Monthly", quantity=3),
        },
        backup_mode="Custom",
        journal=36,
        hour=48,
        day=10,
        charge_type="Year",
    )
    assert plans["default"] == dict(CUSTOM, charge_type="Year")
    assert plans["overrides"] == {
        "bsm-a": dict(CUSTOM, day=15, charge_type="Year"),
        "bsm-b": dict(BASE, backup_mode="Ultimate", charge_type="Year"),
        "bsm-c": dict(CUSTOM, charge_type="Month", quantity=3),
    }


@pytest.mark.parametrize(
    "overrides, words",
    [
        ({"bsm-a": dict(backup_mode="Custom", journal=36)}, ["usnap_fleet_overrides['bsm-a']", "missing: hour, day"]),
        ({"bsm-a": dict(journal=24)}, ["usnap_fleet_overrides['bsm-a']", "backup_mode=Custom"]),
        ({"bsm-a": dict(backup_mode="Custom", journal=36, hour=48, day=7)}, ["day", "multiple of 5", "7"]),
        ({"bsm-a": dict(mode="Ultimate")}, ["usnap_fleet_overrides['bsm-a']", "unknown keys mode"]),
        ({"bsm-a": "Ultimate"}, ["usnap_fleet_overrides['bsm-a']", "must be a dict"]),
        ({"": dict(backup_mode="Ultimate")}, ["keys must be disk ids"]),
        (["bsm-a"], ["usnap_fleet_overrides must be a dict"]),
    ],
)
def test_bad_override_names_the_disk(overrides, words):
    with pytest.raises(AnsibleFilterError) as info:
        usnap_fleet_plans(overrides)
    assert all(word in str(info.value) for word in words), str(info.value)


def test_absent_ignores_plans_but_not_the_overrides_shape():
    assert usnap_fleet_plans({"bsm-a": dict(journal=1)}, backup_mode="Custom", state="absent") == dict(
        default=None, overrides={}
    )
    with pytest.raises(AnsibleFilterError, match="unknown keys"):
        usnap_fleet_plans({"bsm-a": dict(colour="red")}, state="absent")
    with pytest.raises(AnsibleFilterError, match="usnap_fleet_state"):
        usnap_fleet_plans({}, state="gone")


def test_groups_put_the_default_first_and_share_groups_between_equal_overrides():
    plans = usnap_fleet_plans(
        {
            "bsm-2": dict(backup_mode="Ultimate"),
            "bsm-4": dict(backup_mode="Ultimate"),
            "bsm-3": dict(backup_mode="Base"),
            "bsm-9": dict(backup_mode="Ultimate"),
        }
    )
    fleet = usnap_fleet_groups(["bsm-1", "bsm-2", "bsm-3", "bsm-4", "bsm-5"], plans, exclude=["bsm-5"], zone=ZONE)
    assert [(g["plan"]["backup_mode"], g["disks"], g["label"], g["zone"]) for g in fleet["groups"]] == [
        ("Base", ["bsm-1", "bsm-3"], "Base: 2 disks", ZONE),  # an override equal to the default joins it
        ("Ultimate", ["bsm-2", "bsm-4"], "Ultimate: 2 disks", ZONE),
    ]
    assert fleet["targets"] == ["bsm-1", "bsm-2", "bsm-3", "bsm-4"]
    assert fleet["skipped"] == [dict(disk_id="bsm-5", zone=ZONE, region=None, reason="excluded (usnap_fleet_exclude)")]
    assert fleet["ignored_overrides"] == ["bsm-9"]


def test_groups_of_discovered_disks_skip_udataark():
    disks = [
        dict(disk_id="bsm-1", zone=ZONE, backup_mode=""),
        dict(disk_id="bsm-2", zone=ZONE, backup_mode="UDataArk"),
        dict(disk_id="bsm-3", zone=ZONE, backup_mode="SnapshotService"),
    ]
    fleet = usnap_fleet_groups(disks, usnap_fleet_plans({}), zone=ZONE)
    assert fleet["targets"] == ["bsm-1", "bsm-3"]
    assert fleet["skipped"] == [dict(disk_id="bsm-2", zone=ZONE, region=None, reason="protected by UDataArk")]


def test_group_labels_and_absent():
    plans = usnap_fleet_plans(
        {"bsm-2": dict(backup_mode="Custom", journal=36, hour=48, day=10, charge_type="Year", quantity=2)}
    )
    labels = [g["label"] for g in usnap_fleet_groups(["bsm-1", "bsm-2"], plans)["groups"]]
    assert labels == ["Base: 1 disk", "Custom 36/48/10, Year x2: 1 disk"]
    absent = usnap_fleet_groups(["bsm-1", "bsm-2"], usnap_fleet_plans({"bsm-2": {}}, state="absent"))
    assert absent["groups"] == [
        dict(
            plan={},
            disks=["bsm-1", "bsm-2"],
            zone=None,
            zones=[dict(zone=None, disk_ids=["bsm-1", "bsm-2"])],
            label="remove: 2 disks",
        )
    ]


def test_groups_of_an_empty_fleet_and_bad_lists():
    assert usnap_fleet_groups([], usnap_fleet_plans({}))["groups"] == []
    with pytest.raises(AnsibleFilterError, match="more than once"):
        usnap_fleet_groups(["bsm-1", "bsm-1"], usnap_fleet_plans({}))
    with pytest.raises(AnsibleFilterError, match="empty ids"):
        usnap_fleet_groups(["bsm-1", " "], usnap_fleet_plans({}))
    with pytest.raises(AnsibleFilterError, match="usnap_fleet_plans"):
        usnap_fleet_groups(["bsm-1"], {"Base": 1})


def test_results_are_flattened_and_a_failed_group_names_its_disks():
    loop = [
        dict(
            item=dict(disks=["bsm-1", "bsm-2"], zone=ZONE),
            changed=True,
            results=[dict(disk_id="bsm-1", changed=True), dict(disk_id="bsm-2", changed=False)],
        ),
        dict(item=dict(disks=["bsm-3", "bsm-4"], zone=ZONE), failed=True, msg="UCloud API error 172: bad key"),
    ]
    flat = usnap_fleet_results(loop)
    assert [r["disk_id"] for r in flat] == ["bsm-1", "bsm-2", "bsm-3", "bsm-4"]
    assert flat[3] == dict(
        disk_id="bsm-4", zone=ZONE, region=None, changed=False, failed=True, msg="UCloud API error 172: bad key"
    )
    assert usnap_fleet_results([]) == [] and usnap_fleet_results(None) == []


def test_summary_adds_ignored_overrides_and_failures():
    results = [
        dict(disk_id="bsm-1", zone=ZONE, status="Available", backup_mode="Base", changed=True),
        dict(disk_id="bsm-2", zone=ZONE, failed=True, msg="17041: not found"),
    ]
    report = fleet_report(results, "ucloud")
    lines = usnap_fleet_summary(report, ["bsm-9"])
    assert lines[0].startswith("2 disks: 1 protected")
    assert lines[-2:] == ["Overrides of disks not in the fleet, ignored: bsm-9", "Failed bsm-2: 17041: not found"]
    assert usnap_fleet_summary(fleet_report(results[:1], "ucloud")) == [
        "1 disks: 1 protected, 0 at risk, 0 unprotected, 0 skipped, 0 failed; 1 changed",
        "By mode: Base 1",
    ]
