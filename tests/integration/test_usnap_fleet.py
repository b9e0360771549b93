# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The usnap_fleet role against the emulator: first run, converged re-run and its API-call budget,
overrides, discovery by business group, exclusion, check mode with the priced report, absent, bad variables."""

import json

from tests.emulator.state import CHAINS
from tests.emulator.ucloud import price as emulator_price

ZONE = "cn-bj2-02"
OTHER_ZONE = "cn-bj2-03"
MUTATING = {"CreateSnapshotService", "UpgradeUSnapBackupRange", "DeleteSnapshotService"}
CONVERGE = "Converge each plan group"


def fleet_vars(**variables):
    return {"usnap_fleet_" + name: value for name, value in variables.items()}


def services(emulator):
    """disk id -> its services (a list, so a second service would show)."""
    found = {}
    for service in emulator.dump_state()["services"]:
        found.setdefault(service["disk_id"], []).append(service)
    return found


def chain(service):
    return service["mode"], service["journal"], service["hour"], service["day"]


def zone_disks(emulator, zone):
    return [d["id"] for d in emulator.dump_state()["disks"] if d["cloud"] == "ucloud" and d["zone"] == zone]


def ok_calls(emulator):
    """Answered calls per action (a call the emulator throttled is retried by the client and counted again)."""
    return {name: c["ok"] for name, c in emulator.calls()["actions"].items() if c["ok"]}


def total_calls(emulator):
    return sum(c["total"] for c in emulator.calls()["actions"].values())


def mutations(emulator):
    return [e for e in emulator.calls()["log"] if e["action"] in MUTATING or e["applied"]]


def changed_tasks(run):
    """Names of the tasks that reported a change, and the play's changed count."""
    names = sorted(
        {
            e["event_data"]["task"]
            for e in run.events
            if e.get("event") in ("runner_on_ok", "runner_item_on_ok") and e["event_data"].get("res", {}).get("changed")
        }
    )
    stats = [e["event_data"] for e in run.events if e.get("event") == "playbook_on_stats"][0]
    return names, sum(stats.get("changed", {}).values())


def labels(run):
    return [item["item"]["label"] for item in run.result(CONVERGE)["results"]]


def test_first_run_then_converged_rerun_within_the_call_budget(run_playbook, emulator, tmp_path):
    emulator.seed(count=50, zone=ZONE)
    fleet = zone_disks(emulator, ZONE)
    assert len(fleet) == 60
    report = tmp_path / "fleet.html"
    variables = fleet_vars(zone=ZONE, report=str(report))

    first = run_playbook("usnap_fleet_run.yml", extra_vars=variables)
    assert first.rc == 0, first.stdout
    assert labels(first) == ["Base: 60 disks"]
    found = services(emulator)
    assert sorted(found) == sorted(fleet)  # the other zone is left alone
    assert all(len(found[d]) == 1 and chain(found[d][0]) == ("Base",) + CHAINS["Base"] for d in fleet)
    first_calls = ok_calls(emulator)
    sizes = {d["id"]: d["size"] for d in emulator.dump_state()["disks"] if d["id"] in fleet}
    # Discovery in one page; per disk: the order, then reading the new service and its chain back; the cost:
    # one price per distinct size (one plan), not one per disk.
    assert first_calls["DescribeUDisk"] == 1 and first_calls["CreateSnapshotService"] == 60
    assert first_calls["DescribeSnapshotServicePrice"] == len(set(sizes.values())) < 10
    assert sum(first_calls.values()) <= 3 * len(fleet) + 3 + len(set(sizes.values())), first_calls
    data = first.result("Build the report")["ansible_facts"]["usnap_fleet_report_data"]
    monthly = sum(emulator_price(size, CHAINS["Base"], "Month", 1)["Price"] for size in sizes.values()) / 100.0
    assert data["protection_cost"]["per_month"] == round(monthly, 2) > 0
    assert data["protection_cost"]["by_plan"] == {"Base": round(monthly, 2)}
    assert data["rpo"]["worst"] == 0 and data["rpo"]["known"] == 60  # the journal is continuous
    assert json.loads((tmp_path / "fleet.json").read_text())["totals"] == data["totals"]
    assert (
        first.result("Summary")["msg"][0]
        == "60 disks: 60 protected, 0 at risk, 0 unprotected, 0 skipped, 0 failed; 60 changed"
    )
    assert "60 protected" in report.read_text() and "60 protected" in (tmp_path / "fleet.md").read_text()

    emulator.clear_calls()
    again = run_playbook("usnap_fleet_run.yml", extra_vars=variables)
    assert again.rc == 0, again.stdout
    assert changed_tasks(again) == ([], 0)
    # The converged budget: one page of disks, one page of services, and each disk's backup range.
    assert ok_calls(emulator) == {
        "DescribeUDisk": 1,
        "DescribeSnapshotService": 1,
        "DescribeUSnapBackupRange": len(fleet),
        "DescribeSnapshotServicePrice": len(set(sizes.values())),
    }
    assert total_calls(emulator) / len(fleet) <= 1.25, emulator.calls()["actions"]  # with throttled retries
    assert (
        again.result("Summary")["msg"][0]
        == "60 disks: 60 protected, 0 at risk, 0 unprotected, 0 skipped, 0 failed; 0 changed"
    )


def test_overrides_and_exclusion(run_playbook, emulator, tmp_path):
    protected = emulator.seed(zone=ZONE, service={"mode": "Base"})["disks"][0]
    disks = ["bsm-emu00001", "bsm-emu00003", "bsm-emu00005", "bsm-emu00007", protected]
    variables = fleet_vars(
        zone=ZONE,
        disks=disks,
        exclude=["bsm-emu00007"],
        report=str(tmp_path / "overrides"),
        overrides={
            protected: dict(backup_mode="Custom", journal=36, hour=48, day=10),
            "bsm-emu00005": dict(backup_mode="Ultimate", charge_type="Yearly"),
            "bsm-emu00003": dict(backup_mode="Base"),  # the same as the default: no group of its own
            "bsm-emu00099": dict(backup_mode="Ultimate"),
        },
    )  # not in the fleet: ignored and named
    run = run_playbook("usnap_fleet_run.yml", extra_vars=variables)
    assert run.rc == 0, run.stdout
    assert labels(run) == ["Base: 2 disks", "Ultimate, Year: 1 disk", "Custom 36/48/10: 1 disk"]  # fleet order
    found = services(emulator)
    assert chain(found["bsm-emu00001"][0]) == chain(found["bsm-emu00003"][0]) == ("Base",) + CHAINS["Base"]
    assert chain(found["bsm-emu00005"][0]) == ("Ultimate",) + CHAINS["Ultimate"]
    assert found["bsm-emu00005"][0]["charge_type"] == "Year"
    assert len(found[protected]) == 1 and chain(found[protected][0]) == ("Custom", 36, 48, 10)  # upgraded
    assert "bsm-emu00007" not in found
    summary = run.result("Summary")["msg"]
    assert summary[0] == "5 disks: 4 protected, 0 at risk, 0 unprotected, 1 skipped, 0 failed; 4 changed"
    assert "Overrides of disks not in the fleet, ignored: bsm-emu00099" in summary
    markdown = (tmp_path / "overrides.md").read_text()
    assert "| bsm-emu00007 | cn-bj2-02 | skipped |" in markdown and "excluded" in markdown
    assert "Custom (journal 36 h, hourly 48 h, daily 10 d)" in markdown

    emulator.clear_calls()
    again = run_playbook("usnap_fleet_run.yml", extra_vars=variables)
    assert again.rc == 0, again.stdout
    assert changed_tasks(again) == ([], 0)
    assert not mutations(emulator)


def test_discovery_by_business_group(run_playbook, emulator):
    group = emulator.seed(count=3, zone=ZONE, tag="analytics")["disks"]
    ark = emulator.seed(zone=ZONE, tag="analytics", backup_mode="UDataArk")["disks"][0]
    elsewhere = emulator.seed(zone=OTHER_ZONE, tag="analytics")["disks"][0]
    run = run_playbook(
        "usnap_fleet_run.yml", extra_vars=fleet_vars(zone=ZONE, business_group="analytics", backup_mode="Ultimate")
    )
    assert run.rc == 0, run.stdout
    found = services(emulator)
    assert sorted(found) == sorted(group)  # nor the UDataArk disk, nor the other zone, nor other groups
    assert all(chain(found[d][0]) == ("Ultimate",) + CHAINS["Ultimate"] for d in group)
    assert ark not in found and elsewhere not in found
    assert (
        run.result("Summary")["msg"][0]
        == "4 disks: 3 protected, 0 at risk, 0 unprotected, 1 skipped, 0 failed; 3 changed"
    )
    discovery = [e["params"] for e in emulator.calls()["log"] if e["action"] == "DescribeUDisk"]
    assert len(discovery) == 1 and discovery[0]["Tag"] == "analytics" and discovery[0]["Zone"] == ZONE


def test_check_mode_prices_the_change_and_changes_nothing(run_playbook, emulator, tmp_path):
    protected = emulator.seed(count=2, zone=ZONE, service={"mode": "Base"})["disks"]  # 50 and 100 GB
    new = zone_disks(emulator, ZONE)[:3]  # 20, 100 and 500 GB
    sizes = {d["id"]: d["size"] for d in emulator.dump_state()["disks"]}
    before = emulator.dump_state()["services"]
    yearly = new[2]
    run = run_playbook(
        "usnap_fleet_run.yml",
        check=True,
        extra_vars=fleet_vars(
            zone=ZONE,
            disks=new + protected,
            backup_mode="Ultimate",
            report=str(tmp_path / "plan.md"),
            overrides={yearly: dict(backup_mode="Custom", journal=36, hour=48, day=10, charge_type="Year")},
        ),
    )
    assert run.rc == 0, run.stdout

    month = {d: emulator_price(sizes[d], CHAINS["Ultimate"], "Month", 1)["Price"] for d in new[:2]}
    month.update(
        {
            d: emulator_price(sizes[d], CHAINS["Ultimate"], "Month", 1)["ListPrice"]
            - emulator_price(sizes[d], CHAINS["Base"], "Month", 1)["ListPrice"]
            for d in protected
        }
    )
    year = emulator_price(sizes[yearly], (36, 48, 10), "Year", 1)["Price"]
    priced = {r["disk_id"]: r["price"] for item in run.result(CONVERGE)["results"] for r in item["results"]}
    assert {d: p["price"] for d, p in priced.items()} == dict(month, **{yearly: year})
    assert priced[yearly]["charge_type"] == "Year" and all(priced[d]["charge_type"] == "Month" for d in month)

    total = "%.2f" % ((sum(month.values()) + year) / 100.0)
    per_month, per_year = "%.2f" % (sum(month.values()) / 100.0), "%.2f" % (year / 100.0)
    summary = run.result("Summary")["msg"]
    assert summary[0] == "5 disks: 5 protected, 0 at risk, 0 unprotected, 0 skipped, 0 failed; 5 would change"
    assert summary[2] == "Cost of the change: %s in total (%s per Month, %s per Year)" % (total, per_month, per_year)
    for name in ("plan.html", "plan.md"):
        text = (tmp_path / name).read_text()
        assert "%s in total" % total in text and "would be protected" in text and "would change" in text, name
    assert "Check mode" in (tmp_path / "plan.html").read_text()

    assert not mutations(emulator)
    assert emulator.dump_state()["services"] == before


def test_absent_removes_the_services_but_not_the_excluded(run_playbook, emulator, tmp_path):
    seeded = emulator.seed(count=4, zone=ZONE, service={"mode": "Ultimate"})["disks"]
    kept = seeded[0]
    run = run_playbook(
        "usnap_fleet_run.yml",
        extra_vars=fleet_vars(
            zone=ZONE,
            state="absent",
            disks=seeded + ["bsm-emu00001"],
            exclude=[kept],
            # Plans do not matter with absent, even a Custom default without its chain.
            backup_mode="Custom",
            report=str(tmp_path / "absent.html"),
        ),
    )
    assert run.rc == 0, run.stdout
    assert labels(run) == ["remove: 4 disks"]
    assert sorted(services(emulator)) == [kept]
    assert [e["params"]["VDiskId"] for e in mutations(emulator)] != [] and all(
        e["action"] == "DeleteSnapshotService" for e in mutations(emulator)
    )
    summary = run.result("Summary")["msg"]
    assert summary[0] == "5 disks: 0 protected, 0 at risk, 4 unprotected, 1 skipped, 0 failed; 3 changed"
    page = (tmp_path / "absent.html").read_text()
    assert page.count(">removed<") == 3 and page.count(">no service<") == 1


def test_a_failed_disk_is_reported_and_fails_the_role(run_playbook, emulator, tmp_path):
    run = run_playbook(
        "usnap_fleet_run.yml",
        extra_vars=fleet_vars(zone=ZONE, disks=["bsm-emu00001", "bsm-missing"], report=str(tmp_path / "failed.md")),
    )
    assert run.rc != 0
    failed = [
        e["event_data"]["task"]
        for e in run.events
        if e.get("event") == "runner_on_failed" and not e["event_data"].get("ignore_errors")
    ]
    assert failed == ["Summary"]
    assert "bsm-emu00001" in services(emulator)
    summary = run.result("Summary")["msg"]
    assert summary[0] == "2 disks: 1 protected, 0 at risk, 0 unprotected, 0 skipped, 1 failed; 1 changed"
    assert summary[-1].startswith("Failed bsm-missing: ") and "17041" in summary[-1]
    assert "| bsm-missing |" in (tmp_path / "failed.md").read_text()


SPEC = "Validating arguments against arg spec 'main'"
BAD_VARIABLES = {  # case: (the task that rejects it, words of its message)
    "Missing zone": ("Check where the fleet is", ["usnap_fleet_zone", "usnap_fleet_zones", "disk hosts"]),
    "Unknown backup mode": (SPEC, ["usnap_fleet_backup_mode", "Base, Ultimate, Custom", "Gold"]),
    "Unknown state": (SPEC, ["usnap_fleet_state", "present, absent", "gone"]),
    "Quantity not a number": (SPEC, ["usnap_fleet_quantity", "int"]),
    "Overrides not a dict": (SPEC, ["usnap_fleet_overrides", "dict"]),
    "Unknown charge type": (SPEC, ["usnap_fleet_charge_type", "Weekly"]),
    # The role's own checks, still before any API call.
    "Custom without day": ("Check the plans", ["usnap_fleet_backup_mode=Custom", "missing: usnap_fleet_day"]),
    "Override journal not a multiple of 12": (
        "Check the plans",
        ["usnap_fleet_overrides['bsm-emu00001']", "journal", "multiple of 12"],
    ),
    "Override with an unknown key": ("Check the plans", ["usnap_fleet_overrides['bsm-emu00001']", "unknown keys mode"]),
    "Business group with a disk list": (
        "Check how the disks are chosen",
        ["usnap_fleet_business_group", "usnap_fleet_disks"],
    ),
    "Duplicate disks": ("Group the disks by plan", ["usnap_fleet_disks", "bsm-emu00001 more than once"]),
    "Blank zone": ("Check where the fleet is", ["usnap_fleet_zone must name a zone"]),
    "Negative max RPO": ("Check the recovery point threshold", ["usnap_fleet_max_rpo", "0 or more", "-2"]),
    "Max RPO not a number": (SPEC, ["usnap_fleet_max_rpo", "int"]),
}


def test_bad_variables_are_rejected_before_any_api_call(run_playbook, emulator):
    run = run_playbook("usnap_fleet_bad_vars.yml")
    assert run.rc == 0, run.stdout
    for case, (task, words) in BAD_VARIABLES.items():
        rejected = run.result("Rejected: %s" % case)["msg"]
        assert rejected["task"].startswith(task), (case, rejected)
        assert all(word in rejected["error"] for word in words), (case, rejected)
    assert emulator.calls()["log"] == []
