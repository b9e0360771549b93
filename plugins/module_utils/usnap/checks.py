# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""USnap requests, checked: each ``check_*`` takes a module's parameters and raises ValueError naming the option.

Nothing here calls the API, so a module checks everything before it has a client.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.snapshield.cloud.plugins.module_utils.common import (
    DISK_ID_PLACEHOLDER,
    check_disk_name_template,
    check_ids,
    check_not_blank,
    check_regions,
    is_whole,
    parse_time,
)

BACKUP_MODES = ("Base", "Ultimate", "Custom")
CHARGE_TYPES = ("Year", "Month", "Dynamic")
CHARGE_TYPE_SPELLINGS = {"Yearly": "Year", "Monthly": "Month"}  # the seeds' (older gateways') spelling
DEFAULT_CHARGE_TYPE = "Month"
# The Custom backup chain: option, API parameter, the step every value must be a multiple of.
CHAIN = (("journal", "Journal", 12), ("hour", "Hour", 24), ("day", "Day", 5))
CHAIN_KEYS = tuple(name for name, _param, _step in CHAIN)
PROTECTION_KEYS = ("backup_mode",) + CHAIN_KEYS + ("charge_type",)


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


def normalise_charge_type(value):
    return CHARGE_TYPE_SPELLINGS.get(value, value)


def check_plan(params):
    """The protection asked for: backup_mode, journal, hour, day, charge_type (or None), quantity."""
    mode = params.get("backup_mode")
    if mode not in BACKUP_MODES:
        raise ValueError("backup_mode must be one of %s, got %r" % (", ".join(BACKUP_MODES), mode))
    plan = dict(backup_mode=mode)
    plan.update(_check_chain(params, mode))
    charge_type = params.get("charge_type")
    if charge_type is not None and normalise_charge_type(charge_type) not in CHARGE_TYPES:
        raise ValueError(
            "charge_type must be one of %s (or %s), got %r"
            % (", ".join(CHARGE_TYPES), ", ".join(sorted(CHARGE_TYPE_SPELLINGS)), charge_type)
        )
    plan["charge_type"] = normalise_charge_type(charge_type)
    quantity = params.get("quantity", 1)
    if not is_whole(quantity) or quantity < 1:
        raise ValueError("quantity must be a whole number of 1 or more, got %r" % (quantity,))
    plan["quantity"] = quantity
    return plan


def _check_chain(params, mode):
    given = [name for name in CHAIN_KEYS if params.get(name) is not None]
    if mode != "Custom":
        if given:
            raise ValueError(
                "%s can only be set with backup_mode=Custom, not with backup_mode=%s" % (", ".join(given), mode)
            )
        return dict.fromkeys(CHAIN_KEYS)
    missing = [name for name in CHAIN_KEYS if name not in given]
    if missing:
        raise ValueError("backup_mode=Custom needs journal, hour and day; missing: %s" % ", ".join(missing))
    for name, _param, step in CHAIN:
        value = params[name]
        if not is_whole(value) or value <= 0 or value % step:
            raise ValueError("%s must be a positive multiple of %d, got %r" % (name, step, value))
    return {name: params[name] for name in CHAIN_KEYS}


def check_disk_ids(value, required=True):
    """One id or a list of ids, as a list: non-empty, no empty ids, no duplicates (None when optional and not given)."""
    return check_ids(value, "disk_ids", required=required)


def check_zone(value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError("zone must be a zone name such as cn-bj2-02, got %r" % (value,))
    return value.strip()


def check_service_request(params):
    """What usnap_service is asked to do."""
    check_not_blank(params, ("business_group", "coupon_id"))
    request = dict(
        zone=check_zone(params.get("zone")),
        disk_ids=check_disk_ids(params.get("disk_ids")),
        state=params.get("state", "present"),
        business_group=params.get("business_group"),
        coupon_id=params.get("coupon_id"),
        report_cost=bool(params.get("report_cost")),
    )
    if request["state"] not in ("present", "absent"):
        raise ValueError("state must be one of present, absent, got %r" % (request["state"],))
    # A plan only matters for state=present: absent ignores backup_mode and the chain.
    request["plan"] = check_plan(params) if request["state"] == "present" else None
    return request


def check_price_request(params):
    """What usnap_price is asked to quote."""
    request = dict(
        zone=check_zone(params.get("zone")),
        plan=check_plan(params),
        disk_size=params.get("disk_size"),
        disk_id=params.get("disk_id"),
    )
    if (request["disk_size"] is None) == (request["disk_id"] is None):
        raise ValueError("one of disk_size or disk_id is required, not both")
    if request["disk_size"] is not None and (not is_whole(request["disk_size"]) or request["disk_size"] < 1):
        raise ValueError("disk_size must be a whole number of GB, 1 or more, got %r" % (request["disk_size"],))
    if request["disk_id"] is not None:
        request["disk_id"] = check_ids(request["disk_id"], "disk_id")[0]
    return request


def check_listing_request(params):
    """What an _info module is asked to list: zone (optional for disks), disk_ids (None = all) and filters."""
    zone = params.get("zone")
    check_not_blank(params, ("business_group", "disk_name"))
    return dict(
        zone=None if zone is None else check_zone(zone),
        disk_ids=check_disk_ids(params.get("disk_ids"), required=False),
        business_group=params.get("business_group"),
        disk_name=params.get("disk_name"),
    )


def region_of(zone):
    """The region of a UCloud zone: ``cn-bj2`` for ``cn-bj2-02``."""
    return zone.rsplit("-", 1)[0]


def check_inventory_request(options):
    """What the ucloud_disks inventory plugin is asked to list: regions, zones, projects and DescribeUDisk filters.

    With ``zones``, only those zones are read, each in its region; ``regions`` then defaults to theirs.
    """
    zones = check_ids(options.get("zones"), "zones", noun="zone", required=False) or []
    if zones and options.get("regions") is None:
        regions = sorted({region_of(zone) for zone in zones})
    else:
        regions = check_regions(options, "UCLOUD_REGION")
    outside = [zone for zone in zones if region_of(zone) not in regions]
    if outside:
        raise ValueError("zones lists %s, outside the regions %s" % (", ".join(outside), ", ".join(regions)))
    projects = check_ids(options.get("project_ids"), "project_ids", noun="project id", required=False)
    check_not_blank(options, ("business_group", "disk_type"))
    return dict(
        regions=regions,
        zones=zones,
        project_ids=projects or [options.get("project_id")],
        filters=dict(Tag=options.get("business_group"), DiskType=options.get("disk_type")),
    )


RESTORE_TARGETS = ("clone", "in_place")


def check_point_in_time(value):
    """``latest`` or an ISO 8601 time (UTC when it has no offset) as whole seconds since the epoch."""
    if value is None or (isinstance(value, str) and value.strip() == "latest"):
        return "latest"
    point = parse_time(value)
    if point is None:
        raise ValueError(
            "point_in_time must be latest or an ISO 8601 time such as 2026-12-03T10:00:00Z, got %r" % (value,)
        )
    return int(point)


def _check_clone_name(name, disk_ids, option="clone_name"):
    if name is None or not name.strip():
        raise ValueError("%s is required to restore to a clone (or to delete one): the name of the new disk" % option)
    rest = name.replace(DISK_ID_PLACEHOLDER, "")
    if "{" in rest or "}" in rest:
        raise ValueError("%s may hold only the placeholder %s, got %r" % (option, DISK_ID_PLACEHOLDER, name))
    check_disk_name_template(name, option, len(disk_ids), "clone")
    return name.strip()


def check_restore_request(params):
    """What usnap_restore is asked to do."""
    check_not_blank(params, ("business_group",))
    request = dict(
        zone=check_zone(params.get("zone")),
        disk_ids=check_disk_ids(params.get("disk_ids")),
        target=params.get("target") or "clone",
        state=params.get("state") or "present",
        point_in_time=check_point_in_time(params.get("point_in_time")),
        business_group=params.get("business_group"),
        wait=params.get("wait", True),
        wait_timeout=params.get("wait_timeout", 600),
    )
    if request["target"] not in RESTORE_TARGETS:
        raise ValueError("target must be one of %s, got %r" % (", ".join(RESTORE_TARGETS), request["target"]))
    if request["state"] not in ("present", "absent"):
        raise ValueError("state must be one of present, absent, got %r" % (request["state"],))
    if request["state"] == "absent" and request["target"] == "in_place":
        raise ValueError(
            "state=absent deletes clones this module made; it cannot be used with target=in_place "
            "(the source disk is never deleted)"
        )
    if request["state"] == "absent" and request["business_group"] is None:
        raise ValueError("state=absent needs business_group: only clones carrying it (and clone_name) are deleted")
    if not is_whole(request["wait_timeout"]) or request["wait_timeout"] < 1:
        raise ValueError(
            "wait_timeout must be a whole number of seconds, 1 or more, got %r" % (request["wait_timeout"],)
        )
    request["clone_name"] = None
    if request["target"] == "clone":
        request["clone_name"] = _check_clone_name(params.get("clone_name"), request["disk_ids"])
    return request
