# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cbs package: checks, shapes, error messages, batched look-ups, and the snapshot converger (create with
re-read, waits, deletes, retention) driven the way the module's exit path drives it.

The API is a small in-memory fake behind the real TencentCloudClient (so retries and classification are the
client's own); time is a fake clock that ``sleep`` advances.
"""

from collections import OrderedDict
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.snapshield.cloud.plugins.module_utils._apply import ROUNDS
from ansible_collections.snapshield.cloud.plugins.module_utils._concurrency import run_concurrently
from ansible_collections.snapshield.cloud.plugins.module_utils._converge import Outcome
from ansible_collections.snapshield.cloud.plugins.module_utils._wait import BUSY, POLL_MAX, READY, Watch, wait_all
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import api as cbs_api
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs import checks, errors, retention
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.api import VISIBILITY_GRACE
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import RETENTION_MARGIN
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.snapshot import SnapshotConverger
from ansible_collections.snapshield.cloud.plugins.module_utils.tencentcloud import TencentCloudClient
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import (
    AMBIGUOUS,
    FINAL,
    REFUSED,
    TRANSIENT,
    ApiError,
    DiskError,
)

NOW = 1700000000.0  # 2023-11-14T22:13:20Z
DAY = 86400


# Validation -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023-11-16T08:00:00+08:00", "2023-11-16T00:00:00+00:00"),
        ("2023-11-16T00:00:00Z", "2023-11-16T00:00:00+00:00"),
        ("2023-11-16t00:00:00z", "2023-11-16T00:00:00+00:00"),
        ("2023-11-15 19:30:00-0530", "2023-11-16T01:00:00+00:00"),
        ("2023-11-16T00:00:00.987+00:00", "2023-11-16T00:00:00+00:00"),
        ("2023-11-16T00:00", "2023-11-16T00:00:00+00:00"),  # no offset: UTC
        ("2023-11-16", "2023-11-16T00:00:00+00:00"),
        ("2024-02-29T23:59:59-12:00", "2024-03-01T11:59:59+00:00"),
    ],
)
def test_deadline_is_converted_to_utc(text, expected):
    assert checks.check_deadline(text, NOW) == expected


@pytest.mark.parametrize(
    "text",
    [
        "tomorrow",
        "",
        "2023-11-16T25:00:00Z",
        "2023-02-30",
        "16/11/2023",
        "2023-11-16T00:00:00+24:00",
        "2023-11-16T00:00:00 UTC",
        "2023-11-16Z",
    ],
)
def test_deadline_that_is_not_a_time_names_the_option(text):
    with pytest.raises(ValueError, match="^deadline must be an ISO-8601 time"):
        checks.check_deadline(text, NOW)


def test_deadline_must_be_a_day_away():
    assert checks.check_deadline(checks.format_utc(NOW + DAY), NOW) == checks.format_utc(NOW + DAY)
    with pytest.raises(ValueError, match=r"deadline must be at least one day in the future \(2023-11-15T22:13:20"):
        checks.check_deadline(checks.format_utc(NOW + DAY - 1), NOW)
    with pytest.raises(ValueError, match="at least one day"):
        checks.check_deadline("2023-11-15T23:00:00+08:00", NOW)  # 15:00 UTC: tomorrow locally, but too soon


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(9998, 1, 1)),
    minutes=st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
)
def test_any_iso_time_with_an_offset_parses_to_its_instant(moment, minutes):
    aware = moment.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=minutes)))
    assert checks.parse_time(aware.isoformat()) == aware.timestamp()


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=40))
def test_bad_deadlines_never_pass_and_always_name_the_option(text):
    try:
        result = checks.check_deadline(text, NOW)
    except ValueError as exc:
        assert str(exc).startswith("deadline must be")
    else:
        assert checks.parse_time(result) >= NOW + DAY


@pytest.mark.parametrize(
    "name, ok",
    [("a" * 60, True), ("快" * 60, True), ("a" * 61, False), ("", False), ("  ", False), ("nightly 2024-01-01", True)],
)
def test_snapshot_name_length(name, ok):
    if ok:
        assert checks.check_name(name) == name
    else:
        with pytest.raises(ValueError, match="^snapshot_name "):
            checks.check_name(name)


@pytest.mark.parametrize(
    "tags, message",
    [
        ("owner=dba", "tags must be a dictionary"),
        ({"owner": 1}, r"tags\.owner must be a string, got int 1"),
        ({"owner": None}, r"tags\.owner must be a string"),
        ({"owner": ["a"]}, r"tags\.owner must be a string, got list"),
        ({"": "x"}, "tags keys must be non-empty strings"),
        ({1: "x"}, "tags keys must be non-empty strings"),
        ({"k" * 128: "x"}, "longer than 127"),
        ({"owner": "v" * 256}, r"tags\.owner is longer than 255"),
    ],
)
def test_bad_tags_name_the_option(tags, message):
    with pytest.raises(ValueError, match=message):
        checks.check_tags(tags)


@settings(max_examples=100, deadline=None)
@given(
    key=st.text(min_size=1, max_size=10).filter(str.strip),
    value=st.one_of(
        st.integers(), st.floats(), st.booleans(), st.none(), st.lists(st.text()), st.dictionaries(st.text(), st.text())
    ),
)
def test_any_non_string_tag_value_is_refused(key, value):
    with pytest.raises(ValueError, match=r"^tags\."):
        checks.check_tags({key: value})


def test_good_tags_pass_unchanged_and_convert_both_ways():
    tags = checks.check_tags({"owner": "dba", "empty": "", "名": "值"})
    assert cbs_api.tags_from_api(cbs_api.tags_to_api(tags)) == tags
    assert cbs_api.tags_to_api({"b": "2", "a": "1"}) == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    assert checks.check_tags(None) == {} and cbs_api.tags_from_api(None) == {}


def params(**overrides):
    base = dict(
        state="present",
        disk_ids=["disk-1"],
        snapshot_name="nightly",
        snapshot_id=None,
        deadline=None,
        retention_days=None,
        tags=None,
        disk_usage=None,
        disk_backup_id=None,
        min_age=None,
        wait=True,
        wait_timeout=1800,
    )
    base.update(overrides)
    return base


def test_snapshot_request_normalises():
    request = checks.check_snapshot_request(
        params(disk_ids=[" disk-1", "disk-2"], deadline="2030-01-01T08:00:00+08:00", tags={"a": "b"}), NOW
    )
    assert request["disk_ids"] == ["disk-1", "disk-2"]
    assert request["deadline"] == "2030-01-01T00:00:00+00:00" and request["tags"] == {"a": "b"}


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(retention_days=0), "^retention_days must be 1 or more"),
        (dict(min_age=0), "^min_age must be 1 or more"),
        (dict(wait_timeout=0), "^wait_timeout must be 1 or more"),
        (dict(disk_ids=["disk-1", ""]), "^disk_ids must not contain empty ids"),
        (dict(disk_ids=["disk-1", "disk-2", " disk-1"]), "^disk_ids lists disk-1 more than once"),
        (dict(disk_ids=[]), "^disk_ids must be a disk id or a non-empty list"),
        (dict(retention_days=True), "^retention_days must be 1 or more, got True"),
        (dict(retention_days=36501), "^retention_days must be at most 36500"),
        (dict(disk_ids=["disk-1", "disk-2"], disk_backup_id="dbp-1"), "^disk_backup_id "),
        (
            dict(disk_ids=None, snapshot_name=None, snapshot_id="snap-1", tags={"a": "b"}, min_age=5),
            "^tags, min_age only",
        ),
        (dict(snapshot_name="x" * 61), "^snapshot_name is 61 characters"),
        (dict(deadline="soon"), "^deadline must be an ISO-8601"),
    ],
)
def test_snapshot_request_refuses(overrides, message):
    with pytest.raises(ValueError, match=message):
        checks.check_snapshot_request(params(**overrides), NOW)


def test_creation_options_are_ignored_when_deleting_by_id():
    request = checks.check_snapshot_request(
        params(state="absent", disk_ids=None, snapshot_name=None, snapshot_id="snap-1", tags={"a": "b"}), NOW
    )
    assert request["snapshot_id"] == "snap-1"


# Shapes and errors ------------------------------------------------------------------------------------------


def test_snapshot_result_shape():
    raw = dict(
        SnapshotId="snap-1",
        SnapshotName="n",
        DiskId="disk-1",
        SnapshotState="NORMAL",
        Percent=100,
        CreateTime="2023-11-14T22:13:20+00:00",
        DeadlineTime=None,
        IsPermanent=True,
        Tags=[{"Key": "a", "Value": "b"}],
        DiskSize=50,
        DiskUsage="DATA_DISK",
        Encrypt=False,
        Extra=1,
    )
    assert cbs_api.snapshot_result(raw) == dict(
        snapshot_id="snap-1",
        snapshot_name="n",
        disk_id="disk-1",
        state="NORMAL",
        percent=100,
        create_time="2023-11-14T22:13:20+00:00",
        deadline=None,
        is_permanent=True,
        tags={"a": "b"},
        disk_size=50,
        disk_usage="DATA_DISK",
        encrypted=False,
    )


@pytest.mark.parametrize(
    "code, words",
    [
        ("InsufficientSnapshotQuota", ["quota", "retention_days"]),
        ("InvalidDisk.NotSupportSnapshot", ["snapshot_ability"]),
        ("UnsupportedOperation.DiskEncrypt", ["encrypted"]),
        ("InvalidAccount.InsufficientBalance", ["balance"]),
        ("InvalidDiskId.NotFound", ["disk_id", "region"]),
        ("AuthFailure.SignatureExpire", ["clock"]),
        ("AuthFailure.TokenFailure", ["security_token"]),
        ("AuthFailure.SomethingNew", ["secret_id", "secret_key"]),
        ("UnauthorizedOperation.NoPermission", ["CAM", "cbs:CreateSnapshot"]),
        ("InvalidDisk.SnapshotCreating", ["wait_timeout"]),
        ("RequestLimitExceeded.UinLimitExceeded", ["rate_limit"]),
    ],
)
def test_errors_become_actionable_and_keep_the_request_id(code, words):
    error = ApiError("raw message", code=code, action="CreateSnapshot", request_id="req-123")
    explained = errors.explain(error)
    text = str(explained)
    assert all(word in text for word in words), text
    assert "raw message" in text and "req-123" in text and code in text
    assert (explained.code, explained.action, explained.request_id) == (code, "CreateSnapshot", "req-123")


def test_unknown_errors_pass_through_and_subjects_are_added():
    error = ApiError("odd", code="InvalidParameter", action="DescribeSnapshots", request_id="r")
    assert errors.explain(error) is error
    explained = str(errors.explain(error, "reading snap-1"))
    assert explained == "DescribeSnapshots failed with InvalidParameter: reading snap-1 (API said: odd) (request id r)"


# The fake API -----------------------------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakeCbs(TencentCloudClient):
    """CBS in memory. ``faults[action]`` holds (when, ApiError) pairs used one per call: "before" or "after" apply."""

    def __init__(self, clock, delay=0.0, fuzzy_names=False):
        super(FakeCbs, self).__init__(
            "AKID", "secret", "ap-guangzhou", rate_limit=0, sleep=clock.sleep, clock=clock, retries=2
        )
        self.clock, self.delay, self.fuzzy_names = clock, delay, fuzzy_names
        self.snaps, self.log, self.faults, self.serial = {}, [], {}, 0

    def add(self, disk_id, name, age=60.0, state=None, delay=0.0):
        self.serial += 1
        snap_id = "snap-%04d" % self.serial
        self.snaps[snap_id] = dict(
            SnapshotId=snap_id,
            DiskId=disk_id,
            SnapshotName=name,
            created=self.clock() - age,
            ready=self.clock() - age + delay,
            fixed=state,
            Tags=[],
            DiskUsage="DATA_DISK",
        )
        return snap_id

    def row(self, snap):
        state = snap["fixed"] or ("NORMAL" if self.clock() >= snap["ready"] else "CREATING")
        row = {k: v for k, v in snap.items() if k not in ("created", "ready", "fixed")}
        row.update(
            SnapshotState=state,
            Percent=100 if state != "CREATING" else 42,
            CreateTime=checks.format_utc(snap["created"]),
            DeadlineTime=snap.get("Deadline"),
            IsPermanent="Deadline" not in snap,
        )
        return row

    def _send(self, action, params):
        self.log.append((action, params))
        pending = self.faults.get(action) or []
        when, error = pending.pop(0) if pending else (None, None)
        if when == "before":
            raise error
        result = getattr(self, action)(params)
        if when == "after":
            raise error
        return result

    def CreateSnapshot(self, params):
        snap_id = self.add(params["DiskId"], params["SnapshotName"], age=0, delay=self.delay)
        self.snaps[snap_id].update(
            Tags=params.get("Tags", []), **{k: params[k] for k in ("Deadline", "DiskUsage") if k in params}
        )
        return dict(SnapshotId=snap_id)

    def DescribeSnapshots(self, params):
        rows = sorted((self.row(s) for s in self.snaps.values()), key=lambda r: r["CreateTime"], reverse=True)
        if "SnapshotIds" in params:
            missing = [i for i in params["SnapshotIds"] if i not in self.snaps]
            if missing:
                raise ApiError("no " + missing[0], code="InvalidSnapshotId.NotFound", action="DescribeSnapshots")
            rows = [r for r in rows if r["SnapshotId"] in params["SnapshotIds"]]
        for flt in params.get("Filters", []):
            assert flt["Name"] != "disk-id" or len(flt["Values"]) <= 10
            column = {"disk-id": "DiskId", "snapshot-name": "SnapshotName", "snapshot-state": "SnapshotState"}[
                flt["Name"]
            ]
            if column == "SnapshotName" and self.fuzzy_names:
                rows = [r for r in rows if any(v in r[column] for v in flt["Values"])]
            else:
                rows = [r for r in rows if r[column] in flt["Values"]]
        offset, limit = params["Offset"], params["Limit"]
        return dict(TotalCount=len(rows), SnapshotSet=rows[offset : offset + limit])

    def DeleteSnapshots(self, params):
        for snap_id in params["SnapshotIds"]:
            if snap_id not in self.snaps:
                raise ApiError("gone", code="InvalidSnapshotId.NotFound", action="DeleteSnapshots")
            if self.row(self.snaps[snap_id])["SnapshotState"] != "NORMAL":
                raise ApiError(
                    "not normal", code="InvalidSnapshot.NotNormal", action="DeleteSnapshots", request_id="req-del"
                )
        for snap_id in params["SnapshotIds"]:
            del self.snaps[snap_id]
        return {}

    def DescribeDisks(self, params):
        disks = [dict(DiskId=d, SnapshotAbility=d != "disk-local") for d in params["DiskIds"] if d != "disk-gone"]
        return dict(TotalCount=len(disks), DiskSet=disks)

    def actions(self, name=None):
        return [a for a, p in self.log if name in (None, a)]


class Module:
    def __init__(self, check_mode=False):
        self.check_mode = check_mode
        self.params = {}


class Runner:
    """The converger driven as the module's exit path drives it: read once, then act on the disks asked for
    (concurrently) and finish them in batch."""

    def __init__(self, converger):
        self.converger = converger
        self.targets = converger.read()

    def __getattr__(self, name):
        return getattr(self.converger, name)

    def outcomes(self, disk_ids):
        outcomes = OrderedDict(
            (disk_id, Outcome(result, error))
            for disk_id, result, error in run_concurrently(self.converger.act, disk_ids)
        )
        self.converger.finish(outcomes)
        return outcomes

    def converge_one(self, disk_id):
        return self.converge_all([disk_id])(disk_id)

    def converge_all(self, disk_ids):
        outcomes = self.outcomes(disk_ids)

        def answer_one(disk_id):
            error = outcomes[disk_id].error
            if error is not None:
                raise errors.explain(error) if isinstance(error, ApiError) else error
            return outcomes[disk_id].result

        return answer_one


def task(client, clock, check_mode=False, **overrides):
    request = checks.check_snapshot_request(params(**overrides), clock())
    return Runner(SnapshotConverger(Module(check_mode), client, request))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def api(clock):
    return FakeCbs(clock)


# Lookups ----------------------------------------------------------------------------------------------------


def test_lookups_are_batched_ten_disks_a_call_and_names_compared_exactly(clock):
    api = FakeCbs(clock, fuzzy_names=True)
    disks = ["disk-%02d" % n for n in range(25)]
    for disk_id in disks:
        api.add(disk_id, "nightly-old")
    api.add("disk-03", "nightly")
    for n in range(301):
        api.add("disk-other-%d" % n, "nightly-%d" % n)  # a crowded region: batches are cheaper
    found = cbs_api.snapshots_of_disks(api, disks, "nightly")
    calls = [p for a, p in api.log][1:]  # after the first page that said so
    # the batches run concurrently: their calls come in any order
    assert len(calls) == 3 and sorted(len(p["Filters"][0]["Values"]) for p in calls) == [5, 10, 10]
    assert all(p["Filters"][1] == {"Name": "snapshot-name", "Values": ["nightly"]} and p["Limit"] == 100 for p in calls)
    assert [s["SnapshotName"] for s in found["disk-03"]] == ["nightly"] and found["disk-04"] == []


def test_lookups_page_past_a_hundred(api):
    for n in range(150):
        api.add("disk-1", "s%03d" % n, age=n)
    found = cbs_api.snapshots_of_disks(api, ["disk-1"])["disk-1"]
    assert [s["SnapshotName"] for s in found] == ["s%03d" % n for n in range(150)]
    assert [p["Offset"] for a, p in api.log] == [0, 100]


def test_lookup_by_ids_survives_a_missing_id(api):
    kept = api.add("disk-1", "a")
    assert [s["SnapshotId"] for s in cbs_api.snapshots_by_id(api, [kept, "snap-gone"])] == [kept]
    assert cbs_api.snapshots_by_id(api, ["snap-gone"]) == []


# present ----------------------------------------------------------------------------------------------------


def test_existing_snapshot_is_unchanged_and_nothing_is_created(api, clock):
    snap_id = api.add("disk-1", "nightly")
    result = task(api, clock).converge_one("disk-1")
    assert result["changed"] is False and result["snapshot_id"] == snap_id and "diff" not in result
    assert api.actions("CreateSnapshot") == []


def test_existing_creating_snapshot_is_waited_for(api, clock):
    snap_id = api.add("disk-1", "nightly", age=1, delay=30)
    result = task(api, clock).converge_one("disk-1")
    assert result["state"] == "NORMAL" and result["snapshot_id"] == snap_id and not result["changed"]
    assert NOW + 29 <= clock() <= NOW + 45


@pytest.mark.parametrize("state", ["TORECYCLE", "ROLLBACKING"])
def test_existing_snapshot_in_another_state_fails_naming_it(api, clock, state):
    api.add("disk-1", "nightly", state=state)
    with pytest.raises(DiskError, match="is %s, not NORMAL or CREATING" % state):
        task(api, clock).converge_one("disk-1")


def test_create_with_tags_and_deadline_then_wait(clock):
    api = FakeCbs(clock, delay=12)
    runner = task(api, clock, tags={"owner": "dba"}, retention_days=2, disk_usage="DATA_DISK")
    result = runner.converge_one("disk-1")
    (create,) = [p for a, p in api.log if a == "CreateSnapshot"]
    assert create["Tags"] == [{"Key": "owner", "Value": "dba"}] and create["DiskUsage"] == "DATA_DISK"
    assert create["Deadline"] == checks.format_utc(NOW + 2 * DAY + RETENTION_MARGIN)
    assert result["changed"] and result["state"] == "NORMAL" and result["tags"] == {"owner": "dba"}
    shown = {k: v for k, v in result.items() if k not in ("changed", "diff", "recovery_point")}
    assert result["diff"] == dict(before={}, after=shown)


def test_no_wait_reads_the_new_snapshot_back_once(clock):
    api = FakeCbs(clock, delay=600)
    result = task(api, clock, wait=False).converge_one("disk-1")
    assert result["state"] == "CREATING" and result["percent"] == 42 and result["changed"]
    assert api.actions() == ["DescribeSnapshots", "CreateSnapshot", "DescribeSnapshots"]


def test_wait_timeout_names_the_snapshot_and_its_progress(clock):
    api = FakeCbs(clock, delay=10000)
    with pytest.raises(
        DiskError,
        match=r"snapshot snap-0001 of disk disk-1 is still CREATING \(42%\) after "
        r"wait_timeout=60s",
    ):
        task(api, clock, wait_timeout=60).converge_one("disk-1")
    assert clock() <= NOW + 61


def test_min_age_reuses_a_recent_snapshot_of_any_name(api, clock):
    recent = api.add("disk-1", "hourly-07", age=20 * 60)
    api.add("disk-2", "hourly-01", age=3 * 3600)
    runner = task(api, clock, disk_ids=["disk-1", "disk-2"], snapshot_name="hourly-08", min_age=60)
    reused, fresh = runner.converge_one("disk-1"), runner.converge_one("disk-2")
    assert not reused["changed"] and reused["snapshot_id"] == recent
    assert fresh["changed"] and fresh["snapshot_name"] == "hourly-08"
    assert "Filters" in api.log[0][1] and len(api.log[0][1]["Filters"]) == 1  # min_age: every name


def test_lost_answer_after_apply_is_found_by_name_not_made_twice(api, clock):
    api.faults["CreateSnapshot"] = [("after", ApiError("timeout", code="NetworkError", kind=TRANSIENT))]
    result = task(api, clock).converge_one("disk-1")
    assert result["changed"] and len(api.snaps) == 1 and len(api.actions("CreateSnapshot")) == 1


def test_lost_request_before_apply_is_made_again(api, clock):
    api.faults["CreateSnapshot"] = [("before", ApiError("HTTP 502", code="HTTP502", kind=TRANSIENT))]
    result = task(api, clock).converge_one("disk-1")
    assert result["changed"] and len(api.snaps) == 1 and len(api.actions("CreateSnapshot")) == 2


def test_lost_answers_are_retried_a_bounded_number_of_times(api, clock):
    api.faults["CreateSnapshot"] = [("before", ApiError("reset", code="NetworkError", kind=TRANSIENT))] * 5
    with pytest.raises(DiskError, match="lost its answer 3 times"):
        task(api, clock).converge_one("disk-1")
    assert len(api.actions("CreateSnapshot")) == ROUNDS and not api.snaps


def test_busy_disk_is_waited_out_beyond_the_clients_retries(api, clock):
    busy = ApiError("creating", code="InvalidDisk.SnapshotCreating", action="CreateSnapshot")
    api.faults["CreateSnapshot"] = [("before", busy)] * 8
    result = task(api, clock).converge_one("disk-1")
    assert result["changed"] and len(api.actions("CreateSnapshot")) == 9 and len(api.snaps) == 1


def test_throttling_longer_than_wait_timeout_fails_with_advice(api, clock):
    throttled = ApiError("slow down", code="RequestLimitExceeded", action="CreateSnapshot", request_id="req-9")
    api.faults["CreateSnapshot"] = [("before", throttled)] * 1000
    with pytest.raises(ApiError, match="rate_limit.*req-9"):
        task(api, clock, wait_timeout=120).converge_one("disk-1")
    assert clock() <= NOW + 121 + 30


def test_final_errors_are_not_retried_and_are_explained(api, clock):
    api.faults["CreateSnapshot"] = [("before", ApiError("q", code="InsufficientSnapshotQuota", request_id="r1"))]
    with pytest.raises(ApiError, match="quota is used up.*r1"):
        task(api, clock).converge_one("disk-1")
    assert len(api.actions("CreateSnapshot")) == 1


def test_check_mode_plans_without_creating(api, clock):
    runner = task(
        api,
        clock,
        check_mode=True,
        disk_ids=["disk-1", "disk-local", "disk-gone"],
        deadline="2030-01-01T00:00:00Z",
        tags={"a": "b"},
    )
    planned = runner.converge_one("disk-1")
    assert planned["changed"] and planned["snapshot_id"] is None and planned["deadline"] == "2030-01-01T00:00:00+00:00"
    assert planned["is_permanent"] is False and planned["tags"] == {"a": "b"} and planned["diff"]["before"] == {}
    with pytest.raises(DiskError, match="snapshot_ability"):
        runner.converge_one("disk-local")
    with pytest.raises(DiskError, match="does not exist"):
        runner.converge_one("disk-gone")
    assert api.actions("CreateSnapshot") == []


# absent -----------------------------------------------------------------------------------------------------


def test_absent_by_name_deletes_every_exact_match(api, clock):
    first, second = api.add("disk-1", "old"), api.add("disk-1", "old", age=120)
    kept = api.add("disk-1", "older")
    result = task(api, clock, state="absent", snapshot_name="old").converge_one("disk-1")
    assert result["changed"] and sorted(d["snapshot_id"] for d in result["deleted"]) == [first, second]
    assert list(api.snaps) == [kept] and len(result["diff"]["before"]) == 2


def test_absent_of_nothing_is_unchanged(api, clock):
    assert task(api, clock, state="absent").converge_one("disk-1") == dict(
        disk_id="disk-1", changed=False, deleted=[], recovery_point=None
    )
    runner = task(api, clock, state="absent", disk_ids=None, snapshot_name=None, snapshot_id="snap-gone")
    assert runner.found == {} and api.actions("DeleteSnapshots") == []


def test_absent_by_id_waits_for_a_creating_snapshot(api, clock):
    snap_id = api.add("disk-1", "x", age=0, delay=20)
    runner = task(api, clock, state="absent", disk_ids=None, snapshot_name=None, snapshot_id=snap_id)
    result = runner.converge_one("disk-1")
    assert result["changed"] and not api.snaps and clock() >= NOW + 20


def test_absent_without_wait_refuses_a_creating_snapshot(api, clock):
    api.add("disk-1", "old", age=0, delay=20)
    with pytest.raises(DiskError, match="DeleteSnapshots needs NORMAL snapshots; set wait=true"):
        task(api, clock, state="absent", snapshot_name="old", wait=False).converge_one("disk-1")


def test_delete_refused_as_a_batch_is_explained(api, clock):
    api.add("disk-1", "old")
    api.faults["DeleteSnapshots"] = [("before", ApiError("bad", code="InvalidSnapshot.NotNormal", request_id="r2"))]
    with pytest.raises(ApiError, match="fails the whole batch.*r2"):
        task(api, clock, state="absent", snapshot_name="old").converge_one("disk-1")


def test_lost_delete_answer_is_checked_not_resent_blindly(api, clock):
    api.add("disk-1", "old")
    api.faults["DeleteSnapshots"] = [("after", ApiError("reset", code="NetworkError", kind=TRANSIENT))]
    result = task(api, clock, state="absent", snapshot_name="old").converge_one("disk-1")
    assert result["changed"] and not api.snaps and len(api.actions("DeleteSnapshots")) == 1


def test_check_mode_deletes_nothing(api, clock):
    snap_id = api.add("disk-1", "old")
    result = task(api, clock, check_mode=True, state="absent", snapshot_name="old").converge_one("disk-1")
    assert result["changed"] and result["diff"]["before"]["snapshot_id"] == snap_id and snap_id in api.snaps
    assert api.actions("DeleteSnapshots") == []


# Waiting together -------------------------------------------------------------------------------------------


def test_the_waiter_reads_every_pending_snapshot_in_one_call_per_poll(clock):
    """Forty snapshots waited for together cost one DescribeSnapshots per poll, not one per snapshot."""
    api = FakeCbs(clock)
    ids = [api.add("disk-%d" % n, "s", age=0, delay=5 * n) for n in range(40)]  # NORMAL after 0 to 195 s
    reads = []

    def read(snapshot_ids, until):
        reads.append(snapshot_ids)
        return {snap["SnapshotId"]: snap for snap in cbs_api.snapshots_by_id(api, snapshot_ids, until)}

    def judge(snap):
        return (READY, "NORMAL", "") if snap["SnapshotState"] == "NORMAL" else (BUSY, "CREATING", "")

    watches = {snap_id: Watch(snap_id, snap_id, NOW + 600, ("wait_timeout", 600)) for snap_id in ids}
    settled = wait_all(api, read, watches, judge)
    assert sorted(settled) == sorted(ids) and all(error is None for _snap, error in settled.values())
    assert len(api.log) == len(reads) <= 30 and reads[0] == sorted(ids)
    assert all(len(later) <= len(earlier) for earlier, later in zip(reads, reads[1:]))  # settled ones drop out
    assert NOW + 195 <= clock() <= NOW + 195 + POLL_MAX


def test_seen_snapshots_are_judged_without_a_read(clock):
    api = FakeCbs(clock)
    seen = dict(SnapshotId="snap-x", SnapshotState="NORMAL")
    watch = Watch("snap-x", "snapshot snap-x", NOW, ("wait_timeout", 1), seen=seen)
    settled = wait_all(api, lambda ids, until: pytest.fail("read"), {"x": watch}, lambda snap: (READY, "NORMAL", ""))
    assert settled == {"x": (seen, None)} and clock() == NOW


def test_refusals_are_classified_by_the_client(api):
    def kind(code, action="DescribeSnapshots", given=None):
        error = ApiError("x", code=code, kind=given)
        api._judge(action, error)
        return error.kind

    assert kind("RequestLimitExceeded.GlobalRegionUinLimitExceeded") == REFUSED
    assert kind("ResourceBusy", "CreateSnapshot") == REFUSED
    assert kind("HTTP429", given=REFUSED) == REFUSED
    assert kind("NetworkError", "CreateSnapshot", given=TRANSIENT) == AMBIGUOUS
    assert kind("NetworkError", given=TRANSIENT) == TRANSIENT
    assert kind("InvalidParameter") == FINAL


# Reading the fewest pages -----------------------------------------------------------------------------------


def describe_calls(api):
    return [p for a, p in api.log if a == "DescribeSnapshots"]


def test_a_small_region_is_read_in_pages_not_in_batches_of_ten_disks(api):
    disks = ["disk-%02d" % n for n in range(35)]  # 4 batches of disk ids
    for n, disk_id in enumerate(disks):
        api.add(disk_id, "nightly", age=n)
        api.add(disk_id, "other", age=100 + n)
    api.add("disk-elsewhere", "nightly")
    found = cbs_api.snapshots_of_disks(api, disks)
    calls = describe_calls(api)
    assert [p["Offset"] for p in calls] == [0] and "Filters" not in calls[0]  # 71 snapshots: one page
    assert [len(found[d]) for d in disks] == [2] * 35 and "disk-elsewhere" not in found
    api.log[:] = []
    named = cbs_api.snapshots_of_disks(api, disks, "nightly")
    (only,) = describe_calls(api)
    assert only["Filters"] == [{"Name": "snapshot-name", "Values": ["nightly"]}]
    assert all([s["SnapshotName"] for s in named[d]] == ["nightly"] for d in disks)


def test_pages_are_read_while_they_are_no_more_than_the_batches(api):
    disks = ["disk-%02d" % n for n in range(35)]  # 4 batches
    for n in range(350):
        api.add(disks[n % 35], "s%03d" % n, age=n)  # 4 pages
    found = cbs_api.snapshots_of_disks(api, disks)
    assert [p["Offset"] for p in describe_calls(api)] == [0, 100, 200, 300]
    assert sum(len(snaps) for snaps in found.values()) == 350
    assert [s["SnapshotName"] for s in found["disk-00"]] == ["s%03d" % n for n in range(0, 350, 35)]


def test_a_crowded_region_costs_one_page_more_than_the_batches(api):
    disks = ["disk-%02d" % n for n in range(25)]  # 3 batches
    for n in range(301):
        api.add("disk-other-%d" % n, "x")  # 4 pages of the region
    api.add("disk-07", "mine")
    found = cbs_api.snapshots_of_disks(api, disks)
    calls = describe_calls(api)
    assert len(calls) == 1 + 3 and "Filters" not in calls[0]
    assert sorted(len(p["Filters"][0]["Values"]) for p in calls[1:]) == [5, 10, 10]  # concurrent batches
    assert [s["SnapshotName"] for s in found["disk-07"]] == ["mine"] and found["disk-08"] == []


def test_ten_disks_or_fewer_are_one_filtered_call(api):
    api.add("disk-1", "nightly")
    cbs_api.snapshots_of_disks(api, ["disk-%d" % n for n in range(10)], "nightly")
    (only,) = describe_calls(api)
    assert only["Filters"][0]["Name"] == "disk-id" and len(only["Filters"][0]["Values"]) == 10


def test_a_snapshot_made_while_paging_is_not_counted_twice(clock):
    class Shifting(FakeCbs):
        def DescribeSnapshots(self, params):
            answer = FakeCbs.DescribeSnapshots(self, params)
            if params["Offset"] == 0:
                self.add("disk-other", "new", age=0)  # pushes every row one place down
            return answer

    api = Shifting(clock)
    disks = ["disk-%02d" % n for n in range(30)]
    for n in range(150):
        api.add(disks[n % 30], "s%03d" % n, age=n + 1)
    found = cbs_api.snapshots_of_disks(api, disks)
    ids = [s["SnapshotId"] for snaps in found.values() for s in snaps]
    assert len(ids) == len(set(ids)) == 150


# Retention (keep) -------------------------------------------------------------------------------------------

MANAGED = {"managed-by": "fleet"}


def add_snap(api, disk_id, name, age, tags=None, state=None):
    snap_id = api.add(disk_id, name, age=age, state=state)
    api.snaps[snap_id]["Tags"] = cbs_api.tags_to_api(tags)
    return snap_id


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(keep=0, managed_tags=MANAGED), "^keep must be 1 or more"),
        (dict(keep=3), "^keep needs managed_tags"),
        (dict(keep=3, managed_tags={}), "^keep needs managed_tags"),
        (dict(keep=3, managed_tags=MANAGED, state="absent"), "^keep prunes .* state=present"),
        (dict(managed_tags={"managed-by": 7}), r"^managed_tags\.managed-by must be a string"),
        (dict(managed_tags=MANAGED, tags={"managed-by": "me"}), r"^managed_tags\.managed-by is 'fleet' but tags"),
        (
            dict(disk_ids=None, snapshot_name=None, snapshot_id="snap-1", keep=2, managed_tags=MANAGED),
            "^keep, managed_tags only apply",
        ),
    ],
)
def test_retention_options_are_refused_naming_the_option(overrides, message):
    with pytest.raises(ValueError, match=message):
        checks.check_snapshot_request(params(**overrides), NOW)


def test_managed_tags_join_the_tags_of_new_snapshots(api, clock):
    runner = task(api, clock, tags={"owner": "dba", "managed-by": "fleet"}, managed_tags=MANAGED)
    assert runner.request["tags"] == {"owner": "dba", "managed-by": "fleet"} and runner.request["keep"] is None
    result = runner.converge_all(["disk-1"])("disk-1")
    assert result["tags"] == {"owner": "dba", "managed-by": "fleet"} and "pruned" not in result


def converge_fleet(api, clock, disk_ids, check_mode=False, **overrides):
    runner = task(api, clock, check_mode=check_mode, disk_ids=disk_ids, managed_tags=MANAGED, **overrides)
    answer_one = runner.converge_all(disk_ids)
    answer = {}
    for disk_id in disk_ids:
        try:
            answer[disk_id] = answer_one(disk_id)
        except (ApiError, DiskError) as error:
            answer[disk_id] = error
    return answer


def test_keep_deletes_only_older_managed_snapshots_many_disks_per_call(api, clock):
    old = {
        disk: [
            add_snap(api, disk, "day-%d" % day, age=day * DAY, tags=dict(MANAGED, owner="x")) for day in (1, 2, 3, 4)
        ]
        for disk in ("disk-1", "disk-2")
    }
    foreign = [
        add_snap(api, "disk-1", "manual", age=9 * DAY),
        add_snap(api, "disk-1", "other-job", age=8 * DAY, tags={"managed-by": "someone-else"}),
        add_snap(api, "disk-2", "day-9", age=9 * DAY, tags={"owner": "x"}),
    ]
    answer = converge_fleet(api, clock, ["disk-1", "disk-2"], keep=3)
    for disk in ("disk-1", "disk-2"):
        result = answer[disk]
        assert result["changed"] and result["snapshot_name"] == "nightly"
        assert [s["snapshot_id"] for s in result["pruned"]] == old[disk][2:]  # 1 new + 2 newest old
        assert result["diff"]["before"]["managed_snapshots"] == old[disk]
        assert result["diff"]["after"]["managed_snapshots"] == [result["snapshot_id"]] + old[disk][:2]
    (delete,) = [p for a, p in api.log if a == "DeleteSnapshots"]
    assert sorted(delete["SnapshotIds"]) == sorted(old["disk-1"][2:] + old["disk-2"][2:])
    assert all(snap_id in api.snaps for snap_id in foreign)
    assert api.actions()[-1] == "DeleteSnapshots"  # pruning read nothing more
    assert len([p for p in describe_calls(api) if "Filters" in p]) == 1  # one lookup; the rest read new ones back


def test_a_converged_fleet_is_unchanged_and_deletes_nothing(api, clock):
    for disk in ("disk-1", "disk-2"):
        add_snap(api, disk, "nightly", age=60, tags=MANAGED)
        add_snap(api, disk, "yesterday", age=DAY, tags=MANAGED)
        add_snap(api, disk, "manual", age=2 * DAY)
    answer = converge_fleet(api, clock, ["disk-1", "disk-2"], keep=2)
    assert all(not r["changed"] and r["pruned"] == [] and "diff" not in r for r in answer.values())
    assert api.actions() == ["DescribeSnapshots"]


def test_the_returned_snapshot_is_never_pruned_and_odd_states_are_left(api, clock):
    add_snap(api, "disk-1", "later", age=60, tags=MANAGED)
    add_snap(api, "disk-1", "later-still", age=30, tags=MANAGED)
    named = add_snap(api, "disk-1", "nightly", age=DAY, tags=MANAGED)  # older than keep allows
    stuck = add_snap(api, "disk-1", "stuck", age=2 * DAY, tags=MANAGED, state="CREATING")
    gone = add_snap(api, "disk-1", "old", age=3 * DAY, tags=MANAGED)
    result = converge_fleet(api, clock, ["disk-1"], keep=1)["disk-1"]
    assert result["snapshot_id"] == named and [s["snapshot_id"] for s in result["pruned"]][-1] == gone
    assert named in api.snaps and stuck in api.snaps and gone not in api.snaps


def test_a_disk_whose_snapshot_failed_is_not_pruned(api, clock):
    for disk in ("disk-1", "disk-2"):
        add_snap(api, disk, "old-1", age=DAY, tags=MANAGED)
        add_snap(api, disk, "old-2", age=2 * DAY, tags=MANAGED)
    quota = ApiError("quota", code="InsufficientSnapshotQuota")
    api.faults["CreateSnapshot"] = [("before", quota)]
    answer = converge_fleet(api, clock, ["disk-1", "disk-2"], keep=1)
    failed = [disk for disk, outcome in answer.items() if isinstance(outcome, ApiError)]
    assert len(failed) == 1
    assert len([s for s in api.snaps.values() if s["DiskId"] == failed[0]]) == 2
    ok = "disk-2" if failed == ["disk-1"] else "disk-1"
    assert len(answer[ok]["pruned"]) == 2


def test_check_mode_lists_what_keep_would_delete_and_deletes_nothing(api, clock):
    old = [add_snap(api, "disk-1", "old-%d" % n, age=n * DAY, tags=MANAGED) for n in (1, 2)]
    result = converge_fleet(api, clock, ["disk-1"], check_mode=True, keep=2)["disk-1"]
    assert result["changed"] and result["snapshot_id"] is None
    assert [s["snapshot_id"] for s in result["pruned"]] == old[1:]
    assert result["diff"]["after"]["managed_snapshots"] == [None, old[0]]
    assert api.actions("DeleteSnapshots") == [] and api.actions("CreateSnapshot") == []


def test_one_disks_refusal_fails_only_that_disk(api, clock):
    doomed = {disk: add_snap(api, disk, "old", age=DAY, tags=MANAGED) for disk in ("disk-1", "disk-2", "disk-3")}
    for disk in doomed:
        add_snap(api, disk, "nightly", age=60, tags=MANAGED)
    runner = task(api, clock, disk_ids=list(doomed), managed_tags=MANAGED, keep=1)
    api.snaps[doomed["disk-2"]]["fixed"] = "CREATING"  # changed after the lookup: refused as a batch
    answer_one = runner.converge_all(list(doomed))
    assert answer_one("disk-1")["pruned"][0]["snapshot_id"] == doomed["disk-1"]
    assert answer_one("disk-3")["pruned"][0]["snapshot_id"] == doomed["disk-3"]
    with pytest.raises(ApiError, match="the snapshot exists, but pruning %s .* failed" % doomed["disk-2"]):
        answer_one("disk-2")
    assert [len(p["SnapshotIds"]) for a, p in api.log if a == "DeleteSnapshots"] == [3, 1, 1, 1]
    assert doomed["disk-2"] in api.snaps and doomed["disk-1"] not in api.snaps


def test_deletions_are_packed_a_hundred_ids_a_call():
    plans = [("disk-%d" % n, ["snap-%d-%d" % (n, i) for i in range(count)]) for n, count in enumerate((60, 30, 150))]
    batches = retention._batches(plans)
    assert [sum(len(ids) for disk, ids in batch) for batch in batches] == [90, 100, 50]
    assert [disk for batch in batches for disk, ids in batch] == ["disk-0", "disk-1", "disk-2", "disk-2"]


# Waiting for a fleet together -------------------------------------------------------------------------------


def fleet_answers(runner, disk_ids):
    answer_one = runner.converge_all(disk_ids)
    answers = {}
    for disk_id in disk_ids:
        try:
            answers[disk_id] = answer_one(disk_id)
        except (ApiError, DiskError) as error:
            answers[disk_id] = error
    return answers


def test_a_fleet_creates_everything_first_then_waits_for_all_together(clock):
    api = FakeCbs(clock, delay=30)
    disks = ["disk-%03d" % n for n in range(250)]
    answers = fleet_answers(task(api, clock, disk_ids=disks), disks)
    assert all(
        a["changed"] and a["state"] == "NORMAL" and a["diff"]["after"]["snapshot_id"] == a["snapshot_id"]
        for a in answers.values()
    )
    actions = api.actions()
    creates = [i for i, a in enumerate(actions) if a == "CreateSnapshot"]
    polls = [p for a, p in api.log if a == "DescribeSnapshots" and "SnapshotIds" in p]
    assert len(creates) == 250 and creates[-1] < actions.index("DescribeSnapshots", 1)  # no wait between creates
    assert all(len(p["SnapshotIds"]) <= 100 for p in polls)
    assert len(polls) <= 3 * 8, "each round of polls covers every snapshot, 100 a call"
    assert NOW + 30 <= clock() <= NOW + 30 + POLL_MAX + 1


def test_a_snapshot_still_creating_at_wait_timeout_fails_only_its_disk(api, clock):
    api.add("disk-2", "nightly", age=0, delay=10000)  # found CREATING, waited for, never ends
    answers = fleet_answers(task(api, clock, disk_ids=["disk-1", "disk-2"], wait_timeout=60), ["disk-1", "disk-2"])
    assert answers["disk-1"]["changed"] and answers["disk-1"]["state"] == "NORMAL"
    assert isinstance(answers["disk-2"], DiskError) and "still CREATING (42%) after wait_timeout=60s" in str(
        answers["disk-2"]
    )
    assert NOW + 60 <= clock() <= NOW + 61 + POLL_MAX


def test_an_existing_creating_snapshot_of_a_fleet_is_waited_for_unchanged(api, clock):
    existing = api.add("disk-1", "nightly", age=1, delay=20)
    answers = fleet_answers(task(api, clock, disk_ids=["disk-1", "disk-2"]), ["disk-1", "disk-2"])
    assert answers["disk-1"]["snapshot_id"] == existing and not answers["disk-1"]["changed"]
    assert answers["disk-1"]["state"] == "NORMAL" and "diff" not in answers["disk-1"]
    assert len(api.actions("CreateSnapshot")) == 1


def test_a_fleet_without_wait_reads_its_new_snapshots_back_in_one_call(clock):
    api = FakeCbs(clock, delay=600)
    disks = ["disk-%d" % n for n in range(30)]
    answers = fleet_answers(task(api, clock, disk_ids=disks, wait=False), disks)
    assert all(a["state"] == "CREATING" and a["changed"] for a in answers.values())
    assert len([p for a, p in api.log if a == "DescribeSnapshots" and "SnapshotIds" in p]) == 1


def test_a_new_snapshot_that_never_shows_up_fails_after_the_grace(clock):
    class Forgetful(FakeCbs):
        def CreateSnapshot(self, params):
            answer = FakeCbs.CreateSnapshot(self, params)
            if params["DiskId"] == "disk-2":
                del self.snaps[answer["SnapshotId"]]
            return answer

    api = Forgetful(clock)
    answers = fleet_answers(task(api, clock, disk_ids=["disk-1", "disk-2"]), ["disk-1", "disk-2"])
    assert answers["disk-1"]["state"] == "NORMAL"
    assert isinstance(answers["disk-2"], DiskError) and "disappeared" in str(answers["disk-2"])
    assert clock() >= NOW + VISIBILITY_GRACE


# Recovery points and the region's storage ---------------------------------------------------------------------


def test_recovery_point_is_the_newest_normal_snapshot_read_or_made(api, clock):
    older = api.add("disk-1", "manual", age=5 * 3600)
    api.add("disk-1", "broken", age=3600, state="TORECYCLE")
    api.add("disk-2", "manual", age=2 * 3600, delay=3 * 3600)  # still CREATING: not a recovery point
    every = task(api, clock, disk_ids=["disk-1", "disk-2"], min_age=30)  # min_age: every snapshot is read
    one, two = (every.converge_all(["disk-1", "disk-2"])(disk) for disk in ("disk-1", "disk-2"))
    assert one["changed"] and one["state"] == "NORMAL"
    assert one["recovery_point"] == dict(snapshot_id=one["snapshot_id"], create_time=one["create_time"])
    assert two["recovery_point"] == dict(snapshot_id=two["snapshot_id"], create_time=two["create_time"])
    assert older != one["snapshot_id"]


def test_recovery_point_without_waiting_is_the_older_normal_one(clock):
    api = FakeCbs(clock, delay=600)
    older = api.add("disk-1", "manual", age=5 * 3600)
    result = task(api, clock, wait=False, min_age=30).converge_one("disk-1")
    assert result["state"] == "CREATING"
    assert result["recovery_point"] == dict(snapshot_id=older, create_time=checks.format_utc(NOW - 5 * 3600))
    named_only = task(api, clock, wait=False, snapshot_name="other").converge_one("disk-1")
    assert named_only["recovery_point"] is None  # only that name was read: the older one is not known
    assert api.actions("DescribeSnapshotOverview") == []  # no call of its own


def test_recovery_point_after_absent_is_none_of_the_deleted(api, clock):
    api.add("disk-1", "nightly", age=3600)
    result = task(api, clock, state="absent").converge_one("disk-1")
    assert result["changed"] and result["recovery_point"] is None


def test_overview_alone_reads_only_the_overview(clock):
    class WithOverview(FakeCbs):
        def DescribeSnapshotOverview(self, params):
            assert params == {}
            return dict(TotalNums=3, TotalSize=300.0, FreeQuota=50.0, RealTradeSize=250.0)

    api = WithOverview(clock)
    api.add("disk-1", "nightly")
    request = checks.check_snapshot_listing_request(dict(overview=True))
    answer = cbs_api.find_snapshots(api, request)
    assert answer == dict(
        snapshots=[],
        overview=dict(region="ap-guangzhou", total_count=3, total_size=300.0, billed_size=250.0, free_quota=50.0),
    )
    assert api.actions() == ["DescribeSnapshotOverview"]
    both = cbs_api.find_snapshots(api, checks.check_snapshot_listing_request(dict(overview=True, disk_ids=["disk-1"])))
    assert len(both["snapshots"]) == 1 and both["overview"]["billed_size"] == 250.0
