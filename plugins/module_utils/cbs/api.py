# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CBS actions: snapshots and disks read in the fewest calls, created and deleted once, and shaped once for a
module and its ``_info`` twin."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.snapshield.cloud.plugins.module_utils._apply import apply_once
from ansible_collections.snapshield.cloud.plugins.module_utils._concurrency import all_concurrently
from ansible_collections.snapshield.cloud.plugins.module_utils._lookup import Listing, chunks, look_up, paginate
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError

DISK_FILTER_MAX = 10  # values the disk-id filter of DescribeSnapshots accepts
IDS_PER_CALL = 100  # snapshot or disk ids per Describe call
SNAPSHOT_ORDER = dict(OrderField="CREATE_TIME", Order="DESC")


# Shapes -----------------------------------------------------------------------------------------------------


def tags_to_api(tags):
    return [dict(Key=key, Value=value) for key, value in sorted((tags or {}).items())]


def tags_from_api(tags):
    return {tag.get("Key"): tag.get("Value") for tag in tags or []}


def snapshot_result(raw):
    """A snapshot of the API as the modules return it."""
    return dict(
        snapshot_id=raw.get("SnapshotId"),
        snapshot_name=raw.get("SnapshotName"),
        disk_id=raw.get("DiskId"),
        state=raw.get("SnapshotState"),
        percent=raw.get("Percent"),
        create_time=raw.get("CreateTime"),
        deadline=raw.get("DeadlineTime"),
        is_permanent=raw.get("IsPermanent"),
        tags=tags_from_api(raw.get("Tags")),
        disk_size=raw.get("DiskSize"),
        disk_usage=raw.get("DiskUsage"),
        encrypted=raw.get("Encrypt"),
    )


def disk_result(raw):
    """A disk of the API as cbs_disk_info returns it."""
    placement = raw.get("Placement") or {}
    return dict(
        disk_id=raw.get("DiskId"),
        disk_name=raw.get("DiskName"),
        disk_size=raw.get("DiskSize"),
        disk_state=raw.get("DiskState"),
        disk_usage=raw.get("DiskUsage"),
        disk_type=raw.get("DiskType"),
        zone=placement.get("Zone"),
        project_id=placement.get("ProjectId"),
        instance_id=raw.get("InstanceId") or None,
        snapshot_ability=raw.get("SnapshotAbility"),
        encrypted=raw.get("Encrypt"),
        tags=tags_from_api(raw.get("Tags")),
        create_time=raw.get("CreateTime"),
        snapshot_count=raw.get("SnapshotCount"),
    )


# Snapshots --------------------------------------------------------------------------------------------------


def snapshots(client, filters=()):
    """The snapshots of the region (with ``filters``), newest first, readable by disk ids, 10 disks a call."""
    params = dict(SNAPSHOT_ORDER, Filters=list(filters)) if filters else dict(SNAPSHOT_ORDER)

    def by_disk_ids(batch):
        filtered = dict(params, Filters=[dict(Name="disk-id", Values=batch)] + list(filters))
        return list(paginate(client, "DescribeSnapshots", "SnapshotSet", filtered))

    return Listing(
        client,
        "DescribeSnapshots",
        "SnapshotSet",
        "DiskId",
        params,
        by_ids=by_disk_ids,
        per_call=DISK_FILTER_MAX,
        unique_key="SnapshotId",
    )


def snapshots_of_disks(client, disk_ids, name=None, filters=()):
    """``{disk id: [its snapshots, newest first]}``, named exactly ``name`` if given, in the fewest calls.

    Disk-id filter batches (one call per 10 disks), or every snapshot of the region (with that name), 100 a
    page, whichever the region's snapshot count says is cheaper (see ``_lookup.look_up``).
    """
    filters = list(filters) + ([dict(Name="snapshot-name", Values=[name])] if name is not None else [])
    found = look_up(snapshots(client, filters), disk_ids)
    # the name filter matches parts of names: compare exactly
    return {
        disk_id: [snap for snap in snaps if name is None or snap.get("SnapshotName") == name]
        for disk_id, snaps in found.items()
    }


def snapshots_by_id(client, snapshot_ids, until=None):
    """The snapshots of those ids that exist, 100 ids a call (refusals waited out until ``until``)."""

    def batch(ids):
        try:
            return list(
                paginate(client, "DescribeSnapshots", "SnapshotSet", dict(SNAPSHOT_ORDER, SnapshotIds=ids), until=until)
            )
        except ApiError as error:
            if error.code != "InvalidSnapshotId.NotFound":
                raise
        # one missing id fails the whole call: ask for each on its own
        return [snap for snapshot_id in ids for snap in batch([snapshot_id])] if len(ids) > 1 else []

    return [snap for found in all_concurrently(batch, chunks(snapshot_ids, IDS_PER_CALL)) for snap in found]


def find_snapshots(client, request):
    """cbs_snapshot_info: snapshots by ids, or by disks, exact name and state (all pages); with ``overview``, the
    region's snapshot storage too (only that when nothing else is asked for)."""
    listing = request["snapshot_ids"] or request["disk_ids"] or request["name"] is not None or request["state"]
    answer = dict(snapshots=_find_snapshots(client, request) if listing or not request["overview"] else [])
    if request["overview"]:
        answer["overview"] = snapshot_overview(client)
    return answer


def _find_snapshots(client, request):
    if request["snapshot_ids"]:
        found = snapshots_by_id(client, request["snapshot_ids"])
    else:
        state = request["state"]
        filters = [dict(Name="snapshot-state", Values=[state])] if state else []
        name = request["name"]
        if request["disk_ids"]:
            by_disk = snapshots_of_disks(client, request["disk_ids"], name, filters)
            found = [snap for disk_id in request["disk_ids"] for snap in by_disk[disk_id]]
        else:
            filters += [dict(Name="snapshot-name", Values=[name])] if name is not None else []
            found = [snap for snap in snapshots(client, filters).all() if name in (None, snap.get("SnapshotName"))]
    return [snapshot_result(snap) for snap in found]


def snapshot_overview(client):
    """The region's snapshot storage, in GB (DescribeSnapshotOverview, which replaces GetSnapOverview)."""
    answer = client.call("DescribeSnapshotOverview", {})
    return dict(
        region=client.region,
        total_count=answer.get("TotalNums"),
        total_size=answer.get("TotalSize"),
        billed_size=answer.get("RealTradeSize"),
        free_quota=answer.get("FreeQuota"),
    )


def create_snapshot(client, params, until):
    """CreateSnapshot's new snapshot id; after a lost answer, the disk's snapshot of that exact name, if any."""

    def applied():
        mine = snapshots_of_disks(client, [params["DiskId"]], params["SnapshotName"])[params["DiskId"]]
        return dict(SnapshotId=mine[0]["SnapshotId"]) if mine else None

    return apply_once(client, "CreateSnapshot", params, applied, until)["SnapshotId"]


def delete_snapshots(client, snapshot_ids, until):
    """DeleteSnapshots; after a lost answer, or when one of them is already gone, only what is left."""

    def delete(ids):
        apply_once(client, "DeleteSnapshots", dict(SnapshotIds=ids), lambda: not snapshots_by_id(client, ids), until)

    try:
        delete(snapshot_ids)
    except ApiError as error:
        if error.code != "InvalidSnapshotId.NotFound":
            raise
        left = [snap["SnapshotId"] for snap in snapshots_by_id(client, snapshot_ids)]
        if left:
            delete(left)


# Disks ------------------------------------------------------------------------------------------------------


def find_disks(client, request):
    """cbs_disk_info: disks by ids (100 a call) or by filters, every page."""
    if request["disk_ids"]:
        found = disks_by_id(client, request["disk_ids"])
    else:
        found = paginate(
            client, "DescribeDisks", "DiskSet", dict(Filters=request["filters"]) if request["filters"] else {}
        )
    return dict(disks=[disk_result(disk) for disk in found])


def disks_by_id(client, disk_ids):
    """The disks of those ids that exist, 100 ids a call."""
    return [
        disk
        for batch in chunks(disk_ids, IDS_PER_CALL)
        for disk in paginate(client, "DescribeDisks", "DiskSet", dict(DiskIds=batch))
    ]


def unusable_disks(client, disk_ids):
    """``{disk id: why a snapshot of it would fail}``: the disks that do not exist or cannot have snapshots."""
    disks = {disk["DiskId"]: disk for disk in disks_by_id(client, disk_ids)}
    unusable = {}
    for disk_id in disk_ids:
        if disk_id not in disks:
            unusable[disk_id] = "disk %s does not exist in region %s" % (disk_id, client.region)
        elif disks[disk_id].get("SnapshotAbility") is False:
            unusable[disk_id] = "disk %s cannot have snapshots (snapshot_ability is false)" % disk_id
    return unusable
