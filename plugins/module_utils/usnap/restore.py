# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""usnap_restore: the recovery window of a USnap service, and the converger that restores disks from it.

No UCloud API lists recovery points. They follow from the disk's backup range (DescribeUSnapBackupRange) and its
service (DescribeSnapshotService): any second of the last ``journal`` hours, then the whole hours of the ``hour``
hours before those, then 00:00 UTC of each of the ``day`` days before those; never before the service was created,
never after now (after the expiry of an expired service, whose journal stopped then).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.snapshield.cloud.plugins.module_utils._converge import Converger
from ansible_collections.snapshield.cloud.plugins.module_utils._wait import BROKEN, BUSY, READY, Watch, wait_all
from ansible_collections.snapshield.cloud.plugins.module_utils.common import name_for_disk, utc_iso
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import DiskError
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap import api

HOUR, DAY = 3600, 86400
CLONE_CHARGE_TYPE = "Dynamic"  # a restored disk is billed by the hour: drills and recoveries are short-lived
BUSY_STATES = ("Cloning", "Restoring", "Initializating")
RESTORED_STATES = ("Available", "InUse")


class Window:
    """The recovery points of one disk's USnap service as of ``end`` (now, or the expiry of an expired service)."""

    def __init__(self, created, journal, hour, day, end):
        self.created, self.end = int(created or 0), int(end)
        self.chain = (journal or 0, hour or 0, day or 0)
        self.journal_from = self.end - self.chain[0] * HOUR
        self.hourly_from = self.journal_from - self.chain[1] * HOUR
        self.daily_from = self.hourly_from - self.chain[2] * DAY

    @classmethod
    def of(cls, service_row, chain, now):
        """The window of a DescribeSnapshotService row and its backup range (``api.backup_range``)."""
        end = now
        if service_row.get("Status") == "Expired" and service_row.get("ExpiredTime"):
            end = min(now, int(service_row["ExpiredTime"]))
        return cls(service_row.get("CreateTime"), chain.get("journal"), chain.get("hour"), chain.get("day"), end)

    def holds(self, point):
        if not self.created <= point <= self.end:
            return False
        journal, hour, day = self.chain
        return bool(
            (journal and point >= self.journal_from)
            or (hour and point >= self.hourly_from and point % HOUR == 0)
            or (day and point >= self.daily_from and point % DAY == 0)
        )

    def latest(self):
        """The newest point: now with a journal (continuous), else the newest whole hour, else the newest 00:00 UTC."""
        return next(
            (p for p in (self.end, self.end - self.end % HOUR, self.end - self.end % DAY) if self.holds(p)), None
        )

    def oldest(self):
        """The oldest point: the first point of each band the chain has, whichever is oldest."""
        bands = zip((self.daily_from, self.hourly_from, self.journal_from), (DAY, HOUR, 1), reversed(self.chain))
        firsts = [-(-max(start, self.created) // step) * step for start, step, length in bands if length]
        return min([point for point in firsts if self.holds(point)] or [None])

    def describe(self):
        """The window in words, for the message that refuses a point outside it."""
        bands = []
        if self.chain[2]:
            bands.append("00:00 UTC of each day from %s" % utc_iso(max(self.daily_from, self.created)))
        if self.chain[1]:
            bands.append("whole hours from %s" % utc_iso(max(self.hourly_from, self.created)))
        if self.chain[0]:
            bands.append("any second from %s" % utc_iso(max(self.journal_from, self.created)))
        chain = "journal %d h, hourly %d h, daily %d d" % self.chain
        points = "; ".join(bands) + " to %s" % utc_iso(self.end) if bands else "no points"
        return "%s (%s; service created %s)" % (points, chain, utc_iso(self.created))


def pick_point(wanted, window, disk_id):
    """The point to restore ``disk_id`` to: ``wanted`` (seconds, or ``latest``), refused outside the window."""
    if wanted == "latest":
        point = window.latest()
        if point is None:
            raise DiskError("%s has no recovery point yet: its USnap window holds %s" % (disk_id, window.describe()))
        return point
    if not window.holds(wanted):
        raise DiskError(
            "point_in_time %s is not a recovery point of %s: its USnap window holds %s; nothing was sent"
            % (utc_iso(wanted), disk_id, window.describe())
        )
    return wanted


def _left_alone(row, request):
    """Why a disk named like a clone is not deleted by state=absent (None: it is one of this module's clones)."""
    if row["UDiskId"] in request["disk_ids"]:
        return "it is one of the source disks"
    if row.get("Tag") != request["business_group"]:
        return "its business group is %s, not %s" % (row.get("Tag"), request["business_group"])
    if api.is_attached(row):
        return "it is attached to %s" % (row.get("UHostId") or "a UHost")
    return None


def delete_clones(module, client, request, named, disk_id, until):
    """state=absent: delete the disks named like ``disk_id``'s clone that carry the business group; report the rest."""
    name = name_for_disk(request["clone_name"], disk_id)
    deleted, left = [], []
    for row in named.get(name) or []:
        reason = _left_alone(row, request)
        if reason:
            left.append(dict(disk_id=row["UDiskId"], reason=reason))
            module.warn("%s: %s (named %s) is left alone: %s" % (disk_id, row["UDiskId"], name, reason))
            continue
        if not module.check_mode:
            api.delete_disk(client, request["zone"], row["UDiskId"], until)
        deleted.append(row["UDiskId"])
    return dict(
        disk_id=disk_id,
        zone=request["zone"],
        target="clone",
        restored_disk_name=name,
        restored_disk_id=deleted[0] if len(deleted) == 1 else None,
        deleted_disk_ids=deleted,
        left_alone=left,
        state="deleted" if deleted else "absent",
        changed=bool(deleted),
        summary="delete %s" % ", ".join(deleted) if deleted else "no clone named %s to delete" % name,
        diff=dict(before=dict(clones=deleted), after=dict(clones=[])),
    )


def wait_restored(client, zone, pending, timeout, wall):
    """Wait for every restored disk of ``pending`` at once: ``(settled as wait_all gives it, {disk id: ready time})``.

    A clone is restored when it is Available with its source's size; an in-place restore when the disk is no
    longer Restoring. The ready time is the wall time of the poll that first saw it restored.
    """
    until = client.clock() + timeout
    watches = {
        disk_id: Watch(rid, label, until, ("wait_timeout", timeout), seen=seen, missing_until=until)
        for disk_id, (rid, _size, label, _requested, seen) in pending.items()
    }
    sizes = {rid: size for rid, size, _label, _requested, _seen in pending.values()}
    ready_at = {}

    def judge(row):
        status, size = row.get("Status"), api._int(row.get("Size"))
        if status in BUSY_STATES:
            return BUSY, status, ""
        if status not in RESTORED_STATES:
            return BROKEN, status, "Available"
        if size != sizes.get(row["UDiskId"]):
            return BROKEN, "%s with %s GB" % (status, size), "%s GB, the source's size" % sizes.get(row["UDiskId"])
        ready_at.setdefault(row["UDiskId"], wall())
        return READY, status, ""

    def read(ids, _until):
        rows = api.rows_by_id(api.disks(client, zone), ids)
        return {key: row for key, row in rows.items() if row is not None}

    return wait_all(client, read, watches, judge), ready_at


def restore_result(request, disk_id, source, point, now, window):
    """One disk's element of ``restores`` before anything is done (``_point``: the point, for the converger)."""
    return dict(
        disk_id=disk_id,
        zone=request["zone"],
        target=request["target"],
        recovery_point=utc_iso(point),
        recovery_point_age=now - point,
        recovery_window=dict(oldest=utc_iso(window.oldest()), latest=utc_iso(window.latest())),
        snapshot_id=None,
        restored_disk_id=None,
        restored_disk_name=None,
        disk_size=api._int(source.get("Size")),
        requested_at=utc_iso(now),
        available_at=None,
        restore_seconds=None,
        changed=False,
        state=None,
        _point=point,
    )


class RestoreConverger(Converger):
    """Reads the sources, their clones (by name) and services, restores each disk, then waits for all at once."""

    def __init__(self, module, client, request, wall=time.time):
        self.module = module
        self.client = client
        self.request = request
        self.zone = request["zone"]
        self.wall = wall
        self.sources, self.named, self.services = {}, {}, {}
        self.pending = {}  # disk_id -> (restored disk id, expected size, label, requested wall time, row seen)

    def read(self):
        ids, request = self.request["disk_ids"], self.request
        self.sources = api.rows_by_id(api.disks(self.client, self.zone), ids)
        if request["target"] == "clone":
            names = [name_for_disk(request["clone_name"], disk_id) for disk_id in ids]
            self.named = api.disks_named(self.client, self.zone, names)
        if request["state"] == "present":
            self.services = api.rows_by_id(api.services(self.client, self.zone), ids)
        return ids

    def act(self, target):
        if self.request["state"] == "absent":  # a clone outlives its source: deleted even when the source is gone
            return self._absent(target)
        source = self.sources.get(target)
        if source is None:
            raise DiskError("UDisk %s was not found in zone %s" % (target, self.zone))
        service = self.services.get(target)
        if service is None:
            raise DiskError("%s has no USnap snapshot service, so it has no recovery points" % target)
        now = int(self.wall())
        window = Window.of(service, api.backup_range(self.client, self.zone, target), now)
        point = pick_point(self.request["point_in_time"], window, target)
        result = restore_result(self.request, target, source, point, now, window)
        if self.request["target"] == "clone":
            return self._clone(result)
        return self._in_place(result, source)

    def _clone(self, result):
        disk_id, point = result["disk_id"], result.pop("_point")
        name = name_for_disk(self.request["clone_name"], disk_id)
        result["restored_disk_name"] = name
        rows = self.named.get(name) or []
        if len(rows) > 1 or (rows and rows[0]["UDiskId"] == disk_id):
            raise DiskError(
                "clone_name %s names %s in zone %s, not one clone of %s: choose another clone_name"
                % (name, ", ".join(r["UDiskId"] for r in rows), self.zone, disk_id)
            )
        group = self.request["business_group"]
        if rows and group is not None and rows[0].get("Tag") != group:
            raise DiskError(
                "clone_name %s is taken by %s of business group %s, not %s: choose another clone_name"
                % (name, rows[0]["UDiskId"], rows[0].get("Tag"), group)
            )
        if rows:  # the idempotency key: a clone of that name is reused, never made twice
            return self._reuse(result, rows[0])
        result.update(
            changed=True, summary="clone %s as of %s into a new disk %s" % (disk_id, result["recovery_point"], name)
        )
        result["diff"] = dict(
            before={}, after=dict(clone=name, source=disk_id, recovery_point=result["recovery_point"])
        )
        if self.module.check_mode:
            return result
        params = dict(UDiskId=disk_id, SnapshotTime=point, Name=name, Tag=group, ChargeType=CLONE_CHARGE_TYPE)
        requested = self.wall()
        result["requested_at"] = utc_iso(requested)
        result["restored_disk_id"] = api.clone_disk(self.client, self.zone, params, self._until())
        result["state"] = "Cloning"
        self._watch(disk_id, result["restored_disk_id"], result, requested=requested)
        return result

    def _reuse(self, result, row):
        name, clone_id = result["restored_disk_name"], row["UDiskId"]
        result.update(restored_disk_id=clone_id, state=row.get("Status"))
        result["summary"] = "reuse clone %s (%s) of %s" % (clone_id, name, result["disk_id"])
        result["diff"] = dict(before=dict(clone=name, clone_id=clone_id), after=dict(clone=name, clone_id=clone_id))
        self._watch(result["disk_id"], clone_id, result, seen=row)
        return result

    def _in_place(self, result, source):
        disk_id, point = result["disk_id"], result.pop("_point")
        if api.is_attached(source):
            raise DiskError(
                "%s is attached to %s: UCloud restores only a detached disk in place; detach it first, or restore "
                "to a clone (target=clone). Nothing was sent" % (disk_id, source.get("UHostId") or "a UHost")
            )
        if source.get("Status") in BUSY_STATES:
            raise DiskError(
                "%s is %s: wait until it is Available, then run the task again" % (disk_id, source["Status"])
            )
        result.update(restored_disk_id=disk_id, restored_disk_name=source.get("Name"), changed=True)
        result["summary"] = "restore %s in place to %s" % (disk_id, result["recovery_point"])
        result["diff"] = dict(
            before=dict(disk_id=disk_id, content="current"),
            after=dict(disk_id=disk_id, content="as of %s" % result["recovery_point"]),
        )
        if self.module.check_mode:
            result["state"] = source.get("Status")
            return result
        requested = self.wall()
        result["requested_at"] = utc_iso(requested)
        api.restore_disk(self.client, self.zone, disk_id, point, self._until())
        result["state"] = "Restoring"
        self._watch(disk_id, disk_id, result, requested=requested)
        return result

    def _absent(self, disk_id):
        return delete_clones(self.module, self.client, self.request, self.named, disk_id, self._until())

    def _until(self):
        return self.client.clock() + self.request["wait_timeout"]

    def _watch(self, disk_id, restored_id, result, requested=None, seen=None):
        if self.request["wait"]:
            label = (
                "clone %s of %s" % (restored_id, disk_id) if restored_id != disk_id else "restored disk %s" % disk_id
            )
            self.pending[disk_id] = (restored_id, result["disk_size"], label, requested, seen)

    def finish(self, outcomes):
        if not self.pending:
            return
        settled, ready_at = wait_restored(self.client, self.zone, self.pending, self.request["wait_timeout"], self.wall)
        for disk_id, (row, error) in settled.items():
            if error is not None:
                outcomes[disk_id].fail(error)
                continue
            result, requested = outcomes[disk_id].result, self.pending[disk_id][3]
            result["state"] = row.get("Status")
            ready = ready_at.get(row["UDiskId"])
            if requested is not None and ready is not None:
                result.update(available_at=utc_iso(ready), restore_seconds=round(max(0.0, ready - requested), 3))
