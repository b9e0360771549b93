# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""cbs_snapshot: the converger of the snapshots of a list of disks.

``read`` looks up every disk's snapshots at once; ``act`` finds, creates or plans per disk (it never waits);
``finish`` waits for every new or CREATING snapshot in one poll, then deletes (state=absent, and what
``keep`` prunes) many disks a call. So creating runs at the API's rate limit however long snapshots take,
and a disk whose new snapshot failed keeps all its old ones.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.snapshield.cloud.plugins.module_utils._converge import Converger
from ansible_collections.snapshield.cloud.plugins.module_utils._wait import BROKEN, BUSY, READY, Watch, wait_all
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import api
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import retention_deadline
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.errors import explain
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.retention import delete_in_batches, prune_plans
from ansible_collections.snapshield.cloud.plugins.module_utils.common import parse_time
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError, DiskError

USABLE = ("NORMAL", "CREATING")


class Waiting:
    """What ``act`` leaves to ``finish``: the snapshot a disk must wait for (``fresh``: just created)."""

    def __init__(self, snap, until, fresh):
        self.snap, self.until, self.fresh = snap, until, fresh

    def watches(self, disk_id, timeout, now):
        return [_watch(disk_id, self.snap, self.until, timeout, now if self.fresh else None)]

    def settled(self, disk_id, snaps):
        result = api.snapshot_result(snaps[0])
        if self.fresh:
            return dict(result, changed=True, diff=dict(before={}, after=dict(result)))
        return dict(result, changed=False)


class Deleting:
    """What ``act`` leaves to ``finish`` for state=absent: the snapshots of a disk to delete, once NORMAL."""

    def __init__(self, snaps, until):
        self.snaps, self.until = snaps, until

    def watches(self, disk_id, timeout, now):
        return [_watch(disk_id, snap, self.until, timeout) for snap in self.snaps]

    def settled(self, disk_id, snaps):
        results = [api.snapshot_result(snap) for snap in snaps]
        before = results[0] if len(results) == 1 else results
        return dict(disk_id=disk_id, changed=True, deleted=results, diff=dict(before=before, after={}))


def _watch(disk_id, snap, until, timeout, created_at=None):
    """A snapshot to wait for; one just created (at ``created_at``) may stay invisible for api.VISIBILITY_GRACE."""
    name = "" if created_at is not None else " (%s)" % snap.get("SnapshotName")
    label = "snapshot %s%s of disk %s" % (snap["SnapshotId"], name, disk_id)
    if created_at is not None:
        return Watch(snap["SnapshotId"], label, until, timeout, missing_until=created_at + api.VISIBILITY_GRACE)
    return Watch(snap["SnapshotId"], label, until, timeout, seen=snap)


def judge_snapshot(snap, waits=True):
    """NORMAL is ready; CREATING is busy (ready when not waiting); any other state is broken."""
    state = snap.get("SnapshotState")
    if state == "NORMAL" or (state == "CREATING" and not waits):
        return READY, state, ""
    if state == "CREATING":
        return BUSY, state, " (%s%%)" % snap.get("Percent")
    return BROKEN, state, "NORMAL or CREATING"


class SnapshotConverger(Converger):
    def __init__(self, module, client, request):
        self.check_mode = module.check_mode
        self.client = client
        self.request = request
        self.found = {}  # disk id -> its snapshots as read, newest first
        self.unusable = {}  # check mode: disk id -> why a snapshot of it would fail

    def read(self):
        request, present = self.request, self.request["state"] == "present"
        if request["snapshot_id"]:
            snaps = api.snapshots_by_id(self.client, [request["snapshot_id"]])
            if not snaps and present:
                raise DiskError(
                    "snapshot_id %s does not exist in region %s" % (request["snapshot_id"], self.client.region)
                )
            self.found = {snap["DiskId"]: [snap] for snap in snaps}
            return list(self.found)
        # min_age and keep need every snapshot of the disk; otherwise ask only for the name.
        every = present and (request["min_age"] or request["keep"])
        self.found = api.snapshots_of_disks(self.client, request["disk_ids"], None if every else request["name"])
        if self.check_mode and present:
            self.unusable = api.unusable_disks(self.client, request["disk_ids"])
        return list(request["disk_ids"])

    def _named(self, disk_id):
        snaps, name = self.found.get(disk_id, []), self.request["name"]
        return snaps if self.request["snapshot_id"] else [snap for snap in snaps if snap.get("SnapshotName") == name]

    def _existing(self, disk_id):
        """The disk's snapshot of that name (a usable one first), else its newest usable one within min_age."""
        named = self._named(disk_id)
        existing = next((snap for snap in named if snap.get("SnapshotState") in USABLE), None)
        if existing or named or not self.request["min_age"]:
            return existing or (named[0] if named else None)
        oldest = self.client.clock() - 60 * self.request["min_age"]
        return next(
            (
                snap
                for snap in self.found.get(disk_id, [])
                if snap.get("SnapshotState") in USABLE and (parse_time(snap.get("CreateTime")) or oldest - 1) >= oldest
            ),
            None,
        )

    def act(self, target):
        disk_id = target
        until = self.client.clock() + self.request["wait_timeout"]
        if self.request["state"] == "absent":
            return self._absent(disk_id, until)
        existing = self._existing(disk_id)
        if existing is not None:
            return Waiting(existing, until, fresh=False)
        if self.check_mode:
            if disk_id in self.unusable:
                raise DiskError(self.unusable[disk_id])
            params = self._create_params(disk_id)
            planned = api.snapshot_result(
                dict(params, DeadlineTime=params.get("Deadline"), IsPermanent="Deadline" not in params)
            )
            return dict(planned, changed=True, diff=dict(before={}, after=planned))
        snapshot_id = api.create_snapshot(self.client, self._create_params(disk_id), until)
        return Waiting(dict(SnapshotId=snapshot_id, DiskId=disk_id), until, fresh=True)

    def _create_params(self, disk_id):
        request = self.request
        params = dict(DiskId=disk_id, SnapshotName=request["name"])
        if request["deadline"]:
            params["Deadline"] = request["deadline"]
        elif request["retention_days"]:
            params["Deadline"] = retention_deadline(self.client.clock(), request["retention_days"])
        if request["tags"]:
            params["Tags"] = api.tags_to_api(request["tags"])
        for option, param in (("disk_usage", "DiskUsage"), ("disk_backup_id", "DiskBackupId")):
            if request[option]:
                params[param] = request[option]
        return params

    def _absent(self, disk_id, until):
        to_delete = self._named(disk_id)
        if not to_delete:
            return dict(disk_id=disk_id, changed=False, deleted=[])
        if self.check_mode:
            before = [api.snapshot_result(snap) for snap in to_delete]
            return dict(
                disk_id=disk_id,
                changed=True,
                deleted=before,
                diff=dict(before=before[0] if len(before) == 1 else before, after={}),
            )
        creating = [snap["SnapshotId"] for snap in to_delete if snap.get("SnapshotState") == "CREATING"]
        if creating and not self.request["wait"]:
            raise DiskError(
                "cannot delete %s of disk %s: DeleteSnapshots needs NORMAL snapshots; set wait=true to "
                "wait for CREATING ones" % (", ".join("%s (CREATING)" % i for i in creating), disk_id)
            )
        return Deleting(to_delete, until)

    def finish(self, outcomes):
        deletions = self._wait(outcomes)
        if self.request["keep"]:
            deletions += prune_plans(self.found, outcomes, self.request["keep"], self.request["managed_tags"])
        for disk_id, outcome in outcomes.items():
            if outcome.error is None:
                outcome.result["recovery_point"] = recovery_point(self.found.get(disk_id, []), outcome.result)
        if self.check_mode or not deletions:
            return
        until = self.client.clock() + self.request["wait_timeout"]
        for disk_id, error in delete_in_batches(self.client, deletions, until).items():
            outcomes[disk_id].fail(_deletion_error(outcomes[disk_id].result, error))

    def _wait(self, outcomes):
        """Every snapshot that ``act`` left waiting (or to delete), polled together until it settles.

        Returns ``[(disk id, snapshot ids)]``: what state=absent is to delete.
        """
        waiting = {disk: o.result for disk, o in outcomes.items() if isinstance(o.result, (Waiting, Deleting))}
        timeout, now = ("wait_timeout", self.request["wait_timeout"]), self.client.clock()
        watches = {}
        for disk_id, item in waiting.items():
            watches.update(((disk_id, n), watch) for n, watch in enumerate(item.watches(disk_id, timeout, now)))
        waits = self.request["wait"] and not self.check_mode
        settled = wait_all(self.client, self._read, watches, lambda snap: judge_snapshot(snap, waits))
        deletions = []
        for disk_id, item in waiting.items():
            outcome = [settled[key] for key in watches if key[0] == disk_id]
            errors = [error for _snap, error in outcome if error is not None]
            if errors:
                outcomes[disk_id].fail(errors[0])
                continue
            if isinstance(item, Deleting):
                deletions.append((disk_id, [snap["SnapshotId"] for snap in item.snaps]))
            outcomes[disk_id].result = item.settled(disk_id, [snap for snap, _error in outcome])
        return deletions

    def _read(self, snapshot_ids, until):
        try:
            return {snap["SnapshotId"]: snap for snap in api.snapshots_by_id(self.client, snapshot_ids, until)}
        except ApiError as error:
            raise explain(error, "reading the snapshots of %d disks" % len(snapshot_ids))


def _deletion_error(result, error):
    """A disk's failed deletion: what was being deleted, and why it failed."""
    if "deleted" in result:
        text = "deleting %s" % ", ".join(snap["snapshot_id"] for snap in result["deleted"])
        return explain(error, text) if isinstance(error, ApiError) else error
    text = "the snapshot exists, but pruning %s (older managed snapshots beyond keep) failed" % ", ".join(
        snap["snapshot_id"] for snap in result["pruned"]
    )
    if isinstance(error, ApiError):
        return explain(error).restated("%s: %s" % (text, explain(error).message))
    return DiskError("%s: %s" % (text, error))


def recovery_point(found, result):
    """The disk's newest NORMAL snapshot this task knows of, from its read (``found``) and its own result; not one
    it deletes. Known among all the disk's snapshots when min_age or keep made the read take them all."""
    gone = {snap.get("snapshot_id") for snap in result.get("deleted") or []}
    known = [api.snapshot_result(snap) for snap in found]
    if result.get("snapshot_id"):
        known.append(result)
    normal = [
        snap
        for snap in known
        if snap.get("state") == "NORMAL"
        and snap.get("snapshot_id") not in gone
        and parse_time(snap.get("create_time")) is not None
    ]
    if not normal:
        return None
    newest = max(normal, key=lambda snap: parse_time(snap["create_time"]))
    return dict(snapshot_id=newest["snapshot_id"], create_time=newest["create_time"])
