# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restore drill report: each disk's result from the restore module's elements, the RPO and RTO summaries,
the sweep, and the three formats."""

import html
import json
from datetime import datetime, timezone

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.snapshield.cloud.plugins.filter.restore_drill import (
    drill_report,
    drill_report_html,
    drill_report_markdown,
    drill_report_summary,
)
from ansible_collections.snapshield.cloud.plugins.plugin_utils.fleet_report import fleet_report_json

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=timezone.utc)
HOUR = 3600


def restored(disk_id, age=600, seconds=42.5, size=100, **extra):
    """One element of ``restores`` as the contract of usnap_restore / cbs_restore shapes it."""
    element = dict(
        disk_id=disk_id,
        target="clone",
        recovery_point="2026-12-03T13:50:00Z",
        recovery_point_age=age,
        snapshot_id=None,
        restored_disk_id="bsm-clone-" + disk_id,
        restored_disk_name="snapshield-drill-" + disk_id,
        disk_size=size,
        requested_at="2026-12-03T13:59:00Z",
        available_at="2026-12-03T13:59:42Z",
        restore_seconds=seconds,
        changed=True,
        state="Available",
    )
    element.update(extra)
    return element


def sources(*disks, size=100):
    return {disk: dict(disk_size=size, zone="cn-bj2-02") for disk in disks}


def by_disk(report):
    return {row["disk_id"]: row for row in report["rows"]}


def test_every_result_of_a_drill():
    result = dict(
        failed=True,
        msg="1 of 6 disks failed",
        restores=[
            restored("a", age=5, seconds=30.0),
            restored("b", age=30 * HOUR, seconds=50.0),  # older than max_rpo
            restored("c", failed=True, msg="CloneUDiskUDataArk failed with 17085: source busy", changed=False),
            restored("d", size=50),  # the clone is smaller than its source
            restored("e", available_at=None, restore_seconds=None, state="Restoring"),
            restored("f", seconds=95.0),
        ],
    )
    cleanup = dict(changed=True, restores=[dict(disk_id=d, changed=True) for d in "abcdef"])
    report = drill_report(
        result, "ucloud", disks=list("abcdef"), sources=sources(*"abcdef"), cleanup=cleanup, max_rpo=25, now=NOW
    )
    rows = by_disk(report)
    assert {disk: row["result"] for disk, row in rows.items()} == dict(
        a="passed", b="stale", c="failed", d="failed", e="failed", f="passed"
    )
    assert report["totals"] == dict(failed=3, stale=1, would_drill=0, passed=2, disks=6)
    assert "17085" in rows["c"]["note"] and "50 GB, the source 100 GB" in rows["d"]["note"]
    assert "did not become available (state Restoring)" in rows["e"]["note"]
    assert rows["b"]["note"].startswith("recovery point older than max_rpo (25.0 h)")
    assert (rows["a"]["rpo"], rows["a"]["rto"], rows["a"]["clone_id"]) == (5, 30.0, "bsm-clone-a")
    assert report["rpo"]["worst"] == 30 * HOUR and report["rpo"]["worst_disk"] == "b" and report["rpo"]["stale"] == 1
    assert report["rto"]["worst"] == 95.0 and report["rto"]["worst_disk"] == "f"
    assert report["rto"]["median"] == 42.5  # a, b, d, f known (c failed, e not waited): 30, 42.5, 42.5, 50, 95
    assert [p["disk_id"] for p in report["problems"]] == ["c", "d", "e", "b"]  # failed first, then stale
    assert report["kind"] == "drill" and report["generated"] == "2026-12-03 14:00:00 UTC"


def test_rto_median_and_buckets():
    report = drill_report(
        [restored("a", seconds=30.0), restored("b", seconds=200.0), restored("c", seconds=4000.0)],
        "tencentcloud",
        sources=sources("a", "b", "c"),
        now=NOW,
    )
    assert report["rto"]["median"] == 200.0
    assert {b["label"]: b["count"] for b in report["rto"]["buckets"]} == {
        "<= 1 min": 1,
        "1-5 min": 1,
        "5-15 min": 0,
        "15-60 min": 0,
        "> 1 h": 1,
    }
    assert report["totals"]["passed"] == 3 and report["rpo"]["max_rpo"] is None


def test_a_clone_not_deleted_fails_its_disk_and_a_reused_clone_is_not_a_restore():
    cleanup = dict(
        failed=True,
        msg="1 of 3 disks failed",
        restores=[
            dict(disk_id="a", changed=True),
            dict(disk_id="b", failed=True, msg="DeleteUDisk failed: 17041"),
            dict(disk_id="c", changed=False, deleted=[]),  # its clone was not found: it is still there
        ],
    )
    report = drill_report(
        dict(restores=[restored("a", changed=False), restored("b"), restored("c")]),
        "ucloud",
        sources=sources("a", "b", "c"),
        cleanup=cleanup,
        now=NOW,
    )
    rows = by_disk(report)
    assert rows["c"]["result"] == "failed" and "not found by its name and marker to delete" in rows["c"]["note"]
    assert rows["a"]["result"] == "failed" and "of an earlier drill was found and reused" in rows["a"]["note"]
    assert rows["b"]["result"] == "failed"
    assert rows["b"]["note"] == "clone bsm-clone-b not deleted (the next drill sweeps it): DeleteUDisk failed: 17041"


def test_a_clean_up_task_that_failed_as_a_whole_fails_every_disk():
    report = drill_report(
        [restored("a"), restored("b")],
        "ucloud",
        sources=sources("a", "b"),
        cleanup=dict(failed=True, msg="Authentication failed"),
        now=NOW,
    )
    assert [row["result"] for row in report["rows"]] == ["failed", "failed"]
    assert all(row["note"].endswith("Authentication failed") for row in report["rows"])


def test_a_restore_task_that_failed_as_a_whole_names_every_disk_with_its_message():
    report = drill_report(
        dict(failed=True, msg="zone must not be empty"), "ucloud", disks=["a", "b"], sources=sources("a"), now=NOW
    )
    assert [(row["disk_id"], row["result"], row["note"]) for row in report["rows"]] == [
        ("a", "failed", "zone must not be empty"),
        ("b", "failed", "zone must not be empty"),
    ]
    assert report["rows"][1]["disk_size"] is None  # not found by the discovery


def test_check_mode_says_what_would_be_drilled_and_still_flags_stale_points():
    report = drill_report(
        dict(
            changed=True,
            restores=[
                restored("a", available_at=None, restore_seconds=None, restored_disk_id=None),
                restored("b", age=3 * 86400, available_at=None, restore_seconds=None, restored_disk_id=None),
            ],
        ),
        "tencentcloud",
        sources=sources("a", "b"),
        cleanup=dict(skipped=True),
        check_mode=True,
        max_rpo=25,
        now=NOW,
    )
    rows = by_disk(report)
    assert rows["a"]["result"] == "would_drill" and rows["a"]["note"] == "would be cloned as snapshield-drill-a"
    assert rows["b"]["result"] == "stale"
    assert report["totals"] == dict(failed=0, stale=1, would_drill=1, passed=0, disks=2)
    assert drill_report_summary(report)[0] == (
        "2 disks would be drilled (check mode: nothing cloned or deleted); 0 failed, 1 stale"
    )


def leftover(disk_id, source, run="r0"):
    return dict(disk_id=disk_id, disk_name="snapshield-drill-%s-%s" % (run, source), source=source, run=run)


def test_the_sweep_counts_what_it_deleted_what_is_left_and_what_the_module_left_alone():
    found = [
        dict(run="r0", disks=[leftover("bsm-old1", "a"), leftover("bsm-old2", "b"), leftover("bsm-old3", "c")]),
        dict(run="r9", disks=[leftover("bsm-old4", "a", "r9")]),
    ]
    items = [
        dict(
            item=found[0],
            failed=True,
            restores=[
                dict(disk_id="a", changed=True, deleted_disk_ids=["bsm-old1"]),  # as usnap_restore says it
                dict(disk_id="b", failed=True, msg="busy"),
                dict(disk_id="c", changed=False, deleted=[], left_alone=[dict(disk_id="bsm-old3")]),
            ],
        ),
        dict(item=found[1], failed=True, msg="Authentication failed"),
    ]
    report = drill_report([restored("a")], "ucloud", sweep=dict(found=found, result=dict(results=items)), now=NOW)
    sweep = report["sweep"]
    assert sweep["deleted"] == 1 and sweep["would_delete"] == 0
    assert [(d["disk_id"], d["note"]) for d in sweep["left"]] == [
        ("bsm-old2", "busy"),
        ("bsm-old4", "Authentication failed"),
    ]
    assert [d["disk_id"] for d in sweep["left_alone"]] == ["bsm-old3"]
    assert drill_report_summary(report)[-1] == "Leftovers of earlier drills: 4 found, 1 deleted, 2 left"
    markdown = drill_report_markdown(report)
    assert "| bsm-old1 | snapshield-drill-r0-a | deleted |" in markdown
    assert "| bsm-old2 | snapshield-drill-r0-b | left: busy |" in markdown
    assert "| bsm-old3 | snapshield-drill-r0-c | left alone by the restore module (it did not make it) |" in markdown
    checked = drill_report(
        [],
        "ucloud",
        sweep=dict(
            found=found[:1], result=dict(results=[dict(item=found[0], restores=[dict(disk_id=d) for d in "abc"])])
        ),
        check_mode=True,
        now=NOW,
    )
    assert (checked["sweep"]["deleted"], checked["sweep"]["would_delete"], checked["sweep"]["left"]) == (0, 3, [])
    unswept = drill_report([], "ucloud", sweep=dict(found=found[1:], result=dict(results=[])), now=NOW)
    assert unswept["sweep"]["left"] == [dict(found[1]["disks"][0], note="not swept")]


def test_summary_lines():
    report = drill_report(
        [restored("a", age=5, seconds=30.0), restored("b", age=7200, seconds=75.0)],
        "ucloud",
        sources=sources("a", "b"),
        max_rpo=1,
        now=NOW,
    )
    assert drill_report_summary(report) == [
        "2 disks drilled: 1 passed, 0 failed, 1 stale",
        "RPO: worst 2.0 h (b), median 1.0 h; max 1.0 h",
        "RTO: worst 1 min (b), median 52.5 s",
    ]


def test_bad_cloud_and_bad_input_fail_naming_them():
    with pytest.raises(AnsibleFilterError, match="cloud must be one of ucloud, tencentcloud, got 'aws'"):
        drill_report([], "aws")
    with pytest.raises(AnsibleFilterError, match="max_rpo must be a number of hours"):
        drill_report([], "ucloud", max_rpo=-1)
    with pytest.raises(AnsibleFilterError, match="restore task's result or its list"):
        drill_report("nonsense", "ucloud")


def test_formats_carry_every_disk_and_escape_what_they_show():
    element = restored("<b>disk</b>", failed=True, msg="bad <script>", changed=False)
    report = drill_report(
        [restored("a", snapshot_id="snap-1"), element], "tencentcloud", sources=sources("a"), now=NOW, run_id="r1"
    )
    page = drill_report_html(report)
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert html.escape("<b>disk</b>") in page and 'id="disks"' in page and 'id="chart-rto"' in page
    assert page.index('id="problems"') < page.index('id="chart-results"') < page.index('id="disks"')
    markdown = drill_report_markdown(report)
    (row,) = [line for line in markdown.splitlines() if line.startswith("| a |")]
    assert "| 2026-12-03T13:50:00Z (snap-1) |" in row and "| 42.5 s |" in row and "| passed |" in row
    assert "## Problems (1)" in markdown
    assert json.loads(fleet_report_json(report))["rows"] == json.loads(json.dumps(report["rows"]))
