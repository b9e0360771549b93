# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""usnap_service_info and ucloud_disk_info against the emulator, past the first page of 100."""

from tests.emulator.state import CHAINS

ZONE = "cn-bj2-03"  # holds the even-numbered disks of the emulator's initial 20


def test_listings_page_past_100(run_playbook, emulator):
    seeded = emulator.seed(count=110, zone=ZONE, tag="db", service={"mode": "Ultimate"})["disks"]
    emulator.set_faults(rate_limit=0)
    wanted = seeded[:11] + ["bsm-emu00001", "bsm-nope"]
    run = run_playbook("usnap_info.yml", extra_vars=dict(wanted_disks=wanted))
    assert run.rc == 0, run.stdout

    services = run.result("List services")["services"]
    assert sorted(s["disk_id"] for s in services) == sorted(seeded)
    assert len({s["service_id"] for s in services}) == 110
    assert {(s["backup_mode"], s["journal"], s["hour"], s["day"]) for s in services} == {
        ("Ultimate",) + CHAINS["Ultimate"]
    }
    assert {(s["zone"], s["status"], s["charge_type"], s["business_group"]) for s in services} == {
        (ZONE, "Available", "Month", "db")
    }
    assert [s["disk_id"] for s in run.result("Services of two disks")["services"]] == ["bsm-emu00021"]

    disks = run.result("List disks")["disks"]
    assert len(disks) == 120 and {d["zone"] for d in disks} == {ZONE}
    assert sorted(d["disk_id"] for d in disks if d["backup_mode"] == "SnapshotService") == sorted(seeded)
    named = run.result("Disks by group and name")["disks"]
    assert [(d["disk_id"], d["disk_name"], d["business_group"], d["disk_size"], d["is_boot"]) for d in named] == [
        ("bsm-emu00050", "emu-udisk-00050", "db", 50, True)
    ]
    assert [d["disk_id"] for d in run.result("Disks by id")["disks"]] == wanted[:-1]

    pages = [e["params"] for e in emulator.calls()["log"] if e["action"] == "DescribeSnapshotService"]
    assert [(p.get("Offset"), p.get("Limit")) for p in pages[:2]] == [("0", "100"), ("100", "100")]
