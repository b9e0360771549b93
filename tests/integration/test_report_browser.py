# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report as a person sees it: rendered by headless Chromium, laid out without overflow, its charts
drawn with the report's numbers, and a screenshot kept under tests/output/ as an artifact.

Two reports: one a cbs_fleet run against the emulator writes (check mode, with failed, skipped and at-risk
disks), and a 1000-disk USnap report from results shaped as usnap_service returns them. And a 100-disk restore
drill report from results shaped as cbs_restore returns them.
"""

import json
import random
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ansible_collections.snapshield.cloud.plugins.plugin_utils.drill_report import drill_report, drill_report_html
from tests.benchmarks import report_sample
from tests.integration import browser

OUTPUT = Path(__file__).resolve().parents[1] / "output"
DAY = 86400
MANAGED_KEY = "snapshield-managed-by"

pytestmark = pytest.mark.skipif(not browser.CHROMIUM, reason=browser.MISSING)


def check_page(page, data, name, width=1280):
    """What the browser shows of ``page`` matches the report ``data``; a screenshot is kept as ``name``."""
    for window in (width, 900):
        layout = browser.measure(page, window)
        assert layout["page"] <= layout["viewport"], ("the page scrolls sideways", window, layout)
        assert layout["table"] <= layout["viewport"] and layout["table_scroll"] <= layout["table"] + 1, (
            "the table overflows",
            window,
            layout,
        )
    charts = {chart["id"]: chart for chart in layout["charts"]}
    assert {"chart-coverage", "chart-rpo"} <= set(charts)
    assert all(chart["width"] > 200 and chart["height"] > 20 for chart in charts.values()), charts  # a bar or more

    dom = browser.dump_dom(page)
    assert "<script" not in dom  # nothing runs in the report itself
    coverage = browser.chart_values(dom, "chart-coverage")
    assert coverage == {key.replace("_", " "): data["totals"][key] for key in data["totals"] if key in COVERAGE}
    assert sum(coverage.values()) == data["totals"]["disks"]
    rpo = browser.chart_values(dom, "chart-rpo")
    assert rpo == {bucket["label"]: bucket["count"] for bucket in data["rpo"]["buckets"]}
    covered = data["totals"]["protected"] + data["totals"]["at_risk"]
    assert sum(rpo.values()) == covered
    problems = dom.index('id="problems"')
    assert problems < dom.index('id="chart-coverage"') < dom.index('id="disks"')

    OUTPUT.mkdir(exist_ok=True)
    shutil.copy(page, OUTPUT / (name + ".html"))
    png = OUTPUT / (name + ".png")
    assert browser.screenshot(page, png, width, 1500) == (width, 1500)
    assert png.stat().st_size > 20000  # a page with text and charts, not a blank one
    return dom


COVERAGE = ("protected", "at_risk", "unprotected", "skipped", "failed")


def test_a_cbs_fleet_report_in_the_browser(emulator, run_playbook, tmp_path):
    history = [dict(name="cbs-fleet-old-%d" % age, age=age * DAY, tags={MANAGED_KEY: "cbs_fleet"}) for age in (3, 4)]
    stale = emulator.seed(cloud="tencent", count=3, snapshot_ability=True, snapshots=history)["disks"]
    fresh = emulator.seed(cloud="tencent", count=4, snapshot_ability=True, snapshots=[dict(name="manual", age=3600)])[
        "disks"
    ]
    fleet = ["disk-emu00001", "disk-emu00010"] + stale + fresh + ["disk-nothere1"]
    report = tmp_path / "cbs-fleet"
    run = run_playbook(
        "cbs_fleet_run.yml",
        check=True,
        extra_vars=dict(
            cbs_fleet_disks=fleet, cbs_fleet_keep=3, cbs_fleet_report=str(report), cbs_fleet_price_per_gb_month=0.5
        ),
    )
    assert run.rc != 0, run.stdout  # the missing disk fails the run, after the report is written
    assert "Fail when a disk failed" in run.stdout, run.stdout[-3000:]
    data = json.loads(report.with_suffix(".json").read_text())
    assert data["totals"] == dict(protected=5, at_risk=3, unprotected=0, skipped=1, failed=1, disks=10, changed=8)
    assert {row["disk_id"] for row in data["rows"] if row["coverage"] == "at_risk"} == set(stale)
    assert [p["coverage"] for p in data["problems"]] == ["failed", "at_risk", "at_risk", "at_risk"]
    dom = check_page(report.with_suffix(".html"), data, "cbs-fleet-check-mode")
    per_month = data["protection_cost"]["per_month"]
    assert per_month == round(data["protection_cost"]["storage"]["billed_size"] * 0.5, 2) > 0
    assert browser.chart_values(dom, "chart-cost") == {"ap-guangzhou": per_month}


def test_a_1000_disk_usnap_report_in_the_browser(tmp_path):
    fleet_report = report_sample._import_report()  # pylint: disable=protected-access
    data = report_sample.build("ucloud", 1000)
    page = tmp_path / "usnap-1000.html"
    page.write_text(fleet_report.fleet_report_html(data))
    assert len(data["rows"]) == 1000 and data["totals"]["failed"] and data["totals"]["unprotected"]
    dom = check_page(page, data, "usnap-fleet-1000")
    by_plan = data["protection_cost"]["by_plan"]
    assert len(by_plan) > 1 and browser.chart_values(dom, "chart-cost") == by_plan
    assert dom[dom.index('id="disks"') :].count("<tr><td") == 1000  # every disk, none lost to the grouping


DRILL_AT = datetime(2026, 12, 3, 14, 0, tzinfo=timezone.utc)


def drill_sample(disks=100, seed=12):
    """Results of a 100-disk CBS drill as cbs_restore returns them: most pass, some stale, some failed."""
    rng = random.Random(seed)
    elements, sources = [], {}
    for n in range(disks):
        disk_id = "disk-drill%03d" % n
        size = rng.choice((20, 50, 100, 200, 500, 1000))
        sources[disk_id] = dict(disk_size=size, zone="ap-guangzhou-%d" % (3 + n % 2))
        age = rng.choice((1800, 5400, 20000, 80000)) if n % 17 else 4 * DAY  # every 17th stale
        rto = round(rng.uniform(20, 900), 1)
        element = dict(
            disk_id=disk_id,
            recovery_point=(DRILL_AT - timedelta(seconds=age)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            recovery_point_age=age,
            snapshot_id="snap-%08d" % n,
            restored_disk_id="disk-clone%03d" % n,
            restored_disk_name="snapshield-drill-20261203T140000Z-" + disk_id,
            disk_size=size,
            available_at=(DRILL_AT + timedelta(seconds=rto)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            restore_seconds=rto,
            changed=True,
        )
        if n % 23 == 5:
            element = dict(disk_id=disk_id, failed=True, changed=False, msg="CreateDisks failed: ResourceInsufficient")
        elements.append(element)
    return elements, sources


def test_a_100_disk_drill_report_in_the_browser(tmp_path):
    elements, sources = drill_sample()
    leftovers = [dict(disk_id="disk-old%d" % n, disk_name="snapshield-drill-r0-disk-x%d" % n, source="disk-x%d" % n,
                      run="r0") for n in range(2)]  # fmt: skip
    found = [dict(run="r0", disks=leftovers)]
    swept = dict(results=[dict(item=found[0], restores=[dict(disk_id=d["source"], changed=True) for d in leftovers])])
    data = drill_report(
        dict(restores=elements, failed=True), "tencentcloud", sources=sources, max_rpo=25,
        sweep=dict(found=found, result=swept), run_id="20261203T140000Z",
    )  # fmt: skip
    page = tmp_path / "drill.html"
    page.write_text(drill_report_html(data))
    assert data["totals"] == dict(failed=5, stale=5, would_drill=0, passed=90, disks=100)
    for window in (1280, 900):
        layout = browser.measure(page, window)
        assert layout["page"] <= layout["viewport"], ("the page scrolls sideways", window, layout)
        assert layout["table"] <= layout["viewport"] and layout["table_scroll"] <= layout["table"] + 1, layout
    charts = {chart["id"]: chart for chart in layout["charts"]}
    assert set(charts) == {"chart-results", "chart-rpo", "chart-rto"}
    assert all(chart["width"] > 200 and chart["height"] > 20 for chart in charts.values()), charts
    dom = browser.dump_dom(page)
    assert "<script" not in dom
    results = browser.chart_values(dom, "chart-results")
    assert results == {
        key.replace("_", " "): data["totals"][key] for key in ("failed", "stale", "would_drill", "passed")
    }
    assert browser.chart_values(dom, "chart-rto") == {b["label"]: b["count"] for b in data["rto"]["buckets"]}
    assert sum(browser.chart_values(dom, "chart-rpo").values()) == data["rpo"]["known"] == 95
    assert dom.index('id="problems"') < dom.index('id="chart-results"') < dom.index('id="disks"')
    assert dom[dom.index('id="disks"') :].count("<tr><td") == 100
    OUTPUT.mkdir(exist_ok=True)
    shutil.copy(page, OUTPUT / "restore-drill-100.html")
    png = OUTPUT / "restore-drill-100.png"
    assert browser.screenshot(page, png, 1280, 1500) == (1280, 1500)
    assert png.stat().st_size > 20000
