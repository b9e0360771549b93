# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet roles over disk hosts and over several regions, and AWX job slicing: N jobs at once, each over its
slice of the sorted hosts with a rate share of 1/N, against one emulator whose limits every job shares.

The hosts come from a static inventory with the host variables of the disk inventory plugins
(``tests/emulator/inventory.py``). Correctness only here; the timings are ``make bench``'s.
"""

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from tests.emulator import inventory

SNAPSHOT_TASK = "Snapshot the fleet and prune older managed snapshots"
FIND_TASK = "Find the disks of the fleet and read each region's snapshot storage"
REGIONS = ("ap-shanghai", "ap-beijing")


def seed_regions(emu, per_region=6, tags=None):
    """``per_region`` disks that can have snapshots in each of REGIONS: ``{region: [ids]}``."""
    extra = {} if tags is None else dict(tags=tags)
    return {
        region: emu.seed(cloud="tencent", count=per_region, zone=region + "-1", snapshot_ability=True, **extra)["disks"]
        for region in REGIONS
    }


def created(emu):
    """``Counter`` of the disks of every CreateSnapshot that took effect."""
    return Counter(
        c["params"]["DiskId"] for c in emu.calls()["log"] if c["action"] == "CreateSnapshot" and c["applied"]
    )


def test_role_over_disk_hosts_of_two_regions_makes_one_call_per_step(emulator, run_playbook, tmp_path):
    by_region = seed_regions(emulator)
    hosts = inventory.disk_hosts(emulator.dump_state(), "tencent", [d for ids in by_region.values() for d in ids])
    path = inventory.write(tmp_path / "disks.yml", hosts, "tencent")
    run = run_playbook("cbs_fleet_hosts.yml", inventory=path, extra_vars=dict(cbs_fleet_snapshot_name="hosts"))
    assert run.rc == 0, run.stdout
    (result,) = run.results(SNAPSHOT_TASK)  # one task result for 12 hosts: run once, not per host
    assert {(r["region"], r["disk_id"]) for r in result["results"]} == {
        (region, disk) for region, ids in by_region.items() for disk in ids
    }
    assert created(emulator) == Counter(list(hosts))
    snaps = {(s["region"], s["disk_id"]) for s in emulator.dump_state()["snapshots"] if s["name"] == "hosts"}
    assert snaps == {(region, disk) for region, ids in by_region.items() for disk in ids}
    (found,) = run.results(FIND_TASK)
    assert sorted(o["region"] for o in found["overviews"]) == sorted(REGIONS)
    data = run.result("Build the report")["ansible_facts"]["cbs_fleet_report_data"]
    assert {region: counts["protected"] for region, counts in data["regions"].items()} == dict.fromkeys(REGIONS, 6)
    summary = run.result("Summary")["msg"]
    assert "Region ap-beijing: 6 disks: 6 protected, 0 at risk, 0 unprotected, 0 skipped, 0 failed" in summary


def test_role_over_a_list_of_regions(emulator, run_playbook):
    by_region = seed_regions(emulator, tags={"fleet": "multi"})  # the disks of ap-guangzhou are not in the fleet
    run = run_playbook(
        "cbs_fleet_run.yml",
        extra_vars=dict(
            cbs_fleet_regions=list(REGIONS), cbs_fleet_tags={"fleet": "multi"}, cbs_fleet_snapshot_name="m"
        ),
    )
    assert run.rc == 0, run.stdout
    assert created(emulator) == Counter(d for ids in by_region.values() for d in ids)
    regions_read = {
        c["params"].get("Filters", [{}])[0].get("Name")
        for c in emulator.calls()["log"]
        if c["action"] == "DescribeDisks"
    }
    assert regions_read == {"tag:fleet"}


def test_disk_hosts_of_another_cloud_fail_before_any_call(emulator, run_playbook, tmp_path):
    hosts = inventory.disk_hosts(emulator.dump_state(), "ucloud", ["bsm-emu00001"])
    hosts = {name: dict(vars_, cloud="ucloud") for name, vars_ in hosts.items()}
    path = tmp_path / "wrong.yml"
    path.write_text(json.dumps({"all": {"children": {"cbs_disks": {"hosts": hosts}}}}))
    run = run_playbook("cbs_fleet_hosts.yml", inventory=str(path))
    assert run.rc != 0
    assert "disks of another cloud than tencentcloud: bsm-emu00001" in run.failure("Check the fleet variables")["msg"]
    assert emulator.calls()["log"] == []


def test_awx_job_slices_at_once_share_the_limits_and_protect_each_disk_once(emulator, run_playbook, tmp_path):
    """Like an AWX job template with job_slice_count=3: three jobs at once, slice k of 3 = hosts[k-1::3]."""
    by_region = seed_regions(emulator, per_region=9)
    hosts = inventory.disk_hosts(emulator.dump_state(), "tencent", [d for ids in by_region.values() for d in ids])
    slices = 3
    paths = [
        inventory.write(tmp_path / ("slice-%d.yml" % k), inventory.sliced(hosts, k, slices), "tencent")
        for k in range(1, slices + 1)
    ]
    assert sorted(
        h for path in paths for h in json.loads(open(path).read())["all"]["children"]["cbs_disks"]["hosts"]
    ) == sorted(hosts)
    fleet_vars = dict(cbs_fleet_snapshot_name="sliced", cbs_fleet_rate_share=1.0 / slices)
    with ThreadPoolExecutor(slices) as pool:
        runs = list(
            pool.map(lambda path: run_playbook("cbs_fleet_hosts.yml", inventory=path, extra_vars=fleet_vars), paths)
        )
    for run in runs:
        assert run.rc == 0, run.stdout
    assert created(emulator) == Counter(list(hosts))  # every disk exactly once
    snaps = Counter(s["disk_id"] for s in emulator.dump_state()["snapshots"] if s["name"] == "sliced")
    assert snaps == Counter(list(hosts))
    worked = sorted(r["disk_id"] for run in runs for r in run.result(SNAPSHOT_TASK)["results"])
    assert worked == sorted(hosts)


UCLOUD_ZONES = ("cn-sh2-02", "hk-02")  # two zones of two regions


def seed_zones(emu, per_zone=4, **spec):
    """``per_zone`` UCloud disks in each of UCLOUD_ZONES: ``{zone: [ids]}``."""
    return {zone: emu.seed(cloud="ucloud", count=per_zone, zone=zone, **spec)["disks"] for zone in UCLOUD_ZONES}


def services(emu):
    return {(s["region"], s["zone"], s["disk_id"]) for s in emu.dump_state()["services"]}


def test_usnap_fleet_over_disk_hosts_of_two_regions(emulator, run_playbook, tmp_path):
    by_zone = seed_zones(emulator)
    ark = emulator.seed(cloud="ucloud", zone="hk-02", backup_mode="UDataArk")["disks"]
    hosts = inventory.disk_hosts(emulator.dump_state(), "ucloud", [d for ids in by_zone.values() for d in ids] + ark)
    path = inventory.write(tmp_path / "udisks.yml", hosts, "ucloud")
    run = run_playbook("usnap_fleet_hosts.yml", inventory=path)
    assert run.rc == 0, run.stdout
    (converged,) = run.results("Converge each plan group")  # one group, one call for both zones
    assert len(converged["results"]) == 1
    assert services(emulator) == {(zone[:-3], zone, d) for zone, ids in by_zone.items() for d in ids}
    ran = [e for e in run.events if e.get("event") == "runner_on_ok" and "Discover" in e["event_data"].get("task", "")]
    assert ran == []  # the hosts are the fleet: no discovery
    data = run.result("Build the report")["ansible_facts"]["usnap_fleet_report_data"]
    assert data["totals"]["protected"] == 8 and data["totals"]["skipped"] == 1
    assert set(data["regions"]) == {"cn-sh2", "hk"}


def test_usnap_fleet_over_a_list_of_zones(emulator, run_playbook):
    by_zone = seed_zones(emulator, tag="multi")
    zones = [dict(zone=zone, region=zone[:-3]) for zone in UCLOUD_ZONES]
    run = run_playbook(
        "usnap_fleet_run.yml", extra_vars=dict(usnap_fleet_zones=zones, usnap_fleet_business_group="multi")
    )
    assert run.rc == 0, run.stdout
    assert services(emulator) == {(zone[:-3], zone, d) for zone, ids in by_zone.items() for d in ids}
    found = run.result("Discover the disks of the zones")["disks"]
    assert sorted(d["disk_id"] for d in found) == sorted(d for ids in by_zone.values() for d in ids)
