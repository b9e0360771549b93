# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fleet reports: coverage, each disk's plan and state, and cost, from the modules' own results.

Shared by the fleet_report filters, the usnap_fleet filters and the fleet_report action, which writes one file
per entry of ``FORMATS``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import html
import re
from collections import Counter, OrderedDict
from datetime import datetime, timezone

from ansible.errors import AnsibleFilterError

COVERAGE = ("protected", "unprotected", "skipped", "failed")
REPORT_KEYS = ("title", "generated", "check_mode", "totals", "modes", "cost", "rows")


def _usnap_plan(result):
    mode = result.get("backup_mode")
    if mode == "Custom":
        return "Custom (journal %s h, hourly %s h, daily %s d)" % (
            result.get("journal"),
            result.get("hour"),
            result.get("day"),
        )
    return mode or ""


def _usnap_row(result, check_mode, state):
    if state == "absent":
        removed = "would be removed" if check_mode else "removed"
        return dict(
            coverage="unprotected",
            plan="",
            state=removed if result.get("changed") else "no service",
            mode="none",
            price=None,
            charge_type=None,
        )
    if check_mode and result.get("changed"):
        status = "would change" if result.get("service_id") else "would be protected"
    else:
        status = result.get("status")
    price = result.get("price") or {}
    return dict(
        coverage="unprotected" if result.get("status") == "Expired" else "protected",
        plan=_usnap_plan(result),
        state=status,
        mode=result.get("backup_mode") or "unknown",
        price=price.get("price"),
        charge_type=price.get("charge_type") or result.get("charge_type"),
    )


def _cbs_row(result, check_mode, state):
    if result.get("policy"):  # bound to an automatic snapshot policy: CBS takes the snapshots
        bound = "would be bound" if check_mode and result.get("changed") else "bound"
        plan = "policy %s" % result["policy"]
        return dict(coverage="protected", plan=plan, state=bound, mode="policy", price=None, charge_type=None)
    name = result.get("snapshot_name")
    if check_mode and result.get("changed"):
        state = "would be created" if not result.get("snapshot_id") else "would change"
        protected = True
    else:
        state = result.get("state") or ("deleted" if result.get("changed") else "no snapshot")
        protected = result.get("state") in ("NORMAL", "CREATING")
    plan = "snapshot %s" % name if name else ""
    if result.get("deadline"):
        plan += ", kept until %s" % result["deadline"]
    return dict(
        coverage="protected" if protected else "unprotected",
        plan=plan,
        state=state,
        mode="snapshot" if protected else "none",
        price=None,
        charge_type=None,
    )


ROW_BUILDERS = dict(ucloud=_usnap_row, tencentcloud=_cbs_row)


def fleet_report(results, cloud, skipped=None, check_mode=False, state="present", title=None, now=None):
    """The report as data: ``totals``, ``modes``, ``cost`` and one row per disk."""
    if cloud not in ROW_BUILDERS:
        raise AnsibleFilterError("fleet_report: cloud must be one of %s, got %r" % (", ".join(ROW_BUILDERS), cloud))
    rows = []
    for result in results or []:
        row = dict(
            disk_id=result.get("disk_id"),
            zone=result.get("zone"),
            changed=bool(result.get("changed")),
            note=result.get("msg") if result.get("failed") else result.get("note") or "",
        )
        if result.get("failed"):
            row.update(coverage="failed", plan="", state="failed", mode="none", price=None, charge_type=None)
        else:
            row.update(ROW_BUILDERS[cloud](result, check_mode, state))
        rows.append(row)
    for given in skipped or []:
        item = given if isinstance(given, dict) else dict(disk_id=given)
        rows.append(
            dict(
                disk_id=item.get("disk_id"),
                zone=item.get("zone"),
                changed=False,
                coverage="skipped",
                plan="",
                state="skipped",
                mode="none",
                price=None,
                charge_type=None,
                note=item.get("reason", ""),
            )
        )
    counts = Counter(row["coverage"] for row in rows)
    per_period = OrderedDict()
    for row in rows:
        if row["price"] is not None:
            period = row["charge_type"] or "unknown"
            per_period[period] = per_period.get(period, 0) + row["price"]
    total = sum(per_period.values())
    return dict(
        title=title or ("%s fleet report" % ("UCloud USnap" if cloud == "ucloud" else "Tencent Cloud CBS")),
        generated=(now or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M:%S UTC"),
        check_mode=bool(check_mode),
        totals=dict(
            OrderedDict((key, counts.get(key, 0)) for key in COVERAGE),
            disks=len(rows),
            changed=sum(1 for row in rows if row["changed"]),
        ),
        modes=dict(Counter(row["mode"] for row in rows if row["coverage"] == "protected")),
        cost=dict(
            per_period=dict(per_period),
            total=total,
            per_period_units={k: v / 100.0 for k, v in per_period.items()},
            total_units=total / 100.0,
        ),
        rows=rows,
    )


def _money(cents):
    return "" if cents is None else "%.2f" % (cents / 100.0)


def _summary_lines(report):
    totals = report["totals"]
    lines = [
        "%s disks: %s protected, %s unprotected, %s skipped, %s failed; %s %s"
        % (
            totals["disks"],
            totals["protected"],
            totals["unprotected"],
            totals["skipped"],
            totals["failed"],
            totals["changed"],
            "would change" if report["check_mode"] else "changed",
        )
    ]
    if report["modes"]:
        lines.append(
            "By mode: " + ", ".join("%s %s" % (mode, count) for mode, count in sorted(report["modes"].items()))
        )
    if report["cost"]["per_period"]:
        lines.append(
            "%s: %s in total (%s)"
            % (
                "Cost of the change" if report["check_mode"] else "Cost",
                _money(report["cost"]["total"]),
                ", ".join("%s per %s" % (_money(v), k) for k, v in report["cost"]["per_period"].items()),
            )
        )
    return lines


def fleet_report_summary(report):
    """A few lines a person reads at the end of a run."""
    return _summary_lines(report)


COLUMNS = (
    ("disk_id", "Disk"),
    ("zone", "Zone"),
    ("coverage", "Coverage"),
    ("plan", "Plan"),
    ("state", "State"),
    ("changed", "Changed"),
    ("price", "Price"),
    ("charge_type", "Per"),
    ("note", "Note"),
)


def _cell(row, key):
    value = row.get(key)
    if key == "price":
        return _money(value)
    if key == "changed":
        return "yes" if value else ""
    return "" if value is None else str(value)


def fleet_report_markdown(report):
    """The report as a Markdown document."""
    out = [
        "# %s" % report["title"],
        "",
        "%s, %s."
        % (report["generated"], "check mode: what the run would do and cost" if report["check_mode"] else "applied"),
        "",
    ]
    out += ["- %s" % line for line in _summary_lines(report)] + [""]
    out.append("| " + " | ".join(title for key, title in COLUMNS) + " |")
    out.append("|" + "---|" * len(COLUMNS))
    for row in report["rows"]:
        out.append("| " + " | ".join(_cell(row, key).replace("|", "\\|") for key, title in COLUMNS) + " |")
    return "\n".join(out) + "\n"


STYLE = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}
th{background:#f3f3f3}.protected{color:#176a1a}.unprotected{color:#a15c00}.failed{color:#b00020}.skipped{color:#666}
.cards{display:flex;gap:1em;margin:1em 0}.card{border:1px solid #ccc;border-radius:6px;padding:.6em 1em}
.card b{display:block;font-size:1.6em}"""


def fleet_report_html(report):
    """The report as one self-contained HTML page."""
    esc = html.escape
    cards = "".join('<div class="card %s"><b>%s</b>%s</div>' % (key, report["totals"][key], key) for key in COVERAGE)
    summary = "".join("<li>%s</li>" % esc(line) for line in _summary_lines(report))
    head = "".join("<th>%s</th>" % esc(title) for key, title in COLUMNS)
    body = "".join(
        '<tr class="%s">%s</tr>'
        % (esc(row["coverage"]), "".join("<td>%s</td>" % esc(_cell(row, key)) for key, title in COLUMNS))
        for row in report["rows"]
    )
    mode = "Check mode: what the run would do and cost." if report["check_mode"] else "Applied."
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>%s</title><style>%s</style></head>'
        '<body><h1>%s</h1><p>%s %s</p><div class="cards">%s</div><ul>%s</ul>'
        "<table><thead><tr>%s</tr></thead><tbody>%s</tbody></table></body></html>\n"
    ) % (esc(report["title"]), STYLE, esc(report["title"]), esc(report["generated"]), mode, cards, summary, head, body)


# Each format of the report: the file suffix and how to render it. The fleet_report action writes them all.
FORMATS = OrderedDict((("html", fleet_report_html), ("md", fleet_report_markdown)))
_SUFFIX = re.compile(r"[.](%s)$" % "|".join(FORMATS))


def report_files(report, path):
    """``{file path: text}``, one file per format: the path less a trailing format suffix, then each suffix."""
    missing = [key for key in REPORT_KEYS if not isinstance(report, dict) or key not in report]
    if missing:
        raise ValueError(
            "report must be the data of the snapshield.cloud.fleet_report filter; it lacks %s" % ", ".join(missing)
        )
    stem = _SUFFIX.sub("", path)
    return OrderedDict(("%s.%s" % (stem, suffix), render(report)) for suffix, render in FORMATS.items())
