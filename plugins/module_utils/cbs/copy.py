# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""cbs_snapshot_copy: the converger of the copies of snapshots in other regions.

``read`` finds the source snapshots (by ids, or the newest of that name on each disk) and, in every destination
region at once, the copies already made of them (a copy is named after its source's name and id); ``act``
copies each snapshot to the destinations that lack a copy, in one CopySnapshotCrossRegions call, and sets the
retention of the new copies; ``finish`` waits for every copy not yet NORMAL, all regions polled together.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.snapshield.cloud.plugins.module_utils._concurrency import all_concurrently
from ansible_collections.snapshield.cloud.plugins.module_utils._converge import Converger
from ansible_collections.snapshield.cloud.plugins.module_utils._wait import BROKEN, BUSY, READY, Watch, wait_all
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import api
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import retention_deadline
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import DiskError

COPYING = ("COPYING_FROM_REMOTE", "CHECKING_COPIED")


def judge_copy(snap, waits=True):
    """NORMAL is ready; a copy under way is busy (ready when not waiting); any other state is broken."""
    state = snap.get("SnapshotState")
    if state == "NORMAL" or (state in COPYING and not waits):
        return READY, state, ""
    if state in COPYING:
        return BUSY, state, " (%s%%)" % snap.get("Percent")
    return BROKEN, state, "NORMAL, COPYING_FROM_REMOTE or CHECKING_COPIED"


def copy_result(region, snap, changed):
    return dict(
        region=region,
        snapshot_id=snap.get("SnapshotId"),
        snapshot_name=snap.get("SnapshotName"),
        state=snap.get("SnapshotState"),
        percent=snap.get("Percent"),
        deadline=snap.get("DeadlineTime"),
        copy_from_remote=snap.get("CopyFromRemote"),
        changed=changed,
    )


def _usable(snaps):
    """The newest NORMAL one of a disk's snapshots of one name (newest first), else the newest, else None."""
    return next((snap for snap in snaps if snap.get("SnapshotState") == "NORMAL"), snaps[0] if snaps else None)


class Copying:
    """What ``act`` leaves to ``finish``: the source and its copy in each region (``fresh``: made by this task)."""

    def __init__(self, source, copies, fresh, until):
        self.source, self.copies, self.fresh, self.until = source, copies, fresh, until


class CopyConverger(Converger):
    def __init__(self, module, client, request):
        self.check_mode = module.check_mode
        self.client = client
        self.request = request
        self.sources = {}  # target (snapshot or disk id) -> the source snapshot, or the reason there is none
        self.copies = {}  # region -> {copy name: [copies]}

    def read(self):
        request = self.request
        if request["snapshot_ids"]:
            found = {snap["SnapshotId"]: snap for snap in api.snapshots_by_id(self.client, request["snapshot_ids"])}
            targets = request["snapshot_ids"]
            missing = "snapshot %%s does not exist in region %s" % self.client.region
            self.sources = {target: found.get(target, missing % target) for target in targets}
        else:
            found = api.snapshots_of_disks(self.client, request["disk_ids"], request["name"])
            targets = request["disk_ids"]
            missing = "disk %%s has no snapshot named %r in region %s" % (request["name"], self.client.region)
            self.sources = {target: _usable(found[target]) or missing % target for target in targets}
        names = [api.copy_name(snap) for snap in self.sources.values() if isinstance(snap, dict)]
        regions = self.request["regions"]
        self.copies = dict(
            zip(
                regions,
                all_concurrently(lambda region: api.copies_named(self.client.in_region(region), names), regions),
            )
        )
        return targets

    def act(self, target):
        source = self.sources[target]
        if not isinstance(source, dict):
            raise DiskError(source)
        name = api.copy_name(source)
        until = self.client.clock() + self.request["wait_timeout"]
        copies = {region: found[name][0] for region, found in self.copies.items() if found.get(name)}
        missing = [region for region in self.request["regions"] if region not in copies]
        if missing and source.get("SnapshotState") != "NORMAL":
            raise DiskError(
                "snapshot %s is %s: only a NORMAL snapshot can be copied; run the task again once it is"
                % (source["SnapshotId"], source.get("SnapshotState"))
            )
        if self.check_mode:
            copies.update((region, dict(SnapshotName=name)) for region in missing)
            return self._result(source, copies, missing)
        made, failed = {}, []
        if missing:
            for region, (copy_id, error) in sorted(api.copy_snapshot(self.client, source, missing, until).items()):
                if error:
                    failed.append("%s: %s" % (region, error))
                else:
                    made[region] = dict(SnapshotId=copy_id, SnapshotName=name)
        if self.request["retention_days"]:
            deadline = retention_deadline(self.client.clock(), self.request["retention_days"])
            for region, snap in made.items():
                api.set_deadline(self.client.in_region(region), snap["SnapshotId"], deadline, until)
        if failed:
            raise DiskError(
                "snapshot %s could not be copied to %s%s"
                % (
                    source["SnapshotId"],
                    "; ".join(failed),
                    "; it was copied to %s" % ", ".join(sorted(made)) if made else "",
                )
            )
        copies.update(made)
        return Copying(source, copies, set(made), until)

    def _result(self, source, copies, fresh):
        result = dict(
            snapshot_id=source["SnapshotId"],
            snapshot_name=source.get("SnapshotName"),
            disk_id=source.get("DiskId"),
            changed=bool(fresh),
            copies=[copy_result(region, copies[region], region in fresh) for region in self.request["regions"]],
        )
        if fresh:
            before = [copy for copy in result["copies"] if copy["region"] not in fresh]
            result["diff"] = dict(before=dict(copies=before), after=dict(copies=result["copies"]))
        return result

    def finish(self, outcomes):
        copying = {target: o.result for target, o in outcomes.items() if isinstance(o.result, Copying)}
        timeout, now = ("wait_timeout", self.request["wait_timeout"]), self.client.clock()
        watches = {}
        for target, item in copying.items():
            for region, snap in item.copies.items():
                label = "copy %s of snapshot %s in %s" % (snap["SnapshotId"], item.source["SnapshotId"], region)
                key = (region, snap["SnapshotId"])
                if region in item.fresh:
                    watches[target, region] = Watch(
                        key, label, item.until, timeout, missing_until=now + api.VISIBILITY_GRACE
                    )
                else:
                    watches[target, region] = Watch(key, label, item.until, timeout, seen=snap)
        waits = self.request["wait"]
        settled = wait_all(self.client, self._read, watches, lambda snap: judge_copy(snap, waits))
        for target, item in copying.items():
            errors = [settled[target, region][1] for region in item.copies if settled[target, region][1] is not None]
            if errors:
                outcomes[target].fail(errors[0])
                continue
            copies = {region: settled[target, region][0] for region in item.copies}
            outcomes[target].result = self._result(item.source, copies, item.fresh)

    def _read(self, keys, until):
        """``{(region, copy id): copy}``: each region's copies read together, the regions side by side."""
        by_region = {}
        for region, snapshot_id in keys:
            by_region.setdefault(region, []).append(snapshot_id)

        def read_region(region):
            return [
                ((region, snap["SnapshotId"]), snap)
                for snap in api.snapshots_by_id(self.client.in_region(region), by_region[region], until)
            ]

        return dict(pair for pairs in all_concurrently(read_region, sorted(by_region)) for pair in pairs)
