# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tencent Cloud CBS snapshots: validation, batched lookups, create-with-re-read, waits, delete, retention, results.

Shared by cbs_snapshot, cbs_snapshot_info and cbs_disk_info. Validation here never calls the API, so a
module validates everything before it creates a client.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import threading
import time
from datetime import datetime, timedelta, timezone

from ansible_collections.snapshield.cloud.plugins.module_utils.common import (
    check_ids,
    check_not_blank,
    fail_api_error,
    is_whole,
)
from ansible_collections.snapshield.cloud.plugins.module_utils.fleet import DiskError, run_concurrently
from ansible_collections.snapshield.cloud.plugins.module_utils.tencentcloud import REFUSED_CODES
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import REFUSED, ApiError, backoff_delay

MAX_NAME = 60
MAX_TAG_KEY = 127
MAX_TAG_VALUE = 255
MIN_LIFETIME = 86400            # CBS wants a deadline at least one day away
MAX_RETENTION_DAYS = 36500      # 100 years: longer is as good as permanent (and must stay a valid date)
MAX_NUMBER = 2 ** 31 - 1        # any other count or duration: far beyond use, well within time arithmetic
RETENTION_MARGIN = 60           # seconds added to retention_days so the one-day rule holds on arrival
DISK_FILTER_MAX = 10            # values the disk-id filter of DescribeSnapshots accepts
IDS_PER_CALL = 100
PAGE_SIZE = 100                 # the most DescribeSnapshots returns per call
DELETE_BATCH = 100              # snapshot ids per DeleteSnapshots call when pruning
CREATE_ROUNDS = 3               # CreateSnapshot attempts after lost answers
DELETE_ROUNDS = 3
VISIBILITY_GRACE = 10.0         # seconds a just-created snapshot may stay invisible to DescribeSnapshots
POLL_FIRST, POLL_MAX, POLL_SPACING = 1.0, 10.0, 1.0

DISK_USAGES = ("SYSTEM_DISK", "DATA_DISK")
SNAPSHOT_STATES = ("NORMAL", "CREATING", "ROLLBACKING", "COPYING_FROM_REMOTE", "CHECKING_COPIED", "TORECYCLE")
USABLE = ("NORMAL", "CREATING")
CREATE_ONLY = ("deadline", "retention_days", "tags", "disk_usage", "disk_backup_id", "min_age", "keep",
               "managed_tags")

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})"
                  r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$", re.I)


# Time -------------------------------------------------------------------------------------------------------

def parse_time(text):
    """Seconds since the epoch of an ISO-8601 time (a time without an offset is UTC); None if it is not one."""
    match = _ISO.match(text.strip()) if isinstance(text, str) else None
    if not match:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                          tzinfo=timezone.utc)
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


# Validation (no API calls) ----------------------------------------------------------------------------------

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
        raise ValueError("deadline must be at least one day in the future (%s or later), got %s (%s UTC)"
                         % (format_utc(now + MIN_LIFETIME), text, format_utc(moment)))
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
            raise ValueError("%s.%s must be a string, got %s %r (quote it in YAML)"
                             % (option, key, type(value).__name__, value))
        if len(value) > MAX_TAG_VALUE:
            raise ValueError("%s.%s is longer than %d characters" % (option, key, MAX_TAG_VALUE))
    return dict(tags)


def _positive(params, name, maximum=MAX_NUMBER):
    value = params.get(name)
    if value is None:
        return None
    if not is_whole(value) or value < 1:
        raise ValueError("%s must be 1 or more, got %r" % (name, value))
    if value > maximum:
        raise ValueError("%s must be at most %d, got %r" % (name, maximum, value))
    return value


def snapshot_request(params, now=None):
    """The cbs_snapshot options, checked and normalised; ValueError names the option at fault."""
    now = time.time() if now is None else now
    check_not_blank(params, ("snapshot_id", "disk_backup_id"))
    request = dict(state=params["state"], snapshot_id=params.get("snapshot_id"), wait=params["wait"],
                   disk_usage=params.get("disk_usage"), disk_backup_id=params.get("disk_backup_id"),
                   retention_days=_positive(params, "retention_days", MAX_RETENTION_DAYS),
                   wait_timeout=_positive(params, "wait_timeout"),
                   min_age=_positive(params, "min_age"), name=check_name(params.get("snapshot_name")),
                   tags=check_tags(params.get("tags")), deadline=None,
                   disk_ids=check_ids(params.get("disk_id"), "disk_id", required=False) or [])
    if params.get("deadline") is not None:
        request["deadline"] = check_deadline(params["deadline"], now)
    if request["disk_backup_id"] and len(request["disk_ids"]) > 1:
        raise ValueError("disk_backup_id names a backup point of one disk; give a single disk_id with it")
    if request["snapshot_id"] and request["state"] == "present":
        extra = [name for name in CREATE_ONLY if params.get(name) not in (None, {}, "")]
        if extra:
            raise ValueError("%s only apply when creating a snapshot from disk_id and snapshot_name; snapshot_id "
                             "addresses an existing one" % ", ".join(extra))
    _retention(params, request)
    return request


def _retention(params, request):
    """``keep`` and ``managed_tags``: the managed tags are added to the tags of new snapshots."""
    request["keep"] = _positive(params, "keep")
    request["managed_tags"] = check_tags(params.get("managed_tags"), "managed_tags")
    if request["keep"] and request["state"] != "present":
        raise ValueError("keep prunes older snapshots after making sure the new one exists; it only applies with "
                         "state=present")
    if request["keep"] and not request["managed_tags"]:
        raise ValueError("keep needs managed_tags: only snapshots carrying every one of those tags are counted and "
                         "deleted, so snapshots made by others are never touched")
    for key, value in sorted(request["managed_tags"].items()):
        if request["tags"].get(key, value) != value:
            raise ValueError("managed_tags.%s is %r but tags.%s is %r: a new snapshot can carry only one of them"
                             % (key, value, key, request["tags"][key]))
    request["tags"] = dict(request["tags"], **request["managed_tags"])


def snapshot_query(params):
    """cbs_snapshot_info's options as find_snapshots arguments."""
    return dict(snapshot_ids=check_ids(params.get("snapshot_ids"), "snapshot_ids", "snapshot id", required=False),
                disk_ids=check_ids(params.get("disk_ids"), "disk_ids", required=False),
                name=check_name(params.get("snapshot_name")), state=params.get("snapshot_state"))


# Shapes -----------------------------------------------------------------------------------------------------

def tags_to_api(tags):
    return [dict(Key=key, Value=value) for key, value in sorted((tags or {}).items())]


def tags_from_api(tags):
    return dict((tag.get("Key"), tag.get("Value")) for tag in tags or [])


def snapshot_result(raw):
    """A snapshot of the API as the modules return it."""
    return dict(
        snapshot_id=raw.get("SnapshotId"), snapshot_name=raw.get("SnapshotName"), disk_id=raw.get("DiskId"),
        state=raw.get("SnapshotState"), percent=raw.get("Percent"), create_time=raw.get("CreateTime"),
        deadline=raw.get("DeadlineTime"), is_permanent=raw.get("IsPermanent"), tags=tags_from_api(raw.get("Tags")),
        disk_size=raw.get("DiskSize"), disk_usage=raw.get("DiskUsage"), encrypted=raw.get("Encrypt"),
    )


def disk_result(raw):
    """A disk of the API as cbs_disk_info returns it."""
    placement = raw.get("Placement") or {}
    return dict(
        disk_id=raw.get("DiskId"), disk_name=raw.get("DiskName"), disk_size=raw.get("DiskSize"),
        disk_state=raw.get("DiskState"), disk_usage=raw.get("DiskUsage"), disk_type=raw.get("DiskType"),
        zone=placement.get("Zone"), project_id=placement.get("ProjectId"), instance_id=raw.get("InstanceId") or None,
        snapshot_ability=raw.get("SnapshotAbility"), encrypted=raw.get("Encrypt"), tags=tags_from_api(raw.get("Tags")),
        create_time=raw.get("CreateTime"), snapshot_count=raw.get("SnapshotCount"),
    )


# Errors -----------------------------------------------------------------------------------------------------

HINTS = {
    "InsufficientSnapshotQuota": "the snapshot quota is used up: delete snapshots you no longer need, or let new "
                                 "ones expire with deadline or retention_days",
    "InvalidDisk.NotSupportSnapshot": "this disk cannot have snapshots (snapshot_ability is false in cbs_disk_info, "
                                      "e.g. a local disk): leave it out of disk_id",
    "UnsupportedOperation.DiskEncrypt": "the disk is encrypted and CBS refuses snapshots of it here: leave it out of "
                                        "disk_id or enable encrypted-disk snapshots for the account",
    "InvalidAccount.InsufficientBalance": "the account's balance is insufficient: top it up, then run again",
    "InvalidDiskId.NotFound": "no such disk in this region: check disk_id and region",
    "InvalidSnapshot.NotNormal": "DeleteSnapshots deletes only NORMAL snapshots, and fails the whole batch if one is "
                                 "not: wait for CREATING ones (wait=true) and check the state of the others",
    "AuthFailure.SecretIdNotFound": "the SecretId is unknown: check secret_id (TENCENTCLOUD_SECRET_ID)",
    "AuthFailure.SignatureFailure": "the signature does not match: check secret_key (TENCENTCLOUD_SECRET_KEY) "
                                    "and that it belongs to secret_id",
    "AuthFailure.SignatureExpire": "the request time is more than 5 minutes off: fix the clock of the machine "
                                   "running the module",
    "AuthFailure.TokenFailure": "temporary credentials need their token: check security_token "
                                "(TENCENTCLOUD_SECURITY_TOKEN) and that the credentials have not expired",
    "AuthFailure.UnauthorizedOperation": "these credentials may not call {action}: grant a CAM policy allowing "
                                         "cbs:{action}",
    "UnauthorizedOperation": "these credentials may not call {action}: grant a CAM policy allowing cbs:{action}",
    "RequestLimitExceeded": "still throttled after waiting: lower rate_limit or raise wait_timeout",
    "InvalidDisk.SnapshotCreating": "another snapshot of this disk was being created for all of wait_timeout: "
                                    "run the task again later or raise wait_timeout",
    "ResourceUnavailable.TooManyCreatingSnapshot": "CBS had too many snapshots being created for all of "
                                                   "wait_timeout: run the task again later or raise wait_timeout",
    "ResourceBusy": "the resource stayed busy for all of wait_timeout: run the task again later",
    "InvalidDisk.Busy": "the disk stayed busy for all of wait_timeout: run the task again later",
}
_PREFIX_HINTS = (
    ("AuthFailure", "authentication failed: check secret_id, secret_key, security_token and the clock"),
    ("UnauthorizedOperation", HINTS["UnauthorizedOperation"]),
    ("RequestLimitExceeded", HINTS["RequestLimitExceeded"]),
)


def explain(error, subject=None):
    """The same ApiError with a message a person can act on (code, action and request id are kept)."""
    code = error.code or ""
    hint = HINTS.get(code) or next((text for prefix, text in _PREFIX_HINTS if code.startswith(prefix)), None)
    if error.ambiguous:
        hint = "the answer was lost and the outcome is unknown; run the task again, it looks before it acts"
    if hint is None and subject is None:
        return error
    if hint:
        hint = hint.format(action=error.action or "this action")
    parts = [part for part in (subject, hint) if part]
    message = "%s (API said: %s)" % ("; ".join(parts), error.message)
    return ApiError(message, code=error.code, action=error.action, request_id=error.request_id,
                    ambiguous=error.ambiguous, status=error.status, kind=error.kind)


def refused(error):
    """The provider declined without acting (throttled, busy): waiting and trying again is safe."""
    code = error.code or ""
    return not error.ambiguous and (error.kind == REFUSED or code.startswith("RequestLimitExceeded")
                                    or code in REFUSED_CODES)


# Lookups ----------------------------------------------------------------------------------------------------

def _chunks(items, size):
    items = list(items)
    return [items[i:i + size] for i in range(0, len(items), size)]


def describe_snapshots(client, filters=None, snapshot_ids=None):
    params = dict(OrderField="CREATE_TIME", Order="DESC")
    if filters:
        params["Filters"] = filters
    if snapshot_ids:
        params["SnapshotIds"] = snapshot_ids
    return list(client.paginate("DescribeSnapshots", "SnapshotSet", params))


def snapshots_by_id(client, snapshot_ids):
    """The snapshots of those ids that exist, 100 ids per call."""
    found = []
    for batch in _chunks(snapshot_ids, IDS_PER_CALL):
        try:
            found.extend(describe_snapshots(client, snapshot_ids=batch))
        except ApiError as error:
            if error.code != "InvalidSnapshotId.NotFound":
                raise
            if len(batch) > 1:      # one missing id fails the whole batch: ask for each on its own
                for snapshot_id in batch:
                    found.extend(snapshots_by_id(client, [snapshot_id]))
    return found


def snapshots_of_disks(client, disk_ids, name=None, extra_filters=None):
    """``{disk id: [its snapshots, newest first]}``, named exactly ``name`` if given: one call per 10 disks."""
    found = dict((disk_id, []) for disk_id in disk_ids)
    for batch in _chunks(disk_ids, DISK_FILTER_MAX):
        filters = [dict(Name="disk-id", Values=batch)] + list(extra_filters or [])
        if name is not None:
            filters.append(dict(Name="snapshot-name", Values=[name]))
        for snap in describe_snapshots(client, filters):
            if snap.get("DiskId") in found and (name is None or snap.get("SnapshotName") == name):
                found[snap["DiskId"]].append(snap)
    return found


def snapshots_for_disks(client, disk_ids, name=None):
    """``{disk id: [its snapshots, newest first]}``, named exactly ``name`` if given, in the fewest calls.

    There are two ways to read them: disk-id filter batches (one call per 10 disks, more for a batch with over
    100 snapshots) or every snapshot of the region (with that name), 100 a page. With more than one batch to
    make, the first page of the region is read: its TotalCount tells how many pages the region takes. When
    that is no more than the batches, the rest of the region is read; otherwise the batches are, and that
    first page was the one call more than the cheaper way.
    """
    batches = -(-len(disk_ids) // DISK_FILTER_MAX)
    if batches <= 1:
        return snapshots_of_disks(client, disk_ids, name)
    params = dict(OrderField="CREATE_TIME", Order="DESC", Limit=PAGE_SIZE)
    if name is not None:
        params["Filters"] = [dict(Name="snapshot-name", Values=[name])]
    page = client.call("DescribeSnapshots", dict(params, Offset=0))
    if -(-int(page.get("TotalCount") or 0) // PAGE_SIZE) > batches:
        return snapshots_of_disks(client, disk_ids, name)
    found = dict((disk_id, []) for disk_id in disk_ids)
    seen, offset = set(), 0
    while True:
        items = page.get("SnapshotSet") or []
        for snap in items:
            # a snapshot made or deleted meanwhile shifts the pages: skip one seen twice
            if snap.get("DiskId") in found and snap.get("SnapshotId") not in seen and (
                    name is None or snap.get("SnapshotName") == name):
                seen.add(snap.get("SnapshotId"))
                found[snap["DiskId"]].append(snap)
        offset += len(items)
        if len(items) < PAGE_SIZE or offset >= int(page.get("TotalCount") or 0):
            return found
        page = client.call("DescribeSnapshots", dict(params, Offset=offset))


def find_snapshots(client, snapshot_ids=None, disk_ids=None, name=None, state=None):
    """cbs_snapshot_info: snapshots by ids, or by disks, exact name and state (all pages)."""
    if snapshot_ids:
        return snapshots_by_id(client, snapshot_ids)
    filters = [dict(Name="snapshot-state", Values=[state])] if state else []
    if disk_ids:
        found = snapshots_of_disks(client, disk_ids, name, filters)
        return [snap for disk_id in disk_ids for snap in found[disk_id]]
    if name is not None:
        filters.append(dict(Name="snapshot-name", Values=[name]))
    return [snap for snap in describe_snapshots(client, filters) if name is None or snap.get("SnapshotName") == name]


def disk_filters(params):
    """DescribeDisks filters from cbs_disk_info's options (tags become ``tag:<key>`` filters)."""
    filters = []
    for option, name in (("zone", "zone"), ("disk_name", "disk-name"), ("disk_usage", "disk-usage")):
        if params.get(option):
            filters.append(dict(Name=name, Values=[params[option]]))
    for key, value in sorted(check_tags(params.get("tags")).items()):
        filters.append(dict(Name="tag:%s" % key, Values=[value]))
    return filters


def disk_query(params):
    """cbs_disk_info's options as find_disks arguments."""
    check_not_blank(params, ("zone", "disk_name"))
    return dict(disk_ids=check_ids(params.get("disk_ids"), "disk_ids", required=False), filters=disk_filters(params))


def find_disks(client, disk_ids=None, filters=None):
    """Disks by ids (100 per call) or by filters, every page."""
    if disk_ids:
        return [disk for batch in _chunks(disk_ids, IDS_PER_CALL)
                for disk in client.paginate("DescribeDisks", "DiskSet", dict(DiskIds=batch))]
    return list(client.paginate("DescribeDisks", "DiskSet", dict(Filters=filters) if filters else {}))


class SnapshotWatch:
    """The latest state of the snapshots threads wait on, polled for all of them together.

    ``latest`` answers from a poll that started after it was called. Polls are at least ``spacing`` seconds
    apart and cover every watched snapshot, so any number of waiting threads costs about one
    DescribeSnapshots per ``spacing`` (per 100 snapshots) instead of one per snapshot.
    """

    def __init__(self, client, spacing=POLL_SPACING, clock=time.monotonic, sleep=time.sleep):
        self._client = client
        self._spacing = spacing
        self._clock = clock
        self._sleep = sleep
        self._ids_lock = threading.Lock()
        self._poll_lock = threading.Lock()
        self._watched = set()
        self._latest = {}
        self._polled_at = float("-inf")
        self.polls = 0

    def latest(self, snapshot_id):
        with self._ids_lock:
            self._watched.add(snapshot_id)
        asked = self._clock()
        with self._poll_lock:
            if self._polled_at <= asked:
                self._sleep(max(0.0, self._polled_at + self._spacing - self._clock()))
                started = self._clock()
                with self._ids_lock:
                    ids = sorted(self._watched)
                self._latest = dict((snap["SnapshotId"], snap) for snap in snapshots_by_id(self._client, ids))
                self._polled_at = started
                self.polls += 1
            return self._latest.get(snapshot_id)

    def forget(self, snapshot_id):
        with self._ids_lock:
            self._watched.discard(snapshot_id)


# cbs_snapshot -----------------------------------------------------------------------------------------------

class SnapshotTask:
    """cbs_snapshot: ``look_up`` the snapshots of every disk at once, then ``converge_one`` disk at a time."""

    def __init__(self, module, client, request, clock=time.time, sleep=time.sleep, watch=None):
        self.module = module
        self.client = client
        self.request = request
        self.check_mode = module.check_mode
        self._clock = clock
        self._sleep = sleep
        self.watch = watch or SnapshotWatch(client)
        self.found = {}
        self.unusable = {}
        self._deferred = False      # converge_all: leave waiting to wait_all, so workers only create
        self._pending = {}

    # look up ------------------------------------------------------------------------------------------------

    def look_up(self):
        """``{disk id: [matching snapshots]}``, in as few calls as the API allows; the disks to converge."""
        request = self.request
        try:
            if request["snapshot_id"]:
                snaps = snapshots_by_id(self.client, [request["snapshot_id"]])
                if not snaps and request["state"] == "present":
                    self.module.fail_json(msg="snapshot_id %s does not exist in region %s"
                                          % (request["snapshot_id"], self.client.region))
                self.found = dict((snap["DiskId"], [snap]) for snap in snaps)
            else:
                # min_age and keep need every snapshot of the disk; otherwise ask only for the name.
                every = request["state"] == "present" and (request["min_age"] or request["keep"])
                self.found = snapshots_for_disks(self.client, request["disk_ids"], None if every else request["name"])
                if self.check_mode and request["state"] == "present":
                    self._check_disks()
        except ApiError as error:
            fail_api_error(self.module, explain(error))
        return list(self.found)

    def _check_disks(self):
        """In check mode, find the disks that a create would fail on, so the report says so."""
        disks = dict((disk["DiskId"], disk) for disk in find_disks(self.client, self.request["disk_ids"]))
        for disk_id in self.request["disk_ids"]:
            if disk_id not in disks:
                self.unusable[disk_id] = "disk %s does not exist in region %s" % (disk_id, self.client.region)
            elif disks[disk_id].get("SnapshotAbility") is False:
                self.unusable[disk_id] = "disk %s cannot have snapshots (snapshot_ability is false)" % disk_id

    def _named(self, disk_id):
        snaps = self.found.get(disk_id, [])
        if self.request["snapshot_id"]:
            return snaps
        return [snap for snap in snaps if snap.get("SnapshotName") == self.request["name"]]

    def _recent(self, disk_id):
        """The disk's newest usable snapshot, if it is younger than min_age."""
        if not self.request["min_age"]:
            return None
        oldest = self._clock() - 60 * self.request["min_age"]
        for snap in self.found.get(disk_id, []):
            created = parse_time(snap.get("CreateTime"))
            if snap.get("SnapshotState") in USABLE and created is not None and created >= oldest:
                return snap
        return None

    # compare, act, report ---------------------------------------------------------------------------------

    def converge_one(self, disk_id):
        if self.request["state"] == "absent":
            return self.absent(disk_id)
        return self.present(disk_id)

    def present(self, disk_id):
        until = self._clock() + self.request["wait_timeout"]
        named = self._named(disk_id)
        existing = next((snap for snap in named if snap.get("SnapshotState") in USABLE), None)
        existing = existing or (named[0] if named else None) or self._recent(disk_id)
        if existing is not None:
            if self._deferred and existing.get("SnapshotState") == "CREATING" and self.request["wait"] \
                    and not self.check_mode:
                return self._defer(disk_id, existing, until, fresh=False)
            return dict(self._settle(existing, until), changed=False)
        if self.check_mode:
            if disk_id in self.unusable:
                raise DiskError(self.unusable[disk_id])
            params = self._create_params(disk_id)
            planned = snapshot_result(dict(params, DeadlineTime=params.get("Deadline"),
                                           IsPermanent="Deadline" not in params))
            return dict(planned, changed=True, diff=dict(before={}, after=planned))
        snapshot_id = self._create(disk_id, until)
        if self._deferred:
            return self._defer(disk_id, dict(SnapshotId=snapshot_id, DiskId=disk_id), until, fresh=True)
        result = self._settle(dict(SnapshotId=snapshot_id, DiskId=disk_id), until, fresh=True)
        return dict(result, changed=True, diff=dict(before={}, after=dict(result)))

    def _create_params(self, disk_id):
        request = self.request
        params = dict(DiskId=disk_id, SnapshotName=request["name"])
        if request["deadline"]:
            params["Deadline"] = request["deadline"]
        elif request["retention_days"]:
            params["Deadline"] = format_utc(self._clock() + request["retention_days"] * 86400 + RETENTION_MARGIN)
        if request["tags"]:
            params["Tags"] = tags_to_api(request["tags"])
        if request["disk_usage"]:
            params["DiskUsage"] = request["disk_usage"]
        if request["disk_backup_id"]:
            params["DiskBackupId"] = request["disk_backup_id"]
        return params

    def _create(self, disk_id, until):
        """CreateSnapshot; after a lost answer, look for the snapshot by disk and exact name before trying again."""
        params = self._create_params(disk_id)
        for dummy in range(CREATE_ROUNDS):
            try:
                return self._patiently(lambda: self.client.call("CreateSnapshot", params), until)["SnapshotId"]
            except ApiError as error:
                if not error.ambiguous:
                    raise explain(error)
            mine = snapshots_of_disks(self.client, [disk_id], self.request["name"])[disk_id]
            if mine:
                return mine[0]["SnapshotId"]
        raise DiskError("CreateSnapshot for disk %s lost its answer %d times and no snapshot named %r appeared: "
                        "check the network path to the API, then run again" % (disk_id, CREATE_ROUNDS,
                                                                               self.request["name"]))

    def _patiently(self, call, until):
        """``call()``, waiting out throttling and busy disks with backoff until ``until``."""
        attempt = 0
        while True:
            try:
                return call()
            except ApiError as error:
                left = until - self._clock()
                if not refused(error) or left <= 0:
                    raise
            self._sleep(min(left, backoff_delay(attempt, base=1.0, cap=30.0)))
            attempt += 1

    def _settle(self, snap, until, fresh=False):
        """The snapshot's result once it is NORMAL (waiting while CREATING if asked); other states fail.

        ``fresh``: just created and known only by id: read it back at once (it may take a moment to show up).
        """
        snapshot_id, disk_id = snap["SnapshotId"], snap.get("DiskId")
        waiting = self.request["wait"] and not self.check_mode
        delay, created_at, pause = POLL_FIRST, self._clock(), not fresh
        try:
            while "SnapshotState" not in snap or (waiting and snap["SnapshotState"] == "CREATING"):
                if pause:
                    if self._clock() >= until:
                        raise DiskError("snapshot %s of disk %s is still CREATING (%s%%) after wait_timeout=%ss; it "
                                        "goes on in the background: run the task again later or raise wait_timeout"
                                        % (snapshot_id, disk_id, snap.get("Percent"), self.request["wait_timeout"]))
                    self._sleep(max(0.0, min(delay, until - self._clock())))
                    delay = min(delay * 1.5, POLL_MAX)
                pause = True
                try:
                    latest = self.watch.latest(snapshot_id)
                except ApiError as error:
                    if refused(error):
                        continue
                    raise explain(error, "reading snapshot %s of disk %s" % (snapshot_id, disk_id))
                if latest is not None:
                    snap = latest
                elif "SnapshotState" in snap or self._clock() - created_at > VISIBILITY_GRACE:
                    raise DiskError("snapshot %s of disk %s disappeared (deleted or expired) while waiting for it"
                                    % (snapshot_id, disk_id))
        finally:
            self.watch.forget(snapshot_id)
        state = snap["SnapshotState"]
        if state not in USABLE:
            raise DiskError("snapshot %s (%s) of disk %s is %s, not NORMAL or CREATING" % (
                snapshot_id, snap.get("SnapshotName"), disk_id, state))
        return snapshot_result(snap)

    def absent(self, disk_id):
        doomed = self._named(disk_id)
        if not doomed:
            return dict(disk_id=disk_id, changed=False, deleted=[])
        before = [snapshot_result(snap) for snap in doomed]
        diff = dict(before=before[0] if len(before) == 1 else before, after={})
        if self.check_mode:
            return dict(disk_id=disk_id, changed=True, deleted=before, diff=diff)
        until = self._clock() + self.request["wait_timeout"]
        settled = [self._settle(snap, until) for snap in doomed]
        busy = ["%s (%s)" % (s["snapshot_id"], s["state"]) for s in settled if s["state"] != "NORMAL"]
        if busy:
            raise DiskError("cannot delete %s of disk %s: DeleteSnapshots needs NORMAL snapshots; set wait=true to "
                            "wait for CREATING ones" % (", ".join(busy), disk_id))
        self._delete([s["snapshot_id"] for s in settled], until)
        return dict(disk_id=disk_id, changed=True, deleted=settled, diff=diff)

    def _delete(self, snapshot_ids, until):
        """DeleteSnapshots; after a lost answer (or a snapshot already gone), delete only what is left."""
        for dummy in range(DELETE_ROUNDS):
            try:
                self._patiently(lambda: self.client.call("DeleteSnapshots", dict(SnapshotIds=snapshot_ids)), until)
                return
            except ApiError as error:
                if not (error.ambiguous or error.code == "InvalidSnapshotId.NotFound"):
                    raise explain(error, "deleting %s" % ", ".join(snapshot_ids))
            snapshot_ids = [snap["SnapshotId"] for snap in snapshots_by_id(self.client, snapshot_ids)]
            if not snapshot_ids:
                return
        raise DiskError("DeleteSnapshots of %s lost its answer %d times: run the task again"
                        % (", ".join(snapshot_ids), DELETE_ROUNDS))

    # retention (keep) ---------------------------------------------------------------------------------------

    def converge_all(self, disk_ids):
        """The function to hand ``converge``: ``converge_one`` itself for one disk without ``keep``; otherwise
        one answering from a first pass over every disk.

        With several disks to make sure of, the workers only look and create (``present`` defers the wait), then
        ``wait_all`` waits for every new or CREATING snapshot in one loop, 100 snapshots a DescribeSnapshots
        call: a worker never sits on a CREATING snapshot, so creating runs at the API's rate limit whatever the
        snapshots take. With ``keep``, ``prune`` comes last, so that a disk whose new snapshot failed keeps all
        its old ones, and the doomed snapshots of many disks go in a few DeleteSnapshots calls (100 ids each).
        The snapshots it ranks are the ones ``look_up`` read: pruning reads nothing more.
        """
        self._deferred = (self.request["state"] == "present" and not self.request["snapshot_id"]
                          and len(disk_ids) > 1)
        if not (self._deferred or self.request["keep"]):
            return self.converge_one
        try:
            outcomes = dict((disk_id, [result, error])
                            for disk_id, result, error in run_concurrently(self.converge_one, disk_ids))
        finally:
            self._deferred = False
        self.wait_all(outcomes)
        if self.request["keep"]:
            self.prune(outcomes)

        def outcome(disk_id):
            result, error = outcomes[disk_id]
            if error is not None:
                raise error
            return result
        return outcome

    def _defer(self, disk_id, snap, until, fresh):
        self._pending[disk_id] = dict(snap=snap, until=until, fresh=fresh, since=self._clock())
        return dict(disk_id=disk_id, pending=True)

    def wait_all(self, outcomes):
        """Settle every deferred snapshot together: NORMAL (or, without ``wait``, visible), else the disk fails.

        ``outcomes``: ``{disk id: [result, error]}``, updated in place. The same rules as ``_settle``: a new
        snapshot may stay invisible for VISIBILITY_GRACE seconds; one still CREATING at its disk's
        wait_timeout, or in any state but NORMAL and CREATING, fails its disk.
        """
        pending, self._pending = self._pending, {}
        delay = POLL_FIRST
        while pending:
            ids = [item["snap"]["SnapshotId"] for item in pending.values()]
            try:
                latest = dict((snap["SnapshotId"], snap) for snap in snapshots_by_id(self.client, ids))
            except ApiError as error:
                if refused(error) and self._clock() < max(item["until"] for item in pending.values()):
                    self._sleep(delay)
                    continue
                for disk_id in pending:
                    outcomes[disk_id][1] = explain(error, "reading the snapshots of %d disks" % len(pending))
                return
            now = self._clock()
            for disk_id, item in list(pending.items()):
                snap = latest.get(item["snap"]["SnapshotId"])
                try:
                    if not self._settled(snap, item, now):
                        continue
                    result = snapshot_result(snap)
                    if item["fresh"]:
                        result = dict(result, changed=True, diff=dict(before={}, after=dict(result)))
                    outcomes[disk_id] = [dict(result, changed=item["fresh"]), None]
                except DiskError as error:
                    outcomes[disk_id][1] = error
                del pending[disk_id]
            if pending:
                self._sleep(max(0.0, min(delay, min(item["until"] for item in pending.values()) - now)))
                delay = min(delay * 1.5, POLL_MAX)

    def _settled(self, snap, item, now):
        """Whether a deferred snapshot is done with (raising DiskError when it failed), as ``_settle`` judges."""
        snapshot_id, disk_id = item["snap"]["SnapshotId"], item["snap"].get("DiskId")
        if snap is None:
            if item["fresh"] and now - item["since"] <= VISIBILITY_GRACE:
                return False
            raise DiskError("snapshot %s of disk %s disappeared (deleted or expired) while waiting for it"
                            % (snapshot_id, disk_id))
        if snap.get("SnapshotState") == "CREATING" and self.request["wait"]:
            if now < item["until"]:
                return False
            raise DiskError("snapshot %s of disk %s is still CREATING (%s%%) after wait_timeout=%ss; it goes on in "
                            "the background: run the task again later or raise wait_timeout"
                            % (snapshot_id, disk_id, snap.get("Percent"), self.request["wait_timeout"]))
        if snap.get("SnapshotState") not in USABLE:
            raise DiskError("snapshot %s (%s) of disk %s is %s, not NORMAL or CREATING" % (
                snapshot_id, snap.get("SnapshotName"), disk_id, snap.get("SnapshotState")))
        return True

    def _managed(self, snap):
        tags = tags_from_api(snap.get("Tags"))
        return all(tags.get(key) == value for key, value in self.request["managed_tags"].items())

    def doomed(self, disk_id, result):
        """``(managed snapshots before, managed snapshots kept, snapshots to delete)`` of a converged disk.

        The managed snapshots of the disk, with the one the task returned if it is new, newest first: the
        first ``keep`` stay, and so does the returned one. Of the others only NORMAL ones can be deleted; any
        other is left for a later run.
        """
        before = [snap for snap in self.found.get(disk_id, []) if self._managed(snap)]
        ranked = list(before)
        if result.get("snapshot_id") not in [snap["SnapshotId"] for snap in before] and self._managed(
                dict(Tags=tags_to_api(result.get("tags")))):
            ranked.append(dict(SnapshotId=result.get("snapshot_id"), CreateTime=result.get("create_time"),
                               SnapshotState=result.get("state")))
        # newest first; a snapshot without a time is the one about to be created
        ranked.sort(key=lambda snap: -(parse_time(snap.get("CreateTime")) or float("inf")))
        kept = ranked[:self.request["keep"]]
        doomed = [snap for snap in ranked[self.request["keep"]:]
                  if snap.get("SnapshotState") == "NORMAL" and snap["SnapshotId"] != result.get("snapshot_id")]
        kept += [snap for snap in ranked[self.request["keep"]:] if snap not in doomed]
        return before, kept, doomed

    def prune(self, outcomes):
        """Delete the older managed snapshots of every disk that converged, 100 ids a call.

        ``outcomes``: ``{disk id: [result, error]}``, updated in place: each result gets ``pruned``; a disk
        whose deletion failed gets the error instead of its result.
        """
        plans = []
        for disk_id, (result, error) in outcomes.items():
            if error is not None:
                continue
            before, kept, doomed = self.doomed(disk_id, result)
            result["pruned"] = [snapshot_result(snap) for snap in doomed]
            if doomed:
                plans.append((disk_id, [snap["SnapshotId"] for snap in doomed]))
                view = dict((key, value) for key, value in result.items() if key not in ("changed", "diff", "pruned"))
                diff = result.pop("diff", None) or dict(before=dict(view), after=dict(view))
                diff["before"]["managed_snapshots"] = [snap["SnapshotId"] for snap in before]
                diff["after"]["managed_snapshots"] = [snap["SnapshotId"] for snap in kept]
                result.update(changed=True, diff=diff)
        if self.check_mode or not plans:
            return
        until = self._clock() + self.request["wait_timeout"]
        for batch in self._delete_batches(plans):
            try:
                self._delete([snap_id for disk_id, ids in batch for snap_id in ids], until)
                continue
            except (ApiError, DiskError) as error:
                if len(batch) == 1:
                    outcomes[batch[0][0]][1] = self._prune_error(batch[0], error)
                    continue
            for plan in batch:      # one disk's refusal fails the whole batch: find out whose
                try:
                    self._delete(plan[1], until)
                except (ApiError, DiskError) as error:
                    outcomes[plan[0]][1] = self._prune_error(plan, error)

    @staticmethod
    def _delete_batches(plans):
        """``plans`` (disk id, snapshot ids) packed into DeleteSnapshots calls of at most DELETE_BATCH ids."""
        batches, size = [], DELETE_BATCH
        for disk_id, ids in plans:
            for start in range(0, len(ids), DELETE_BATCH):
                part = ids[start:start + DELETE_BATCH]
                if size + len(part) > DELETE_BATCH:
                    batches.append([])
                    size = 0
                batches[-1].append((disk_id, part))
                size += len(part)
        return batches

    @staticmethod
    def _prune_error(plan, error):
        text = "the snapshot exists, but pruning %s (older managed snapshots beyond keep) failed" % ", ".join(plan[1])
        if isinstance(error, ApiError):
            return ApiError("%s: %s" % (text, error.message), code=error.code, action=error.action,
                            request_id=error.request_id, ambiguous=error.ambiguous, status=error.status,
                            kind=error.kind)
        return DiskError("%s: %s" % (text, error))
