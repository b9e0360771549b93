# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure helpers of the usnap_fleet role: check the plans, group the fleet by plan, flatten the results.

The role converges a fleet with one usnap_service task per plan group, each given the group's whole
disk list; these filters decide the groups. Plans are checked with the same code as usnap_service
(module_utils/usnap/checks.check_plan), so a bad plan fails before any API call with the module's words.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.snapshield.cloud.plugins.module_utils.usnap.checks import CHAIN_KEYS, check_plan
from ansible_collections.snapshield.cloud.plugins.plugin_utils.fleet_hosts import rate_share_problem
from ansible_collections.snapshield.cloud.plugins.plugin_utils.fleet_report import fleet_report_summary

PLAN_KEYS = ("backup_mode",) + CHAIN_KEYS + ("charge_type", "quantity")
OPTION_WORDS = re.compile(r"\b(%s)\b" % "|".join(PLAN_KEYS))
PREFIX = "usnap_fleet_"


def _check(params, where):
    try:
        return check_plan(params)
    except ValueError as error:
        raise AnsibleFilterError("%s%s" % (where, error))


def _merge(default_params, override):
    """The default plan's settings with the override's on top.

    The chain (journal, hour, day) is inherited only when the override keeps the default backup mode:
    a Custom default overridden with Ultimate has no chain, and a Custom override of a Base default
    names its whole chain.
    """
    params = dict(default_params)
    mode = override.get("backup_mode")
    if mode is not None and mode != default_params.get("backup_mode"):
        params.update(dict.fromkeys(CHAIN_KEYS))
    params.update(override)
    return params


def usnap_fleet_plans(
    overrides=None, backup_mode="Base", journal=None, hour=None, day=None, charge_type=None, quantity=1, state="present"
):
    """The checked default plan and per-disk plans: ``{"default": plan, "overrides": {disk_id: plan}}``.

    With ``state=absent`` plans do not matter (as in usnap_service): only the overrides' shape is checked.
    """
    if state not in ("present", "absent"):
        raise AnsibleFilterError("usnap_fleet_state must be one of present, absent, got %r" % (state,))
    overrides = {} if overrides is None else overrides
    if not isinstance(overrides, dict):
        raise AnsibleFilterError("usnap_fleet_overrides must be a dict of disk id -> plan, got %r" % (overrides,))
    default_params = dict(
        backup_mode=backup_mode, journal=journal, hour=hour, day=day, charge_type=charge_type, quantity=quantity
    )
    for disk_id, override in overrides.items():
        where = "usnap_fleet_overrides[%r]: " % (disk_id,)
        if not isinstance(disk_id, str) or not disk_id.strip():
            raise AnsibleFilterError("usnap_fleet_overrides: keys must be disk ids, got %r" % (disk_id,))
        if not isinstance(override, dict):
            raise AnsibleFilterError(
                "%sa plan must be a dict with any of %s, got %r" % (where, ", ".join(PLAN_KEYS), override)
            )
        unknown = sorted(str(key) for key in override if key not in PLAN_KEYS)
        if unknown:
            raise AnsibleFilterError(
                "%sunknown keys %s; a plan takes %s" % (where, ", ".join(unknown), ", ".join(PLAN_KEYS))
            )
    if state == "absent":
        return dict(default=None, overrides={})
    try:
        default = check_plan(default_params)
    except ValueError as error:
        raise AnsibleFilterError("usnap_fleet: %s" % OPTION_WORDS.sub(lambda m: PREFIX + m.group(1), str(error)))
    plans = {}
    for disk_id, override in overrides.items():
        plans[disk_id.strip()] = _check(_merge(default_params, override), "usnap_fleet_overrides[%r]: " % (disk_id,))
    return dict(default=default, overrides=dict(plans))


def _label(plan, count):
    if plan is None:
        text = "remove"
    else:
        text = plan["backup_mode"]
        if plan["backup_mode"] == "Custom":
            text += " %s/%s/%s" % tuple(plan[key] for key in CHAIN_KEYS)
        if plan["charge_type"]:
            text += ", %s" % plan["charge_type"]
        if plan["quantity"] != 1:
            text += " x%s" % plan["quantity"]
    return "%s: %d disk%s" % (text, count, "" if count == 1 else "s")


def _ids(disks):
    """The disk ids of ``usnap_fleet_disks`` (strings) or of ucloud_disk_info's ``disks`` (dicts)."""
    ids, rows = [], {}
    for disk in disks or []:
        row = disk if isinstance(disk, dict) else dict(disk_id=disk)
        disk_id = row.get("disk_id")
        if not isinstance(disk_id, str) or not disk_id.strip():
            raise AnsibleFilterError("usnap_fleet_disks must not contain empty ids, got %r" % (disk,))
        disk_id = disk_id.strip()
        if disk_id in rows:
            raise AnsibleFilterError("usnap_fleet_disks lists %s more than once" % disk_id)
        ids.append(disk_id)
        rows[disk_id] = row
    return ids, rows


def _skip_reason(disk_id, row, excluded):
    if disk_id in excluded:
        return "excluded (usnap_fleet_exclude)"
    if row.get("backup_mode") == "UDataArk":
        return "protected by UDataArk"
    return None


def usnap_fleet_groups(disks, plans, exclude=None, zone=None):
    """The fleet grouped by plan, for one usnap_service call per group.

    ``disks`` are ids or ucloud_disk_info disk dicts; ``plans`` comes from ``usnap_fleet_plans``
    (``default`` None means state=absent: every disk in one group, whose ``plan`` is empty). Answers
    ``groups`` (each with ``plan``, ``disks``, ``zones`` - its disks by zone, for usnap_service's ``zones`` -,
    ``zone`` and a short ``label``; the default plan's group first), ``targets``, ``skipped`` (``disk_id``,
    ``zone``, ``region``, ``reason``) and ``ignored_overrides`` (override ids that are not in the fleet at all).
    A disk's zone and region are its own (discovered disks, disk hosts), else ``zone`` and its region.
    """
    if not isinstance(plans, dict) or "default" not in plans:
        raise AnsibleFilterError("usnap_fleet_groups: plans must come from usnap_fleet_plans, got %r" % (plans,))
    ids, rows = _ids(disks)
    excluded = {item.strip() for item in exclude or [] if isinstance(item, str)}
    overrides = plans.get("overrides") or {}
    skipped, targets = [], []
    for disk_id in ids:
        reason = _skip_reason(disk_id, rows[disk_id], excluded)
        if reason:
            skipped.append(
                dict(
                    disk_id=disk_id,
                    zone=rows[disk_id].get("zone") or zone,
                    region=rows[disk_id].get("region"),
                    reason=reason,
                )
            )
        else:
            targets.append(disk_id)
    groups = {}
    default = plans["default"]
    if targets:
        groups[None] = dict(plan=default, disks=[])
    for disk_id in targets:
        plan = overrides.get(disk_id, default) if default is not None else None
        key = None if plan == default else tuple(plan[name] for name in PLAN_KEYS)
        groups.setdefault(key, dict(plan=plan, disks=[]))["disks"].append(disk_id)
    result = [_group(group, rows, zone) for group in groups.values() if group["disks"]]
    return dict(
        groups=result,
        targets=targets,
        skipped=skipped,
        ignored_overrides=sorted(disk_id for disk_id in overrides if disk_id not in rows),
    )


def _group(group, rows, zone):
    """A plan group as the role's loop takes it: its disks by zone, and a label."""
    return dict(
        group,
        plan=group["plan"] or {},
        zone=zone,
        zones=_by_zone(group["disks"], rows, zone),
        label=_label(group["plan"], len(group["disks"])),
    )


def _by_zone(disk_ids, rows, zone):
    """``[{zone, region (when known), disk_ids}]`` of the disks, sorted by zone."""
    zones = {}
    for disk_id in disk_ids:
        row = rows[disk_id]
        place = zones.setdefault(row.get("zone") or zone, dict(zone=row.get("zone") or zone, disk_ids=[]))
        if row.get("region"):
            place["region"] = row["region"]
        place["disk_ids"].append(disk_id)
    return [zones[name] for name in sorted(zones, key=str)]


def usnap_fleet_results(loop_results):
    """Every disk's usnap_service result from the plan groups' loop, in group order.

    A group whose task failed as a whole (for example on bad credentials) has no per-disk results:
    each of its disks gets a failed result carrying the task's message, so the report names them.
    """
    flat = []
    for item in loop_results or []:
        results = item.get("results")
        if isinstance(results, list):
            flat.extend(results)
            continue
        group = item.get("item") or {}
        message = item.get("msg") or "the usnap_service task failed"
        zones = group.get("zones") or [dict(zone=group.get("zone"), disk_ids=group.get("disks") or [])]
        flat.extend(
            dict(
                disk_id=disk_id,
                zone=place.get("zone"),
                region=place.get("region"),
                changed=False,
                failed=True,
                msg=message,
            )
            for place in zones
            for disk_id in place.get("disk_ids") or []
        )
    return flat


def usnap_fleet_summary(report, ignored_overrides=None):
    """fleet_report_summary's lines, then the ignored overrides and each failed disk with its message."""
    lines = list(fleet_report_summary(report))
    if ignored_overrides:
        lines.append("Overrides of disks not in the fleet, ignored: %s" % ", ".join(ignored_overrides))
    lines.extend(
        "Failed %s: %s" % (row["disk_id"], row["note"]) for row in report["rows"] if row["coverage"] == "failed"
    )
    return lines


def usnap_fleet_problems(variables, hosts=None):
    """Where the fleet is (``usnap_fleet_zone``, ``usnap_fleet_zones`` or the play's disk hosts, one of them) and
    the rate share: a list of messages naming the variable, empty when all is well."""
    hosts = hosts if isinstance(hosts, dict) else {}
    zone, zones = variables.get("usnap_fleet_zone"), variables.get("usnap_fleet_zones") or []
    problems = list(hosts.get("problems") or [])
    if zone is not None and not str(zone).strip():
        return problems + ["usnap_fleet_zone must name a zone such as cn-bj2-02, got %r" % (zone,)]
    given = [name for name, value in (("usnap_fleet_zone", zone), ("usnap_fleet_zones", zones)) if value]
    if hosts.get("inventory"):
        given += [name for name in ("usnap_fleet_disks", "usnap_fleet_business_group") if variables.get(name)]
        if given:
            problems.append(
                "the play's hosts are disks (they carry disk_id), which makes them the fleet: leave out %s"
                % ", ".join(given)
            )
    elif not given:
        problems.append(
            "give usnap_fleet_zone (a zone such as cn-bj2-02) or usnap_fleet_zones (a list of zones, each with its "
            "region), or run the role over disk hosts (hosts: a group of the ucloud_disks inventory)"
        )
    elif len(given) > 1:
        problems.append("give usnap_fleet_zone or usnap_fleet_zones, not both")
    elif zones and variables.get("usnap_fleet_disks"):
        problems.append(
            "usnap_fleet_disks names disks of one zone (usnap_fleet_zone): with usnap_fleet_zones the disks are "
            "discovered in each zone (of usnap_fleet_business_group when set), or run the role over disk hosts"
        )
    for position, item in enumerate(zones):
        if not isinstance(item, dict) or not str(item.get("zone") or "").strip():
            problems.append(
                "usnap_fleet_zones[%d] must be a dict with a zone (and its region), got %r" % (position, item)
            )
    problems.append(rate_share_problem(variables.get("usnap_fleet_rate_share", 1.0), "usnap_fleet_rate_share"))
    return [problem for problem in problems if problem]


class FilterModule(object):
    def filters(self):
        return dict(
            usnap_fleet_plans=usnap_fleet_plans,
            usnap_fleet_groups=usnap_fleet_groups,
            usnap_fleet_results=usnap_fleet_results,
            usnap_fleet_summary=usnap_fleet_summary,
            usnap_fleet_problems=usnap_fleet_problems,
        )
