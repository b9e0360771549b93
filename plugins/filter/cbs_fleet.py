# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pure-Python steps of the snapshield.cloud.cbs_fleet role: check its variables, split the discovered
disks into those to snapshot and those to skip, and turn the cbs_snapshot results into report rows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import (
    MAX_TAG_VALUE,
    check_count,
    check_name,
    check_policy_request,
    check_tags,
)
from ansible_collections.snapshield.cloud.plugins.module_utils.common import check_ids
from ansible_collections.snapshield.cloud.plugins.plugin_utils.fleet_hosts import rate_share_problem

# The tag marking the snapshots the role made, the only ones its retention may delete. Its value is
# cbs_fleet_managed_by; the role gets the tag from cbs_fleet_managed_tags.
MANAGED_KEY = "snapshield-managed-by"
COUNTS = (
    ("cbs_fleet_retention_days", "0 keeps snapshots until pruned or deleted"),
    ("cbs_fleet_min_age", "0 always makes the named snapshot"),
    ("cbs_fleet_keep", "0 prunes nothing"),
    ("cbs_fleet_copy_retention_days", "0 keeps copies as CBS keeps them"),
    ("cbs_fleet_max_rpo", "0 flags no disk as at risk"),
)
MODES = ("snapshot", "policy")
POLICY_KEYS = (
    "name",
    "hours",
    "weekdays",
    "days_of_month",
    "interval_days",
    "retention_days",
    "permanent",
    "active",
    "exclusive",
)


def _problem(check, *args, **kwargs):
    """The message of the ValueError a module check raises, or None."""
    try:
        check(*args, **kwargs)
    except ValueError as error:
        return str(error)
    return None


def _tag_problems(name, tags):
    """Every bad tag (not only the first), checked as cbs_snapshot checks its tags."""
    found = (_problem(check_tags, {key: value}, option=name) for key, value in (tags or {}).items())
    return [problem for problem in found if problem]


def cbs_fleet_managed_tags(managed_by):
    """The managed tag the role sets on its snapshots and prunes by: ``{MANAGED_KEY: managed_by}``."""
    return {MANAGED_KEY: managed_by}


def cbs_fleet_problems(variables, hosts=None):
    """What is wrong with the role's variables beyond their types (which the argument spec checks): a list of
    messages naming the variable, empty when all is well. ``hosts``: the play's disk hosts (fleet_hosts)."""
    if not isinstance(variables, Mapping):
        raise AnsibleFilterError(
            "cbs_fleet_problems: expected a dict of the role's variables, got %s" % type(variables).__name__
        )
    hosts = hosts if isinstance(hosts, Mapping) else {}
    problems = _fleet_problems(variables, hosts)
    problems += _tag_problems("cbs_fleet_tags", variables.get("cbs_fleet_tags") or {})
    problems += _tag_problems("cbs_fleet_tags_on_snapshot", variables.get("cbs_fleet_tags_on_snapshot"))
    name = variables.get("cbs_fleet_snapshot_name")
    problems.append(_problem(check_name, name if isinstance(name, str) else "", option="cbs_fleet_snapshot_name"))
    for option, zero in COUNTS:
        value = variables.get(option)
        if isinstance(value, int) and value < 0:
            problems.append("%s must be 0 or more (%s), got %d" % (option, zero, value))
    problems.append(_problem(check_count, variables, "cbs_fleet_wait_timeout"))
    price = variables.get("cbs_fleet_price_per_gb_month")
    if price is not None and (isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0):
        problems.append(
            "cbs_fleet_price_per_gb_month must be a number, 0 or more (0 reports the snapshot storage without a "
            "price), got %r" % (price,)
        )
    managed_by = variables.get("cbs_fleet_managed_by")
    if not isinstance(managed_by, str) or not managed_by.strip() or len(managed_by) > MAX_TAG_VALUE:
        problems.append(
            "cbs_fleet_managed_by must be a non-empty string of at most %d characters (it is the value "
            "of the %s tag that marks the snapshots this role may prune)" % (MAX_TAG_VALUE, MANAGED_KEY)
        )
    problems += _mode_problems(variables)
    own = (variables.get("cbs_fleet_tags_on_snapshot") or {}).get(MANAGED_KEY)
    if own is not None and own != managed_by:
        problems.append(
            "cbs_fleet_tags_on_snapshot must not set %s (the role sets it to cbs_fleet_managed_by, %r)"
            % (MANAGED_KEY, managed_by)
        )
    return [problem for problem in problems if problem]


def _fleet_problems(variables, hosts):
    """How the fleet is given: the play's disk hosts, or cbs_fleet_disks or cbs_fleet_tags (in cbs_fleet_regions)."""
    disks, tags = variables.get("cbs_fleet_disks") or [], variables.get("cbs_fleet_tags") or {}
    regions = variables.get("cbs_fleet_regions") or []
    problems = list(hosts.get("problems") or [])
    if hosts.get("inventory"):
        given = [
            name
            for name, value in (("cbs_fleet_disks", disks), ("cbs_fleet_tags", tags), ("cbs_fleet_regions", regions))
            if value
        ]
        if given:
            problems.append(
                "the play's hosts are disks (they carry disk_id), which makes them the fleet: leave out %s"
                % ", ".join(given)
            )
    elif disks and tags:
        problems.append("give cbs_fleet_disks (disk ids) or cbs_fleet_tags (tags every disk carries), not both")
    elif not disks and not tags:
        problems.append(
            "give cbs_fleet_disks (disk ids) or cbs_fleet_tags (tags every disk carries), or run the role over disk "
            "hosts (hosts: a group of the cbs_disks inventory); the role does not snapshot every disk of a region"
        )
    bad = [disk for disk in disks if not isinstance(disk, str) or not disk.strip()]
    if bad:
        problems.append("cbs_fleet_disks must be disk ids (non-empty strings), got %r" % (bad[0],))
    if regions:
        problems.append(_problem(check_ids, regions, "cbs_fleet_regions", "region"))
    problems.append(rate_share_problem(variables.get("cbs_fleet_rate_share", 1.0), "cbs_fleet_rate_share"))
    return problems


def _mode_problems(variables):
    """cbs_fleet_mode, cbs_fleet_policy (checked as cbs_snapshot_policy checks it) and cbs_fleet_copy_regions."""
    mode = variables.get("cbs_fleet_mode", "snapshot")
    policy = variables.get("cbs_fleet_policy") or {}
    regions = variables.get("cbs_fleet_copy_regions") or []
    if mode not in MODES:
        return ["cbs_fleet_mode must be snapshot or policy, got %r" % (mode,)]
    problems = []
    if mode == "policy":
        if not isinstance(policy, Mapping) or not policy:
            return ["cbs_fleet_mode=policy needs cbs_fleet_policy: a dict with at least name and hours"]
        unknown = sorted(set(policy) - set(POLICY_KEYS))
        if unknown:
            problems.append(
                "cbs_fleet_policy has unknown keys %s (known: %s)" % (", ".join(unknown), ", ".join(POLICY_KEYS))
            )
        params = {key: policy.get(key) for key in POLICY_KEYS}
        params.update(state="present", disk_ids=None, exclusive=False)
        problem = _problem(check_policy_request, params)
        if problem:
            problems.append("cbs_fleet_policy.%s" % problem)
        if regions:
            problems.append(
                "cbs_fleet_copy_regions applies with cbs_fleet_mode=snapshot: the snapshots a policy takes are "
                "named by CBS, not by this role"
            )
    elif policy:
        problems.append("cbs_fleet_policy applies only with cbs_fleet_mode=policy")
    if regions:
        problems.append(_problem(check_ids, regions, "cbs_fleet_copy_regions", "region"))
    return problems


def cbs_fleet_copyable(registered):
    """The disks whose snapshot of this run is NORMAL: the ones cbs_snapshot_copy can copy now."""
    registered = registered if isinstance(registered, Mapping) else {}
    return [
        result.get("disk_id")
        for result in registered.get("results") or []
        if not result.get("failed") and result.get("state") == "NORMAL"
    ]


def cbs_fleet_plan(disks, disk_ids=None, searched=None):
    """Split the disks cbs_disk_info found into ``able`` (ids to snapshot, in the order asked for), ``skipped``
    (no snapshot ability: dicts with ``disk_id``, ``zone``, ``region``, ``reason``) and ``missing`` (ids asked for
    that do not exist); ``zones`` and ``regions`` map every found disk to its zone and region, ``by_region`` each
    region to its ``able`` disks (for the modules' ``disks_by_region``); ``searched``: the regions that were
    searched, for the message of a missing disk."""
    found = {}
    for disk in disks or []:
        if not isinstance(disk, Mapping) or not disk.get("disk_id"):
            raise AnsibleFilterError(
                "cbs_fleet_plan: expected the disks of snapshield.cloud.cbs_disk_info, got %r" % (disk,)
            )
        found.setdefault(disk["disk_id"], disk)
    if disk_ids:
        order = []
        for given in disk_ids:
            disk_id = given.strip()
            if disk_id not in order:
                order.append(disk_id)
    else:
        order = sorted(found)
    plan = dict(
        able=[],
        skipped=[],
        missing=[],
        zones={i: d.get("zone") for i, d in found.items()},
        regions={i: d.get("region") for i, d in found.items()},
        by_region={},
        searched=list(searched or []),
    )
    for disk_id in order:
        disk = found.get(disk_id)
        if disk is None:
            plan["missing"].append(disk_id)
        elif disk.get("snapshot_ability") is False:
            plan["skipped"].append(
                dict(
                    disk_id=disk_id,
                    zone=disk.get("zone"),
                    region=disk.get("region"),
                    reason="this disk cannot have snapshots (snapshot ability is false, e.g. a local disk)",
                )
            )
        else:
            plan["able"].append(disk_id)
            plan["by_region"].setdefault(disk.get("region") or "", []).append(disk_id)
    return plan


def _note(result, check_mode):
    pruned = [snap.get("snapshot_id") for snap in result.get("pruned") or []]
    if not pruned:
        return ""
    verb = "would prune" if check_mode else "pruned"
    return "%s %d older managed snapshot%s: %s" % (
        verb,
        len(pruned),
        "" if len(pruned) == 1 else "s",
        ", ".join(pruned),
    )


def _ran(registered):
    """A registered task that ran (not skipped, not left undefined)."""
    return isinstance(registered, Mapping) and bool(registered) and not registered.get("skipped")


def _per_region(registered):
    """``[(region, result)]`` of a task looped over the plan's regions (``by_region | dict2items``); a task that
    was not looped is one result of no particular region."""
    items = registered.get("results") or []
    if items and all(isinstance(item, Mapping) and "ansible_loop_var" in item for item in items):
        return [(item.get("item", {}).get("key"), item) for item in items if not item.get("skipped")]
    return [(None, registered)]


def _policy_results(policy, plan, check_mode):
    """One result per disk of the fleet bound (or to be bound) to the policy, in each region."""
    results = []
    for region, registered in _per_region(policy):
        disks = plan.get("able") or [] if region is None else (plan.get("by_region") or {}).get(region) or []
        results += _policy_region(registered, disks, plan, check_mode)
    return results


def _failed(disk_ids, plan, message):
    """Every disk of a task that failed as a whole, failed with its message."""
    zones, regions = plan.get("zones") or {}, plan.get("regions") or {}
    return [
        dict(
            disk_id=disk_id,
            zone=zones.get(disk_id),
            region=regions.get(disk_id),
            changed=False,
            failed=True,
            msg=message,
        )
        for disk_id in disk_ids
    ]


def _policy_region(policy, disks, plan, check_mode):
    zones, regions = plan.get("zones") or {}, plan.get("regions") or {}
    found = policy.get("policy")
    if not found:
        return _failed(disks, plan, policy.get("msg") or "cbs_snapshot_policy failed")
    bound = set(found.get("bound") or [])
    label = "%s (%s)" % (found.get("name"), found.get("policy_id")) if found.get("policy_id") else found.get("name")
    results = []
    for disk_id in disks:
        verb = "bound to" if disk_id not in bound else ("would be bound to" if check_mode else "newly bound to")
        results.append(
            dict(
                disk_id=disk_id,
                zone=zones.get(disk_id),
                region=regions.get(disk_id),
                changed=disk_id in bound,
                policy=found.get("name"),
                policy_id=found.get("policy_id"),
                note="%s automatic snapshot policy %s, next run %s"
                % (verb, label, found.get("next_trigger_time") or "unknown"),
            )
        )
    return results


def _copies_by_disk(copies):
    """``({disk id: its copy result}, {region: why its whole copy task failed})`` of the copy task(s)."""
    by_disk, whole = {}, {}
    for region, registered in _per_region(copies):
        for result in registered.get("results") or []:
            by_disk[result.get("disk_id")] = result
        if registered.get("results") is None:
            whole[region] = registered.get("msg") or "cbs_snapshot_copy failed"
    return by_disk, whole


def _with_copies(results, copies, check_mode):
    """Each disk's result with its copies in other regions: a disk whose copy failed is failed."""
    if not _ran(copies):
        return results
    by_disk, whole = _copies_by_disk(copies)
    merged = []
    for result in results:
        copy = by_disk.get(result.get("disk_id"))
        failed_whole = whole.get(result.get("region"), whole.get(None))
        if result.get("failed") or (copy is None and failed_whole is None):
            merged.append(result)  # failed already, or not copied: its snapshot is not NORMAL yet
            continue
        if copy is None or copy.get("failed"):
            message = failed_whole or copy.get("msg")
            merged.append(
                dict(
                    result,
                    failed=True,
                    msg="snapshot %s is there, but copying it failed: %s" % (result.get("snapshot_id"), message),
                )
            )
            continue
        regions = ", ".join(c.get("region") for c in copy.get("copies") or [])
        verb = "would copy to" if check_mode and copy.get("changed") else "copied to"
        note = "; ".join(text for text in (result.get("note"), "%s %s" % (verb, regions)) if text)
        merged.append(
            dict(result, note=note, copies=copy.get("copies"), changed=result.get("changed") or copy.get("changed"))
        )
    return merged


def cbs_fleet_results(registered, plan, check_mode=False, policy=None, copies=None):
    """One result per disk for snapshield.cloud.fleet_report: the registered cbs_snapshot task's results with
    each disk's zone and a note of what was pruned (and, with ``copies``, where the snapshot was copied), or,
    with ``policy`` (the registered cbs_snapshot_policy task), the policy each disk is bound to; every disk of a
    task that failed as a whole (no per-disk results) as failed with its message, and the ids asked for that do
    not exist as failed."""
    registered = registered if isinstance(registered, Mapping) else {}
    plan = plan if isinstance(plan, Mapping) else {}
    zones, regions = plan.get("zones") or {}, plan.get("regions") or {}
    results = []
    if _ran(policy):
        results = _policy_results(policy, plan, check_mode)
    elif registered.get("results") is not None or registered.get("skipped"):
        for result in registered.get("results") or []:
            disk_id = result.get("disk_id")
            results.append(
                dict(
                    result,
                    zone=zones.get(disk_id),
                    region=result.get("region") or regions.get(disk_id),
                    note=_note(result, check_mode),
                )
            )
    elif registered:
        results = _failed(plan.get("able") or [], plan, registered.get("msg") or "cbs_snapshot failed")
    results = _with_copies(results, copies, check_mode)
    searched = sorted(set(plan.get("searched") or []))
    for disk_id in plan.get("missing") or []:
        results.append(
            dict(
                disk_id=disk_id,
                zone=None,
                changed=False,
                failed=True,
                msg="disk %s does not exist in %s: remove it from cbs_fleet_disks"
                % (disk_id, "region " + ", ".join(searched) if searched else "this region"),
            )
        )
    return results


class FilterModule(object):
    def filters(self):
        return dict(
            cbs_fleet_problems=cbs_fleet_problems,
            cbs_fleet_managed_tags=cbs_fleet_managed_tags,
            cbs_fleet_plan=cbs_fleet_plan,
            cbs_fleet_results=cbs_fleet_results,
            cbs_fleet_copyable=cbs_fleet_copyable,
        )
