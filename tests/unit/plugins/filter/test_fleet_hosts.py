# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet_hosts: the disks of a play's hosts grouped by region or zone; and the report of a fleet of regions."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.snapshield.cloud.plugins.filter.fleet_hosts import FilterModule
from ansible_collections.snapshield.cloud.plugins.plugin_utils.fleet_hosts import fleet_hosts, rate_share_problem
from ansible_collections.snapshield.cloud.plugins.plugin_utils.fleet_report import fleet_report, fleet_report_summary


def host(disk_id, region, zone=None, cloud="tencentcloud", **more):
    return dict(
        inventory_hostname=disk_id, disk_id=disk_id, region=region, zone=zone or region + "-1", cloud=cloud, **more
    )


def test_tencent_hosts_are_grouped_by_region_sorted_as_awx_sorts_them():
    hosts = [host("disk-3", "ap-shanghai"), host("disk-1", "ap-guangzhou"), host("disk-2", "ap-shanghai")]
    found = fleet_hosts(hosts, "tencentcloud")
    assert found["inventory"] and found["count"] == 3 and found["problems"] == []
    assert found["by_region"] == {"ap-guangzhou": ["disk-1"], "ap-shanghai": ["disk-2", "disk-3"]}
    assert [d["disk_id"] for d in found["disks"]] == ["disk-1", "disk-2", "disk-3"]
    assert FilterModule().filters()["fleet_hosts"] is fleet_hosts


def test_ucloud_hosts_are_grouped_by_zone_with_its_region():
    hosts = [
        host("bsm-2", "hk", "hk-02", "ucloud", backup_mode="UDataArk"),
        host("bsm-1", "cn-bj2", "cn-bj2-02", "ucloud"),
    ]
    found = fleet_hosts(hosts, "ucloud")
    assert found["places"] == [
        dict(region="cn-bj2", zone="cn-bj2-02", disk_ids=["bsm-1"]),
        dict(region="hk", zone="hk-02", disk_ids=["bsm-2"]),
    ]
    assert found["disks"][1]["backup_mode"] == "UDataArk" and found["by_region"] == {}


def test_a_play_of_no_disk_hosts_is_no_inventory_fleet():
    found = fleet_hosts([dict(inventory_hostname="localhost")], "tencentcloud")
    assert not found["inventory"] and found["places"] == [] and found["problems"] == []


def test_hosts_that_are_no_disks_of_the_cloud_are_problems_naming_them():
    hosts = [
        host("disk-1", "ap-guangzhou"),
        dict(inventory_hostname="web-1"),
        host("bsm-1", "cn-bj2", cloud="ucloud"),
        dict(host("disk-2", "x"), region=None),
    ]
    problems = fleet_hosts(hosts, "tencentcloud")["problems"]
    assert problems == [
        "these hosts of the play are no disks (no disk_id variable): web-1",
        "these hosts of the play are disks of another cloud than tencentcloud: bsm-1",
        "these disk hosts have no region variable: disk-2",
    ]
    with pytest.raises(AnsibleFilterError, match="cloud must be one of"):
        fleet_hosts(hosts, "aws")


def test_rate_share_must_be_a_share():
    assert rate_share_problem(0.25, "x") is None and rate_share_problem(1, "x") is None
    for bad in (0, -1, 1.5, True, "half", None):
        assert rate_share_problem(bad, "cbs_fleet_rate_share").startswith("cbs_fleet_rate_share must be")


def test_report_of_several_regions_counts_each_and_adds_their_storage():
    results = [
        dict(disk_id="disk-1", region="ap-guangzhou", zone="ap-guangzhou-3", state="NORMAL", changed=True),
        dict(disk_id="disk-2", region="ap-shanghai", zone="ap-shanghai-2", failed=True, msg="boom"),
    ]
    storage = [
        dict(region="ap-guangzhou", total_size=300, billed_size=250, free_quota=50, total_count=3),
        dict(region="ap-shanghai", error="UnauthorizedOperation"),
    ]
    report = fleet_report(results, "tencentcloud", storage=storage, storage_price=0.1)
    assert report["regions"]["ap-guangzhou"]["protected"] == 1 and report["regions"]["ap-shanghai"]["failed"] == 1
    cost = report["protection_cost"]
    assert cost["by_region"] == {"ap-guangzhou": 25.0} and cost["per_month"] == 25.0
    assert cost["storage"]["billed_size"] == 250 and "ap-shanghai: UnauthorizedOperation" in cost["storage"]["unread"]
    lines = fleet_report_summary(report)
    assert "Region ap-shanghai: 1 disks: 0 protected, 0 at risk, 0 unprotected, 0 skipped, 1 failed" in lines
    assert "Snapshot storage of region ap-shanghai: not read (UnauthorizedOperation)" in lines
