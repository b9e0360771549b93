# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""cbs_restore: the converger of restores of CBS snapshots, to new disks or in place.

``read`` finds, for every source disk at once, the snapshot to restore (by id, by exact name or the newest NORMAL
one), the disk itself, and the disks already named like its new disk; ``act`` refuses what cannot work, then
creates the new disk (CreateDisks with a ClientToken derived from the snapshot and the disk name) or rolls the
disk back (ApplySnapshot), or, with state=absent, picks the disks to delete; ``finish`` waits for every disk
at once, then deletes in batches. Only disks carrying the ``snapshield-restored-from`` tag are ever deleted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible_collections.snapshield.cloud.plugins.module_utils._concurrency import run_concurrently
from ansible_collections.snapshield.cloud.plugins.module_utils._converge import Converger
from ansible_collections.snapshield.cloud.plugins.module_utils._wait import BROKEN, BUSY, READY, Watch, wait_all
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import api
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import LATEST, RESTORED_FROM
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.errors import explain
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.retention import delete_in_batches
from ansible_collections.snapshield.cloud.plugins.module_utils.common import name_for_disk, parse_time, utc_iso
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError, DiskError

USABLE = ("UNATTACHED", "ATTACHED")
GONE = ("TORECYCLE",)
CHARGE_TYPE = "POSTPAID_BY_HOUR"
DEFAULT_DISK_TYPE = "CLOUD_PREMIUM"
STALE_TOKENS = 3  # times a new disk is made again after its ClientToken answered a disk deleted since


def client_token(snapshot_id, disk_name, after=None):
    """The ClientToken of the new disk named ``disk_name`` made from ``snapshot_id``: the same in every run, so a
    resent or repeated CreateDisks answers the disk the first one made (at most 64 ASCII characters).

    ``after``: the disk a token answered that does not exist (deleted since: CBS remembers a token for a while);
    the next token follows from it, so it too is the same in every run.
    """
    parts = (snapshot_id, disk_name) if after is None else (snapshot_id, disk_name, after)
    digest = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
    return "snapshield-restore-%s" % digest[:40]


def judge_disk(disk, size=None, waits=True, rolled_back=False):
    """A usable disk is ready: of ``size`` GB if given, its rollback at 100% with ``rolled_back``. One being made or
    rolled back is busy (ready when not waiting); one on its way to the recycle bin, or of another size, is broken."""
    state = disk.get("DiskState")
    if state in GONE:
        return BROKEN, state, "UNATTACHED or ATTACHED"
    usable = state in USABLE and not disk.get("Rollbacking")
    if usable and rolled_back and disk.get("RollbackPercent") not in (None, 100):
        usable = False  # ApplySnapshot accepted, the rollback not begun yet (the instance being stopped)
    if usable and size is not None and disk.get("DiskSize") != size:
        return BROKEN, "%s with %s GB" % (state, disk.get("DiskSize")), "%s with %s GB" % (state, size)
    if usable or not waits:
        return READY, state, ""
    return BUSY, state, " (rollback %s%%)" % disk.get("RollbackPercent") if rolled_back else ""


def choose_snapshot(snaps, name):
    """The snapshot to restore from a disk's snapshots (newest first): the newest NORMAL one (of that exact name);
    None when there is none; DiskError when the only ones are not NORMAL."""
    named = snaps if name == LATEST else [snap for snap in snaps if snap.get("SnapshotName") == name]
    normal = [snap for snap in named if snap.get("SnapshotState") == "NORMAL"]
    if normal:
        return normal[0]
    if named:
        raise DiskError(
            "snapshot %s (%s) is %s: only a NORMAL snapshot can be restored; run the task again once it is"
            % (named[0]["SnapshotId"], named[0].get("SnapshotName"), named[0].get("SnapshotState"))
        )
    return None


def snapshot_for(request, found, disk_id, region):
    """The snapshot to restore on ``disk_id`` (``found``: snapshot_id's snapshot, or the disk's snapshots), or
    DiskError saying why there is none."""
    if request["snapshot_id"]:
        if found.get("DiskId") != disk_id:
            raise DiskError(
                "snapshot %s is a snapshot of disk %s, not of %s: give that disk_id, or leave disk_id out"
                % (found["SnapshotId"], found.get("DiskId"), disk_id)
            )
        return choose_snapshot([found], LATEST)
    snap = choose_snapshot(found, request["snapshot_name"])
    if snap is None:
        name = request["snapshot_name"]
        what = "no snapshot" if name == LATEST else "no snapshot named %r" % (name,)
        raise DiskError("disk %s has %s in region %s" % (disk_id, what, region))
    return snap


def describe_point(snap):
    return "snapshot %s (%s, %s)" % (
        snap["SnapshotId"],
        snap.get("SnapshotName"),
        utc_iso(parse_time(snap.get("CreateTime"))),
    )


def create_params(request, name, snap, size, source):
    """CreateDisks of the new disk: the source's zone and type unless told otherwise, pay-as-you-go, tagged with the
    snapshot it is made from, and a ClientToken that is the same in every run."""
    zone = request["zone"] or (source.get("Placement") or {}).get("Zone") or (snap.get("Placement") or {}).get("Zone")
    return dict(
        Placement=dict(Zone=zone),
        DiskChargeType=CHARGE_TYPE,
        DiskType=request["disk_type"] or source.get("DiskType") or DEFAULT_DISK_TYPE,
        DiskName=name,
        DiskSize=size,
        SnapshotId=snap["SnapshotId"],
        Tags=api.tags_to_api(dict(request["tags"], **{RESTORED_FROM: snap["SnapshotId"]})),
        ClientToken=client_token(snap["SnapshotId"], name),
    )


def refuse_in_place(request, disk, disk_id, region):
    """DiskError when ``disk`` cannot be rolled back now: missing, rolling back already, or attached without
    auto_stop_instance. Nothing is called."""
    if disk is None:
        raise DiskError("disk %s does not exist in region %s" % (disk_id, region))
    if disk.get("DiskState") == "ROLLBACKING" or disk.get("Rollbacking"):
        raise DiskError(
            "disk %s is being rolled back already (%s%%): run the task again once that is done, if it still must be"
            % (disk_id, disk.get("RollbackPercent"))
        )
    if disk.get("DiskState") == "ATTACHED" and not request["auto_stop_instance"]:
        raise DiskError(
            "disk %s is attached to instance %s: a rollback needs the disk detached or its instance stopped; set "
            "auto_stop_instance=true to let CBS stop the instance (and auto_start_instance=true to start it again "
            "after), or detach the disk" % (disk_id, disk.get("InstanceId") or "(unknown)")
        )


def split_absent(request, named, sources):
    """The disks of a new disk's name that state=absent deletes (restored by this module: the tag, of the snapshot
    and tags asked for, and never a source disk), and the others, left alone."""
    mine, others = [], []
    for disk in named:
        origin = api.restored_from(disk)
        tags = api.tags_from_api(disk.get("Tags"))
        ours = (
            origin is not None
            and disk.get("DiskId") not in sources
            and request["snapshot_id"] in (None, origin)
            and all(tags.get(key) == value for key, value in request["tags"].items())
        )
        (mine if ours else others).append(disk)
    return mine, others


def absent_result(request, disk_id, name, named, sources):
    """state=absent for ``disk_id``: the disks to delete (see ``split_absent``), and its element of ``restores``."""
    mine, others = split_absent(request, named, sources | {disk_id})
    result = dict(
        disk_id=disk_id,
        target="clone",
        restored_disk_name=name,
        changed=bool(mine),
        deleted=[disk_view(disk) for disk in mine],
        left_alone=[disk_view(disk) for disk in others],
    )
    if mine:
        result["diff"] = dict(before=dict(disks=result["deleted"]), after=dict(disks=[]))
    return mine, result


def disk_view(disk):
    return dict(
        disk_id=disk.get("DiskId"),
        disk_name=disk.get("DiskName"),
        state=disk.get("DiskState"),
        restored_from=api.restored_from(disk),
    )


def view(result):
    return {key: value for key, value in result.items() if key not in ("changed", "diff", "summary")}


class Restoring:
    """What ``act`` leaves to ``finish``: the restored disk to wait for (``fresh``: created or rolled back now;
    ``params``: the CreateDisks call that made a new disk, ``answered``: the disks its tokens answered before)."""

    def __init__(self, result, disk, fresh, size=None, params=None, answered=()):
        self.result, self.disk, self.fresh, self.size = result, disk, fresh, size
        self.params, self.answered = params, tuple(answered)

    def create_again(self, client, wait_timeout):
        """The new disk never appeared: CBS answered a disk its token made before, deleted since. Make it with the
        token that follows from that disk (the same in every run), and wait for that one instead."""
        gone = self.disk["DiskId"]
        params = dict(self.params, ClientToken=client_token(self.params["SnapshotId"], self.params["DiskName"], gone))
        requested = client.clock()
        new_id = api.create_disk(client, params, requested + wait_timeout)
        result = dict(self.result, restored_disk_id=new_id, requested=requested, requested_at=utc_iso(requested))
        return Restoring(result, dict(DiskId=new_id), True, self.size, params, self.answered + (gone,))


class Deleting:
    """What ``act`` leaves to ``finish`` for state=absent: its result, and the disks to terminate."""

    def __init__(self, result, disk_ids):
        self.result, self.disk_ids = result, disk_ids


def create_again(client, outcomes, unseen, wait_timeout):
    """Each new disk in ``unseen`` made again with its next ClientToken (see ``Restoring.create_again``)."""

    def again(target):
        return unseen[target].create_again(client, wait_timeout)

    for target, item, error in run_concurrently(again, list(unseen)):
        outcomes[target].result, outcomes[target].error = item, error


class RestoreConverger(Converger):
    def __init__(self, module, client, request):
        self.check_mode = module.check_mode
        self.client = client
        self.request = request
        self.now = client.clock()
        self.sources = {}  # source disk id -> snapshot_id's snapshot, or the disk's snapshots
        self.disks = {}  # source disk id -> the disk as read
        self.named = {}  # name of a new disk -> the disks of that name

    def read(self):
        request, client = self.request, self.client
        targets = request["disk_ids"]
        if request["snapshot_id"]:
            found = api.snapshots_by_id(client, [request["snapshot_id"]])
            if not found:
                raise DiskError("snapshot_id %s does not exist in region %s" % (request["snapshot_id"], client.region))
            targets = targets or [found[0]["DiskId"]]
            self.sources = {targets[0]: found[0]}
        elif request["state"] == "present":
            name = request["snapshot_name"]
            self.sources = api.snapshots_of_disks(client, targets, None if name == LATEST else name)
        self.disks = {disk["DiskId"]: disk for disk in api.disks_by_id(client, targets)}
        if request["target"] == "clone":
            self.named = api.disks_named(client, [name_for_disk(request["disk_name"], t) for t in targets])
        return targets

    def act(self, target):
        if self.request["state"] == "absent":
            return self._absent(target)
        snap = snapshot_for(self.request, self.sources[target], target, self.client.region)
        if self.request["target"] == "in_place":
            return self._in_place(target, snap)
        return self._clone(target, snap)

    def _result(self, disk_id, snap, restored, changed, summary):
        """One element of ``restores`` (``restored``: the restored disk as read, or as planned)."""
        created = parse_time(snap.get("CreateTime"))
        requested = self.client.clock()
        return dict(
            disk_id=disk_id,
            target=self.request["target"],
            snapshot_id=snap["SnapshotId"],
            snapshot_name=snap.get("SnapshotName"),
            recovery_point=utc_iso(created),
            recovery_point_age=None if created is None else round(self.now - created, 3),
            restored_disk_id=restored.get("DiskId"),
            restored_disk_name=restored.get("DiskName"),
            disk_size=restored.get("DiskSize"),
            requested_at=utc_iso(requested),
            requested=requested,
            available_at=None,
            restore_seconds=None,
            changed=changed,
            state=restored.get("DiskState"),
            summary=summary,
        )

    def _clone(self, disk_id, snap):
        request, source = self.request, self.disks.get(disk_id) or {}
        name = name_for_disk(request["disk_name"], disk_id)
        size = request["disk_size"] or snap.get("DiskSize")
        if request["disk_size"] and snap.get("DiskSize") and request["disk_size"] < snap["DiskSize"]:
            raise DiskError(
                "disk_size %s is smaller than snapshot %s (%s GB): a disk made from it needs at least that"
                % (request["disk_size"], snap["SnapshotId"], snap["DiskSize"])
            )
        point = "%s of disk %s" % (describe_point(snap), disk_id)
        mine = [disk for disk in self.named.get(name, []) if api.restored_from(disk) == snap["SnapshotId"]]
        if mine:
            disk = mine[0]
            if request["disk_size"] and disk.get("DiskSize") != request["disk_size"]:
                raise DiskError(
                    "disk %s (%s) was restored from %s before with %s GB, not disk_size %s: resize it, or delete it "
                    "with state=absent and run again" % (disk["DiskId"], name, point, disk.get("DiskSize"), size)
                )
            summary = "disk %s (%s) was restored from %s before" % (disk["DiskId"], name, point)
            return Restoring(self._result(disk_id, snap, disk, False, summary), disk, fresh=False)
        params = create_params(request, name, snap, size, source)
        summary = "new disk %s (%s GB %s in %s) from %s" % (
            name,
            size,
            params["DiskType"],
            params["Placement"]["Zone"],
            point,
        )
        planned = dict(DiskName=name, DiskSize=size)
        if self.check_mode:
            result = self._result(disk_id, snap, planned, True, "would create " + summary)
            del result["requested"]
            return dict(result, diff=dict(before={}, after=view(result)))
        result = self._result(disk_id, snap, planned, True, "created " + summary)
        new_id = api.create_disk(self.client, params, result["requested"] + request["wait_timeout"])
        return Restoring(dict(result, restored_disk_id=new_id), dict(DiskId=new_id), True, size, params)

    def _in_place(self, disk_id, snap):
        request, disk = self.request, self.disks.get(disk_id)
        refuse_in_place(request, disk, disk_id, self.client.region)
        summary = "disk %s rolled back in place to %s" % (disk_id, describe_point(snap))
        if self.check_mode:
            result = self._result(disk_id, snap, disk, True, "would have " + summary)
            del result["requested"]
            return dict(result, diff=dict(before=dict(disk_id=disk_id, contents="as now"), after=view(result)))
        params = dict(SnapshotId=snap["SnapshotId"], DiskId=disk_id)
        if disk.get("DiskState") == "ATTACHED":
            params.update(AutoStopInstance=True, AutoStartInstance=request["auto_start_instance"])
        result = self._result(disk_id, snap, disk, True, summary)
        api.apply_snapshot(self.client, params, disk, result["requested"] + request["wait_timeout"])
        return Restoring(result, disk, fresh=True)

    def _absent(self, disk_id):
        name = name_for_disk(self.request["disk_name"], disk_id)
        mine, result = absent_result(self.request, disk_id, name, self.named.get(name, []), set(self.disks))
        return result if self.check_mode or not mine else Deleting(result, [disk["DiskId"] for disk in mine])

    def finish(self, outcomes):
        unseen = RestoreWaiter(self).wait(outcomes)
        for _round in range(STALE_TOKENS):
            if unseen:
                create_again(self.client, outcomes, unseen, self.request["wait_timeout"])
                unseen = RestoreWaiter(self).wait(outcomes)
        for target, item in unseen.items():
            answered = ", ".join(item.answered + (item.disk["DiskId"],))
            outcomes[target].fail(
                DiskError(
                    "CreateDisks answered disks %s for new disk %s, and none of them appeared: CBS keeps answering "
                    "disks deleted since; give another disk_name" % (answered, item.params["DiskName"])
                )
            )
        deletions = [(t, o.result.disk_ids) for t, o in outcomes.items() if isinstance(o.result, Deleting)]
        if not deletions:
            return
        until = self.client.clock() + self.request["wait_timeout"]
        errors = delete_in_batches(self.client, deletions, until, api.terminate_disks)
        for target, _ids in deletions:
            error = errors.get(target)
            if error is None:
                outcomes[target].result = outcomes[target].result.result
            else:
                subject = "deleting the disks restored from %s" % target
                outcomes[target].fail(explain(error, subject) if isinstance(error, ApiError) else error)


class RestoreWaiter:
    """Every restored disk polled together until it is usable (or its rollback done); when each was, noted."""

    def __init__(self, converger):
        self.client = converger.client
        self.request = converger.request
        self.ready_at = {}  # disk id -> when it was first seen usable
        self.seen = set()  # ids of the disks read at least once

    def wait(self, outcomes):
        """Settle every disk ``outcomes`` wait for; returns ``{target: Restoring}`` of the new disks never seen
        (their outcome is left as it is)."""
        waiting = {t: o.result for t, o in outcomes.items() if isinstance(o.result, Restoring)}
        timeout, now = ("wait_timeout", self.request["wait_timeout"]), self.client.clock()
        until, grace = now + self.request["wait_timeout"], now + api.VISIBILITY_GRACE
        watches, expected = {}, {}
        for target, item in waiting.items():
            disk_id = item.disk["DiskId"]
            label = "disk %s restored from %s" % (disk_id, item.result["snapshot_id"])
            seen = None if item.fresh else item.disk
            watches[target] = Watch(
                disk_id, label, until, timeout, seen=seen, missing_until=grace if item.fresh else None
            )
            expected[disk_id] = (item.size, item.fresh and item.result["target"] == "in_place")
        settled = wait_all(self.client, self._read, watches, lambda disk: self._judge(disk, expected))
        unseen = {}
        for target, item in waiting.items():
            disk, error = settled[target]
            if error is None:
                outcomes[target].result = self._settled(item, disk)
            elif item.params is not None and item.disk["DiskId"] not in self.seen and not isinstance(error, ApiError):
                unseen[target] = item
            else:
                outcomes[target].fail(error)
        return unseen

    def _judge(self, disk, expected):
        size, rolled_back = expected.get(disk.get("DiskId"), (None, False))
        verdict = judge_disk(disk, size, self.request["wait"], rolled_back)
        if verdict[0] == READY and verdict[1] in USABLE:
            self.ready_at.setdefault(disk.get("DiskId"), self.client.clock())
        return verdict

    def _settled(self, item, disk):
        result = dict(item.result, state=disk.get("DiskState"), disk_size=disk.get("DiskSize"))
        result.update(restored_disk_id=disk.get("DiskId"), restored_disk_name=disk.get("DiskName"))
        ready_at = self.ready_at.get(disk.get("DiskId"))
        if ready_at is not None and self.request["wait"]:
            result["available_at"] = utc_iso(ready_at)
            if item.fresh:  # a disk restored by an earlier run: this run did not time its restore
                result["restore_seconds"] = round(max(0.0, ready_at - result["requested"]), 3)
        if item.fresh:
            before = {} if result["target"] == "clone" else dict(disk_id=result["disk_id"], contents="as before")
            result["diff"] = dict(before=before, after=view(result))
        del result["requested"]
        return result

    def _read(self, disk_ids, until):
        try:
            found = {disk["DiskId"]: disk for disk in api.disks_by_id(self.client, disk_ids)}
        except ApiError as error:
            raise explain(error, "reading %d restored disks" % len(disk_ids))
        self.seen.update(found)
        return found
