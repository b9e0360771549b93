# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Several regions in one module call: disks_by_region / regions, each region read and worked apart, results
tagged with their region, a region that fails failing only its own disks."""

from ansible_collections.snapshield.cloud.plugins.modules import (
    cbs_disk_info,
    cbs_snapshot,
    ucloud_disk_info,
    usnap_service,
)

REGIONS = ("ap-shanghai", "ap-beijing")


def seed(emu):
    """Two disks in each of REGIONS: ``{region: [ids]}``."""
    return {region: emu.seed(cloud="tencent", count=2, zone=region + "-2")["disks"] for region in REGIONS}


def test_disk_info_lists_each_region_with_its_overview(emu, auth, run_main):
    by_region = seed(emu)
    code, answer = run_main(cbs_disk_info, dict(auth, regions=list(REGIONS), overview=True))
    assert code == 0, answer
    found = {(disk["region"], disk["disk_id"]) for disk in answer["disks"]}
    assert found == {(region, disk_id) for region, ids in by_region.items() for disk_id in ids}
    assert [overview["region"] for overview in answer["overviews"]] == list(REGIONS)
    assert all("total_size" in overview for overview in answer["overviews"])
    regions_called = {entry["params"].get("Filters") is None for entry in emu.calls()["log"]}
    assert regions_called == {True}


def test_overview_refused_is_reported_not_raised(emu, auth, run_main):
    emu.set_faults(action="DescribeSnapshotOverview", error="UnauthorizedOperation", count=1)
    code, answer = run_main(cbs_disk_info, dict(auth, disk_ids=["disk-emu00001"], overview=True))
    assert code == 0, answer
    assert answer["disks"][0]["region"] == "ap-guangzhou"
    assert "UnauthorizedOperation" in answer["overviews"][0]["error"]


def test_snapshot_by_region_creates_in_each_region(emu, auth, run_main):
    by_region = seed(emu)
    code, answer = run_main(cbs_snapshot, dict(auth, disks_by_region=by_region, snapshot_name="multi"))
    assert code == 0, answer
    assert {(r["region"], r["disk_id"]) for r in answer["results"]} == {
        (region, disk_id) for region, ids in by_region.items() for disk_id in ids
    }
    snaps = {(s["region"], s["disk_id"]) for s in emu.dump_state()["snapshots"] if s["name"] == "multi"}
    assert snaps == {(region, disk_id) for region, ids in by_region.items() for disk_id in ids}


def test_a_region_that_fails_fails_only_its_disks(emu, auth, run_main):
    by_region = seed(emu)
    by_region["ap-nowhere"] = ["disk-x"]
    code, answer = run_main(cbs_snapshot, dict(auth, disks_by_region=by_region, snapshot_name="multi"))
    assert code == 1
    failed = [r for r in answer["results"] if r.get("failed")]
    assert [(r["region"], r["disk_id"]) for r in failed] == [("ap-nowhere", "disk-x")]
    assert "ap-nowhere" in failed[0]["msg"] and "UnsupportedRegion" in failed[0]["msg"]
    assert sum(1 for r in answer["results"] if r.get("changed")) == 4


def test_bad_places_fail_before_any_call(emu, auth, run_main):
    for places, message in (
        ({"ap-shanghai": []}, "disks_by_region.ap-shanghai"),
        ({"ap-shanghai": ["disk-1"], "ap-beijing": ["disk-1"]}, "disks_by_region gives disk disk-1 for both"),
        ({" ": ["disk-1"]}, "disks_by_region must name a region"),
    ):
        emu.clear_calls()
        code, answer = run_main(cbs_snapshot, dict(auth, disks_by_region=places, snapshot_name="x"))
        assert code == 1 and message in answer["msg"], answer
        assert emu.calls()["log"] == []


def test_usnap_zones_of_two_regions_in_one_call(emu, auth, run_main):
    creds = emu.credentials
    ucloud = dict(
        public_key=creds["ucloud_public_key"],
        private_key=creds["ucloud_private_key"],
        region="cn-bj2",
        base_url=emu.url,
    )
    zones = {zone: emu.seed(cloud="ucloud", count=2, zone=zone)["disks"] for zone in ("cn-bj2-05", "cn-sh2-02")}
    given = [dict(zone=zone, disk_ids=ids) for zone, ids in zones.items()]
    code, answer = run_main(usnap_service, dict(ucloud, zones=given))
    assert code == 0, answer
    assert {(r["region"], r["zone"], r["disk_id"]) for r in answer["results"]} == {
        (zone[:-3], zone, disk_id) for zone, ids in zones.items() for disk_id in ids
    }
    services = {(s["region"], s["disk_id"]) for s in emu.dump_state()["services"]}
    assert services == {(zone[:-3], disk_id) for zone, ids in zones.items() for disk_id in ids}
    code, answer = run_main(ucloud_disk_info, dict(ucloud, zones=[dict(zone=zone) for zone in zones]))
    assert code == 0, answer
    found = {(d["region"], d["disk_id"]) for d in answer["disks"]}
    assert found == {(zone[:-3], disk_id) for zone, ids in zones.items() for disk_id in ids}
