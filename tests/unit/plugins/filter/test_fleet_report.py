# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

import ast
import html
import json
import re
from datetime import datetime, timezone

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.snapshield.cloud.plugins.filter.fleet_report import (
    fleet_report,
    fleet_report_html,
    fleet_report_json,
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
    assert report["totals"] == dict(protected=4, at_risk=0, unprotected=0, skipped=1, failed=1, disks=6, changed=3)
    assert report["modes"] == dict(Ultimate=1, Custom=1, Base=2)
    assert report["cost"]["per_period"] == dict(Month=1670, Year=12000)
    assert report["cost"]["total"] == 13670 and report["cost"]["total_units"] == 136.7
    rows = {row["disk_id"]: row for row in report["rows"]}
    assert rows["a"]["state"] == "would be protected" and rows["b"]["state"] == "would change"
    assert rows["b"]["plan"] == "Custom (journal 24 h, hourly 48 h, daily 10 d)"
    assert rows["e"]["coverage"] == "failed" and "230" in rows["e"]["note"]
    assert fleet_report_summary(report) == [
        "6 disks: 4 protected, 0 at risk, 0 unprotected, 1 skipped, 1 failed; 3 would change",
        "By mode: Base 2, Custom 1, Ultimate 1",
        "Cost of the change: 136.70 in total (16.70 per Month, 120.00 per Year)",
        "Recovery points: worst 0 s (b), median 0 s",
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
    assert report["totals"] == dict(protected=2, at_risk=0, unprotected=0, skipped=1, failed=0, disks=3, changed=2)
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
    disks = markdown[markdown.index("## Disks") :]
    assert disks.count("\n| ") == 3  # header and two disks


EPOCH = NOW.timestamp()


def cost(cents, charge_type="Month"):
    return dict(price=cents, charge_type=charge_type)


def test_protection_cost_per_month_by_plan_and_zone_with_its_source():
    results = [
        usnap("a", "Base", cost=cost(1000), disk_size=100),
        usnap("b", "Base", cost=cost(1000), disk_size=100, zone="cn-bj2-03"),
        usnap("c", "Ultimate", cost=cost(24000, "Year"), charge_type="Year"),
        usnap("d", "Ultimate", cost=cost(3, "Dynamic"), charge_type="Dynamic"),
        usnap("e", "Base"),  # no price known: counted, not guessed
    ]
    report = fleet_report(results, "ucloud", now=NOW)
    cost_ = report["protection_cost"]
    # Month 10 + 10, Year 240 / 12 = 20, Dynamic 0.03 an hour x 730 hours = 21.90
    assert cost_["per_month"] == round(10 + 10 + 20 + 0.03 * 730, 2) == 61.9
    assert cost_["per_year"] == round(61.9 * 12, 2)
    assert cost_["per_charge_type"] == dict(Month=20.0, Year=240.0, Dynamic=0.03)
    assert cost_["by_plan"] == dict(Ultimate=41.9, Base=20.0)  # most expensive first
    assert cost_["by_zone"] == {"cn-bj2-02": 51.9, "cn-bj2-03": 10.0}
    assert (cost_["priced"], cost_["unpriced"]) == (4, 1)
    assert "DescribeSnapshotServicePrice" in cost_["source"]
    assert "Protection: 61.90 per month, 742.80 per year" in fleet_report_summary(report)


def test_usnap_recovery_points_follow_from_the_backup_range_and_status():
    hour = 3600
    results = [
        usnap("journal", create_time=EPOCH - 10 * hour),
        usnap("hourly", journal=0, create_time=EPOCH - 10 * hour),
        usnap("daily", journal=0, hour=0, create_time=EPOCH - 10 * 86400),
        usnap("young", journal=0, hour=0, create_time=EPOCH - 60),  # no daily point yet
        usnap("planned", "Ultimate", journal=None, hour=None, day=None),  # check mode: UCloud's chain, with a journal
        usnap("expired", status="Expired", expire_time=EPOCH - 3 * 86400, create_time=EPOCH - 40 * 86400),
    ]
    report = fleet_report(results, "ucloud", now=NOW.replace(minute=25), max_rpo=2)
    rows = {row["disk_id"]: row for row in report["rows"]}
    now = NOW.replace(minute=25).timestamp()
    assert rows["journal"]["rpo"] == 0 and rows["journal"]["recovery_basis"] == "journal (continuous)"
    assert rows["hourly"]["rpo"] == 25 * 60
    assert rows["daily"]["rpo"] == int(now % 86400) == 12 * 3600 + 25 * 60
    assert rows["daily"]["coverage"] == "at_risk" and "max_rpo" in rows["daily"]["note"]
    assert rows["young"]["rpo"] is None and rows["young"]["recovery_point"] is None
    assert rows["planned"]["rpo"] == 0
    assert rows["expired"]["coverage"] == "unprotected" and rows["expired"]["rpo"] == 3 * 86400 + 25 * 60
    rpo = report["rpo"]
    assert (rpo["worst"], rpo["worst_disk"]) == (rows["daily"]["rpo"], "daily")
    assert rpo["median"] == 25 * 60 / 2.0  # of the covered disks with a known point: 0, 0, 1500, 44700
    assert (rpo["known"], rpo["unknown"], rpo["at_risk"], rpo["max_rpo"]) == (4, 1, 1, 7200)
    assert {b["label"]: b["count"] for b in rpo["buckets"]} == {
        "<= 1 h": 3,
        "1-6 h": 0,
        "6-24 h": 1,
        "1-2 d": 0,
        "2-7 d": 0,
        "> 7 d": 0,
        "unknown": 1,
    }
    assert [p["disk_id"] for p in report["problems"]] == ["expired", "daily"]  # unprotected before at risk


def test_cbs_recovery_points_and_storage_cost():
    def snap(disk_id, hours_ago):
        moment = datetime.fromtimestamp(EPOCH - hours_ago * 3600, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        return dict(
            disk_id=disk_id,
            snapshot_id="snap-" + disk_id,
            snapshot_name="daily",
            state="NORMAL",
            recovery_point=dict(snapshot_id="snap-" + disk_id, create_time=moment),
        )

    results = [snap("d1", 1), snap("d2", 30), snap("d3", 2), dict(disk_id="d4", snapshot_name="daily", state="NORMAL")]
    storage = dict(region="ap-guangzhou", total_size=1200.0, billed_size=1150.0, free_quota=50.0, total_count=12)
    report = fleet_report(results, "tencentcloud", now=NOW, max_rpo=25, storage=storage, storage_price=0.5)
    rows = {row["disk_id"]: row for row in report["rows"]}
    assert rows["d2"]["coverage"] == "at_risk" and rows["d2"]["rpo"] == 30 * 3600
    assert rows["d1"]["recovery_point"] == "2026-11-23 11:00:00 UTC"
    assert rows["d4"]["rpo"] is None and rows["d4"]["coverage"] == "protected"
    assert report["rpo"]["median"] == 2 * 3600 and report["rpo"]["unknown"] == 1
    cost_ = report["protection_cost"]
    assert cost_["per_month"] == 575.0 and cost_["by_region"] == {"ap-guangzhou": 575.0}
    assert cost_["storage"]["price_per_gb_month"] == 0.5 and "DescribeSnapshotOverview" in cost_["source"]
    unpriced = fleet_report(results, "tencentcloud", now=NOW, storage=storage)
    assert unpriced["protection_cost"]["per_month"] is None
    assert any("no price per GB and month given" in line for line in fleet_report_summary(unpriced))
    failed = fleet_report(results, "tencentcloud", now=NOW, storage=dict(error="AuthFailure.UnauthorizedOperation"))
    assert any("not read (AuthFailure" in line for line in fleet_report_summary(failed))


def chart_values(page, chart_id):
    svg = page[page.index('<svg id="%s"' % chart_id) :]
    svg = svg[: svg.index("</svg>")]
    return {
        html.unescape(label): value
        for label, value in re.findall(r'<g class="bar" data-label="([^"]*)" data-value="([^"]*)">', svg)
    }


def test_html_has_charts_with_the_report_numbers_and_problems_first():
    results = [usnap("ok%d" % n, cost=cost(1000)) for n in range(3)]
    results += [usnap("old", status="Expired", expire_time=EPOCH - 86400, cost=cost(500))]
    results += [dict(disk_id="bad", zone="cn-bj2-02", failed=True, msg="RetCode 17041")]
    report = fleet_report(results, "ucloud", skipped=["skip"], now=NOW)
    page = fleet_report_html(report)
    assert "<script" not in page and "http" not in page
    coverage = chart_values(page, "chart-coverage")
    assert coverage == dict(protected="3", skipped="1", **{"at risk": "0", "unprotected": "1", "failed": "1"})
    assert chart_values(page, "chart-rpo")["<= 1 h"] == "3"
    assert chart_values(page, "chart-cost") == {"cn-bj2-02": "30.0"}  # the expired service is not protecting
    assert page.index('id="problems"') < page.index('id="chart-coverage"') < page.index('id="disks"')
    table = page[page.index('id="disks"') :]
    assert table.index("RetCode 17041") < table.index(">old<") < table.index(">skip<") < table.index(">ok0<")


@pytest.mark.parametrize("cloud", ["ucloud", "tencentcloud"])
def test_the_report_is_plain_data_that_templating_keeps(cloud):
    # ansible-core < 2.19 turns what a set_fact template gives into text and rebuilds it with ast.literal_eval:
    # anything but plain dicts, lists and scalars (an OrderedDict, say) would reach the next task as a string.
    results = [usnap("a", cost=cost(1000), disk_size=100), usnap("b", "Ultimate", zone="cn-bj2-03", cost=cost(900))]
    results += [usnap("old", status="Expired", expire_time=EPOCH - 86400), dict(disk_id="bad", zone="z", failed=True)]
    storage = dict(region="ap-guangzhou", total_size=1200.0, billed_size=1150.0, free_quota=50.0, total_count=12)
    extra = dict(storage=storage, storage_price=0.5) if cloud == "tencentcloud" else {}
    report = fleet_report(results, cloud, skipped=["skip"], now=NOW, max_rpo=25, **extra)
    assert report["zones"] and report["protection_cost"]["per_month"]
    assert ast.literal_eval(str(report)) == report


def test_json_is_the_report_data():
    report = fleet_report([usnap("a", cost=cost(100))], "ucloud", now=NOW)
    assert json.loads(fleet_report_json(report)) == json.loads(json.dumps(report))


@pytest.mark.parametrize("bad", [-1, "soon", True])
def test_a_bad_threshold_is_an_error_naming_it(bad):
    with pytest.raises(AnsibleFilterError, match="max_rpo must be a number of hours"):
        fleet_report([], "ucloud", max_rpo=bad)


def test_unknown_cloud_is_an_error():
    with pytest.raises(AnsibleFilterError, match="cloud must be one of"):
        fleet_report([], "aws")
