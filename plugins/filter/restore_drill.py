# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pure-Python steps of the snapshield.cloud.restore_drill role: check its variables, pick the disks to
drill, find the leftovers of earlier drills, and turn the restore results into the drill report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.snapshield.cloud.plugins.plugin_utils.drill_report import (
    drill_report,
    drill_report_html,
    drill_report_markdown,
    drill_report_summary,
)

CLOUDS = ("ucloud", "tencentcloud")
# What marks a drill clone: its name, and (UCloud) its business group or (CBS) the tag MARKER: MARKER_VALUE, a
# fixed value so that cbs_disk_info's tag filter finds every earlier drill's clones (the run's id is a tag of its
# own). Only disks with both are ever deleted by the role, through the restore modules' state=absent, which checks
# them again.
MARKER = "snapshield-drill"
MARKER_VALUE = "restore_drill"
RUN_KEY = "snapshield-drill-run"
CLONE_PREFIX = MARKER + "-"
# A clone's name carries the run and the source disk: snapshield-drill-<run id>-<disk id>. The run makes each
# drill's clones new disks (a CBS ClientToken of an earlier drill's name would answer that drill's deleted disk),
# and it has no dash, so the source disk's id (which has one) follows the first dash after it.
CLONE_NAME = CLONE_PREFIX + "%s-{disk_id}"
RUN_ID = re.compile(r"^[A-Za-z0-9_]{1,24}$")


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def restore_drill_problems(variables):
    """What is wrong with the role's variables beyond their types: messages naming the variable, empty if none."""
    if not isinstance(variables, Mapping):
        raise AnsibleFilterError("restore_drill_problems: expected a dict of the role's variables")
    problems = []
    cloud = variables.get("restore_drill_cloud")
    if cloud not in CLOUDS:
        problems.append("restore_drill_cloud must be one of %s, got %r" % (", ".join(CLOUDS), cloud))
    disks, sample = variables.get("restore_drill_disks") or [], variables.get("restore_drill_sample")
    if not _whole(sample) or sample < 0:
        problems.append("restore_drill_sample must be a number of disks, 0 or more, got %r" % (sample,))
    elif disks and sample:
        problems.append("give restore_drill_disks (disk ids) or restore_drill_sample (a number of disks), not both")
    elif not disks and not sample:
        problems.append(
            "give restore_drill_disks (disk ids) or restore_drill_sample (how many disks with recovery points to "
            "pick from the %s)" % ("region" if cloud == "tencentcloud" else "zone")
        )
    bad = [disk for disk in disks if not isinstance(disk, str) or not disk.strip()]
    if bad:
        problems.append("restore_drill_disks must be disk ids (non-empty strings), got %r" % (bad[0],))
    zone = variables.get("restore_drill_zone")
    if cloud == "ucloud" and (not isinstance(zone, str) or not zone.strip()):
        problems.append("restore_drill_zone must name the zone of the disks, such as cn-bj2-02 (UCloud needs it)")
    max_rpo = variables.get("restore_drill_max_rpo")
    if not _whole(max_rpo) or max_rpo < 0:
        problems.append(
            "restore_drill_max_rpo must be a number of hours, 0 or more (0 = no limit), got %r" % (max_rpo,)
        )
    timeout = variables.get("restore_drill_wait_timeout")
    if not _whole(timeout) or timeout < 1:
        problems.append("restore_drill_wait_timeout must be a number of seconds, 1 or more, got %r" % (timeout,))
    run_id = variables.get("restore_drill_run_id")
    if not isinstance(run_id, str) or not RUN_ID.match(run_id):
        problems.append(
            "restore_drill_run_id must be 1 to 24 letters, digits or underscores (it is part of the clones' names, "
            "snapshield-drill-<run id>-<disk id>), got %r" % (run_id,)
        )
    return problems


def _is_clone(disk):
    """A drill clone: named as one, or carrying the marker (either is enough to keep it out of a sample)."""
    return (
        str(disk.get("disk_name") or "").startswith(CLONE_PREFIX)
        or disk.get("business_group") == MARKER
        or (disk.get("tags") or {}).get(MARKER) == MARKER_VALUE
    )


def _has_points(disk, cloud):
    """Whether the disk has recovery points to restore: a USnap service, or a CBS snapshot."""
    if cloud == "ucloud":
        return disk.get("backup_mode") == "SnapshotService"
    return bool(disk.get("snapshot_count")) and disk.get("snapshot_ability", True) is not False


def restore_drill_plan(found, cloud, disks=None, sample=0, seed=""):
    """The disks to drill and what is known of them.

    ``found``: the disks of ucloud_disk_info or cbs_disk_info. With ``disks``, those (in that order); else
    ``sample`` disks picked at random (seeded with ``seed``, so a re-run of the same drill picks the same) among
    the disks that have recovery points and are not drill clones. Answers ``disks`` (ids, sorted when sampled),
    ``sources`` (``{id: {disk_size, zone, disk_name}}``), ``candidates`` (how many could be picked) and
    ``missing`` (given ids that were not found).
    """
    if cloud not in CLOUDS:
        raise AnsibleFilterError("restore_drill_plan: cloud must be one of %s, got %r" % (", ".join(CLOUDS), cloud))
    rows = {disk["disk_id"]: disk for disk in found or [] if isinstance(disk, Mapping) and disk.get("disk_id")}
    if disks:
        chosen, candidates = list(disks), len(disks)
    else:
        able = sorted(disk_id for disk_id, disk in rows.items() if _has_points(disk, cloud) and not _is_clone(disk))
        chosen = sorted(random.Random(str(seed)).sample(able, min(int(sample), len(able))))
        candidates = len(able)
    return dict(
        disks=chosen,
        sources={
            disk_id: dict(
                disk_size=rows[disk_id].get("disk_size"),
                zone=rows[disk_id].get("zone"),
                disk_name=rows[disk_id].get("disk_name"),
            )
            for disk_id in chosen
            if disk_id in rows
        },
        candidates=candidates,
        missing=[disk_id for disk_id in chosen if disk_id not in rows],
    )


def _parse_clone_name(name):
    """``(run id, source disk id)`` of a drill clone's name, or None when it is not one."""
    if not isinstance(name, str) or not name.startswith(CLONE_PREFIX):
        return None
    run, _dash, source = name[len(CLONE_PREFIX) :].partition("-")
    return (run, source) if RUN_ID.match(run) and source else None


def restore_drill_leftovers(found):
    """The clones of earlier drills among ``found`` (disks found by the marker), grouped by the drill that made
    them: ``run``, ``clone_name`` (the name template of that drill's clones), ``sources`` (the disks they were
    cloned from) and ``disks`` (``disk_id``, ``disk_name``, ``source``, ``run``). A disk not named as a clone is not
    one, and is left out."""
    groups = {}
    for disk in found or []:
        parsed = _parse_clone_name(disk.get("disk_name"))
        if parsed is None:
            continue
        run, source = parsed
        group = groups.setdefault(run, dict(run=run, clone_name=CLONE_NAME % run, sources=[], disks=[]))
        if source not in group["sources"]:
            group["sources"].append(source)
        group["disks"].append(dict(disk_id=disk.get("disk_id"), disk_name=disk["disk_name"], source=source, run=run))
    return list(groups.values())


def restore_drill_marker(cloud, run_id=""):
    """How the role names and marks its clones, and finds them again: ``clone_name``, ``business_group``
    (UCloud) or ``tags`` (CBS: the marker and the run's id) for the restore module, and ``find``, the filter of
    ucloud_disk_info (``business_group``) or cbs_disk_info (``tags``) that finds every drill's clones."""
    if cloud == "ucloud":
        return dict(clone_name=CLONE_NAME % run_id, business_group=MARKER, find=dict(business_group=MARKER))
    return dict(
        clone_name=CLONE_NAME % run_id,
        tags={MARKER: MARKER_VALUE, RUN_KEY: run_id},
        find=dict(tags={MARKER: MARKER_VALUE}),
    )


class FilterModule(object):
    def filters(self):
        return dict(
            restore_drill_problems=restore_drill_problems,
            restore_drill_plan=restore_drill_plan,
            restore_drill_leftovers=restore_drill_leftovers,
            restore_drill_marker=restore_drill_marker,
            drill_report=drill_report,
            drill_report_summary=drill_report_summary,
            drill_report_html=drill_report_html,
            drill_report_markdown=drill_report_markdown,
        )
