# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Restore drill reports: for each disk of a drill, the recovery point its clone was made from, its age (RPO),
the time from request to an available clone (RTO) and the result, from the restore modules' own results.

The second kind of report beside the fleet report (``kind: drill``): the same formats (HTML with inline SVG
charts, Markdown, JSON), the same page style and helpers (plugin_utils/fleet_report.py), written by the same
fleet_report action.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import html
from collections import Counter
from datetime import datetime, timezone

from ansible.errors import AnsibleFilterError

from ansible_collections.snapshield.cloud.plugins.plugin_utils.fleet_report import (
    COLOURS,
    RPO_BUCKETS,
    _age,
    _bar_chart,
    _bucket,
    _cards_html,
    _disks_table,
    _max_rpo,
    _md_table,
    _median,
    _page,
    _problems_section,
    fleet_report_json,
)
from ansible_collections.snapshield.cloud.plugins.plugin_utils.fleet_report import report_files as _report_files

KIND = "drill"
SCHEMA_VERSION = 1
CLOUDS = dict(ucloud="UCloud USnap", tencentcloud="Tencent Cloud CBS")
# Problems first: the order of the totals, the problem list and the table's groups.
RESULTS = ("failed", "stale", "would_drill", "passed")
PROBLEMS = ("failed", "stale")
REPORT_KEYS = ("kind", "title", "generated", "check_mode", "totals", "rpo", "rto", "sweep", "rows")
# Upper bounds (seconds) of the RTO distribution's buckets.
RTO_BUCKETS = (("<= 1 min", 60), ("1-5 min", 300), ("5-15 min", 900), ("15-60 min", 3600), ("> 1 h", None))
RESULT_COLOURS = dict(
    passed=COLOURS["protected"], stale=COLOURS["at_risk"], failed=COLOURS["failed"], would_drill=COLOURS["cost"]
)


def _number(value):
    try:
        return None if isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def _restores(given):
    """The per-disk elements of a restore module's registered result (``restores``, else ``results``) or a list."""
    if given is None:
        return []
    if isinstance(given, dict):
        given = given.get("restores") or given.get("results") or []
    if not isinstance(given, list):
        raise AnsibleFilterError("drill_report: expected the restore task's result or its list of restores")
    return given


LEFT_ALONE = "left alone by the restore module (it did not make it)"


def _ids(disks):
    """The ids of a module's ``deleted`` or ``left_alone`` list (dicts with ``disk_id``, or ids)."""
    return {disk.get("disk_id") if isinstance(disk, dict) else disk for disk in disks or []}


def _deletions(result):
    """``(by source disk id: the element of a state=absent task, the task's failure)``; the failure (a message)
    only when it failed as a whole, without elements. None when the task was not given or did not run."""
    if not isinstance(result, dict) or result.get("skipped"):
        return None  # not given, or not run: nothing to check
    elements = _restores(result)
    if result.get("failed") and not elements:
        return {}, result.get("msg") or "the deletion failed"
    return {element.get("disk_id"): element for element in elements}, None


def _not_deleted(clone_id, element, failure):
    """Why the clone ``clone_id`` is still there after its deletion (``element``: its disk's), or None."""
    if failure:
        return failure
    if element is None:
        return "no deletion result for this disk"
    if element.get("failed"):
        return element.get("msg") or "the clone could not be deleted"
    if clone_id in _ids(element.get("left_alone")):
        return LEFT_ALONE
    # cbs_restore lists what it deleted in ``deleted``, usnap_restore in ``deleted_disk_ids``
    done = element.get("deleted", element.get("deleted_disk_ids"))
    if done is not None and clone_id not in _ids(done):
        return "not found by its name and marker to delete"
    return None


def _verdict(element, source, cleanup, check_mode):
    """``(result, note)`` of one disk: failed, would_drill or passed (stale is decided against max_rpo after)."""
    if element.get("failed"):
        return "failed", element.get("msg") or "the restore failed"
    if check_mode:
        return "would_drill", "would be cloned as %s" % (element.get("restored_disk_name") or "a drill clone")
    if not element.get("changed"):
        # the sweep should have deleted it: its recovery point and restore time are an earlier drill's
        return "failed", "clone %s of an earlier drill was found and reused, not restored by this drill" % (
            element.get("restored_disk_id")
        )
    problems = []
    if element.get("available_at") is None or element.get("restore_seconds") is None:
        problems.append("the clone did not become available (state %s)" % element.get("state"))
    size, wanted = element.get("disk_size"), (source or {}).get("disk_size")
    if wanted is not None and size != wanted:
        problems.append("the clone has %s GB, the source %s GB" % (size, wanted))
    left = cleanup and _not_deleted(element.get("restored_disk_id"), cleanup[0].get(element.get("disk_id")), cleanup[1])
    if left:
        problems.append("clone %s not deleted (the next drill sweeps it): %s" % (element.get("restored_disk_id"), left))
    if problems:
        return "failed", "; ".join(problems)
    return "passed", "restored, available with %s GB, deleted" % size


def _row(disk_id, element, source, cleanup, check_mode, threshold):
    source = source or {}
    result, note = _verdict(element, source, cleanup, check_mode)
    rpo, rto = _number(element.get("recovery_point_age")), _number(element.get("restore_seconds"))
    if result != "failed" and threshold is not None and rpo is not None and rpo > threshold:
        result = "stale"
        note = "recovery point older than max_rpo (%s); %s" % (_age(threshold), note)
    return dict(
        disk_id=disk_id,
        zone=source.get("zone") or element.get("zone"),
        disk_size=source.get("disk_size"),
        recovery_point=element.get("recovery_point"),
        snapshot_id=element.get("snapshot_id"),
        rpo=None if rpo is None else int(rpo),
        rto=None if rto is None else round(rto, 1),
        clone_id=element.get("restored_disk_id"),
        clone_name=element.get("restored_disk_name"),
        result=result,
        note=note,
    )


def _ages(rows, key, buckets):
    known = [row for row in rows if row[key] is not None]
    worst = max(known, key=lambda row: row[key]) if known else None
    counts = Counter(_bucket_of(row[key], buckets) for row in known)
    return dict(
        worst=worst[key] if worst else None,
        worst_disk=worst["disk_id"] if worst else None,
        median=_median([row[key] for row in known]),
        known=len(known),
        buckets=[dict(label=label, count=counts.get(label, 0)) for label, _bound in buckets],
    )


def _bucket_of(seconds, buckets):
    if buckets is RPO_BUCKETS:
        return _bucket(seconds)
    return next(label for label, bound in buckets if bound is None or seconds <= bound)


def _sweep(sweep, check_mode):
    """What the sweep of earlier drills' clones found and deleted (or, in check mode, would delete): ``found``
    (the leftovers), ``deleted``, ``would_delete``, ``left`` (still there, with why) and ``left_alone`` (named and
    marked as drill clones, but not made by the restore module, so it kept them)."""
    sweep = sweep or {}
    items = {(item.get("item") or {}).get("run"): item for item in (sweep.get("result") or {}).get("results") or []}
    found, left, alone = [], [], []
    for group in sweep.get("found") or []:
        elements, failure = _deletions(items.get(group.get("run"))) or ({}, "not swept")
        for disk in group.get("disks") or []:
            found.append(disk)
            why = _not_deleted(disk.get("disk_id"), elements.get(disk.get("source")), failure)
            if why == LEFT_ALONE:
                alone.append(dict(disk, note=why))
            elif why:
                left.append(dict(disk, note=why))
    done = len(found) - len(left) - len(alone)
    return dict(
        found=found,
        deleted=0 if check_mode else done,
        would_delete=done if check_mode else 0,
        left=left,
        left_alone=alone,
    )


def _rows(restored, disks, sources, cleanup, check_mode, threshold):
    """One row per disk of the drill (``disks``, else those of the results), in that order."""
    by_disk = {element.get("disk_id"): element for element in _restores(restored)}
    # a disk without its own result: the task failed as a whole (bad credentials, a bad option), or never ran
    missing = dict(failed=True, msg=(restored or {}).get("msg") if isinstance(restored, dict) else None)
    missing["msg"] = missing["msg"] or "no restore result for this disk"
    return [
        _row(disk_id, by_disk.get(disk_id, missing), sources.get(disk_id), cleanup, check_mode, threshold)
        for disk_id in (list(disks) if disks else list(by_disk))
    ]


def drill_report(
    restored,
    cloud,
    disks=None,
    sources=None,
    cleanup=None,
    sweep=None,
    check_mode=False,
    max_rpo=None,
    title=None,
    run_id=None,
    now=None,
):
    """The drill as report data: one row per disk (recovery point, RPO, RTO, result) and the summaries.

    ``restored``: the restore task's result (or its ``restores``); ``disks``: the disks of the drill, in order
    (default: those of the results); ``sources``: ``{disk id: {disk_size, zone}}`` from the discovery;
    ``cleanup``: the result of deleting the clones; ``sweep``: ``{found: [disks], result: task result}``.
    """
    if cloud not in CLOUDS:
        raise AnsibleFilterError("drill_report: cloud must be one of %s, got %r" % (", ".join(CLOUDS), cloud))
    threshold = _max_rpo(max_rpo)
    rows = _rows(restored, disks, sources or {}, _deletions(cleanup), check_mode, threshold)
    counts = Counter(row["result"] for row in rows)
    moment = now or datetime.now(timezone.utc)
    rpo = dict(_ages(rows, "rpo", RPO_BUCKETS), max_rpo=threshold, stale=counts.get("stale", 0))
    return dict(
        kind=KIND,
        schema_version=SCHEMA_VERSION,
        cloud=cloud,
        run_id=run_id,
        title=title or "%s restore drill" % CLOUDS[cloud],
        generated=moment.strftime("%Y-%m-%d %H:%M:%S UTC"),
        check_mode=bool(check_mode),
        totals=dict({key: counts.get(key, 0) for key in RESULTS}, disks=len(rows)),
        rpo=rpo,
        rto=_ages(rows, "rto", RTO_BUCKETS),
        sweep=_sweep(sweep, check_mode),
        problems=[
            dict(disk_id=row["disk_id"], result=row["result"], note=row["note"])
            for row in _grouped(rows)
            if row["result"] in PROBLEMS
        ],
        rows=rows,
    )


def _grouped(rows):
    rank = {result: n for n, result in enumerate(RESULTS)}
    return sorted(rows, key=lambda row: rank[row["result"]])


# Rendering ------------------------------------------------------------------------------------------------


def drill_report_summary(report):
    """A few lines a person reads at the end of a drill."""
    totals, rpo, rto, sweep = report["totals"], report["rpo"], report["rto"], report["sweep"]
    if report["check_mode"]:
        head = "%d disks would be drilled (check mode: nothing cloned or deleted)" % totals["disks"]
        head += "; %d failed, %d stale" % (totals["failed"], totals["stale"])
    else:
        head = "%d disks drilled: %d passed, %d failed, %d stale" % (
            totals["disks"],
            totals["passed"],
            totals["failed"],
            totals["stale"],
        )
    lines = [head]
    if rpo["known"]:
        lines.append(
            "RPO: worst %s (%s), median %s%s"
            % (
                _age(rpo["worst"]),
                rpo["worst_disk"],
                _age(rpo["median"]),
                "; max %s" % _age(rpo["max_rpo"]) if rpo["max_rpo"] else "",
            )
        )
    if rto["known"]:
        lines.append("RTO: worst %s (%s), median %s" % (_rto(rto["worst"]), rto["worst_disk"], _rto(rto["median"])))
    if sweep["found"]:
        lines.append(
            "Leftovers of earlier drills: %d found, %d %s, %d left"
            % (
                len(sweep["found"]),
                sweep["would_delete"] if report["check_mode"] else sweep["deleted"],
                "would be deleted" if report["check_mode"] else "deleted",
                len(sweep["left"]),
            )
        )
    return lines


def _rto(seconds):
    """An RTO: seconds with one decimal below a minute (clones are quick), else as ages are written."""
    if seconds is None:
        return ""
    return "%.1f s" % seconds if seconds < 60 else _age(seconds)


COLUMNS = (
    ("disk_id", "Disk"),
    ("zone", "Zone"),
    ("disk_size", "GB"),
    ("recovery_point", "Recovery point"),
    ("rpo", "RPO"),
    ("rto", "RTO"),
    ("clone_id", "Clone"),
    ("result", "Result"),
    ("note", "Note"),
)
WIDTHS = dict(disk_id=11, zone=11, disk_size=4, recovery_point=15, rpo=5, rto=5, clone_id=11, result=6, note=32)
NUMERIC = ("disk_size", "rpo", "rto")


def _cell(row, key):
    value = row.get(key)
    if key == "rpo":
        return _age(value)
    if key == "rto":
        return _rto(value)
    if key == "result":
        return value.replace("_", " ")
    if key == "recovery_point" and row.get("snapshot_id"):
        return "%s (%s)" % (value, row["snapshot_id"])
    if key == "clone_id" and value is None:
        return row.get("clone_name") or ""
    return "" if value is None else str(value)


def _mode_line(report):
    if report["check_mode"]:
        return "check mode: what the drill would do, nothing cloned or deleted"
    return "applied: clones made, checked and deleted"


def drill_report_markdown(report):
    """The drill as a Markdown document: summary, problems, the sweep, then every disk."""
    out = ["# %s" % report["title"], "", "%s, %s." % (report["generated"], _mode_line(report)), ""]
    out += ["- %s" % line for line in drill_report_summary(report)] + [""]
    if report["problems"]:
        out += ["## Problems (%d)" % len(report["problems"]), ""]
        out += _md_table(
            ("Disk", "Result", "Why"),
            [(p["disk_id"], p["result"].replace("_", " "), p["note"]) for p in report["problems"]],
        )
        out.append("")
    out += ["## Time to restore (RTO)", ""]
    out += _md_table(("Time", "Disks"), [(b["label"], b["count"]) for b in report["rto"]["buckets"]])
    out += ["", "## Disks", ""]
    out += _md_table(
        [title for _key, title in COLUMNS],
        [[_cell(row, key) for key, _title in COLUMNS] for row in _grouped(report["rows"])],
    )
    sweep = report["sweep"]
    if sweep["found"]:
        out += ["", "## Leftovers of earlier drills", ""]
        out += _md_table(
            ("Clone", "Name", "Outcome"), [_sweep_line(d, sweep, report["check_mode"]) for d in sweep["found"]]
        )
    return "\n".join(out) + "\n"


def _sweep_line(disk, sweep, check_mode):
    notes = {d["disk_id"]: "left: %s" % d["note"] for d in sweep["left"]}
    notes.update((d["disk_id"], d["note"]) for d in sweep.get("left_alone") or [])
    done = "would be deleted" if check_mode else "deleted"
    return (disk["disk_id"], disk.get("disk_name") or "", notes.get(disk["disk_id"], done))


def _cards(report):
    totals, rpo, rto = report["totals"], report["rpo"], report["rto"]
    cards = [("disks", totals["disks"], "disks")]
    cards += [(key, totals[key], key.replace("_", " ")) for key in RESULTS if key != "would_drill" or totals[key]]
    cards.append(("rpo", _age(rpo["worst"]) or "n/a", "worst RPO"))
    cards.append(("rto", _rto(rto["worst"]) or "n/a", "worst RTO"))
    cards.append(("rto", _rto(rto["median"]) or "n/a", "median RTO"))
    return _cards_html(cards)


def _charts(report):
    totals = report["totals"]
    charts = [
        _bar_chart(
            "chart-results",
            "Result (disks)",
            [(key.replace("_", " "), totals[key], RESULT_COLOURS[key]) for key in RESULTS],
            str,
        ),
        _bar_chart(
            "chart-rpo",
            "Recovery point age (disks)",
            [(b["label"], b["count"], COLOURS["protected"]) for b in report["rpo"]["buckets"]],
            str,
        ),
        _bar_chart(
            "chart-rto",
            "Time to restore (disks)",
            [(b["label"], b["count"], COLOURS["cost"]) for b in report["rto"]["buckets"]],
            str,
        ),
    ]
    return '<div class="charts">%s</div>' % "".join(charts)


def _problems_html(report, names=8):
    problems = report["problems"]
    if not problems:
        what = "would be drilled" if report["check_mode"] else "was restored, available and deleted"
        return '<p class="protected" id="problems">No problems: every disk %s within max_rpo.</p>' % what
    items = [
        '<li class="%s"><b>%s</b> %s: %s</li>'
        % (p["result"], html.escape(str(p["disk_id"])), html.escape(p["result"]), html.escape(p["note"]))
        for p in problems[:names]
    ]
    if len(problems) > names:
        items.append("<li>%d more, listed first in the table</li>" % (len(problems) - names))
    return _problems_section(len(problems), items)


def _table_html(report):
    groups = {}
    for row in _grouped(report["rows"]):
        groups.setdefault(row["result"], []).append(row)
    return _disks_table(COLUMNS, groups, _cell, WIDTHS, NUMERIC)


def _sweep_html(report):
    sweep = report["sweep"]
    if not sweep["found"]:
        return '<p class="sub" id="sweep">No leftovers of earlier drills.</p>'
    lines = "".join(
        "<tr>%s</tr>"
        % "".join("<td>%s</td>" % html.escape(cell) for cell in _sweep_line(disk, sweep, report["check_mode"]))
        for disk in sweep["found"]
    )
    return (
        '<h2>Leftovers of earlier drills</h2><table id="sweep" class="cost"><thead><tr><th>Clone</th><th>Name</th>'
        "<th>Outcome</th></tr></thead><tbody>%s</tbody></table>" % lines
    )


def drill_report_html(report):
    """The drill as one self-contained HTML page: no script, nothing fetched, problems first."""
    return _page(
        report,
        "%s, %s." % (html.escape(report["generated"]), html.escape(_mode_line(report))),
        [_cards(report), _problems_html(report), _charts(report)],
        drill_report_summary(report),
        [_sweep_html(report), _table_html(report)],
        style=".stale{color:#d84315}.passed{color:#2e7d32}.would_drill{color:#1565c0}",
    )


FORMATS = {"html": drill_report_html, "md": drill_report_markdown, "json": fleet_report_json}


def report_files(report, path):
    """``{file path: text}`` of a drill report, one file per format, as the fleet report's files are named."""
    return _report_files(report, path, keys=REPORT_KEYS, formats=FORMATS, what="restore_drill_report")
