# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CBS requests, checked: each ``check_*`` raises ValueError naming the option, and calls nothing.

So a module checks everything before it has a client.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time
from datetime import datetime, timedelta, timezone

from ansible_collections.snapshield.cloud.plugins.module_utils.common import check_ids, check_not_blank, is_whole

MAX_NAME = 60
MAX_TAG_KEY = 127
MAX_TAG_VALUE = 255
MIN_LIFETIME = 86400  # CBS wants a deadline at least one day away
MAX_RETENTION_DAYS = 36500  # 100 years: longer is as good as permanent (and must stay a valid date)
MAX_NUMBER = 2**31 - 1  # any other count or duration: far beyond use, well within time arithmetic

DISK_USAGES = ("SYSTEM_DISK", "DATA_DISK")
SNAPSHOT_STATES = ("NORMAL", "CREATING", "ROLLBACKING", "COPYING_FROM_REMOTE", "CHECKING_COPIED", "TORECYCLE")
CREATE_ONLY = ("deadline", "retention_days", "tags", "disk_usage", "disk_backup_id", "min_age", "keep", "managed_tags")

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$",
    re.I,
)


# Time -------------------------------------------------------------------------------------------------------


def parse_time(text):
    """Seconds since the epoch of an ISO-8601 time (a time without an offset is UTC); None if it is not one."""
    match = _ISO.match(text.strip()) if isinstance(text, str) else None
    if not match:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), tzinfo=timezone.utc
        )
    except ValueError:
        return None
    if offset and offset.upper() != "Z":
        digits = offset[1:].replace(":", "")
        shift = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
        if shift >= timedelta(hours=24):
            return None
        moment -= shift if offset[0] == "+" else -shift
    return (moment - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds()


def format_utc(timestamp):
    """``2024-01-08T09:47:55+00:00``: the form CreateSnapshot wants."""
    return datetime.fromtimestamp(int(timestamp), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


# Checks ----------------------------------------------------------------------------------


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


def check_disk_listing_request(params):
    """What cbs_disk_info is asked to list: find_disks arguments."""
    check_not_blank(params, ("zone", "disk_name"))
    return dict(disk_ids=check_ids(params.get("disk_ids"), "disk_ids", required=False), filters=disk_filters(params))
