# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""UCloud USnap product logic shared by usnap_service, usnap_service_info, usnap_price and ucloud_disk_info.

- Validation works on the module's parameters and raises ValueError, before any API call.
- ``Index`` reads services and disks in as few calls as possible for a list of disks.
- Mutations go through ``call_once``: after a lost answer the resource is re-read, never re-ordered blindly.
- ``service_result`` shapes a service the same way for a module and its ``_info`` twin.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

from ansible_collections.snapshield.cloud.plugins.module_utils.common import (
    check_ids,
    check_not_blank,
    fail_api_error,
    is_whole,
)
from ansible_collections.snapshield.cloud.plugins.module_utils.fleet import DiskError, run_concurrently
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError

BACKUP_MODES = ("Base", "Ultimate", "Custom")
CHARGE_TYPES = ("Year", "Month", "Dynamic")
CHARGE_TYPE_SPELLINGS = {"Yearly": "Year", "Monthly": "Month"}  # the seeds' (older gateways') spelling
DEFAULT_CHARGE_TYPE = "Month"
# The Custom backup chain: option, API parameter, the step every value must be a multiple of.
CHAIN = (("journal", "Journal", 12), ("hour", "Hour", 24), ("day", "Day", 5))
CHAIN_KEYS = tuple(name for name, _param, _step in CHAIN)
PROTECTION_KEYS = ("backup_mode",) + CHAIN_KEYS + ("charge_type",)
RESULT_KEYS = ("service_id", "disk_id", "zone", "status") + PROTECTION_KEYS + (
    "business_group", "disk_size", "create_time", "expire_time")
SERVICE_ID_KEYS = ("SnapshotServiceId", "ServiceID", "ServiceId")

PAGE_SIZE = 100     # the largest Limit the Describe calls accept
PER_ID_MAX = 10     # up to this many ids are always looked up one call each (see Index)
ATTEMPTS = 3        # how many times a mutating call is sent when its answers keep getting lost


def plan_argument_spec():
    """Options describing a protection plan (documented in the snapshield.cloud.usnap_plan fragment)."""
    return dict(
        backup_mode=dict(type="str", default="Base", choices=list(BACKUP_MODES)),
        journal=dict(type="int"),
        hour=dict(type="int"),
        day=dict(type="int"),
        charge_type=dict(type="str", choices=list(CHARGE_TYPES) + sorted(CHARGE_TYPE_SPELLINGS)),
        quantity=dict(type="int", default=1),
    )


# Validation ------------------------------------------------------------------------------------

def normalise_charge_type(value):
    return CHARGE_TYPE_SPELLINGS.get(value, value)


def validate_plan(params):
    """The protection asked for: backup_mode, journal, hour, day, charge_type (or None), quantity."""
    mode = params.get("backup_mode")
    if mode not in BACKUP_MODES:
        raise ValueError("backup_mode must be one of %s, got %r" % (", ".join(BACKUP_MODES), mode))
    plan = dict(backup_mode=mode)
    given = [name for name in CHAIN_KEYS if params.get(name) is not None]
    if mode == "Custom":
        missing = [name for name in CHAIN_KEYS if name not in given]
        if missing:
            raise ValueError("backup_mode=Custom needs journal, hour and day; missing: %s" % ", ".join(missing))
        for name, _param, step in CHAIN:
            value = params[name]
            if not is_whole(value) or value <= 0 or value % step:
                raise ValueError("%s must be a positive multiple of %d, got %r" % (name, step, value))
            plan[name] = value
    elif given:
        raise ValueError("%s can only be set with backup_mode=Custom, not with backup_mode=%s"
                         % (", ".join(given), mode))
    else:
        plan.update(dict.fromkeys(CHAIN_KEYS))
    charge_type = params.get("charge_type")
    if charge_type is not None and normalise_charge_type(charge_type) not in CHARGE_TYPES:
        raise ValueError("charge_type must be one of %s (or %s), got %r"
                         % (", ".join(CHARGE_TYPES), ", ".join(sorted(CHARGE_TYPE_SPELLINGS)), charge_type))
    plan["charge_type"] = normalise_charge_type(charge_type)
    quantity = params.get("quantity", 1)
    if not is_whole(quantity) or quantity < 1:
        raise ValueError("quantity must be a whole number of 1 or more, got %r" % (quantity,))
    plan["quantity"] = quantity
    return plan


def validate_disk_ids(value, required=True):
    """One id or a list of ids, as a list: non-empty, no empty ids, no duplicates (None when optional and not given)."""
    return check_ids(value, "disk_id", required=required)


def validate_zone(value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError("zone must be a zone name such as cn-bj2-02, got %r" % (value,))
    return value.strip()


def service_request(params):
    """What usnap_service is asked to do, validated."""
    check_not_blank(params, ("business_group", "coupon_id"))
    want = dict(zone=validate_zone(params.get("zone")), disk_ids=validate_disk_ids(params.get("disk_id")),
                state=params.get("state", "present"), business_group=params.get("business_group"),
                coupon_id=params.get("coupon_id"))
    if want["state"] not in ("present", "absent"):
        raise ValueError("state must be one of present, absent, got %r" % (want["state"],))
    # A plan only matters for state=present: absent ignores backup_mode and the chain.
    want["plan"] = validate_plan(params) if want["state"] == "present" else None
    return want


def price_request(params):
    """What usnap_price is asked to quote, validated."""
    want = dict(zone=validate_zone(params.get("zone")), plan=validate_plan(params),
                size=params.get("size"), disk_id=params.get("disk_id"))
    if (want["size"] is None) == (want["disk_id"] is None):
        raise ValueError("one of size or disk_id is required, not both")
    if want["size"] is not None and (not is_whole(want["size"]) or want["size"] < 1):
        raise ValueError("size must be a whole number of GB, 1 or more, got %r" % (want["size"],))
    if want["disk_id"] is not None:
        want["disk_id"] = validate_disk_ids(want["disk_id"])[0]
    return want


def listing_request(params):
    """What an _info module is asked to list: zone (optional for disks), disk_ids (None = all) and filters."""
    zone = params.get("zone")
    check_not_blank(params, ("business_group", "name"))
    return dict(zone=None if zone is None else validate_zone(zone),
                disk_ids=validate_disk_ids(params.get("disk_id"), required=False),
                business_group=params.get("business_group"), name=params.get("name"))


# Lookups ---------------------------------------------------------------------------------------

def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _rows(answer):
    rows = answer.get("DataSet") or []
    return rows if isinstance(rows, list) else [rows]


class Index:
    """Rows of a UCloud Describe action for a list of ids, read in as few calls as possible.

    Up to PER_ID_MAX ids are looked up one call each, when asked for (``get``, run concurrently by
    the caller): a handful of calls, against a scan whose length depends on the zone. For more ids,
    the first page of the unfiltered listing is read; its TotalCount tells how many calls the rest
    of the scan needs, and the scan goes on only if that is no more than looking up, one by one, the
    ids the first page did not hold. After a full scan an id without a row has none; otherwise ``get``
    falls back to one call per id. So a fleet costs at most one call more than per-id lookups, and
    a large fleet in a zone of N rows costs about N / 100 calls instead of one per disk.
    """

    def __init__(self, client, action, id_key, params, ids=()):
        self.client = client
        self.action = action
        self.id_key = id_key
        self.params = dict(params)
        self.rows = {}
        self.complete = False
        if len(ids) > PER_ID_MAX:
            self._scan(ids)

    def _page(self, offset):
        answer = self.client.call(self.action, dict(self.params, Offset=offset, Limit=PAGE_SIZE))
        rows = _rows(answer)
        for row in rows:
            self.rows.setdefault(row.get(self.id_key), row)
        total = answer.get("TotalCount")
        return len(rows), None if total is None else int(total)

    def _scan(self, ids):
        offset, total = self._page(0)
        if offset < PAGE_SIZE:
            self.complete = True
            return
        unseen = sum(1 for item in ids if item not in self.rows)
        if total is None or -(-(total - offset) // PAGE_SIZE) > unseen:
            return
        count = offset
        while count == PAGE_SIZE and offset < total:
            count, reported = self._page(offset)
            offset += count
            total = total if reported is None else reported
        self.complete = True

    def get(self, item_id):
        """The row of ``item_id``, or None when there is none."""
        if self.complete or item_id in self.rows:
            return self.rows.get(item_id)
        answer = self.client.call(self.action, dict(self.params, **{self.id_key: item_id}))
        # Match the id here too: a gateway that ignored the filter must not hand us another disk's row.
        return next((row for row in _rows(answer) if row.get(self.id_key) == item_id), None)


def service_index(client, zone, disk_ids=()):
    return Index(client, "DescribeSnapshotService", "VDiskId", dict(Zone=zone), disk_ids)


def disk_index(client, zone, disk_ids=(), **filters):
    return Index(client, "DescribeUDisk", "UDiskId", dict(filters, Zone=zone), disk_ids)


def find_service(client, zone, disk_id):
    return service_index(client, zone).get(disk_id)


def disk_size(disks, zone, disk_id):
    row = disks.get(disk_id)
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


def service_id_of(data):
    return next((data[key] for key in SERVICE_ID_KEYS if data.get(key)), None)


def blank_result(disk_id, zone):
    return dict(dict.fromkeys(RESULT_KEYS), disk_id=disk_id, zone=zone)


def service_result(row, chain, zone=None):
    """A service as usnap_service and usnap_service_info return it: the row plus its backup chain."""
    result = blank_result(row.get("VDiskId"), row.get("Zone") or zone)
    result.update(service_id=service_id_of(row), status=row.get("Status"),
                  charge_type=normalise_charge_type(row.get("ChargeType")), business_group=row.get("Tag"),
                  disk_size=_int(row.get("VDiskSize")) or None, create_time=row.get("CreateTime"),
                  expire_time=row.get("ExpiredTime"))
    result.update((key, chain.get(key)) for key in ("backup_mode",) + CHAIN_KEYS)
    return result


def disk_result(row):
    """A disk as ucloud_disk_info returns it."""
    is_boot = row.get("IsBoot")
    return dict(disk_id=row.get("UDiskId"), name=row.get("Name"), size=_int(row.get("Size")),
                status=row.get("Status"), zone=row.get("Zone"), disk_type=row.get("DiskType"),
                is_boot=str(is_boot).lower() in ("true", "yes", "1"), business_group=row.get("Tag"),
                backup_mode=row.get("BackupMode"), create_time=row.get("CreateTime"))


def protection(result):
    """The part of a service that diff mode shows; empty when there is no service."""
    return dict((key, result.get(key)) for key in PROTECTION_KEYS) if result else {}


def same_chain(current, plan):
    return current.get("backup_mode") == plan["backup_mode"] and (
        plan["backup_mode"] != "Custom" or all(current.get(key) == plan[key] for key in CHAIN_KEYS))


def is_upgrade(current, plan):
    """SnapshotsvcMode for a change: Base is the least protection, Ultimate the most, Custom by its chain."""
    if plan["backup_mode"] != "Custom":
        return plan["backup_mode"] == "Ultimate"
    return any(not is_whole(current.get(key)) or plan[key] > current[key] for key in CHAIN_KEYS)


# Prices ----------------------------------------------------------------------------------------

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
    result = dict(price=data.get("Price"), original_price=data.get("OriginalPrice"),
                  list_price=data.get("ListPrice"),
                  charge_type=normalise_charge_type(data.get("ChargeType") or charge_type))
    for key in ("price", "original_price", "list_price"):
        result[key + "_units"] = _units(result[key])
    return result


def _chain_params(plan):
    params = dict(BackupMode=plan["backup_mode"])
    if plan["backup_mode"] == "Custom":
        params.update((param, plan[name]) for name, param, _step in CHAIN)
    return params


def service_price(client, zone, size, plan):
    """What a new service costs (DescribeSnapshotServicePrice)."""
    charge_type = plan["charge_type"] or DEFAULT_CHARGE_TYPE
    action = "DescribeSnapshotServicePrice"
    answer = client.call(action, dict(_chain_params(plan), Zone=zone, Size=size, ChargeType=charge_type,
                                      Quantity=plan["quantity"]))
    return price_result(answer.get("DataSet"), charge_type, action)


def upgrade_price(client, zone, current, size, plan):
    """What changing an existing service's chain costs (DescribeSnapshotServiceUpgradePrice)."""
    action = "DescribeSnapshotServiceUpgradePrice"
    answer = client.call(action, dict(_chain_params(plan), Zone=zone, VDiskId=current["disk_id"], Size=size,
                                      SnapshotsvcMode="Yes" if is_upgrade(current, plan) else "No"))
    return price_result(answer, current.get("charge_type"), action)


def quote(client, want):
    """usnap_price: the price of protecting ``size`` GB or the disk ``disk_id``."""
    size = want["size"]
    if size is None:
        size = disk_size(disk_index(client, want["zone"]), want["zone"], want["disk_id"])
    return dict(service_price(client, want["zone"], size, want["plan"]), size=size)


# Changes ---------------------------------------------------------------------------------------

def call_once(client, action, params, applied, attempts=ATTEMPTS):
    """Send a mutating call so that it takes effect once, even when answers get lost.

    After a lost answer (``ApiError.ambiguous``) the call is not resent blindly: ``applied()``
    re-reads the resource and the call is sent again only when it did not take effect.
    """
    error = None
    for _attempt in range(attempts):
        try:
            return client.call(action, params)
        except ApiError as exc:
            if not exc.ambiguous:
                raise
            error = exc
        if applied():
            return None
    raise error


class Memo:
    """``get(key, compute)``: ``compute()`` once per key, across threads; a failure is not remembered."""

    def __init__(self):
        self._lock = threading.Lock()
        self._key_locks = {}
        self._values = {}

    def get(self, key, compute):
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            if key not in self._values:
                self._values[key] = compute()
            return self._values[key]


class ServiceConverger:
    """Brings one disk's snapshot service to what usnap_service was asked; fleet.converge calls it per disk."""

    def __init__(self, module, client, want):
        self.module = module
        self.client = client
        self.want = want
        self.zone = want["zone"]
        ids = want["disk_ids"]
        self.services = service_index(client, self.zone, ids)
        sized = []
        if module.check_mode and want["state"] == "present":
            # New services are priced by disk size: read sizes in pages when that is cheaper too.
            sized = [d for d in ids if self.services.get(d) is None] if self.services.complete else ids
        self.disks = disk_index(client, self.zone, sized)
        # Every new service of this task has the same plan, so its price depends on the size only:
        # a fleet is priced in one call per distinct size, not one per disk.
        self.prices = Memo()

    def __call__(self, disk_id):
        row = self.services.get(disk_id)
        current = None
        if row is not None:
            chain = {}
            if self.want["state"] == "present" or self.module._diff:
                chain = backup_range(self.client, self.zone, disk_id)
            current = service_result(row, chain, self.zone)
        if self.want["state"] == "absent":
            result = self._absent(disk_id, current)
        elif current is None:
            result = self._create(disk_id)
        else:
            result = self._update(current)
        result["diff"] = dict(before=protection(current),
                              after=protection(result) if self.want["state"] == "present" else {})
        return result

    def _reread(self, disk_id):
        row = find_service(self.client, self.zone, disk_id)
        if row is None:
            raise DiskError("the snapshot service of %s was not found after it was created" % disk_id)
        return service_result(row, backup_range(self.client, self.zone, disk_id), self.zone)

    def _create(self, disk_id):
        plan = self.want["plan"]
        if self.module.check_mode:
            result = blank_result(disk_id, self.zone)
            result.update((key, plan[key]) for key in PROTECTION_KEYS)
            result.update(charge_type=plan["charge_type"] or DEFAULT_CHARGE_TYPE,
                          business_group=self.want["business_group"] or "Default",
                          disk_size=disk_size(self.disks, self.zone, disk_id))
            result["price"] = dict(self.prices.get(result["disk_size"], lambda: service_price(
                self.client, self.zone, result["disk_size"], plan)))
            return dict(result, changed=True)
        params = dict(_chain_params(plan), Zone=self.zone, VDiskId=disk_id, Quantity=plan["quantity"],
                      ChargeType=plan["charge_type"] or DEFAULT_CHARGE_TYPE, Tag=self.want["business_group"],
                      CouponId=self.want["coupon_id"])
        call_once(self.client, "CreateSnapshotService", params,
                  lambda: find_service(self.client, self.zone, disk_id) is not None)
        return dict(self._reread(disk_id), changed=True)

    def _warn_fixed(self, current):
        """charge_type and business_group are set when a service is created: say so rather than ignore them."""
        wanted = dict(charge_type=self.want["plan"]["charge_type"], business_group=self.want["business_group"])
        for option, value in sorted(wanted.items()):
            if value is not None and current.get(option) not in (None, value):
                self.module.warn("%s: the snapshot service has %s %s; %s=%s applies only to a new service"
                                 % (current["disk_id"], option, current[option], option, value))

    def _update(self, current):
        plan = self.want["plan"]
        self._warn_fixed(current)
        if same_chain(current, plan):
            return dict(current, changed=False)
        disk_id = current["disk_id"]
        size = current["disk_size"] or disk_size(self.disks, self.zone, disk_id)
        if self.module.check_mode:
            result = dict(current, **dict((key, plan[key]) for key in ("backup_mode",) + CHAIN_KEYS))
            return dict(result, price=upgrade_price(self.client, self.zone, current, size, plan), changed=True)
        params = dict(_chain_params(plan), Zone=self.zone, VDiskId=disk_id, Size=size)
        call_once(self.client, "UpgradeUSnapBackupRange", params,
                  lambda: same_chain(backup_range(self.client, self.zone, disk_id), plan))
        return dict(current, changed=True, **backup_range(self.client, self.zone, disk_id))

    def _absent(self, disk_id, current):
        result = blank_result(disk_id, self.zone)
        if current is None:
            return dict(result, changed=False)
        if not self.module.check_mode:
            call_once(self.client, "DeleteSnapshotService", dict(Zone=self.zone, VDiskId=disk_id),
                      lambda: find_service(self.client, self.zone, disk_id) is None)
        return dict(result, service_id=current["service_id"], changed=True)


# Listings (the _info modules) ------------------------------------------------------------------

def _all(func, items):
    """``func`` over ``items`` concurrently; the first failure is raised."""
    outcomes = run_concurrently(func, items)
    for _item, _result, error in outcomes:
        if error is not None:
            raise error
    return [result for _item, result, _error in outcomes]


def list_services(client, want):
    """usnap_service_info: the zone's services (or those of ``disk_ids``), each with its backup chain."""
    zone, disk_ids = want["zone"], want["disk_ids"]
    if disk_ids is not None:
        rows = [row for row in _all(service_index(client, zone, disk_ids).get, disk_ids) if row]
    else:
        rows = list(client.paginate("DescribeSnapshotService", "DataSet", dict(Zone=zone), PAGE_SIZE))
    return dict(services=_all(
        lambda row: service_result(row, backup_range(client, zone, row["VDiskId"]), zone), rows))


def list_disks(client, want):
    """ucloud_disk_info: the region's disks, filtered by zone, ids, business group (Tag) and name."""
    zone, disk_ids = want["zone"], want["disk_ids"]
    filters = dict(Tag=want["business_group"], UDiskName=want["name"])
    if disk_ids is not None:
        rows = [row for row in _all(disk_index(client, zone, disk_ids, **filters).get, disk_ids) if row]
    else:
        rows = client.paginate("DescribeUDisk", "DataSet", dict(filters, Zone=zone), PAGE_SIZE)
    return dict(disks=[disk_result(row) for row in rows])


def report(module, work, *args, **kwargs):
    """End a read-only module with ``work(...)``'s result, or its failure named."""
    try:
        module.exit_json(changed=False, **work(*args, **kwargs))
    except ApiError as error:
        fail_api_error(module, error)
    except DiskError as error:
        module.fail_json(msg=str(error))
