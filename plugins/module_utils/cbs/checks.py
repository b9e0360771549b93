# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CBS requests, checked: each ``check_*`` raises ValueError naming the option, and calls nothing.

So a module checks everything before it has a client.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from datetime import datetime, timezone

from ansible_collections.snapshield.cloud.plugins.module_utils.common import (
    DISK_ID_PLACEHOLDER,
    check_disk_name_template,
    check_ids,
    check_not_blank,
    check_regions,
    is_whole,
    parse_time,
)

MAX_NAME = 60
MAX_TAG_KEY = 127
MAX_TAG_VALUE = 255
MIN_LIFETIME = 86400  # CBS wants a deadline at least one day away
RETENTION_MARGIN = 60  # seconds added to retention_days so the one-day rule holds on arrival
MAX_RETENTION_DAYS = 36500  # 100 years: longer is as good as permanent (and must stay a valid date)
MAX_NUMBER = 2**31 - 1  # any other count or duration: far beyond use, well within time arithmetic

DISK_USAGES = ("SYSTEM_DISK", "DATA_DISK")
SNAPSHOT_STATES = ("NORMAL", "CREATING", "ROLLBACKING", "COPYING_FROM_REMOTE", "CHECKING_COPIED", "TORECYCLE")
CREATE_ONLY = ("deadline", "retention_days", "tags", "disk_usage", "disk_backup_id", "min_age", "keep", "managed_tags")

# Time -------------------------------------------------------------------------------------------------------


def format_utc(timestamp):
    """``2024-01-08T09:47:55+00:00``: the form CreateSnapshot wants."""
    return datetime.fromtimestamp(int(timestamp), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


# Checks ----------------------------------------------------------------------------------


def retention_deadline(now, days):
    """The Deadline of a snapshot (or copy) made at ``now`` and kept ``days`` days."""
    return format_utc(now + days * 86400 + RETENTION_MARGIN)


def check_name(name, option="snapshot_name"):
    if name is None:
        return None
    if not name.strip():
        raise ValueError("%s must not be empty" % option)
    if len(name) > MAX_NAME:
        raise ValueError("%s is %d characters long; CBS allows at most %d" % (option, len(name), MAX_NAME))
    return name


def check_deadline(text, now):
    """The deadline as UTC ISO-8601; it must parse and lie at least one day after ``now``."""
    moment = parse_time(text)
    if moment is None:
        raise ValueError("deadline must be an ISO-8601 time such as 2030-01-31T12:00:00+08:00, got %r" % (text,))
    if moment < now + MIN_LIFETIME:
        raise ValueError(
            "deadline must be at least one day in the future (%s or later), got %s (%s UTC)"
            % (format_utc(now + MIN_LIFETIME), text, format_utc(moment))
        )
    return format_utc(moment)


def check_tags(tags, option="tags"):
    """A dict of non-empty string keys to string values, within CBS's length limits."""
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise ValueError("%s must be a dictionary of tag keys to values, got %s" % (option, type(tags).__name__))
    for key, value in tags.items():
        if not isinstance(key, str) or not key.strip():
            raise ValueError("%s keys must be non-empty strings, got %r" % (option, key))
        if len(key) > MAX_TAG_KEY:
            raise ValueError("%s key %r is longer than %d characters" % (option, key, MAX_TAG_KEY))
        if not isinstance(value, str):
            raise ValueError(
                "%s.%s must be a string, got %s %r (quote it in YAML)" % (option, key, type(value).__name__, value)
            )
        if len(value) > MAX_TAG_VALUE:
            raise ValueError("%s.%s is longer than %d characters" % (option, key, MAX_TAG_VALUE))
    return dict(tags)


def check_count(params, name, maximum=MAX_NUMBER):
    value = params.get(name)
    if value is None:
        return None
    if not is_whole(value) or value < 1:
        raise ValueError("%s must be 1 or more, got %r" % (name, value))
    if value > maximum:
        raise ValueError("%s must be at most %d, got %r" % (name, maximum, value))
    return value


def check_snapshot_request(params, now=None):
    """What cbs_snapshot is asked to do, normalised."""
    now = time.time() if now is None else now
    check_not_blank(params, ("snapshot_id", "disk_backup_id"))
    request = dict(
        state=params["state"],
        snapshot_id=params.get("snapshot_id"),
        wait=params["wait"],
        disk_usage=params.get("disk_usage"),
        disk_backup_id=params.get("disk_backup_id"),
        retention_days=check_count(params, "retention_days", MAX_RETENTION_DAYS),
        wait_timeout=check_count(params, "wait_timeout"),
        min_age=check_count(params, "min_age"),
        name=check_name(params.get("snapshot_name")),
        tags=check_tags(params.get("tags")),
        deadline=None,
        disk_ids=check_ids(params.get("disk_ids"), "disk_ids", required=False) or [],
    )
    if params.get("deadline") is not None:
        request["deadline"] = check_deadline(params["deadline"], now)
    if request["disk_backup_id"] and len(request["disk_ids"]) > 1:
        raise ValueError("disk_backup_id names a backup point of one disk; give a single disk_id with it")
    if request["snapshot_id"] and request["state"] == "present":
        extra = [name for name in CREATE_ONLY if params.get(name) not in (None, {}, "")]
        if extra:
            raise ValueError(
                "%s only apply when creating a snapshot from disk_ids and snapshot_name; snapshot_id "
                "addresses an existing one" % ", ".join(extra)
            )
    _check_retention(params, request)
    return request


def _check_retention(params, request):
    """``keep`` and ``managed_tags``: the managed tags are added to the tags of new snapshots."""
    request["keep"] = check_count(params, "keep")
    request["managed_tags"] = check_tags(params.get("managed_tags"), "managed_tags")
    if request["keep"] and request["state"] != "present":
        raise ValueError(
            "keep prunes older snapshots after making sure the new one exists; it only applies with state=present"
        )
    if request["keep"] and not request["managed_tags"]:
        raise ValueError(
            "keep needs managed_tags: only snapshots carrying every one of those tags are counted and "
            "deleted, so snapshots made by others are never touched"
        )
    for key, value in sorted(request["managed_tags"].items()):
        if request["tags"].get(key, value) != value:
            raise ValueError(
                "managed_tags.%s is %r but tags.%s is %r: a new snapshot can carry only one of them"
                % (key, value, key, request["tags"][key])
            )
    request["tags"] = dict(request["tags"], **request["managed_tags"])


def check_snapshot_listing_request(params):
    """What cbs_snapshot_info is asked to list: find_snapshots arguments."""
    return dict(
        snapshot_ids=check_ids(params.get("snapshot_ids"), "snapshot_ids", "snapshot id", required=False),
        disk_ids=check_ids(params.get("disk_ids"), "disk_ids", required=False),
        name=check_name(params.get("snapshot_name")),
        state=params.get("snapshot_state"),
        overview=bool(params.get("overview")),
    )


def disk_filters(params):
    """DescribeDisks filters from cbs_disk_info's options (tags become ``tag:<key>`` filters)."""
    filters = []
    for option, name in (("zone", "zone"), ("disk_name", "disk-name"), ("disk_usage", "disk-usage")):
        if params.get(option):
            filters.append(dict(Name=name, Values=[params[option]]))
    for key, value in sorted(check_tags(params.get("tags")).items()):
        filters.append(dict(Name="tag:%s" % key, Values=[value]))
    return filters


# DescribeDisks filter names (the SDK's DescribeDisksRequest), and tag:<key>.
DISK_FILTERS = (
    "cluster-group-id",
    "dedicated-cluster-id",
    "disk-charge-type",
    "disk-id",
    "disk-name",
    "disk-state",
    "disk-type",
    "disk-usage",
    "instance-id",
    "instance-ip-address",
    "instance-name",
    "portable",
    "project-id",
    "tag-key",
    "tag-value",
    "zone",
)


def _filter_value(value):
    return str(value).upper() if isinstance(value, bool) else str(value)


def check_disk_filters(filters, option="filters"):
    """DescribeDisks Filters from ``{filter name: a value or a list of values}``; ValueError naming the option."""
    if not filters:
        return []
    if not isinstance(filters, dict):
        raise ValueError("%s must be a dictionary of filter names to values, got %s" % (option, type(filters).__name__))
    checked_filters = []
    for name, given in sorted(filters.items()):
        if name not in DISK_FILTERS and not (isinstance(name, str) and name.startswith("tag:") and name[4:].strip()):
            raise ValueError(
                "%s has an unknown filter %r: use tag:<key> or one of %s" % (option, name, ", ".join(DISK_FILTERS))
            )
        values = given if isinstance(given, list) else [given]
        if not values or any(value is None or isinstance(value, (dict, list)) for value in values):
            raise ValueError("%s.%s must be a value or a non-empty list of values, got %r" % (option, name, values))
        checked_filters.append(dict(Name=name, Values=[_filter_value(value) for value in values]))
    return checked_filters


def check_inventory_request(options):
    """What the cbs_disks inventory plugin is asked to list: the regions, and the DescribeDisks filters."""
    return dict(
        regions=check_regions(options, "TENCENTCLOUD_REGION"), filters=check_disk_filters(options.get("filters"))
    )


def check_disk_listing_request(params):
    """What cbs_disk_info is asked to list: find_disks arguments."""
    check_not_blank(params, ("zone", "disk_name"))
    return dict(
        disk_ids=check_ids(params.get("disk_ids"), "disk_ids", required=False),
        filters=disk_filters(params),
        overview=bool(params.get("overview")),
    )


# Automatic snapshot policies ---------------------------------------------------------------------------------

MAX_POLICY_NAME_BYTES = 60
MAX_INTERVAL_DAYS = 365
POLICY_STATES = ("NORMAL", "ISOLATED")
EVERY_DAY = list(range(7))  # DayOfWeek 0 (Sunday) to 6: a daily schedule


def check_policy_name(name, option="name"):
    if name is None:
        return None
    if not name.strip():
        raise ValueError("%s must not be empty" % option)
    size = len(name.encode("utf-8"))
    if size > MAX_POLICY_NAME_BYTES:
        raise ValueError(
            "%s is %d bytes long in UTF-8; CBS allows at most %d bytes" % (option, size, MAX_POLICY_NAME_BYTES)
        )
    return name


def _check_numbers(params, option, low, high, required=False):
    """A non-empty list of whole numbers from ``low`` to ``high``, sorted, each once; None if not given."""
    values = params.get(option)
    if values is None:
        if required:
            raise ValueError("%s is required with state=present" % option)
        return None
    if not isinstance(values, (list, tuple)) or not values:
        raise ValueError("%s must be a non-empty list of numbers from %d to %d" % (option, low, high))
    for value in values:
        if not is_whole(value) or not low <= value <= high:
            raise ValueError("%s must hold numbers from %d to %d, got %r" % (option, low, high, value))
    return sorted(set(values))


def schedule_to_api(request):
    """The ``Policy`` item of a checked request: its hours and its days (every day when none are given)."""
    item = dict(Hour=request["hours"])
    if request["days_of_month"]:
        item["DayOfMonth"] = request["days_of_month"]
    elif request["interval_days"]:
        item["IntervalDays"] = request["interval_days"]
    else:
        item["DayOfWeek"] = request["weekdays"] or EVERY_DAY
    return [item]


def check_policy_request(params):
    """What cbs_snapshot_policy is asked to do, normalised; the schedule as the API's ``Policy``."""
    present = params["state"] == "present"
    request = dict(
        state=params["state"],
        name=check_policy_name(params.get("name")),
        hours=_check_numbers(params, "hours", 0, 23, required=present),
        weekdays=_check_numbers(params, "weekdays", 0, 6),
        days_of_month=_check_numbers(params, "days_of_month", 1, 31),
        interval_days=check_count(params, "interval_days", MAX_INTERVAL_DAYS),
        retention_days=check_count(params, "retention_days", MAX_RETENTION_DAYS),
        permanent=params.get("permanent"),
        active=params.get("active"),
        exclusive=bool(params.get("exclusive")),
        disk_ids=None,
    )
    if request["name"] is None:
        raise ValueError("name is required")
    days = [option for option in ("weekdays", "days_of_month", "interval_days") if request[option] is not None]
    if len(days) > 1:
        raise ValueError(
            "%s cannot be combined: a schedule runs on weekdays, days of the month or every N days" % " and ".join(days)
        )
    if request["permanent"] and request["retention_days"] is not None:
        raise ValueError("retention_days cannot be combined with permanent=true")
    if request["permanent"] is False and request["retention_days"] is None:
        raise ValueError("permanent=false needs retention_days: how many days the snapshots are kept")
    disk_ids = params.get("disk_ids")
    if disk_ids == [] and request["exclusive"]:
        request["disk_ids"] = []  # exclusive with no disks: unbind every disk
    else:
        request["disk_ids"] = check_ids(disk_ids, "disk_ids", required=False)
    if request["exclusive"] and request["disk_ids"] is None:
        raise ValueError("exclusive needs disk_ids: the disks that stay bound (an empty list unbinds every disk)")
    if not present:
        _check_absent_policy(params, request)
    else:
        request["schedule"] = schedule_to_api(request)
    return request


POLICY_SETTINGS = ("hours", "weekdays", "days_of_month", "interval_days", "retention_days", "permanent", "active")


def _check_absent_policy(params, request):
    """state=absent takes the name only: anything else given is refused, naming it."""
    given = [option for option in POLICY_SETTINGS + ("disk_ids",) if params.get(option) is not None]
    if given or request["exclusive"]:
        raise ValueError(
            "%s only apply with state=present; state=absent deletes the policy by its name"
            % ", ".join(given + (["exclusive"] if request["exclusive"] else []))
        )


def check_policy_listing_request(params):
    """What cbs_snapshot_policy_info is asked to list."""
    names = params.get("names")
    if names is not None:
        names = check_ids(names, "names", "policy name")
        for name in names:
            check_policy_name(name, "names")
    return dict(
        policy_ids=check_ids(params.get("policy_ids"), "policy_ids", "policy id", required=False),
        names=names,
        state=params.get("policy_state"),
    )


# Cross-region copies ----------------------------------------------------------------------------------------


def check_copy_request(params):
    """What cbs_snapshot_copy is asked to copy, and where."""
    check_not_blank(params, ("snapshot_name",))
    request = dict(
        snapshot_ids=check_ids(params.get("snapshot_ids"), "snapshot_ids", "snapshot id", required=False),
        disk_ids=check_ids(params.get("disk_ids"), "disk_ids", required=False),
        name=check_name(params.get("snapshot_name")),
        regions=check_ids(params.get("destination_regions"), "destination_regions", "region"),
        retention_days=check_count(params, "retention_days", MAX_RETENTION_DAYS),
        wait=params["wait"],
        wait_timeout=check_count(params, "wait_timeout"),
    )
    if not request["snapshot_ids"] and not (request["disk_ids"] and request["name"]):
        raise ValueError("give snapshot_ids, or disk_ids with snapshot_name: the snapshots to copy")
    if request["snapshot_ids"] and (request["disk_ids"] or request["name"]):
        raise ValueError("snapshot_ids names the snapshots itself: leave out disk_ids and snapshot_name")
    source = params.get("region")
    if source in request["regions"]:
        raise ValueError("destination_regions lists %s, the region the snapshots are in (region)" % source)
    return request


# Restores ---------------------------------------------------------------------------------------------------

LATEST = "latest"  # snapshot_name: the disk's newest NORMAL snapshot
DEFAULT_RESTORED_NAME = "{disk_id}-restored"
SAMPLE_DISK_ID = "disk-00000000"  # as long as a CBS disk id: how long a disk_name becomes
RESTORED_FROM = "snapshield-restored-from"  # the tag every restored disk carries: the snapshot it was made from
DISK_TYPES = ("CLOUD_BASIC", "CLOUD_PREMIUM", "CLOUD_BSSD", "CLOUD_SSD", "CLOUD_HSSD")
NEW_DISK_ONLY = ("disk_name", "disk_size", "disk_type", "zone", "tags")
IN_PLACE_ONLY = ("auto_stop_instance", "auto_start_instance")


def check_restore_request(params):
    """What cbs_restore is asked to restore (or delete), normalised; refuses what cannot work, naming the option."""
    check_not_blank(params, ("snapshot_id", "snapshot_name", "disk_name", "zone", "disk_type"))
    request = dict(
        disk_ids=check_ids(params.get("disk_ids"), "disk_ids", required=False),
        snapshot_id=(params.get("snapshot_id") or "").strip() or None,
        snapshot_name=check_name(params.get("snapshot_name")),
        target=params.get("target") or "clone",
        state=params.get("state") or "present",
        disk_name=check_name(params.get("disk_name"), "disk_name"),
        disk_size=check_count(params, "disk_size"),
        disk_type=params.get("disk_type"),
        zone=params.get("zone"),
        tags=check_tags(params.get("tags")),
        auto_stop_instance=bool(params.get("auto_stop_instance")),
        auto_start_instance=bool(params.get("auto_start_instance")),
        wait=params.get("wait", True),
        wait_timeout=check_count(params, "wait_timeout"),
    )
    _check_restore_source(request)
    _check_restore_target(params, request)
    return request


def _check_restore_source(request):
    """snapshot_id (one disk) or disk_ids with snapshot_name (``latest`` when left out)."""
    if request["snapshot_id"] and request["snapshot_name"]:
        raise ValueError("snapshot_id names the snapshot itself: leave out snapshot_name")
    if request["snapshot_id"] and request["disk_ids"] and len(request["disk_ids"]) > 1:
        raise ValueError("snapshot_id is a snapshot of one disk: give at most one disk_id with it")
    if not request["snapshot_id"] and not request["disk_ids"]:
        raise ValueError("give snapshot_id, or disk_ids with snapshot_name (latest by default): what to restore")
    if not request["snapshot_id"] and request["snapshot_name"] is None:
        request["snapshot_name"] = LATEST


def _check_restore_target(params, request):
    """The options of a new disk only with target=clone, the instance's with target=in_place; state=absent
    deletes new disks only."""
    given = [option for option in NEW_DISK_ONLY if params.get(option) not in (None, {}, "")]
    in_place = request["target"] == "in_place"
    if request["state"] == "absent":
        if in_place:
            raise ValueError(
                "state=absent deletes disks this module made with target=clone; it never deletes the disk a "
                "target=in_place restore rolled back: set target=clone (the default) or state=present"
            )
        extra = [o for o in ("disk_size", "disk_type", "zone") + IN_PLACE_ONLY if params.get(o) not in (None, False)]
        if request["snapshot_name"] not in (None, LATEST):
            extra.append("snapshot_name")
        if extra:
            raise ValueError("%s only apply with state=present" % ", ".join(extra))
    if in_place:
        if given:
            raise ValueError(
                "%s only apply to a new disk (target=clone); target=in_place rolls the disk itself back"
                % ", ".join(given)
            )
        if request["auto_start_instance"] and not request["auto_stop_instance"]:
            raise ValueError(
                "auto_start_instance needs auto_stop_instance=true: the instance is started again only "
                "if the module stopped it"
            )
        return
    stray = [option for option in IN_PLACE_ONLY if request[option]]
    if stray:
        raise ValueError("%s only apply to target=in_place (a new disk is not attached)" % ", ".join(stray))
    _check_disk_name(request)
    if RESTORED_FROM in request["tags"]:
        raise ValueError("tags must not set %s: the module sets it to the snapshot restored" % RESTORED_FROM)


def _check_disk_name(request):
    name = request["disk_name"] or DEFAULT_RESTORED_NAME
    check_disk_name_template(name, "disk_name", len(request["disk_ids"] or ()), "new disk")
    longest = name.replace(DISK_ID_PLACEHOLDER, SAMPLE_DISK_ID)
    if len(longest) > MAX_NAME:
        raise ValueError(
            "disk_name is %d characters long once {disk_id} is filled in; CBS allows at most %d"
            % (len(longest), MAX_NAME)
        )
    request["disk_name"] = name
