# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from datetime import datetime, timezone

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.snapshield.cloud.plugins.filter.fleet_report import (
    fleet_report,
    fleet_report_html,
    fleet_report_markdown,
    fleet_report_summary,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def usnap(disk_id, mode="Base", status="Available", changed=False, price=None, **extra):
    result = dict(
        disk_id=disk_id,
        zone="cn-bj2-02",
        service_id="usnap-" + disk_id,
        status=status,
        backup_mode=mode,
        journal=12,
        hour=24,
        day=5,
        charge_type="Month",
        changed=changed,
    )
    if price is not None:
        result["price"] = dict(price=price, charge_type=extra.pop("charge_type", "Month"))
    result.update(extra)
    return result


def test_check_mode_report_prices_the_change_per_period_and_in_total():
    results = [
        usnap("a", "Ultimate", changed=True, price=1170, service_id=None, status=None),
        usnap("b", "Custom", changed=True, price=500, journal=24, hour=48, day=10),
        usnap("c", "Base", changed=True, price=12000, charge_type="Year", service_id=None, status=None),
        usnap("d"),
        dict(disk_id="e", zone="cn-bj2-02", failed=True, msg="UpgradeUSnapBackupRange failed with 230"),
    ]
    report = fleet_report(results, "ucloud", skipped=[dict(disk_id="f", reason="excluded")], check_mode=True, now=NOW)
    assert report["totals"] == dict(protected=4, unprotected=0, skipped=1, failed=1, disks=6, changed=3)
    assert report["modes"] == dict(Ultimate=1, Custom=1, Base=2)
    assert report["cost"]["per_period"] == dict(Month=1670, Year=12000)
    assert report["cost"]["total"] == 13670 and report["cost"]["total_units"] == 136.7
    rows = {row["disk_id"]: row for row in report["rows"]}
    assert rows["a"]["state"] == "would be protected" and rows["b"]["state"] == "would change"
    assert rows["b"]["plan"] == "Custom (journal 24 h, hourly 48 h, daily 10 d)"
    assert rows["e"]["coverage"] == "failed" and "230" in rows["e"]["note"]
    assert fleet_report_summary(report) == [
        "6 disks: 4 protected, 0 unprotected, 1 skipped, 1 failed; 3 would change",
        "By mode: Base 2, Custom 1, Ultimate 1",
        "Cost of the change: 136.70 in total (16.70 per Month, 120.00 per Year)",
    ]


def test_absent_run_reports_disks_unprotected():
    results = [
        dict(disk_id="a", zone="z", changed=True, service_id="usnap-a"),
        dict(disk_id="b", zone="z", changed=False),
    ]
    report = fleet_report(results, "ucloud", state="absent", now=NOW)
    assert report["totals"]["unprotected"] == 2 and report["totals"]["protected"] == 0
    assert [row["state"] for row in report["rows"]] == ["removed", "no service"]


def test_cbs_report():
    results = [
        dict(
            disk_id="disk-1",
            snapshot_id="snap-1",
            snapshot_name="daily",
            state="NORMAL",
            changed=True,
            deadline="2026-12-01T00:00:00+00:00",
        ),
        dict(disk_id="disk-2", snapshot_name="daily", changed=True),
    ]
    report = fleet_report(results, "tencentcloud", skipped=["disk-3"], check_mode=True, now=NOW)
    assert report["totals"] == dict(protected=2, unprotected=0, skipped=1, failed=0, disks=3, changed=2)
    assert report["rows"][0]["plan"] == "snapshot daily, kept until 2026-12-01T00:00:00+00:00"
    assert report["rows"][1]["state"] == "would be created"
    assert report["cost"]["per_period"] == {}


def test_renderings_escape_and_contain_every_disk():
    results = [usnap("<script>", changed=True, price=100), usnap("x|y")]
    report = fleet_report(results, "ucloud", check_mode=True, now=NOW)
    page = fleet_report_html(report)
    assert page.startswith("<!DOCTYPE html>") and "<script>" not in page and "&lt;script&gt;" in page
    assert "http" not in page.replace("http-equiv", "")  # self-contained: nothing fetched
    markdown = fleet_report_markdown(report)
    assert "| x\\|y |" in markdown and "| &lt;script&gt;" not in markdown
    assert markdown.count("\n| ") == 3  # header and two disks


def test_unknown_cloud_is_an_error():
    with pytest.raises(AnsibleFilterError, match="cloud must be one of"):
        fleet_report([], "aws")
