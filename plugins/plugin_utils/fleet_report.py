# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fleet reports: coverage, each disk's plan, state and newest recovery point, and what the protection costs,
from the modules' own results.

Shared by the fleet_report filters, the usnap_fleet filters and the fleet_report action, which writes one file
per entry of ``FORMATS`` (HTML with inline SVG charts, Markdown, JSON).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import html
import json
import re
from collections import Counter
from datetime import datetime, timezone

from ansible.errors import AnsibleFilterError

from ansible_collections.snapshield.cloud.plugins.module_utils.common import parse_time

COVERAGE = ("protected", "at_risk", "unprotected", "skipped", "failed")
# Problems first: the order of the report's problem list, table groups and charts.
PROBLEM_ORDER = ("failed", "unprotected", "at_risk")
GROUP_ORDER = PROBLEM_ORDER + ("skipped", "protected")
REPORT_KEYS = ("title", "generated", "check_mode", "totals", "modes", "cost", "protection_cost", "rpo", "rows")
SCHEMA_VERSION = 2
# What one charge period is worth in months: UCloud's Dynamic services are priced per hour.
MONTHS_PER_PERIOD = {"Month": 1.0, "Year": 1 / 12.0, "Dynamic": 730.0}
HOURS_PER_MONTH = 730
# Upper bounds (seconds) of the RPO distribution's buckets.
RPO_BUCKETS = (
    ("<= 1 h", 3600),
    ("1-6 h", 6 * 3600),
    ("6-24 h", 86400),
    ("1-2 d", 2 * 86400),
    ("2-7 d", 7 * 86400),
    ("> 7 d", None),
)
UNKNOWN_RPO = "unknown"
USNAP_PRICE_SOURCE = (
    "UCloud DescribeSnapshotServicePrice: each service's plan, disk size and charge type priced once per distinct "
    "combination, for one period; a Year price counts 1/12 a month, a Dynamic (hourly) price %d hours" % HOURS_PER_MONTH
)
CBS_PRICE_SOURCE = (
    "Tencent Cloud DescribeSnapshotOverview: the billed snapshot storage (RealTradeSize) of the region, all its "
    "snapshots and not only this fleet's, times the price per GB and month given to the role (the CBS API "
    "reports sizes, not prices)"
)


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _usnap_plan(result):
    mode = result.get("backup_mode")
    if mode == "Custom":
        return "Custom (journal %s h, hourly %s h, daily %s d)" % (
            result.get("journal"),
            result.get("hour"),
            result.get("day"),
        )
    return mode or ""


def _usnap_point(result, now):
    """``(newest recovery point as epoch seconds or None, how it is known)`` of a USnap service.

    The backup range says which points exist: any second of the journal (continuous), then hourly, then daily
    points, never before the service was created; an expired service's journal stopped when it expired.
    """
    if not result.get("service_id"):
        return None, "no service yet"
    created = _number(result.get("create_time")) or 0
    status = result.get("status")
    if status == "Expired":
        expired = _number(result.get("expire_time"))
        return (min(expired, now), "journal stopped when the service expired") if expired else (None, "expired")
    if status not in (None, "Available"):
        return None, "service %s" % status
    if result.get("journal") or (
        # check mode plans a Base or Ultimate chain without its figures: both keep a journal
        result.get("journal") is None and result.get("backup_mode") in ("Base", "Ultimate")
    ):
        point, basis = now, "journal (continuous)"
    elif result.get("hour"):
        point, basis = now - now % 3600, "hourly point"
    elif result.get("day"):
        point, basis = now - now % 86400, "daily point"
    else:
        return None, "no backup range"
    return (point, basis) if point >= created else (None, "no point yet")


def _usnap_row(result, check_mode, state, now):
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
    cost = result.get("cost") or {}
    point, basis = _usnap_point(result, now)
    per_period = _number(cost.get("price"))
    period = cost.get("charge_type") or result.get("charge_type")
    return dict(
        coverage="unprotected" if result.get("status") == "Expired" else "protected",
        plan=_usnap_plan(result),
        state=status,
        mode=result.get("backup_mode") or "unknown",
        price=price.get("price"),
        charge_type=price.get("charge_type") or result.get("charge_type"),
        recovery_point=point,
        recovery_basis=basis,
        period_cost=None if per_period is None else per_period / 100.0,
        period=period,
        monthly_cost=(
            None
            if per_period is None or period not in MONTHS_PER_PERIOD
            else per_period / 100.0 * MONTHS_PER_PERIOD[period]
        ),
    )


def _cbs_point(result):
    point = result.get("recovery_point") or {}
    moment = parse_time(point.get("create_time"))
    if moment is None:
        return None, "no NORMAL snapshot known"
    return moment, "snapshot %s" % point.get("snapshot_id")


def _cbs_row(result, check_mode, state, now):
    if result.get("policy"):  # bound to an automatic snapshot policy: CBS takes the snapshots
        bound = "would be bound" if check_mode and result.get("changed") else "bound"
        plan = "policy %s" % result["policy"]
        return dict(
            coverage="protected",
            plan=plan,
            state=bound,
            mode="policy",
            price=None,
            charge_type=None,
            recovery_point=None,
            recovery_basis="snapshots taken by CBS on the policy's schedule",
        )
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
    point, basis = _cbs_point(result)
    return dict(
        coverage="protected" if protected else "unprotected",
        plan=plan,
        state=state,
        mode="snapshot" if protected else "none",
        price=None,
        charge_type=None,
        recovery_point=point,
        recovery_basis=basis,
    )


ROW_BUILDERS = dict(ucloud=_usnap_row, tencentcloud=_cbs_row)
ROW_DEFAULTS = dict(
    price=None,
    charge_type=None,
    recovery_point=None,
    recovery_basis="",
    rpo=None,
    period_cost=None,
    period=None,
    monthly_cost=None,
)


def _max_rpo(value):
    """The threshold in hours as seconds, or None (0, None: no threshold)."""
    if value in (None, "", 0):
        return None
    number = _number(value)
    if number is None or number < 0 or isinstance(value, bool):
        raise AnsibleFilterError("fleet_report: max_rpo must be a number of hours, 0 or more, got %r" % (value,))
    return number * 3600 or None


def _utc(epoch):
    return None if epoch is None else datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _median(values):
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2.0


def _bucket(rpo):
    if rpo is None:
        return UNKNOWN_RPO
    return next(label for label, bound in RPO_BUCKETS if bound is None or rpo <= bound)


def _rpo_summary(rows, threshold):
    covered = [row for row in rows if row["coverage"] in ("protected", "at_risk")]
    known = [row for row in covered if row["rpo"] is not None]
    worst = max(known, key=lambda row: row["rpo"]) if known else None
    counts = Counter(_bucket(row["rpo"]) for row in covered)
    return dict(
        max_rpo=threshold,
        worst=worst["rpo"] if worst else None,
        worst_disk=worst["disk_id"] if worst else None,
        median=_median([row["rpo"] for row in known]),
        known=len(known),
        unknown=len(covered) - len(known),
        at_risk=sum(1 for row in rows if row["coverage"] == "at_risk"),
        buckets=[
            dict(label=label, count=counts.get(label, 0)) for label in [b[0] for b in RPO_BUCKETS] + [UNKNOWN_RPO]
        ],
    )


def _covered(row):
    return row["coverage"] in ("protected", "at_risk")


def _sums(rows, key):
    totals = {}
    for row in rows:
        if row["monthly_cost"] is not None and _covered(row):
            name = row.get(key) or "unknown"
            totals[name] = totals.get(name, 0.0) + row["monthly_cost"]
    return dict(sorted(((k, round(v, 2)) for k, v in totals.items()), key=lambda item: -item[1]))


def _storage_cost(storage, price):
    """CBS: the region's billed snapshot storage and, with a price per GB and month, what it costs."""
    storage = dict(storage)
    billed = _number(storage.get("billed_size"))
    price = _number(price) or None
    storage.update(price_per_gb_month=price, per_month=None if billed is None or price is None else billed * price)
    return storage


def _protection_cost(rows, cloud, storage, storage_price):
    # What protects the fleet: an expired service's renewal price is in its row, not in the totals.
    priced = [row for row in rows if row["monthly_cost"] is not None and _covered(row)]
    per_period = {}
    for row in priced:
        per_period[row["period"]] = round(per_period.get(row["period"], 0.0) + row["period_cost"], 2)
    cost = dict(
        per_month=round(sum(row["monthly_cost"] for row in priced), 2) if priced else None,
        per_charge_type=dict(per_period),
        by_plan=_sums(rows, "plan"),
        by_zone=_sums(rows, "zone"),
        by_region={},
        priced=len(priced),
        unpriced=sum(1 for row in rows if _covered(row) and row["monthly_cost"] is None),
        source=USNAP_PRICE_SOURCE if cloud == "ucloud" else CBS_PRICE_SOURCE,
        storage=None,
    )
    storages = [_storage_cost(one, storage_price) for one in _listed(storage)]
    if storages:
        cost["storage"] = storages[0] if len(storages) == 1 else _storage_total(storages, storage_price)
        cost["storages"] = storages
        cost["by_region"] = {
            one.get("region") or "unknown": round(one["per_month"], 2)
            for one in storages
            if one["per_month"] is not None
        }
        monthly = cost["storage"]["per_month"]
        if monthly is not None:
            cost["per_month"] = round((cost["per_month"] or 0.0) + monthly, 2)
    cost["per_year"] = None if cost["per_month"] is None else round(cost["per_month"] * 12, 2)
    return cost


def _listed(storage):
    """The snapshot storage of one region (a dict) or of several (a list), as a list."""
    if not storage:
        return []
    return [one for one in storage if one] if isinstance(storage, list) else [storage]


def _storage_total(storages, price):
    """The storage of several regions added up (those read; the others are named in ``error``)."""
    read = [one for one in storages if not one.get("error")]
    total = dict(region=", ".join(one.get("region") or "unknown" for one in read))
    for key in ("total_count", "total_size", "billed_size", "free_quota"):
        values = [_number(one.get(key)) for one in read]
        total[key] = None if not read or None in values else sum(values)
    monthly = [one["per_month"] for one in read if one["per_month"] is not None]
    total.update(price_per_gb_month=_number(price) or None, per_month=sum(monthly) if monthly else None)
    failed = ["%s: %s" % (one.get("region"), one["error"]) for one in storages if one.get("error")]
    if failed:
        total["unread"] = "; ".join(failed)
    return total


def _spread(rows, key):
    """Coverage counts per zone or per region."""
    spread = {}
    for row in sorted(rows, key=lambda row: row.get(key) or ""):
        counts = spread.setdefault(row.get(key) or "unknown", dict(((k, 0) for k in COVERAGE), disks=0))
        counts[row["coverage"]] += 1
        counts["disks"] += 1
    return spread


def fleet_report(
    results,
    cloud,
    skipped=None,
    check_mode=False,
    state="present",
    title=None,
    now=None,
    max_rpo=None,
    storage=None,
    storage_price=None,
):
    """The report as data: ``totals``, ``modes``, ``cost`` (of the change), ``protection_cost`` (per month),
    ``rpo``, ``problems``, ``zones``, ``regions`` and one row per disk. ``storage``: the snapshot storage of the
    region (CBS), or a list of it per region."""
    if cloud not in ROW_BUILDERS:
        raise AnsibleFilterError("fleet_report: cloud must be one of %s, got %r" % (", ".join(ROW_BUILDERS), cloud))
    threshold = _max_rpo(max_rpo)
    moment = now or datetime.now(timezone.utc)
    rows = [_result_row(result, cloud, check_mode, state, moment.timestamp(), threshold) for result in results or []]
    rows += [_skipped_row(given) for given in skipped or []]
    counts = Counter(row["coverage"] for row in rows)
    protection_cost = _protection_cost(rows, cloud, storage, storage_price)
    modes = dict(Counter(row["mode"] for row in rows if _covered(row)))
    cost = _change_cost(rows)
    for row in rows:  # what only the totals need: every key of 1000 rows costs the role's templating time
        for key in ("mode", "period_cost", "period"):
            del row[key]
    return dict(
        schema_version=SCHEMA_VERSION,
        cloud=cloud,
        title=title or ("%s fleet report" % ("UCloud USnap" if cloud == "ucloud" else "Tencent Cloud CBS")),
        generated=moment.strftime("%Y-%m-%d %H:%M:%S UTC"),
        check_mode=bool(check_mode),
        totals=dict(
            {key: counts.get(key, 0) for key in COVERAGE},
            disks=len(rows),
            changed=sum(1 for row in rows if row["changed"]),
        ),
        modes=modes,
        cost=cost,
        protection_cost=protection_cost,
        rpo=_rpo_summary(rows, threshold),
        zones=_spread(rows, "zone"),
        regions=_spread(rows, "region"),
        problems=_problems(rows),
        rows=rows,
    )


def _result_row(result, cloud, check_mode, state, epoch, threshold):
    """One disk's row from its module result: coverage, plan, state, recovery point and age, at risk or not."""
    row = dict(
        ROW_DEFAULTS,
        disk_id=result.get("disk_id"),
        zone=result.get("zone"),
        region=result.get("region"),
        changed=bool(result.get("changed")),
        note=result.get("msg") if result.get("failed") else result.get("note") or "",
    )
    if result.get("failed"):
        row.update(coverage="failed", plan="", state="failed", mode="none")
    else:
        row.update(ROW_BUILDERS[cloud](result, check_mode, state, epoch))
    if row["recovery_point"] is not None:
        row["rpo"] = max(0, int(epoch - row["recovery_point"]))
        row["recovery_point"] = _utc(row["recovery_point"])
    if row["coverage"] == "protected" and threshold is not None and row["rpo"] is not None and row["rpo"] > threshold:
        row["coverage"] = "at_risk"
        row["note"] = "; ".join(
            part for part in ("newest recovery point older than max_rpo (%s)" % _age(threshold), row["note"]) if part
        )
    return row


def _problems(rows):
    """The disks that need a look, worst first."""
    rank = {coverage: n for n, coverage in enumerate(GROUP_ORDER)}
    return [
        dict(disk_id=row["disk_id"], zone=row["zone"], coverage=row["coverage"], note=row["note"] or row["state"])
        for row in sorted(rows, key=lambda row: rank[row["coverage"]])
        if row["coverage"] in PROBLEM_ORDER
    ]


def _skipped_row(given):
    item = given if isinstance(given, dict) else dict(disk_id=given)
    return dict(
        ROW_DEFAULTS,
        disk_id=item.get("disk_id"),
        zone=item.get("zone"),
        region=item.get("region"),
        changed=False,
        coverage="skipped",
        plan="",
        state="skipped",
        mode="none",
        note=item.get("reason", ""),
    )


def _change_cost(rows):
    """What the change costs (check mode's prices), per charge period and in all, in cents and in units."""
    per_period = {}
    for row in rows:
        if row["price"] is not None:
            period = row["charge_type"] or "unknown"
            per_period[period] = per_period.get(period, 0) + row["price"]
    total = sum(per_period.values())
    return dict(
        per_period=dict(per_period),
        total=total,
        per_period_units={k: v / 100.0 for k, v in per_period.items()},
        total_units=total / 100.0,
    )


# Rendering ------------------------------------------------------------------------------------------------


def _money(cents):
    return "" if cents is None else "%.2f" % (cents / 100.0)


def _units(value):
    return "" if value is None else "{:,.2f}".format(value)


def _age(seconds):
    """A duration a person reads at a glance."""
    if seconds is None:
        return ""
    if seconds < 60:
        return "%d s" % seconds
    if seconds < 3600:
        return "%d min" % (seconds // 60)
    if seconds < 2 * 86400:
        return "%.1f h" % (seconds / 3600.0)
    return "%.1f d" % (seconds / 86400.0)


def _summary_lines(report):
    totals = report["totals"]
    lines = [
        "%s disks: %s protected, %s at risk, %s unprotected, %s skipped, %s failed; %s %s"
        % (
            totals["disks"],
            totals["protected"],
            totals["at_risk"],
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
    regions = report.get("regions") or {}
    if len(regions) > 1:
        lines += [
            "Region %s: %d disks: %d protected, %d at risk, %d unprotected, %d skipped, %d failed"
            % (name, c["disks"], c["protected"], c["at_risk"], c["unprotected"], c["skipped"], c["failed"])
            for name, c in regions.items()
        ]
    lines += _protection_lines(report)
    rpo = report["rpo"]
    if rpo["known"]:
        lines.append(
            "Recovery points: worst %s (%s), median %s%s"
            % (
                _age(rpo["worst"]),
                rpo["worst_disk"],
                _age(rpo["median"]),
                "; %d at risk (older than %s)" % (rpo["at_risk"], _age(rpo["max_rpo"])) if rpo["max_rpo"] else "",
            )
        )
    return lines


def _protection_lines(report):
    """What protection costs per month and year, and the region's snapshot storage (CBS)."""
    lines = []
    cost = report["protection_cost"]
    if cost["per_month"] is not None:
        lines.append(
            "Protection%s: %s per month, %s per year"
            % (
                # USnap prices each service as the run would leave it; CBS storage is as it is now
                " after the run" if report["check_mode"] and report.get("cloud") == "ucloud" else "",
                _units(cost["per_month"]),
                _units(cost["per_year"]),
            )
        )
    for storage in cost.get("storages") or _listed(cost.get("storage")):
        lines.append(_storage_line(storage))
    return lines


def _storage_line(storage):
    if storage.get("error"):
        return "Snapshot storage of %s: not read (%s)" % (
            "region %s" % storage["region"] if storage.get("region") else "the region",
            storage["error"],
        )
    return "Snapshot storage of region %s: %s GB billed of %s GB (free quota %s GB)%s" % (
        storage.get("region"),
        _units(_number(storage.get("billed_size"))),
        _units(_number(storage.get("total_size"))),
        _units(_number(storage.get("free_quota"))),
        "" if storage["price_per_gb_month"] else "; no price per GB and month given",
    )


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
    ("recovery_point", "Newest recovery point"),
    ("rpo", "RPO"),
    ("monthly_cost", "Per month"),
    ("price", "Change price"),
    ("charge_type", "Per"),
    ("note", "Note"),
)
# Relative column widths of the HTML table (its layout is fixed, so it never grows wider than the page).
WIDTHS = dict(
    disk_id=10, zone=9, coverage=7, plan=14, state=8, changed=6, recovery_point=11, rpo=5, monthly_cost=7, note=20
)


def _columns(report):
    """The table's columns, less the price columns no row has a value for (a CBS fleet has no per-disk price)."""
    rows = report["rows"]
    empty = set()
    if all(row["monthly_cost"] is None for row in rows):
        empty.add("monthly_cost")
    if all(row["price"] is None for row in rows):
        empty.update(("price", "charge_type"))
    return [(key, title) for key, title in COLUMNS if key not in empty]


def _cell(row, key):
    value = row.get(key)
    if key == "price":
        return _money(value)
    if key == "monthly_cost":
        return _units(value)
    if key == "changed":
        return "yes" if value else ""
    if key == "rpo":
        return _age(value)
    if key == "coverage":
        return value.replace("_", " ")
    if key == "recovery_point" and value is None:
        return row.get("recovery_basis") or ""
    return "" if value is None else str(value)


def _grouped(rows):
    rank = {coverage: n for n, coverage in enumerate(GROUP_ORDER)}
    return sorted(rows, key=lambda row: rank[row["coverage"]])


def _md_table(header, lines):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in line) + " |" for line in lines]
    return out


def _cost_lines(report):
    """``(what, per month)`` lines of the cost tables: by plan, by zone, by region."""
    cost = report["protection_cost"]
    lines = [("plan: %s" % plan, value) for plan, value in cost["by_plan"].items()]
    lines += [("zone: %s" % zone, value) for zone, value in cost["by_zone"].items()]
    lines += [("region: %s (snapshot storage)" % region, value) for region, value in cost["by_region"].items()]
    return lines


def fleet_report_markdown(report):
    """The report as a Markdown document: summary, problems, cost, recovery points, then every disk."""
    out = [
        "# %s" % report["title"],
        "",
        "%s, %s."
        % (report["generated"], "check mode: what the run would do and cost" if report["check_mode"] else "applied"),
        "",
    ]
    out += ["- %s" % line for line in _summary_lines(report)] + [""]
    problems = report.get("problems") or []
    if problems:
        out += ["## Problems (%d)" % len(problems), ""]
        out += _md_table(
            ("Disk", "Zone", "Coverage", "Why"),
            [(p["disk_id"], p["zone"] or "", p["coverage"].replace("_", " "), p["note"]) for p in problems],
        )
        out.append("")
    cost = report["protection_cost"]
    out += ["## Cost per month", "", "Source: %s." % cost["source"], ""]
    if _cost_lines(report):
        out += _md_table(("Total of", "Per month"), [(what, _units(value)) for what, value in _cost_lines(report)])
        out.append("")
    rpo = report["rpo"]
    out += ["## Recovery point age (RPO)", ""]
    out += _md_table(("Age", "Disks"), [(bucket["label"], bucket["count"]) for bucket in rpo["buckets"]])
    out += ["", "## Disks", ""]
    columns = _columns(report)
    out += _md_table(
        [title for key, title in columns],
        [[_cell(row, key) for key, title in columns] for row in _grouped(report["rows"])],
    )
    return "\n".join(out) + "\n"


def fleet_report_json(report):
    """The report data as JSON, for dashboards."""
    return json.dumps(report, indent=1, sort_keys=True) + "\n"


# HTML -------------------------------------------------------------------------------------------------------

COLOURS = dict(
    protected="#2e7d32", at_risk="#d84315", unprotected="#f9a825", skipped="#9e9e9e", failed="#b00020", cost="#1565c0"
)
STYLE = """body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:1400px}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.2em 0 .4em}.sub{color:#555;margin:0 0 1em}
table{border-collapse:collapse;width:100%;table-layout:fixed}th,td{border:1px solid #ddd;padding:.25em .45em;
text-align:left;vertical-align:top;overflow-wrap:anywhere;font-size:.9em}th{background:#f3f3f3;font-size:.85em;
overflow-wrap:normal}
tr.group th{background:#e8eaf6;font-size:.95em}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.cards{display:flex;flex-wrap:wrap;gap:.5em;margin:.8em 0}.card{border:1px solid #ccc;border-radius:6px;
padding:.35em .7em;flex:1 1 0;min-width:6.5em}.card b{display:block;font-size:1.35em;white-space:nowrap}
.protected{color:#2e7d32}.at_risk{color:#d84315}.unprotected{color:#a66d00}.failed{color:#b00020}.skipped{color:#666}
.charts{display:flex;flex-wrap:wrap;gap:1.2em}.charts figure{margin:0;flex:1 1 320px;max-width:460px}
figcaption{font-weight:600;margin-bottom:.3em}svg text{font-size:12px;fill:#222}
.problems{border-left:4px solid #b00020;padding:.2em 1em;background:#fff5f5}.problems li{margin:.15em 0}
.cost{max-width:40em}"""


LABEL_CHARS = 20  # what fits beside a bar at the charts' font size; the full label is the bar's title


def _bar_chart(chart_id, title, items, fmt):
    """A horizontal bar chart as inline SVG: one bar per ``(label, value, colour)``, its value written beside it."""
    row, label_width, bar_width, value_width = 24, 130, 220, 90
    width = label_width + bar_width + value_width
    top = max([value for _label, value, _colour in items] + [0])
    bars = []
    for n, (label, value, colour) in enumerate(items):
        y = n * row
        shown = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "\u2026"
        length = 0 if not top else max(1 if value else 0, round(bar_width * value / top))
        bars.append(
            '<g class="bar" data-label="%s" data-value="%s"><title>%s: %s</title>'
            '<text x="0" y="%d">%s</text><rect x="%d" y="%d" width="%d" height="%d" fill="%s"></rect>'
            '<text class="value" x="%d" y="%d">%s</text></g>'
            % (
                html.escape(label),
                value,
                html.escape(label),
                html.escape(fmt(value)),
                y + 16,
                html.escape(shown),
                label_width,
                y + 4,
                length,
                row - 8,
                colour,
                label_width + length + 6,
                y + 16,
                html.escape(fmt(value)),
            )
        )
    height = max(1, len(items)) * row
    return (
        '<figure><figcaption>%s</figcaption><svg id="%s" role="img" aria-label="%s" viewBox="0 0 %d %d" '
        'width="100%%">%s</svg></figure>'
        % (html.escape(title), chart_id, html.escape(title), width, height, "".join(bars))
    )


def _charts(report):
    totals, rpo, cost = report["totals"], report["rpo"], report["protection_cost"]
    charts = [
        _bar_chart(
            "chart-coverage",
            "Coverage (disks)",
            [(key.replace("_", " "), totals[key], COLOURS[key]) for key in COVERAGE],
            str,
        ),
        _bar_chart(
            "chart-rpo",
            "Newest recovery point age (disks)",
            [
                (b["label"], b["count"], COLOURS["skipped"] if b["label"] == UNKNOWN_RPO else COLOURS["protected"])
                for b in rpo["buckets"]
            ],
            str,
        ),
    ]
    by_what, spread = (
        ("plan", cost["by_plan"]) if len(cost["by_plan"]) > 1 or not cost["by_zone"] else ("zone", cost["by_zone"])
    )
    if not spread and cost["by_region"]:
        by_what, spread = "region", cost["by_region"]
    if spread:
        charts.append(
            _bar_chart(
                "chart-cost",
                "Cost per month by %s" % by_what,
                [(name, value, COLOURS["cost"]) for name, value in list(spread.items())[:12]],
                _units,
            )
        )
    return '<div class="charts">%s</div>' % "".join(charts)


def _cards(report):
    totals, rpo, cost = report["totals"], report["rpo"], report["protection_cost"]
    cards = [("disks", totals["disks"], "disks")]
    cards += [(key, totals[key], key.replace("_", " ")) for key in COVERAGE]
    cards.append(("cost", _units(cost["per_month"]) or "n/a", "per month"))
    cards.append(("rpo", _age(rpo["worst"]) or "n/a", "worst RPO"))
    cards.append(("rpo", _age(rpo["median"]) or "n/a", "median RPO"))
    return _cards_html(cards)


def _cards_html(cards):
    """The row of cards: one ``(css class, value, text)`` each."""
    return '<div class="cards">%s</div>' % "".join(
        '<div class="card %s" id="card-%s"><b>%s</b>%s</div>'
        % (css, html.escape(text.replace(" ", "-")), html.escape(str(value)), html.escape(text))
        for css, value, text in cards
    )


def _problems_html(report, groups=12, names=8):
    """The problems, one line per kind and reason with the disks it hits (the table lists every one)."""
    problems = report.get("problems") or []
    if not problems:
        return '<p class="protected" id="problems">No problems: every disk of the fleet is protected.</p>'
    kinds = {}
    for problem in problems:
        kinds.setdefault((problem["coverage"], problem["note"]), []).append(str(problem["disk_id"]))
    items = []
    for (coverage, note), disks in list(kinds.items())[:groups]:
        shown = ", ".join(disks[:names]) + (" and %d more" % (len(disks) - names) if len(disks) > names else "")
        items.append(
            '<li class="%s"><b>%s &times; %d</b> %s: %s</li>'
            % (coverage, html.escape(coverage.replace("_", " ")), len(disks), html.escape(note), html.escape(shown))
        )
    if len(kinds) > groups:
        items.append("<li>%d more kinds of problem, listed first in the table</li>" % (len(kinds) - groups))
    return _problems_section(len(problems), items)


def _problems_section(count, items):
    return '<section class="problems" id="problems"><h2>Problems (%d disks)</h2><ul>%s</ul></section>' % (
        count,
        "".join(items),
    )


def _cost_html(report):
    cost = report["protection_cost"]
    lines = "".join(
        '<tr><td>%s</td><td class="num">%s</td></tr>' % (html.escape(what), _units(value))
        for what, value in _cost_lines(report)
    )
    table = (
        '<table class="cost"><thead><tr><th>Total of</th><th>Per month</th></tr></thead><tbody>%s</tbody></table>'
        % lines
        if lines
        else ""
    )
    return '<h2>Cost per month</h2>%s<p class="sub">Source: %s.</p>' % (table, html.escape(cost["source"]))


def _table_html(report):
    columns = _columns(report)
    groups = {}
    for row in _grouped(report["rows"]):
        groups.setdefault(row["coverage"], []).append(row)
    return _disks_table(columns, groups, _cell, WIDTHS, ("rpo", "monthly_cost", "price"))


def _disks_table(columns, groups, cell, widths, numeric):
    """The table of disks (id ``disks``): ``columns`` ``(key, title)``, rows under a heading per group, each cell
    ``cell(row, key)``, the columns' relative ``widths`` (6 when not given), ``numeric`` columns right-aligned."""
    cols = "".join('<col style="width:%d%%">' % widths.get(key, 6) for key, title in columns)
    head = "".join("<th>%s</th>" % html.escape(title) for key, title in columns)
    body = []
    for group, rows in groups.items():
        body.append(
            '<tbody class="%s"><tr class="group"><th colspan="%d">%s (%d)</th></tr>'
            % (group, len(columns), html.escape(group.replace("_", " ")), len(rows))
        )
        for row in rows:
            body.append(
                "<tr>%s</tr>"
                % "".join(
                    '<td class="%s">%s</td>' % ("num" if key in numeric else key, html.escape(cell(row, key)))
                    for key, title in columns
                )
            )
        body.append("</tbody>")
    return '<h2>Disks</h2><table id="disks"><colgroup>%s</colgroup><thead><tr>%s</tr></thead>%s</table>' % (
        cols,
        head,
        "".join(body),
    )


def fleet_report_html(report):
    """The report as one self-contained HTML page: no script, nothing fetched, problems first."""
    mode = "Check mode: what the run would do and cost." if report["check_mode"] else "Applied."
    return _page(
        report,
        "%s. %s" % (html.escape(report["generated"]), mode),
        [_cards(report), _problems_html(report), _charts(report)],
        _summary_lines(report),
        [_cost_html(report), _table_html(report)],
    )


def _page(report, sub, top, summary, bottom, style=""):
    """A self-contained page: the title, the ``sub`` line (HTML), the ``top`` parts, the ``summary`` lines (text),
    the ``bottom`` parts; the shared STYLE and ``style``."""
    esc = html.escape
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>%s</title><style>%s</style></head>'
        '<body><h1>%s</h1><p class="sub">%s</p>%s<ul>%s</ul>%s</body></html>\n'
    ) % (
        esc(report["title"]),
        STYLE + style,
        esc(report["title"]),
        sub,
        "".join(top),
        "".join("<li>%s</li>" % esc(line) for line in summary),
        "".join(bottom),
    )


# Each format of the report: the file suffix and how to render it. The fleet_report action writes them all.
FORMATS = {"html": fleet_report_html, "md": fleet_report_markdown, "json": fleet_report_json}
_SUFFIX = re.compile(r"[.](%s)$" % "|".join(FORMATS))


def report_files(report, path, keys=REPORT_KEYS, formats=None, what="fleet_report"):
    """``{file path: text}``, one file per format: the path less a trailing format suffix, then each suffix.

    ``keys``, ``formats``, ``what``: another kind of report (a restore drill's) with the same files.
    """
    missing = [key for key in keys if not isinstance(report, dict) or key not in report]
    if missing:
        raise ValueError(
            "report must be the data of the snapshield.cloud.%s filter; it lacks %s" % (what, ", ".join(missing))
        )
    stem = _SUFFIX.sub("", path)
    return {"%s.%s" % (stem, suffix): render(report) for suffix, render in (formats or FORMATS).items()}
