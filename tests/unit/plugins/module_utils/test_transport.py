# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retries, ambiguity, rate limiting and paging of the shared transport (through the UCloud client)."""

import random

import pytest
import requests
from conftest import FakeResponse, ScriptedSession

from ansible_collections.snapshield.cloud.plugins.module_utils._lookup import paginate
from ansible_collections.snapshield.cloud.plugins.module_utils.tencentcloud import TencentCloudClient
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError, RateLimiter, backoff_delay
from ansible_collections.snapshield.cloud.plugins.module_utils.ucloud import UCloudClient


def ok(**fields):
    return FakeResponse(body=dict(RetCode=0, **fields), headers={"X-UCLOUD-REQUEST-UUID": "req-1"})


def retcode(code, message="m"):
    return FakeResponse(body=dict(RetCode=code, Message=message), headers={"X-UCLOUD-REQUEST-UUID": "req-err"})


def client(session, sleeps, retries=3):
    return UCloudClient("pub", "priv", "cn-bj2", session=session, sleep=sleeps.append, retries=retries, rate_limit=0)


def test_read_only_call_is_retried_after_transient_failures(sleeps):
    session = ScriptedSession(requests.exceptions.ReadTimeout("slow"), FakeResponse(503), retcode(150), ok(X=1))
    assert client(session, sleeps).call("DescribeSnapshotService")["X"] == 1
    assert len(session.requests) == 4 and len(sleeps) == 3


def test_every_attempt_is_signed_again(sleeps):
    clock = iter([1700000000, 1700000007])
    throttled = FakeResponse(
        body={"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "slow down"}, "RequestId": "r1"}}
    )
    session = ScriptedSession(throttled, FakeResponse(body={"Response": {"SnapshotId": "snap-1", "RequestId": "r2"}}))
    tencent = TencentCloudClient(
        "id", "key", "ap-guangzhou", session=session, sleep=sleeps.append, rate_limit=0, clock=lambda: next(clock)
    )
    assert tencent.call("CreateSnapshot", dict(DiskId="disk-1"))["SnapshotId"] == "snap-1"
    first, second = (r["headers"] for r in session.requests)
    assert (first["X-TC-Timestamp"], second["X-TC-Timestamp"]) == ("1700000000", "1700000007")
    assert first["Authorization"] != second["Authorization"]


def test_mutating_call_is_retried_only_after_a_refusal(sleeps):
    session = ScriptedSession(retcode(153, "rate limited"), FakeResponse(429), ok(SnapshotServiceId="s-1"))
    assert client(session, sleeps).call("CreateSnapshotService")["SnapshotServiceId"] == "s-1"
    assert len(session.requests) == 3


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ReadTimeout("slow"),
        requests.exceptions.ConnectionError("Connection aborted. RemoteDisconnected"),
        FakeResponse(502),
        retcode(110, "gateway timeout"),
    ],
)
def test_mutating_call_is_never_resent_after_a_lost_answer(failure, sleeps):
    session = ScriptedSession(failure, ok())
    with pytest.raises(ApiError) as caught:
        client(session, sleeps).call("CreateSnapshotService")
    assert caught.value.ambiguous
    assert len(session.requests) == 1


def test_mutating_call_is_retried_when_no_connection_was_made(sleeps):
    session = ScriptedSession(requests.exceptions.ConnectTimeout("no route"), ok())
    client(session, sleeps).call("DeleteSnapshotService")
    assert len(session.requests) == 2


def test_final_error_carries_code_action_and_request_id(sleeps):
    session = ScriptedSession(retcode("17041", "UDisk does not exist"))
    with pytest.raises(ApiError) as caught:
        client(session, sleeps).call("DescribeUSnapBackupRange", dict(VDiskId="bsm-x"))
    error = caught.value
    assert (error.code, error.action, error.request_id, error.ambiguous) == (
        17041,
        "DescribeUSnapBackupRange",
        "req-err",
        False,
    )
    assert str(error) == "DescribeUSnapBackupRange failed with 17041: UDisk does not exist (request id req-err)"
    assert len(session.requests) == 1


def test_retries_are_bounded(sleeps):
    session = ScriptedSession(*[retcode(153)] * 4)
    with pytest.raises(ApiError) as caught:
        client(session, sleeps, retries=3).call("DescribeUDisk")
    assert caught.value.code == 153 and not caught.value.ambiguous
    assert len(session.requests) == 4


def test_backoff_is_jittered_exponential_and_capped():
    rng = random.Random(7)
    delays = [[backoff_delay(attempt, base=0.5, cap=4.0, rng=rng) for draw in range(200)] for attempt in range(6)]
    assert all(0 <= d <= 0.5 for d in delays[0])
    assert all(0 <= d <= 4.0 for d in delays[5])
    assert max(delays[2]) > 1.0
    assert len(set(delays[3])) > 100


def test_rate_limiter_spaces_calls_per_action():
    clock = [100.0]
    waits = []

    def sleep(seconds):
        waits.append(round(seconds, 6))
        clock[0] += seconds

    limiter = RateLimiter(20, clock=lambda: clock[0], sleep=sleep)
    for _call in range(3):
        limiter.acquire("CreateSnapshot")
    limiter.acquire("DescribeSnapshots")
    assert waits == [0.051, 0.051]


def test_clients_default_to_each_actions_published_limit():
    tencent = TencentCloudClient("id", "key", "ap-guangzhou")
    assert tencent.rate_limiter.interval("DescribeDisks") == pytest.approx(1.02 / 100)
    assert tencent.rate_limiter.interval("CreateSnapshot") == pytest.approx(1.02 / 20)
    ucloud = UCloudClient("pub", "priv", "cn-bj2")
    assert ucloud.rate_limiter.interval("DescribeUDisk") == pytest.approx(1.02 / 20)


@pytest.mark.parametrize("rate_limit, interval", [(5, 1.02 / 5), (0, 0.0)])
def test_a_given_rate_limit_applies_to_every_action(rate_limit, interval):
    tencent = TencentCloudClient("id", "key", "ap-guangzhou", rate_limit=rate_limit)
    assert [tencent.rate_limiter.interval(action) for action in ("DescribeDisks", "CreateSnapshot")] == [
        pytest.approx(interval)
    ] * 2


def test_rate_limiter_never_admits_more_than_the_rate_in_any_second():
    clock = [0.0]
    sent = []

    def sleep(seconds):
        clock[0] += seconds

    limiter = RateLimiter(20, clock=lambda: clock[0], sleep=sleep)
    for _call in range(200):
        limiter.acquire("DescribeUSnapBackupRange")
        sent.append(clock[0])
    # Even with 10 ms of jitter on arrival, no one-second window holds more than 20 calls.
    assert all(sent[i + 20] - sent[i] >= 1.0 + 0.01 for i in range(len(sent) - 20))


def test_paging_reads_every_page(sleeps):
    pages = [
        ok(DataSet=[{"Id": i} for i in range(start, min(start + 100, 250))], TotalCount=250) for start in (0, 100, 200)
    ]
    session = ScriptedSession(*pages)
    items = list(paginate(client(session, sleeps), "DescribeUDisk", "DataSet", dict(Zone="cn-bj2-02")))
    assert [item["Id"] for item in items] == list(range(250))
    pages_asked = [(r["data"]["Offset"], r["data"]["Limit"]) for r in session.requests]
    assert pages_asked == [("0", "100"), ("100", "100"), ("200", "100")]


def test_ucloud_request_form(sleeps):
    session = ScriptedSession(ok())
    UCloudClient(
        "pub", "priv", "cn-bj2", project_id="org-1", base_url="https://gw.example", session=session, sleep=sleeps.append
    ).call("DescribeUDisk", dict(UDiskId=["a", "b"], IsBoot=False))
    sent = session.requests[0]
    assert sent["url"] == "https://gw.example"
    assert {k: v for k, v in sent["data"].items() if k != "Signature"} == {
        "Action": "DescribeUDisk",
        "Region": "cn-bj2",
        "ProjectId": "org-1",
        "PublicKey": "pub",
        "UDiskId.0": "a",
        "UDiskId.1": "b",
        "IsBoot": "false",
    }
    assert "priv" not in repr(sent)
