# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""USnap and UDisk actions: look-ups, the backup chain, prices, and results shaped once for a module and its
``_info`` twin."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.snapshield.cloud.plugins.module_utils._apply import apply_once
from ansible_collections.snapshield.cloud.plugins.module_utils._concurrency import all_concurrently
from ansible_collections.snapshield.cloud.plugins.module_utils._lookup import Listing, look_up, paginate
from ansible_collections.snapshield.cloud.plugins.module_utils.common import is_whole
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError, DiskError
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap.checks import (
    CHAIN,
    CHAIN_KEYS,
    DEFAULT_CHARGE_TYPE,
    PROTECTION_KEYS,
    normalise_charge_type,
)

RESULT_KEYS = (
    ("service_id", "disk_id", "zone", "status")
    + PROTECTION_KEYS
    + ("business_group", "disk_size", "create_time", "expire_time")
)
SERVICE_ID_KEYS = ("SnapshotServiceId", "ServiceID", "ServiceId")
DIRECT_LOOKUPS = 10  # up to this many disks are always looked up one call each (see _lookup.look_up)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


# Look-ups ---------------------------------------------------------------------------------------


def services(client, zone):
    return Listing(client, "DescribeSnapshotService", "DataSet", "VDiskId", dict(Zone=zone))


def disks(client, zone, **filters):
    return Listing(client, "DescribeUDisk", "DataSet", "UDiskId", dict(filters, Zone=zone))


def rows_by_id(listing, ids):
    """``{id: its row or None}``, in the fewest calls."""
    return {item: rows[0] if rows else None for item, rows in look_up(listing, ids, DIRECT_LOOKUPS).items()}


def find_service(client, zone, disk_id):
    return rows_by_id(services(client, zone), [disk_id])[disk_id]


def disk_size(rows, zone, disk_id):
    row = rows.get(disk_id)
    if row is None:
        raise DiskError("UDisk %s was not found in zone %s" % (disk_id, zone))
    return _int(row.get("Size"))


def backup_range(client, zone, disk_id):
    """backup_mode, journal, hour, day of the disk's service (DescribeUSnapBackupRange)."""
    answer = client.call("DescribeUSnapBackupRange", dict(Zone=zone, VDiskId=disk_id))
    chain = answer.get("BackupRange") or {}
    result = dict(backup_mode=answer.get("BackupMode"))
    result.update((name, _int(chain.get(param))) for name, param, _step in CHAIN)
    return result


# Results ----------------------------------------------------------------------------------------


def service_id_of(data):
    return next((data[key] for key in SERVICE_ID_KEYS if data.get(key)), None)


def blank_result(disk_id, zone):
    return dict(dict.fromkeys(RESULT_KEYS), disk_id=disk_id, zone=zone)


def service_result(row, chain, zone=None):
    """A service as usnap_service and usnap_service_info return it: the row plus its backup chain."""
    result = blank_result(row.get("VDiskId"), row.get("Zone") or zone)
    result.update(
        service_id=service_id_of(row),
        status=row.get("Status"),
        charge_type=normalise_charge_type(row.get("ChargeType")),
        business_group=row.get("Tag"),
        disk_size=_int(row.get("VDiskSize")) or None,
        create_time=row.get("CreateTime"),
        expire_time=row.get("ExpiredTime"),
    )
    result.update((key, chain.get(key)) for key in ("backup_mode",) + CHAIN_KEYS)
    return result


def disk_result(row):
    """A disk as ucloud_disk_info returns it."""
    is_boot = row.get("IsBoot")
    return dict(
        disk_id=row.get("UDiskId"),
        disk_name=row.get("Name"),
        disk_size=_int(row.get("Size")),
        status=row.get("Status"),
        zone=row.get("Zone"),
        disk_type=row.get("DiskType"),
        is_boot=str(is_boot).lower() in ("true", "yes", "1"),
        business_group=row.get("Tag"),
        backup_mode=row.get("BackupMode"),
        create_time=row.get("CreateTime"),
    )


def protection(result):
    """The part of a service that diff mode shows; empty when there is no service."""
    return {key: result.get(key) for key in PROTECTION_KEYS} if result else {}


def same_chain(current, plan):
    return current.get("backup_mode") == plan["backup_mode"] and (
        plan["backup_mode"] != "Custom" or all(current.get(key) == plan[key] for key in CHAIN_KEYS)
    )


def is_upgrade(current, plan):
    """SnapshotsvcMode for a change: Base is the least protection, Ultimate the most, Custom by its chain."""
    if plan["backup_mode"] != "Custom":
        return plan["backup_mode"] == "Ultimate"
    return any(not is_whole(current.get(key)) or plan[key] > current[key] for key in CHAIN_KEYS)


def chain_params(plan):
    params = dict(BackupMode=plan["backup_mode"])
    if plan["backup_mode"] == "Custom":
        params.update((param, plan[name]) for name, param, _step in CHAIN)
    return params


# Prices -----------------------------------------------------------------------------------------


def _units(cents):
    try:
        return float(cents) / 100
    except (TypeError, ValueError):
        return None


def price_result(data, charge_type=None, action=None):
    """price, original_price, list_price in cents as given, charge_type, and each ``*_units`` (/ 100).

    ``data`` is the price object or, as older gateways send it, a one-element list of it.
    """
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict) or data.get("Price") is None:
        raise ApiError("no price in the answer: %r" % (data,), code="InvalidResponse", action=action)
    result = dict(
        price=data.get("Price"),
        original_price=data.get("OriginalPrice"),
        list_price=data.get("ListPrice"),
        charge_type=normalise_charge_type(data.get("ChargeType") or charge_type),
    )
    for key in ("price", "original_price", "list_price"):
        result[key + "_units"] = _units(result[key])
    return result


def service_price(client, zone, size, plan):
    """What a new service costs (DescribeSnapshotServicePrice)."""
    charge_type = plan["charge_type"] or DEFAULT_CHARGE_TYPE
    action = "DescribeSnapshotServicePrice"
    answer = client.call(
        action, dict(chain_params(plan), Zone=zone, Size=size, ChargeType=charge_type, Quantity=plan["quantity"])
    )
    return price_result(answer.get("DataSet"), charge_type, action)


def upgrade_price(client, zone, current, size, plan):
    """What changing an existing service's chain costs (DescribeSnapshotServiceUpgradePrice)."""
    action = "DescribeSnapshotServiceUpgradePrice"
    answer = client.call(
        action,
        dict(
            chain_params(plan),
            Zone=zone,
            VDiskId=current["disk_id"],
            Size=size,
            SnapshotsvcMode="Yes" if is_upgrade(current, plan) else "No",
        ),
    )
    return price_result(answer, current.get("charge_type"), action)


# What the read-only modules return ---------------------------------------------------------------


def quote(client, request):
    """usnap_price: the price of protecting ``disk_size`` GB or the disk ``disk_id``."""
    size, zone = request["disk_size"], request["zone"]
    if size is None:
        size = disk_size(rows_by_id(disks(client, zone), [request["disk_id"]]), zone, request["disk_id"])
    return dict(service_price(client, zone, size, request["plan"]), disk_size=size)


def list_services(client, request):
    """usnap_service_info: the zone's services (or those of ``disk_ids``), each with its backup chain."""
    zone, disk_ids = request["zone"], request["disk_ids"]
    if disk_ids is not None:
        rows = [row for row in rows_by_id(services(client, zone), disk_ids).values() if row]
    else:
        rows = list(services(client, zone).all())
    return dict(
        services=all_concurrently(
            lambda row: service_result(row, backup_range(client, zone, row["VDiskId"]), zone), rows
        )
    )


def list_disks(client, request):
    """ucloud_disk_info: the region's disks, filtered by zone, ids, business group (Tag) and name."""
    listing = disks(client, request["zone"], Tag=request["business_group"], UDiskName=request["disk_name"])
    if request["disk_ids"] is not None:
        rows = [row for row in rows_by_id(listing, request["disk_ids"]).values() if row]
    else:
        rows = listing.all()
    return dict(disks=[disk_result(row) for row in rows])


def region_disks(client, region, zone=None, project_id=None, filters=None):
    """Every disk of ``region`` (of one zone, of one project when given) matching DescribeUDisk ``filters``."""
    params = dict(Region=region, Zone=zone, ProjectId=project_id, **(filters or {}))
    return list(paginate(client, "DescribeUDisk", "DataSet", {k: v for k, v in params.items() if v is not None}))


def inventory_host(row, region, project_id=None):
    """A disk as the ucloud_disks inventory plugin makes it a host: disk_result's keys and docs/inventory.md's."""
    host = disk_result(row)
    instance_id = row.get("UHostId") or row.get("HostId") or ""
    host.update(
        cloud="ucloud",
        region=region,
        project_id=project_id or "",
        disk_status=host.pop("status"),
        instance_id=instance_id,
        attached=bool(instance_id),
        backup_mode=host["backup_mode"] or "",
    )
    return host


# Restores ---------------------------------------------------------------------------------------


def is_attached(row):
    """A disk attached to a UHost (UCloud restores only detached disks in place, and deletes only those)."""
    return bool(row.get("UHostId")) or row.get("Status") == "InUse"


def disks_named(client, zone, names):
    """``{name: [rows of the zone's disks with that name]}``, in the fewest calls (UCloud allows a name twice).

    A by-name read pages through its answer and keeps only the rows of that name: the SDK's request model lacks
    ``UDiskName``, and a gateway that ignored the filter must not hide a clone beyond the first page.
    """
    listing = Listing(client, "DescribeUDisk", "DataSet", "Name", dict(Zone=zone), unique_key="UDiskId")
    listing.by_ids = lambda batch: list(disks(client, zone, UDiskName=batch[0]).all())
    return look_up(listing, names, DIRECT_LOOKUPS)


def clone_disk(client, zone, params, until):
    """CloneUDiskUDataArk: the new disk's id. A lost answer is looked for by the clone's name before resending."""

    def made():
        rows = disks_named(client, zone, [params["Name"]])[params["Name"]]
        return dict(UDiskId=[rows[0]["UDiskId"]]) if rows else None

    answer = apply_once(client, "CloneUDiskUDataArk", dict(params, Zone=zone), made, until)
    ids = answer.get("UDiskId") or []
    ids = ids if isinstance(ids, list) else [ids]
    if not ids:
        raise DiskError("CloneUDiskUDataArk answered no UDiskId for the clone %s" % params["Name"])
    return ids[0]


def restore_disk(client, zone, disk_id, point, until):
    """RestoreUDisk to ``point``. A lost answer is resent only when the disk shows no restore under way."""

    def restoring():
        row = rows_by_id(disks(client, zone), [disk_id])[disk_id]
        return row is not None and row.get("Status") == "Restoring"

    apply_once(client, "RestoreUDisk", dict(Zone=zone, UDiskId=disk_id, SnapshotTime=point), restoring, until)


def delete_disk(client, zone, disk_id, until):
    apply_once(
        client,
        "DeleteUDisk",
        dict(Zone=zone, UDiskId=disk_id),
        lambda: rows_by_id(disks(client, zone), [disk_id])[disk_id] is None,
        until,
    )
