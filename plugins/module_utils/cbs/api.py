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
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import RESTORED_FROM
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.errors import explain
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError, DiskError

DISK_FILTER_MAX = 10  # values the disk-id filter of DescribeSnapshots accepts
IDS_PER_CALL = 100  # snapshot or disk ids per Describe call
SNAPSHOT_ORDER = dict(OrderField="CREATE_TIME", Order="DESC")
VISIBILITY_GRACE = 10.0  # seconds a just-made snapshot (or copy) may stay invisible to DescribeSnapshots


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

    def existing(ids):
        return [snap["SnapshotId"] for snap in snapshots_by_id(client, ids)]

    _delete_existing(
        client, "DeleteSnapshots", "SnapshotIds", snapshot_ids, existing, "InvalidSnapshotId.NotFound", until
    )


def _delete_existing(client, action, ids_param, ids, existing, gone_code, until):
    """``action`` (all or nothing) on ``ids``. After a lost answer it is sent again only if ``existing(ids)`` still
    finds them; when the API says one is gone (``gone_code``), it is sent once more for those that exist."""

    def delete(batch):
        apply_once(client, action, {ids_param: batch}, lambda: not existing(batch), until)

    try:
        delete(ids)
    except ApiError as error:
        if error.code != gone_code:
            raise
        left = existing(ids)
        if left:
            delete(left)


# Disks ------------------------------------------------------------------------------------------------------


def find_disks(client, request):
    """cbs_disk_info: disks by ids (100 a call) or by filters, every page; with ``overview``, the region's snapshot
    storage too (a refusal, such as a CAM policy without the action, is reported, not raised)."""
    if request["disk_ids"]:
        found = disks_by_id(client, request["disk_ids"])
    else:
        found = paginate(
            client, "DescribeDisks", "DiskSet", dict(Filters=request["filters"]) if request["filters"] else {}
        )
    answer = dict(disks=[disk_result(disk) for disk in found])
    if request.get("overview"):
        answer["overviews"] = [overview_or_error(client)]
    return answer


def overview_or_error(client):
    """``snapshot_overview``, or the region and the ``error`` that kept it from being read."""
    try:
        return snapshot_overview(client)
    except ApiError as error:
        return dict(region=client.region, error=str(explain(error)))


def region_disks(client, filters=()):
    """Every disk of the client's region that matches ``filters``, with its automatic snapshot policy bindings."""
    params = dict(ReturnBindAutoSnapshotPolicy=True)
    if filters:
        params["Filters"] = list(filters)
    return list(paginate(client, "DescribeDisks", "DiskSet", params))


def inventory_host(raw, region):
    """A disk as the cbs_disks inventory plugin makes it a host: disk_result's keys and those of docs/inventory.md."""
    host = disk_result(raw)
    instance_id = raw.get("InstanceId") or ""
    host.update(
        cloud="tencentcloud",
        region=region,
        instance_id=instance_id,
        attached=bool(raw.get("Attached", instance_id)),
        auto_snapshot_policy_ids=list(raw.get("AutoSnapshotPolicyIds") or []),
    )
    return host


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


# Automatic snapshot policies --------------------------------------------------------------------------------

BIND_BATCH = 80  # disks a BindAutoSnapshotPolicy (and UnbindAutoSnapshotPolicy) call takes
POLICY_FILTER_VALUES = 100  # values sent in one filter of DescribeAutoSnapshotPolicies


def schedule_result(item):
    """One ``Policy`` item of the API as the modules return it."""
    return dict(
        hours=item.get("Hour"),
        weekdays=item.get("DayOfWeek"),
        days_of_month=item.get("DayOfMonth"),
        interval_days=item.get("IntervalDays"),
    )


def schedule_key(items):
    """A schedule in a form that compares equal whatever order the API lists hours and days in."""
    return sorted(
        sorted((key, sorted(value) if isinstance(value, list) else value) for key, value in item.items() if value)
        for item in items or []
    )


def policy_result(raw):
    """An automatic snapshot policy of the API as the modules return it."""
    schedule = [schedule_result(item) for item in raw.get("Policy") or []]
    first = schedule[0] if schedule else schedule_result({})
    return dict(
        policy_id=raw.get("AutoSnapshotPolicyId"),
        name=raw.get("AutoSnapshotPolicyName"),
        policy_state=raw.get("AutoSnapshotPolicyState"),
        active=raw.get("IsActivated"),
        permanent=raw.get("IsPermanent"),
        retention_days=raw.get("RetentionDays"),
        hours=first["hours"],
        weekdays=first["weekdays"],
        days_of_month=first["days_of_month"],
        interval_days=first["interval_days"],
        schedule=schedule,
        next_trigger_time=raw.get("NextTriggerTime"),
        create_time=raw.get("CreateTime"),
        disk_ids=sorted(raw.get("DiskIdSet") or []),
    )


def policies(client, filters=()):
    """Every automatic snapshot policy of the region that matches ``filters``, all pages."""
    params = dict(Filters=list(filters)) if filters else {}
    return list(paginate(client, "DescribeAutoSnapshotPolicies", "AutoSnapshotPolicySet", params))


def _policies_by(client, filter_name, values, filters=()):
    """The policies whose ``filter_name`` is one of ``values`` (100 values a filter), and that match ``filters``."""
    return [
        policy
        for batch in chunks(values, POLICY_FILTER_VALUES)
        for policy in policies(client, [dict(Name=filter_name, Values=batch)] + list(filters))
    ]


def policies_named(client, names, filters=()):
    """The policies named exactly one of ``names`` (the name filter is not trusted to compare exactly)."""
    found = _policies_by(client, "auto-snapshot-policy-name", names, filters)
    return [policy for policy in found if policy.get("AutoSnapshotPolicyName") in names]


def policies_by_id(client, policy_ids, filters=()):
    """The policies of those ids that exist."""
    return _policies_by(client, "auto-snapshot-policy-id", policy_ids, filters)


def find_policies(client, request):
    """cbs_snapshot_policy_info: policies by ids or exact names, and state (all of the region without any)."""
    state = [dict(Name="auto-snapshot-policy-state", Values=[request["state"]])] if request["state"] else []
    if request["policy_ids"]:
        found = policies_by_id(client, request["policy_ids"], state)
    elif request["names"]:
        found = policies_named(client, request["names"], state)
    else:
        found = policies(client, state)
    return dict(policies=[policy_result(policy) for policy in found])


def next_trigger_time(client, schedule, until=None):
    """When a policy of that schedule would first run: CreateAutoSnapshotPolicy with DryRun, which creates nothing.

    A DryRun never takes effect, so after a lost answer it is simply asked again.
    """
    answer = apply_once(client, "CreateAutoSnapshotPolicy", dict(Policy=schedule, DryRun=True), lambda: None, until)
    return answer.get("NextTriggerTime")


def create_policy(client, params, until=None):
    """CreateAutoSnapshotPolicy's answer; after a lost answer, the policy of that exact name, if one exists.

    There is no ClientToken: the name is the only way to tell whether a lost create took effect.
    """

    def applied():
        mine = policies_named(client, [params["AutoSnapshotPolicyName"]])
        if not mine:
            return None
        return dict(
            AutoSnapshotPolicyId=mine[0]["AutoSnapshotPolicyId"], NextTriggerTime=mine[0].get("NextTriggerTime")
        )

    return apply_once(client, "CreateAutoSnapshotPolicy", params, applied, until)


def modify_policy(client, params, applied, until=None):
    """ModifyAutoSnapshotPolicyAttribute; ``applied()`` reads the policy and says whether it has the changes."""
    apply_once(client, "ModifyAutoSnapshotPolicyAttribute", params, applied, until)


def policy_by_id(client, policy_id):
    """The policy as it is now; DiskError when someone else deleted it."""
    found = policies_by_id(client, [policy_id])
    if not found:
        raise DiskError("automatic snapshot policy %s disappeared (deleted by someone else)" % policy_id)
    return found[0]


def bound_disks(client, policy_id):
    """The disks bound to the policy now."""
    return set(policy_by_id(client, policy_id).get("DiskIdSet") or [])


def bind_disks(client, policy_id, disk_ids, until=None):
    """Bind the disks, 80 a call. After a lost answer, or a disk found already bound, only those still unbound."""
    for batch in chunks(disk_ids, BIND_BATCH):
        try:
            _bind(client, policy_id, batch, until)
        except ApiError as error:
            if error.code != "InvalidDisk.AlreadyBound":
                raise
            left = sorted(set(batch) - bound_disks(client, policy_id))
            if left:
                _bind(client, policy_id, left, until)


def _bind(client, policy_id, batch, until):
    params = dict(AutoSnapshotPolicyId=policy_id, DiskIds=batch)
    apply_once(client, "BindAutoSnapshotPolicy", params, lambda: set(batch) <= bound_disks(client, policy_id), until)


def unbind_disks(client, policy_id, disk_ids, until=None):
    """Unbind the disks, 80 a call; after a lost answer, sent again only if one of them is still bound."""
    for batch in chunks(disk_ids, BIND_BATCH):
        params = dict(AutoSnapshotPolicyId=policy_id, DiskIds=batch)
        apply_once(
            client,
            "UnbindAutoSnapshotPolicy",
            params,
            lambda batch=batch: not set(batch) & bound_disks(client, policy_id),
            until,
        )


def delete_policies(client, policy_ids, until=None):
    """DeleteAutoSnapshotPolicies (all or nothing); after a lost answer, or when one is already gone, what is left."""

    def existing(ids):
        return [policy["AutoSnapshotPolicyId"] for policy in policies_by_id(client, ids)]

    gone = "InvalidAutoSnapshotPolicyId.NotFound"
    _delete_existing(client, "DeleteAutoSnapshotPolicies", "AutoSnapshotPolicyIds", policy_ids, existing, gone, until)


# Cross-region copies ----------------------------------------------------------------------------------------

COPY_NAMES_PER_CALL = 10  # copy names asked for in one DescribeSnapshots (the snapshot-name filter)


def copy_name(snap):
    """The name of the copy of ``snap`` in every destination: the source's name and id, so it finds its copies."""
    suffix = " copy of %s" % snap["SnapshotId"]
    return (snap.get("SnapshotName") or "")[: 60 - len(suffix)] + suffix


def copies_named(client, names):
    """``{name: [copies of that name in the client's region, newest first]}``, in the fewest calls.

    Name-filter batches or every snapshot of the region, whichever its snapshot count says is cheaper. Only copies
    (``CopyFromRemote``) count.
    """

    def by_names(batch):
        filters = [dict(Name="snapshot-name", Values=batch)]
        return list(paginate(client, "DescribeSnapshots", "SnapshotSet", dict(SNAPSHOT_ORDER, Filters=filters)))

    listing = Listing(
        client,
        "DescribeSnapshots",
        "SnapshotSet",
        "SnapshotName",
        dict(SNAPSHOT_ORDER),
        by_ids=by_names,
        per_call=COPY_NAMES_PER_CALL,
        unique_key="SnapshotId",
    )
    return {
        name: [snap for snap in snaps if snap.get("CopyFromRemote")] for name, snaps in look_up(listing, names).items()
    }


def copy_snapshot(client, snap, regions, until=None):
    """CopySnapshotCrossRegions of ``snap`` to ``regions``: ``{region: (copy id, None) or (None, error text)}``.

    After a lost answer each destination is read for the copy (by its name) before anything is sent again; a
    destination that has none then is reported, never copied to blindly.
    """
    name = copy_name(snap)
    params = dict(SnapshotId=snap["SnapshotId"], DestinationRegions=list(regions), SnapshotName=name)

    def applied():
        found = all_concurrently(lambda region: (region, copies_named(client.in_region(region), [name])[name]), regions)
        if not any(copies for _region, copies in found):
            return None
        return dict(
            SnapshotCopyResultSet=[
                dict(
                    DestinationRegion=region,
                    SnapshotId=copies[0]["SnapshotId"] if copies else "",
                    Code="Success" if copies else "LostAnswer",
                    Message="" if copies else "the answer was lost and no copy is there: run the task again",
                )
                for region, copies in found
            ]
        )

    answer = apply_once(client, "CopySnapshotCrossRegions", params, applied, until)
    outcome = {}
    for row in answer.get("SnapshotCopyResultSet") or []:
        if row.get("Code") == "Success":
            outcome[row.get("DestinationRegion")] = (row.get("SnapshotId"), None)
        else:
            outcome[row.get("DestinationRegion")] = (None, "%s: %s" % (row.get("Code"), row.get("Message")))
    for region in regions:
        outcome.setdefault(region, (None, "CopySnapshotCrossRegions said nothing about this region"))
    return outcome


def set_deadline(client, snapshot_id, deadline, until=None):
    """ModifySnapshotAttribute: the snapshot (a copy, in the client's region) is deleted at ``deadline``."""

    def applied():
        found = snapshots_by_id(client, [snapshot_id], until)
        return bool(found) and found[0].get("DeadlineTime") == deadline

    apply_once(client, "ModifySnapshotAttribute", dict(SnapshotId=snapshot_id, Deadline=deadline), applied, until)


# Restores ---------------------------------------------------------------------------------------------------

DISK_NAMES_PER_CALL = 10  # disk names asked for in one DescribeDisks (the disk-name filter)


def disks_named(client, names):
    """``{name: [disks named exactly that]}``, in the fewest calls: disk-name filter batches (10 names a call) or
    every disk of the region, whichever its disk count says is cheaper (see ``_lookup.look_up``)."""

    def by_names(batch):
        filters = [dict(Name="disk-name", Values=batch)]
        return list(paginate(client, "DescribeDisks", "DiskSet", dict(Filters=filters)))

    listing = Listing(
        client,
        "DescribeDisks",
        "DiskSet",
        "DiskName",
        by_ids=by_names,
        per_call=DISK_NAMES_PER_CALL,
        unique_key="DiskId",
    )
    return look_up(listing, names)


def restored_from(disk):
    """The snapshot a disk was restored from, by its ``snapshield-restored-from`` tag (None: not restored by us)."""
    return tags_from_api(disk.get("Tags")).get(RESTORED_FROM)


def create_disk(client, params, until):
    """CreateDisks of one disk from a snapshot: its id.

    ``params`` carry a ClientToken, so a resend answers the disk a lost call made; and after a lost answer the disk
    of that name restored from that snapshot is looked up first, so it is not even resent when the disk is seen.
    """

    def applied():
        name = params["DiskName"]
        mine = [disk for disk in disks_named(client, [name])[name] if restored_from(disk) == params["SnapshotId"]]
        return dict(DiskIdSet=[mine[0]["DiskId"]]) if mine else None

    ids = apply_once(client, "CreateDisks", params, applied, until).get("DiskIdSet") or []
    if len(ids) != 1:
        raise DiskError("CreateDisks answered %d disk ids for one disk: %s" % (len(ids), ", ".join(ids) or "none"))
    return ids[0]


def rollback_began(before, after):
    """Whether ApplySnapshot took effect on a disk read ``before`` and ``after`` it: the disk is rolling back, or its
    rollback progress reached 100 since (a rollback that has completed already)."""
    if after.get("DiskState") == "ROLLBACKING" or after.get("Rollbacking"):
        return True
    return after.get("RollbackPercent") == 100 and before.get("RollbackPercent") != 100


def apply_snapshot(client, params, before, until):
    """ApplySnapshot: rolls the disk (read as ``before``) back to the snapshot. After a lost answer the disk is read
    and the call is sent again only if no rollback began (see ``rollback_began``)."""

    def applied():
        found = disks_by_id(client, [params["DiskId"]])
        return bool(found) and rollback_began(before, found[0])

    apply_once(client, "ApplySnapshot", params, applied, until)


def terminate_disks(client, disk_ids, until):
    """TerminateDisks (all or nothing); after a lost answer, or when one of them is already gone, only what is left."""

    def existing(ids):
        return [disk["DiskId"] for disk in disks_by_id(client, ids)]

    _delete_existing(client, "TerminateDisks", "DiskIds", disk_ids, existing, "InvalidDiskId.NotFound", until)
