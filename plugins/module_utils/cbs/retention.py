# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deleting CBS snapshots of many disks in few calls: what ``keep`` prunes, and DeleteSnapshots in batches."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.api import (
    delete_snapshots,
    snapshot_result,
    tags_from_api,
    tags_to_api,
)
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import parse_time
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError, DiskError

DELETE_BATCH = 100  # snapshot ids per DeleteSnapshots call


def is_managed(snap, managed_tags):
    tags = tags_from_api(snap.get("Tags"))
    return all(tags.get(key) == value for key, value in managed_tags.items())


def to_prune(found, result, keep, managed_tags):
    """``(managed snapshots before, managed snapshots kept, snapshots to delete)`` of a converged disk.

    ``found``: the disk's snapshots as read before acting. The managed ones, with the one the task returned
    if it is new, newest first: the first ``keep`` stay, and so does the returned one. Of the others only
    NORMAL ones can be deleted; any other is left for a later run.
    """
    before = [snap for snap in found if is_managed(snap, managed_tags)]
    ranked = list(before)
    if result.get("snapshot_id") not in [snap["SnapshotId"] for snap in before] and is_managed(
        dict(Tags=tags_to_api(result.get("tags"))), managed_tags
    ):
        ranked.append(
            dict(
                SnapshotId=result.get("snapshot_id"),
                CreateTime=result.get("create_time"),
                SnapshotState=result.get("state"),
            )
        )
    # newest first; a snapshot without a time is the one about to be created
    ranked.sort(key=lambda snap: -(parse_time(snap.get("CreateTime")) or float("inf")))
    kept = ranked[:keep]
    pruned = [
        snap
        for snap in ranked[keep:]
        if snap.get("SnapshotState") == "NORMAL" and snap["SnapshotId"] != result.get("snapshot_id")
    ]
    kept += [snap for snap in ranked[keep:] if snap not in pruned]
    return before, kept, pruned


def prune_plans(found, outcomes, keep, managed_tags):
    """Each converged disk's older managed snapshots beyond ``keep``: ``[(disk id, snapshot ids)]``.

    Each result gets ``pruned`` and, where something goes, a diff of its managed snapshots.
    """
    plans = []
    for disk_id, outcome in outcomes.items():
        if outcome.error is not None:
            continue
        result = outcome.result
        before, kept, pruned = to_prune(found.get(disk_id, []), result, keep, managed_tags)
        result["pruned"] = [snapshot_result(snap) for snap in pruned]
        if pruned:
            plans.append((disk_id, [snap["SnapshotId"] for snap in pruned]))
            view = {key: value for key, value in result.items() if key not in ("changed", "diff", "pruned")}
            diff = result.pop("diff", None) or dict(before=dict(view), after=dict(view))
            diff["before"]["managed_snapshots"] = [snap["SnapshotId"] for snap in before]
            diff["after"]["managed_snapshots"] = [snap["SnapshotId"] for snap in kept]
            result.update(changed=True, diff=diff)
    return plans


def delete_in_batches(client, plans, until, delete=delete_snapshots):
    """Delete each plan's snapshots, many disks a DeleteSnapshots call: ``{disk id: error}`` of those that failed.

    ``plans``: ``[(disk id, snapshot ids)]``. One disk's refusal fails its whole batch: the disks of a failed
    batch are then deleted one disk a call, to find out whose it was. ``delete(client, ids, until)``: another
    all-or-nothing deletion of up to DELETE_BATCH ids (``api.terminate_disks``: the disks restored from each disk).
    """
    errors = {}
    for batch in _batches(plans):
        try:
            delete(client, [snap_id for _disk_id, ids in batch for snap_id in ids], until)
            continue
        except (ApiError, DiskError) as error:
            if len(batch) == 1:
                errors[batch[0][0]] = error
                continue
        for disk_id, ids in batch:
            try:
                delete(client, ids, until)
            except (ApiError, DiskError) as error:
                errors[disk_id] = error
    return errors


def _batches(plans):
    """``plans`` packed into DeleteSnapshots calls of at most DELETE_BATCH ids."""
    batches, size = [], DELETE_BATCH
    for disk_id, ids in plans:
        for start in range(0, len(ids), DELETE_BATCH):
            part = ids[start : start + DELETE_BATCH]
            if size + len(part) > DELETE_BATCH:
                batches.append([])
                size = 0
            batches[-1].append((disk_id, part))
            size += len(part)
    return batches
