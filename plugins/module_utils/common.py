# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the modules of both clouds check alike: connection options, ids, blank strings, whole numbers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import os
import re
from collections import Counter
from datetime import datetime, timedelta, timezone

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.snapshield.cloud.plugins.module_utils.transport import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
)

# Documented once, in the snapshield.cloud.connection doc fragment.
CONNECTION_ARGUMENT_SPEC = dict(
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="int", default=DEFAULT_TIMEOUT),
    connect_timeout=dict(type="int", default=DEFAULT_CONNECT_TIMEOUT),
    retries=dict(type="int", default=DEFAULT_RETRIES),
    rate_limit=dict(type="float"),
    rate_share=dict(type="float", default=1.0),
)
MAX_TIMEOUT = 3600  # seconds: a longer wait for one HTTP answer is a hung connection (and overflows the socket)


def is_whole(value):
    """An int that is not a bool (AnsibleModule lets ``yes`` through as an int option's value)."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_connection(params):
    """Client keyword arguments from the connection options; ValueError naming a bad one, before any call."""
    for name in ("timeout", "connect_timeout"):
        if not is_whole(params[name]) or not 0 < params[name] <= MAX_TIMEOUT:
            raise ValueError(
                "%s must be a whole number of seconds from 1 to %d, got %r" % (name, MAX_TIMEOUT, params[name])
            )
    if not is_whole(params["retries"]) or params["retries"] < 0:
        raise ValueError("retries must be a whole number, 0 or more, got %r" % (params["retries"],))
    rate_limit = params["rate_limit"]
    if rate_limit is not None and not (math.isfinite(rate_limit) and rate_limit >= 0):
        raise ValueError(
            "rate_limit must be 0 (no limit) or more requests per second, or unset for each "
            "action's published limit, got %s" % rate_limit
        )
    share = params["rate_share"]
    if not (math.isfinite(share) and 0 < share <= 1):
        raise ValueError(
            "rate_share must be more than 0 and at most 1 (the share of the account's rate limits this task "
            "may use, e.g. 0.25 for each of 4 job slices), got %s" % share
        )
    return {name: params[name] for name in CONNECTION_ARGUMENT_SPEC}


def check_ids(value, option, noun="disk id", required=True):
    """One id or a list of ids, as a list of stripped ids: not empty, no blank id, no id twice.

    ``None`` (the option left out) is an error when ``required``, else returned as is. An empty list is
    always an error: to a mutating module it would do nothing, and to an ``_info`` module it must not mean
    "everything". ValueError names the option.
    """
    if value is None and not required:
        return None
    ids = [value] if isinstance(value, str) else value
    if not isinstance(ids, (list, tuple)) or not ids:
        raise ValueError("%s must be a %s or a non-empty list of %ss, got %s" % (option, noun, noun, _short(value)))
    for position, item in enumerate(ids):
        if not isinstance(item, str) or not item.strip():
            raise ValueError("%s must not contain empty ids, got %r at position %d" % (option, item, position + 1))
    ids = [item.strip() for item in ids]
    duplicates = sorted(item for item, count in Counter(ids).items() if count > 1)
    if duplicates:
        more = " (and %d more)" % (len(duplicates) - 5) if len(duplicates) > 5 else ""
        raise ValueError("%s lists %s%s more than once" % (option, ", ".join(duplicates[:5]), more))
    return ids


def check_regions(options, env):
    """The regions an inventory source lists: ``regions``, else the one ``region`` (or its variable ``env``)."""
    regions = options.get("regions")
    if regions is None:
        if not options.get("region"):
            raise ValueError("regions is required: give a list of regions, or region (or %s) for one" % env)
        regions = [options["region"]]
    return check_ids(regions, "regions", noun="region")


def check_not_blank(params, options):
    """ValueError naming the first of ``options`` given as an empty or blank string."""
    for option in options:
        value = params.get(option)
        if isinstance(value, str) and not value.strip():
            raise ValueError("%s must not be empty: give a value or leave the option out" % option)


def _short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def checked(module, check):
    """``check(module.params)``, failing the task with its message: before any client exists."""
    try:
        return check(module.params)
    except ValueError as error:
        module.fail_json(msg=str(error))


def require_requests(module):
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)


def set_env_fallback(*names):
    """The first of the environment variables ``names`` that holds more than blanks (an option's fallback).

    Unlike ``env_fallback``, a variable that is set but empty counts as unset: AWX injects every variable of a
    credential type, an empty input as ``""``, and that must neither hide the next variable nor stand for a value.
    """
    for name in names:
        value = os.environ.get(name)
        if value is not None and value.strip():
            return value
    raise AnsibleFallbackNotFound


def check_required(params, env_names):
    """ValueError naming each missing option and the environment variable that can supply it (and if it is blank)."""
    missing = [
        "%s (or %s%s)" % (name, env, ", which is set but blank" if not os.environ.get(env, "-").strip() else "")
        for name, env in env_names
        if not params.get(name)
    ]
    if missing:
        raise ValueError("missing required arguments: %s" % ", ".join(missing))


def utc_iso(timestamp):
    """``2026-12-03T10:00:00Z``: a time of the epoch as the modules return it (ISO 8601, UTC); None stays None."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(int(timestamp), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$",
    re.I,
)


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


DISK_ID_PLACEHOLDER = "{disk_id}"


def check_disk_name_template(name, option, disk_count, what):
    """One name given for ``disk_count`` disks: with more than one it must hold ``{disk_id}``, so that each ``what``
    (clone, new disk) gets its own name."""
    if disk_count > 1 and DISK_ID_PLACEHOLDER not in name:
        raise ValueError(
            "%s must contain %s when more than one disk is given (each %s needs its own name), got %r"
            % (option, DISK_ID_PLACEHOLDER, what, name)
        )


def name_for_disk(template, disk_id):
    """The name ``template`` gives the disk made from ``disk_id``."""
    return template.replace(DISK_ID_PLACEHOLDER, disk_id)
