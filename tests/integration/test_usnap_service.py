# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""usnap_service against the emulator: lifecycle, check and diff mode, bad input, fleets, lost answers."""

from tests.emulator.state import CHAINS
from tests.emulator.ucloud import price as emulator_price

ZONE = "cn-bj2-02"
MUTATING = {"CreateSnapshotService", "UpgradeUSnapBackupRange", "DeleteSnapshotService"}


def chain_of(result):
    return result["backup_mode"], result["journal"], result["hour"], result["day"]


def services_of(emulator, disk_id):
    return [s for s in emulator.dump_state()["services"] if s["disk_id"] == disk_id]


def calls_of(emulator, action):
    return [entry for entry in emulator.calls()["log"] if entry["action"] == action]


def failed(run, task):
    """Whether the task failed, even if a rescue handled it (the runner's event says so; its result may not carry
    ``failed``)."""
    events = [
        e["event"]
        for e in run.events
        if e.get("event_data", {}).get("task") == task and e["event"] in ("runner_on_ok", "runner_on_failed")
    ]
    assert len(events) == 1, (task, events)
    return events[0] == "runner_on_failed"


def test_lifecycle_create_idempotent_change_absent(run_playbook, emulator):
    run = run_playbook("usnap_lifecycle.yml")
    assert run.rc == 0, run.stdout

    created = run.result("Create")
    service = created["service"]
    assert created["changed"] and service["changed"]
    assert created["results"] == [service]
    assert chain_of(service) == ("Base", 12, 24, 5)
    assert (service["disk_id"], service["zone"], service["status"], service["charge_type"]) == (
        "bsm-emu00001",
        ZONE,
        "Available",
        "Month",
    )
    assert service["expire_time"] > service["create_time"] > 0

    again = run.result("Create again")
    assert not again["changed"]
    assert again["service"]["service_id"] == service["service_id"]

    custom = run.result("Custom chain")
    assert custom["changed"] and chain_of(custom["service"]) == ("Custom", 36, 48, 10)
    assert custom["diff"] == [
        {
            "before": {"backup_mode": "Base", "journal": 12, "hour": 24, "day": 5, "charge_type": "Month"},
            "after": {"backup_mode": "Custom", "journal": 36, "hour": 48, "day": 10, "charge_type": "Month"},
            "before_header": "bsm-emu00001",
            "after_header": "bsm-emu00001",
        }
    ]
    assert not run.result("Custom chain again")["changed"]

    ultimate = run.result("Ultimate")
    assert ultimate["changed"] and chain_of(ultimate["service"]) == ("Ultimate",) + CHAINS["Ultimate"]
    assert ultimate["diff"][0]["before"]["backup_mode"] == "Custom"

    absent = run.result("Absent")
    assert absent["changed"] and absent["service"]["service_id"] == service["service_id"]
    assert absent["diff"][0]["before"]["backup_mode"] == "Ultimate" and absent["diff"][0]["after"] == {}
    absent_again = run.result("Absent again")
    assert not absent_again["changed"] and absent_again["service"]["service_id"] is None

    assert emulator.dump_state()["services"] == []
    actions = emulator.calls()["actions"]
    assert {name: actions[name]["total"] for name in MUTATING} == {
        "CreateSnapshotService": 1,
        "UpgradeUSnapBackupRange": 2,
        "DeleteSnapshotService": 1,
    }


def test_check_mode_prices_and_changes_nothing(run_playbook, emulator):
    protected = emulator.seed(count=1, zone=ZONE, service={"mode": "Base"})["disks"][0]  # 100 GB
    before = emulator.dump_state()["services"]
    run = run_playbook(
        "usnap_check_mode.yml",
        check=True,
        diff=True,
        extra_vars=dict(new_disk="bsm-emu00001", protected_disk=protected),
    )  # 20 GB
    assert run.rc == 0, run.stdout

    new = run.result("Price a new service")["service"]
    expected = emulator_price(20, CHAINS["Ultimate"], "Year", 1)
    assert new["changed"] and new["service_id"] is None and new["charge_type"] == "Year"
    assert new["price"] == {
        "price": expected["Price"],
        "original_price": expected["OriginalPrice"],
        "list_price": expected["ListPrice"],
        "charge_type": "Year",
        "price_units": expected["Price"] / 100,
        "original_price_units": expected["OriginalPrice"] / 100,
        "list_price_units": expected["ListPrice"] / 100,
    }
    assert run.result("Price a new service")["diff"][0]["before"] == {}

    change = run.result("Price a change")
    delta = (
        emulator_price(100, (36, 48, 10), "Month", 1)["ListPrice"]
        - emulator_price(100, CHAINS["Base"], "Month", 1)["ListPrice"]
    )
    assert change["changed"] and change["service"]["price"]["price"] == delta > 0
    assert change["service"]["price"]["price_units"] == delta / 100
    assert change["diff"][0]["before"]["backup_mode"] == "Base"
    assert change["diff"][0]["after"] == {
        "backup_mode": "Custom",
        "journal": 36,
        "hour": 48,
        "day": 10,
        "charge_type": "Month",
    }
    assert calls_of(emulator, "DescribeSnapshotServiceUpgradePrice")[0]["params"]["SnapshotsvcMode"] == "Yes"

    unchanged = run.result("Unchanged")
    assert not unchanged["changed"] and "price" not in unchanged["service"]
    removed = run.result("Remove")
    assert removed["changed"] and removed["diff"][0]["after"] == {}

    log = emulator.calls()["log"]
    assert log and not [entry for entry in log if entry["action"] in MUTATING or entry["applied"]]
    assert emulator.dump_state()["services"] == before


BAD_INPUT = {
    "Custom without day": ["backup_mode=Custom", "day"],
    "Journal not a multiple of 12": ["journal", "multiple of 12", "13"],
    "Chain with Base": ["hour", "backup_mode=Custom"],
    "Unknown backup mode": ["backup_mode", "Base, Ultimate, Custom", "Gold"],
    "Duplicate disks": ["disk_id", "bsm-emu00001"],
    "Quantity zero": ["quantity", "1 or more"],
    "Price without size": ["size", "disk_id"],
}


def test_bad_input_fails_before_any_call(run_playbook, emulator):
    run = run_playbook("usnap_bad_input.yml")  # every failure is rescued and asserted: one run for all cases
    assert run.rc == 0, run.stdout
    for task, words in BAD_INPUT.items():
        result = run.result(task)
        assert failed(run, task), (task, result)
        assert all(word in result["msg"] for word in words), (task, result["msg"])
        assert emulator.credentials["ucloud_private_key"] not in result["msg"]
    assert emulator.calls()["log"] == []


def test_fleet_with_one_bad_disk(run_playbook, emulator):
    fleet = emulator.seed(count=12, zone=ZONE)["disks"]
    run = run_playbook("usnap_fleet.yml", extra_vars=dict(fleet=fleet))
    assert run.rc == 0, run.stdout

    first = run.result("Protect the fleet")
    assert failed(run, "Protect the fleet") and first["changed"]
    assert first["msg"].startswith("1 of 13 disks failed: bsm-missing: ")
    assert "17041" in first["msg"] and "CreateSnapshotService" in first["msg"]
    *good, bad = first["results"]
    assert [r["disk_id"] for r in good] == fleet
    assert all(r["changed"] and r["backup_mode"] == "Ultimate" and r["service_id"] for r in good)
    assert bad["disk_id"] == "bsm-missing" and bad["failed"] and bad["error"]["code"] == 17041
    for disk_id in fleet:
        assert len(services_of(emulator, disk_id)) == 1, disk_id

    again = run.result("Protect the fleet again")
    assert not again["changed"] and not failed(run, "Protect the fleet again")
    # The re-run read the zone's services in one page, then each disk's chain: nothing per disk besides.
    actions = {name: counters["total"] for name, counters in emulator.calls()["actions"].items()}
    assert actions == {"DescribeSnapshotService": 1, "DescribeUSnapBackupRange": len(fleet)}


def test_lost_create_answers_make_one_service(run_playbook, emulator):
    emulator.set_faults(
        rules=[
            {"action": "CreateSnapshotService", "lose": "after_apply"},
            {"action": "CreateSnapshotService", "lose": "before_apply"},
        ]
    )
    run = run_playbook("usnap_lost_answer.yml")
    assert run.rc == 0, run.stdout

    for task, disk_id in (
        ("Create, answer lost after the order went through", "bsm-emu00001"),
        ("Create, request lost before the order went through", "bsm-emu00003"),
    ):
        result = run.result(task)
        services = services_of(emulator, disk_id)
        assert result["changed"], task
        assert [s["id"] for s in services] == [result["service"]["service_id"]], task
    creates = [
        (entry["params"]["VDiskId"], entry["outcome"], entry["applied"])
        for entry in calls_of(emulator, "CreateSnapshotService")
    ]
    assert creates == [
        ("bsm-emu00001", "lost", True),  # looked up, found: not ordered again
        ("bsm-emu00003", "lost", False),  # looked up, not found: ordered again
        ("bsm-emu00003", "ok", True),
    ]
