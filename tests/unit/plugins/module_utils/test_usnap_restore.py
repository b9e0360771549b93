# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""usnap_restore: the recovery window's arithmetic, the request checks, and the converger against the emulator
(lost answers, injected faults, refusals: never a second clone, never an unread resend of an in-place restore)."""

import time
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.snapshield.cloud.plugins.module_utils._converge import converge
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import DiskError
from ansible_collections.snapshield.cloud.plugins.module_utils.ucloud import UCloudClient
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap.checks import check_restore_request
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap.restore import RestoreConverger, Window, pick_point
from tests.emulator import Emulator

ZONE = "cn-bj2-02"
HOUR, DAY = 3600, 86400
MUTATING = ("CloneUDiskUDataArk", "RestoreUDisk", "DeleteUDisk")
# 2026-12-03T13:25:10Z: not on a whole hour, so each band of the window shows
NOW = int(datetime(2026, 12, 3, 13, 25, 10, tzinfo=timezone.utc).timestamp())


def base_window(created=NOW - 30 * DAY, journal=12, hour=24, day=5, end=NOW):
    return Window(created, journal, hour, day, end)


# The window ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "point, holds",
    [
        (NOW, True),  # now: the journal's newest second
        (NOW + 1, False),  # the future
        (NOW - 12 * HOUR, True),  # the journal's oldest second
        (NOW - 12 * HOUR - 1, False),  # hourly band, not a whole hour
        (NOW - 13 * HOUR - 25 * 60 - 10, True),  # 2026-12-03T00:00:00Z: a whole hour (and day) in the hourly band
        (NOW - 35 * HOUR - 25 * 60 - 10, True),  # the oldest whole hour of the hourly band (12 + 24 hours ago)
        (NOW - 38 * HOUR - 25 * 60 - 10, False),  # 2026-12-01T23:00Z: a whole hour in the daily band, not 00:00
        (int(datetime(2026, 11, 28, tzinfo=timezone.utc).timestamp()), True),  # 00:00 UTC, 5 days before the band
        (int(datetime(2026, 11, 27, tzinfo=timezone.utc).timestamp()), False),  # one day too old
    ],
)
def test_base_window(point, holds):
    assert base_window().holds(point) is holds


def test_the_window_never_starts_before_the_service():
    window = base_window(created=NOW - 2 * HOUR)
    assert window.holds(NOW - 2 * HOUR) and not window.holds(NOW - 2 * HOUR - 1)
    assert window.oldest() == NOW - 2 * HOUR
    assert window.latest() == NOW


@pytest.mark.parametrize(
    "chain, latest",
    [
        ((12, 24, 5), NOW),  # a journal: now
        ((0, 24, 5), NOW - 25 * 60 - 10),  # no journal: the newest whole hour
        ((0, 0, 5), NOW - 13 * HOUR - 25 * 60 - 10),  # daily points only: today's 00:00 UTC
        ((0, 0, 0), None),  # no points at all
    ],
)
def test_latest_follows_the_chain(chain, latest):
    assert base_window(journal=chain[0], hour=chain[1], day=chain[2]).latest() == latest


def test_an_expired_service_ends_at_its_expiry():
    expired = NOW - DAY - 17
    window = Window.of(dict(CreateTime=NOW - 20 * DAY, Status="Expired", ExpiredTime=expired), dict(journal=12), NOW)
    assert window.latest() == expired and not window.holds(NOW)


@given(
    st.integers(min_value=0, max_value=4).map(lambda n: 12 * n),
    st.integers(min_value=0, max_value=4).map(lambda n: 24 * n),
    st.integers(min_value=0, max_value=4).map(lambda n: 5 * n),
    st.integers(min_value=0, max_value=60 * DAY),
)
def test_latest_and_oldest_are_points_and_bound_every_point(journal, hour, day, age):
    window = base_window(created=NOW - age, journal=journal, hour=hour, day=day)
    latest, oldest = window.latest(), window.oldest()
    assert (latest is None) == (oldest is None)
    if latest is not None:
        assert window.holds(latest) and window.holds(oldest) and oldest <= latest
        assert not window.holds(oldest - 1) and not window.holds(latest + 1)


def test_a_point_outside_the_window_is_refused_naming_the_option_and_the_window():
    with pytest.raises(DiskError) as info:
        pick_point(NOW - 12 * HOUR - 1, base_window(), "bsm-1")
    message = str(info.value)
    assert message.startswith("point_in_time 2026-12-03T01:25:09Z is not a recovery point of bsm-1")
    assert "any second from 2026-12-03T01:25:10Z to 2026-12-03T13:25:10Z" in message
    assert "whole hours from 2026-12-02T01:25:10Z" in message and "journal 12 h, hourly 24 h, daily 5 d" in message
    assert pick_point("latest", base_window(), "bsm-1") == NOW


# Checks ----------------------------------------------------------------------------------------


def request(**params):
    return check_restore_request(dict(dict(zone=ZONE, disk_ids=["bsm-1"], clone_name="r"), **params))


@pytest.mark.parametrize(
    "params, words",
    [
        (dict(disk_ids=["bsm-1", "bsm-2"]), "clone_name must contain {disk_id} when more than one disk"),
        (dict(clone_name=None), "clone_name is required"),
        (dict(clone_name="r-{id}"), "clone_name may hold only the placeholder {disk_id}"),
        (dict(point_in_time="yesterday"), "point_in_time must be latest or an ISO 8601 time"),
        (dict(target="elsewhere"), "target must be one of clone, in_place"),
        (dict(state="absent", target="in_place"), "cannot be used with target=in_place"),
        (dict(state="absent"), "state=absent needs business_group"),
        (dict(wait_timeout=0), "wait_timeout must be a whole number of seconds"),
        (dict(zone=" "), "zone must be a zone name"),
    ],
)
def test_bad_requests_name_the_option(params, words):
    with pytest.raises(ValueError) as info:
        request(**params)
    assert words in str(info.value)


def test_good_requests():
    assert request(point_in_time="2026-12-03T10:00:00Z")["point_in_time"] == NOW - 3 * HOUR - 25 * 60 - 10
    assert request(point_in_time="2026-12-03T18:00:00+08:00")["point_in_time"] == NOW - 3 * HOUR - 25 * 60 - 10
    assert request()["point_in_time"] == "latest"
    in_place = request(target="in_place", clone_name=None)
    assert (in_place["target"], in_place["clone_name"]) == ("in_place", None)
    assert request(disk_ids=["a", "b"], clone_name="r-{disk_id}")["clone_name"] == "r-{disk_id}"


# The converger against the emulator -------------------------------------------------------------


class FakeModule:
    def __init__(self, check_mode=False):
        self.check_mode, self._diff, self.warnings = check_mode, True, []

    def warn(self, message):
        self.warnings.append(message)


@pytest.fixture(scope="module")
def emu():
    with Emulator(disks=0, rate_limit=0, settings=dict(clone_delay=0.3, restore_delay=0.3)) as emulator:
        yield emulator


@pytest.fixture
def client(emu):
    emu.reset()
    emu.configure(clone_delay=0.3, restore_delay=0.3)
    creds = emu.credentials
    return UCloudClient(
        creds["ucloud_public_key"], creds["ucloud_private_key"], "cn-bj2", base_url=emu.url, rate_limit=0, retries=2
    )


def seed(emu, count=1, **spec):
    spec = dict(dict(zone=ZONE, status="Available", service=dict(mode="Base", age=DAY)), count=count, **spec)
    return emu.seed(**spec)["disks"]


def run(client, disk_ids, check_mode=False, **options):
    params = dict(zone=ZONE, disk_ids=disk_ids, clone_name="r-{disk_id}", wait_timeout=30)
    params.update(options)
    module = FakeModule(check_mode)
    outcomes = converge(RestoreConverger(module, client, check_restore_request(params)))
    return outcomes, module


def calls(emu, action):
    return [(e["outcome"], e["applied"]) for e in emu.calls()["log"] if e["action"] == action]


def clones(emu):
    return [d for d in emu.dump_state()["disks"] if d.get("clone_of")]


@pytest.mark.parametrize(
    "fault, sent",
    [
        (dict(lose="after_apply"), [("lost", True)]),
        (dict(lose="before_apply"), [("lost", False), ("ok", True)]),
        (dict(http_status=504), [("faulted", False), ("ok", True)]),
    ],
)
def test_a_lost_clone_answer_never_makes_a_second_clone(emu, client, fault, sent):
    (disk,) = seed(emu)
    emu.set_faults(action="CloneUDiskUDataArk", **fault)
    outcomes, _module = run(client, [disk])
    result = outcomes[disk].result
    assert outcomes[disk].error is None, outcomes[disk].error
    (clone,) = clones(emu)
    assert (result["restored_disk_id"], result["state"], result["changed"]) == (clone["id"], "Available", True)
    assert calls(emu, "CloneUDiskUDataArk") == sent
    assert result["restore_seconds"] >= 0.3 and result["available_at"]


def test_the_clone_name_is_the_idempotency_key(emu, client):
    disks = seed(emu, count=3)
    first, _module = run(client, disks)
    emu.clear_calls()
    again, _module = run(client, disks)
    assert [o.result["restored_disk_id"] for o in again.values()] == [
        o.result["restored_disk_id"] for o in first.values()
    ]
    assert not any(o.result["changed"] for o in again.values())
    assert calls(emu, "CloneUDiskUDataArk") == [] and len(clones(emu)) == 3


@pytest.mark.parametrize(
    "lose, sent", [("after_apply", [("lost", True)]), ("before_apply", [("lost", False), ("ok", True)])]
)
def test_a_lost_in_place_answer_is_read_before_anything_is_resent(emu, client, lose, sent):
    emu.configure(restore_delay=2)
    (disk,) = seed(emu)
    emu.set_faults(action="RestoreUDisk", lose=lose)
    outcomes, _module = run(client, [disk], target="in_place", clone_name=None, wait=False)
    assert outcomes[disk].error is None and outcomes[disk].result["restored_disk_id"] == disk
    assert calls(emu, "RestoreUDisk") == sent
    assert len(next(d for d in emu.dump_state()["disks"] if d["id"] == disk)["restores"]) == 1


def test_an_attached_disk_is_refused_in_place_without_a_call(emu, client):
    (disk,) = seed(emu, status="InUse")
    outcomes, _module = run(client, [disk], target="in_place", clone_name=None)
    assert "is attached to uhost-" in str(outcomes[disk].error) and "Nothing was sent" in str(outcomes[disk].error)
    assert calls(emu, "RestoreUDisk") == []


def test_check_mode_calls_no_mutating_action(emu, client):
    disks = seed(emu, count=2)
    outcomes, _module = run(client, disks, check_mode=True)
    outcomes_in_place, _module = run(client, disks, check_mode=True, target="in_place", clone_name=None)
    assert [o.result["summary"][:24] for o in outcomes.values()] == ["clone %s as of" % d for d in disks]
    assert all(o.result["restored_disk_id"] is None and o.result["changed"] for o in outcomes.values())
    assert all(o.result["summary"].startswith("restore bsm-") for o in outcomes_in_place.values())
    assert not [e for e in emu.calls()["log"] if e["action"] in MUTATING]


def test_a_busy_source_is_waited_out_and_arrears_fail_the_disk(emu, client):
    one, two = seed(emu, count=2)
    emu.set_faults(rules=[{"action": "CloneUDiskUDataArk", "error": "17085", "count": 2}])
    outcomes, _module = run(client, [one])
    assert outcomes[one].error is None
    assert calls(emu, "CloneUDiskUDataArk") == [("faulted", False), ("faulted", False), ("ok", True)]
    emu.configure(arrears=True)
    outcomes, _module = run(client, [two])
    assert "17084" in str(outcomes[two].error) or "arrears" in str(outcomes[two].error)


def test_a_point_outside_the_window_sends_nothing(emu, client):
    (disk,) = seed(emu)
    outcomes, _module = run(client, [disk], point_in_time="2020-01-01T00:00:00Z")
    assert str(outcomes[disk].error).startswith("point_in_time 2020-01-01T00:00:00Z is not a recovery point of")
    assert not [e for e in emu.calls()["log"] if e["action"] in MUTATING]


def test_a_clone_that_never_gets_its_size_fails_the_wait(emu, client, monkeypatch):
    (disk,) = seed(emu)
    outcomes, _module = run(client, [disk])
    with emu.state.lock:
        emu.state.udisks[outcomes[disk].result["restored_disk_id"]].size = 1
    again, _module = run(client, [disk])
    assert "is Available with 1 GB, not 20 GB, the source's size" in str(again[disk].error)


def test_absent_deletes_only_the_matching_clones(emu, client):
    one, two = seed(emu, count=2)
    run(client, [one, two], business_group="drill")
    stranger = seed(emu, name="r-%s" % two, tag="web", service=None)[0]  # same name, another business group
    started = int(time.time())
    outcomes, module = run(client, [one, two], state="absent", business_group="drill")
    deleted = [d for o in outcomes.values() for d in o.result["deleted_disk_ids"]]
    left = {d["id"] for d in emu.dump_state()["disks"]}
    assert len(deleted) == 2 and not left & set(deleted)
    assert {one, two, stranger} <= left
    assert outcomes[two].result["left_alone"] == [dict(disk_id=stranger, reason="its business group is web, not drill")]
    assert module.warnings and started <= int(time.time())
    again, _module = run(client, [one, two], state="absent", business_group="drill")
    assert not any(o.result["changed"] for o in again.values())


def test_absent_in_check_mode_deletes_nothing_and_a_gone_source_still_loses_its_clone(emu, client):
    one, two = seed(emu, count=2)
    made, _module = run(client, [one, two], business_group="drill")
    preview, _module = run(client, [one, two], check_mode=True, state="absent", business_group="drill")
    assert [o.result["deleted_disk_ids"] for o in preview.values()] == [
        [o.result["restored_disk_id"]] for o in made.values()
    ]
    assert calls(emu, "DeleteUDisk") == [] and len(clones(emu)) == 2
    client.call("DeleteUDisk", dict(Zone=ZONE, UDiskId=one))  # the source goes first
    gone, _module = run(client, [one], state="absent", business_group="drill")
    assert gone[one].error is None and gone[one].result["deleted_disk_ids"] == [made[one].result["restored_disk_id"]]
    assert [c["clone_of"] for c in clones(emu)] == [two]


def test_a_clone_is_found_by_name_even_when_the_gateway_ignores_the_name_filter(emu, client, monkeypatch):
    """The SDK's DescribeUDisk request model has no UDiskName: a gateway may ignore it and answer every disk."""
    from ansible_collections.snapshield.cloud.plugins.module_utils.usnap import api

    seed(emu, count=130, service=None)  # more than a page of other disks
    (disk,) = seed(emu)
    run(client, [disk])
    real = api.disks

    def ignoring_the_name(client_, zone, **filters):
        filters.pop("UDiskName", None)
        return real(client_, zone, **filters)

    monkeypatch.setattr(api, "disks", ignoring_the_name)
    emu.clear_calls()
    again, _module = run(client, [disk])
    assert again[disk].error is None and not again[disk].result["changed"]
    assert calls(emu, "CloneUDiskUDataArk") == [] and len(clones(emu)) == 1
