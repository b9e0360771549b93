# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Tencent Cloud client: endpoint selection, what one request carries, retries, and the emulator."""

import hashlib
import json
import os
import sys

import pytest
import requests
from tencentcloud.common.sign import Sign

from ansible_collections.snapshield.cloud.plugins.module_utils import tencentcloud
from ansible_collections.snapshield.cloud.plugins.module_utils._lookup import paginate
from ansible_collections.snapshield.cloud.plugins.module_utils.tencentcloud import TencentCloudClient, endpoint_url
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from tests.emulator import Emulator  # noqa: E402

TIMESTAMP = 1700000000  # 2023-11-14T22:13:20Z
SECRET_KEY = "sk-0123456789abcdef"


@pytest.mark.parametrize(
    "region, endpoint, url",
    [
        ("ap-guangzhou", None, "https://cbs.tencentcloudapi.com/"),
        ("ap-singapore", "cbs.intl.tencentcloudapi.com", "https://cbs.intl.tencentcloudapi.com/"),
        ("ap-shanghai-fsi", None, "https://cbs.ap-shanghai-fsi.tencentcloudapi.com/"),
        ("ap-beijing-fsi", None, "https://cbs.ap-beijing-fsi.tencentcloudapi.com/"),
        ("ap-shanghai-fsi", "cbs.intl.tencentcloudapi.com", "https://cbs.intl.tencentcloudapi.com/"),
        ("ap-guangzhou", "http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("ap-guangzhou", "https://proxy.example.com/cbs/", "https://proxy.example.com/cbs/"),
        (None, None, "https://cbs.tencentcloudapi.com/"),
    ],
)
def test_endpoint_selection(region, endpoint, url):
    assert endpoint_url(region, endpoint) == url


class Response:
    def __init__(self, payload, status=200):
        self.status_code, self.reason, self._payload = status, "OK", payload

    def json(self):
        return self._payload


def raising(exc):
    def fail():
        raise exc

    return fail


class Session:
    """Records each post and answers from ``answers`` (a Response, or ``raising(exception)``)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.posts = []

    def post(self, url, **kwargs):
        self.posts.append(dict(kwargs, url=url))
        answer = self.answers.pop(0) if self.answers else Response({"Response": {"RequestId": "req-ok"}})
        return answer() if callable(answer) else answer


def client(session, **kwargs):
    kwargs.setdefault("region", "ap-guangzhou")
    kwargs.setdefault("clock", lambda: TIMESTAMP)
    return TencentCloudClient(
        "AKIDexample", SECRET_KEY, session=session, sleep=lambda seconds: None, rate_limit=0, **kwargs
    )


def reference_signature(post, secret_key):
    """The signature rebuilt from what was sent, with the official SDK's HMAC chain (not the collection's)."""
    headers = post["headers"]
    canonical = "POST\n/\n\ncontent-type:%s\nhost:%s\n\ncontent-type;host\n%s" % (
        headers["Content-Type"],
        headers["Host"],
        hashlib.sha256(post["data"]).hexdigest(),
    )
    to_sign = "TC3-HMAC-SHA256\n%s\n2023-11-14/cbs/tc3_request\n%s" % (
        headers["X-TC-Timestamp"],
        hashlib.sha256(canonical.encode()).hexdigest(),
    )
    return Sign.sign_tc3(secret_key, "2023-11-14", "cbs", to_sign)


@pytest.mark.parametrize(
    "region, endpoint, host",
    [
        ("ap-guangzhou", None, "cbs.tencentcloudapi.com"),
        ("ap-shanghai-fsi", None, "cbs.ap-shanghai-fsi.tencentcloudapi.com"),
        ("ap-singapore", "cbs.intl.tencentcloudapi.com", "cbs.intl.tencentcloudapi.com"),
    ],
)
def test_a_request_is_signed_for_the_host_it_goes_to(region, endpoint, host):
    session = Session(Response({"Response": {"TotalCount": 0, "SnapshotSet": [], "RequestId": "r"}}))
    answer = client(session, region=region, endpoint=endpoint).call("DescribeSnapshots", {"Limit": 100})
    assert answer["TotalCount"] == 0
    (post,) = session.posts
    headers = post["headers"]
    assert post["url"] == "https://%s/" % host and headers["Host"] == host
    assert json.loads(post["data"]) == {"Limit": 100}
    assert headers["X-TC-Action"] == "DescribeSnapshots" and headers["X-TC-Version"] == "2017-03-12"
    assert headers["X-TC-Region"] == region and headers["X-TC-Timestamp"] == str(TIMESTAMP)
    assert "X-TC-Token" not in headers
    assert headers["Authorization"] == (
        "TC3-HMAC-SHA256 Credential=AKIDexample/2023-11-14/cbs/tc3_request, SignedHeaders=content-type;host, "
        "Signature=%s" % reference_signature(post, SECRET_KEY)
    )
    assert SECRET_KEY not in json.dumps(dict(headers, data=post["data"].decode()))


def test_temporary_credentials_send_the_token():
    session = Session()
    client(session, security_token="tok-123").call("DescribeDisks", {})
    assert session.posts[0]["headers"]["X-TC-Token"] == "tok-123"


def test_an_api_error_carries_code_action_and_request_id():
    session = Session(
        Response(
            {"Response": {"Error": {"Code": "InvalidDiskId.NotFound", "Message": "no disk"}, "RequestId": "req-7"}}
        )
    )
    with pytest.raises(ApiError) as caught:
        client(session).call("CreateSnapshot", {"DiskId": "disk-x"})
    error = caught.value
    assert (error.code, error.action, error.request_id, error.ambiguous) == (
        "InvalidDiskId.NotFound",
        "CreateSnapshot",
        "req-7",
        False,
    )
    assert str(error) == "CreateSnapshot failed with InvalidDiskId.NotFound: no disk (request id req-7)"


@pytest.mark.parametrize(
    "failure",
    [
        raising(requests.exceptions.ReadTimeout("read timed out")),
        raising(requests.exceptions.ConnectionError("Connection aborted.")),
        Response({}, status=502),
        Response({"Response": {"Error": {"Code": "InternalError", "Message": "oops"}, "RequestId": "r"}}),
    ],
)
def test_a_lost_create_is_ambiguous_and_never_resent(failure):
    session = Session(failure)
    with pytest.raises(ApiError) as caught:
        client(session).call("CreateSnapshot", {"DiskId": "disk-1"})
    assert caught.value.ambiguous and len(session.posts) == 1


def test_reads_are_retried_after_a_lost_answer_and_refusals_are_retried_for_creates():
    session = Session(raising(requests.exceptions.ReadTimeout("slow")), Response({}, status=503))
    assert client(session).call("DescribeSnapshots", {})["RequestId"] == "req-ok" and len(session.posts) == 3
    busy = Response(
        {"Response": {"Error": {"Code": "InvalidDisk.SnapshotCreating", "Message": "busy"}, "RequestId": "r"}}
    )
    throttled = Response({"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "slow"}, "RequestId": "r"}})
    session = Session(busy, throttled)
    ticks = iter(range(TIMESTAMP, TIMESTAMP + 100, 7))
    client(session, clock=lambda: next(ticks)).call("CreateSnapshot", {})
    assert len(session.posts) == 3
    # every attempt is signed afresh, with its own timestamp
    assert [p["headers"]["X-TC-Timestamp"] for p in session.posts] == [str(TIMESTAMP + n) for n in (0, 7, 14)]
    assert all(p["headers"]["Authorization"].endswith(reference_signature(p, SECRET_KEY)) for p in session.posts)


def test_against_the_emulator_with_temporary_credentials():
    with Emulator(2, snapshot_delay=0) as emu:
        creds = emu.credentials
        good = TencentCloudClient(
            creds["tencent_temp_id"],
            creds["tencent_temp_key"],
            "ap-guangzhou",
            security_token=creds["tencent_token"],
            endpoint=emu.url,
        )
        disks = list(paginate(good, "DescribeDisks", "DiskSet"))
        assert len(disks) == 2
        tokenless = TencentCloudClient(
            creds["tencent_temp_id"], creds["tencent_temp_key"], "ap-guangzhou", endpoint=emu.url, retries=0
        )
        with pytest.raises(ApiError) as caught:
            tokenless.call("DescribeDisks", {})
        assert caught.value.code == "AuthFailure.TokenFailure" and caught.value.request_id
        assert creds["tencent_temp_key"] not in str(caught.value)
        signed = [c for c in emu.calls()["log"] if c["outcome"] == "ok"]
        assert [c["action"] for c in signed] == ["DescribeDisks"]


class Module:
    def __init__(self, **params):
        self.params = dict(
            secret_id="AKID",
            secret_key="sk",
            security_token=None,
            region="ap-shanghai-fsi",
            endpoint=None,
            validate_certs=True,
            timeout=30,
            connect_timeout=10,
            retries=6,
            rate_limit=20.0,
            rate_share=1.0,
        )
        self.params.update(params)

    def fail_json(self, **kwargs):
        raise AssertionError(kwargs["msg"])


def test_client_from_module_options():
    made = tencentcloud.client(Module(security_token="tok"))
    assert made.url == "https://cbs.ap-shanghai-fsi.tencentcloudapi.com/" and made.host == made.url[8:-1]
    with pytest.raises(AssertionError, match=r"secret_key \(or TENCENTCLOUD_SECRET_KEY\)"):
        tencentcloud.client(Module(secret_key=None))


def test_client_from_plain_option_values_checks_them_before_any_call():
    made = tencentcloud.client_from_options(dict(Module().params, region="ap-guangzhou"))
    assert made.region == "ap-guangzhou" and made.url == "https://cbs.tencentcloudapi.com/"
    with pytest.raises(ValueError, match=r"missing required arguments: secret_id \(or TENCENTCLOUD_SECRET_ID\)"):
        tencentcloud.client_from_options(dict(Module().params, secret_id=""))
    with pytest.raises(ValueError, match="connect_timeout must be a whole number of seconds from 1 to 3600"):
        tencentcloud.client_from_options(dict(Module().params, connect_timeout=True))


def test_unset_rate_limit_option_keeps_each_actions_published_limit():
    made = tencentcloud.client(Module(rate_limit=None))
    assert made.rate_limiter.interval("DescribeDisks") < made.rate_limiter.interval("DescribeSnapshots")
    made = tencentcloud.client(Module(rate_limit=5.0))
    assert made.rate_limiter.interval("DescribeDisks") == made.rate_limiter.interval("DescribeSnapshots")


def test_rate_share_scales_every_limit_and_is_checked():
    whole, quarter = (
        tencentcloud.client(Module(rate_limit=None)),
        tencentcloud.client(Module(rate_limit=None, rate_share=0.25)),
    )
    for action in ("DescribeDisks", "CreateSnapshot"):
        assert quarter.rate_limiter.interval(("ap-guangzhou", action)) == pytest.approx(
            4 * whole.rate_limiter.interval(("ap-guangzhou", action))
        )
    assert tencentcloud.client(Module(rate_limit=5.0, rate_share=0.5)).rate_limiter.interval("X") == pytest.approx(
        1.02 / 2.5
    )
    for bad in (0.0, -0.5, 1.5, float("nan")):
        with pytest.raises(AssertionError, match="rate_share must be more than 0 and at most 1"):
            tencentcloud.client(Module(rate_share=bad))


def test_a_client_of_another_region_shares_credentials_and_limits_each_region_apart():
    sleeps, now = [], [100.0]
    client = TencentCloudClient(
        "AKID", "secret", "ap-guangzhou", clock=lambda: now[0], sleep=sleeps.append, rate_limit=10
    )
    client.rate_limiter._clock = lambda: now[0]
    shanghai = client.in_region("ap-shanghai")
    assert (shanghai.region, shanghai.url, shanghai.secret_id) == ("ap-shanghai", client.url, "AKID")
    assert shanghai.rate_limiter is client.rate_limiter and shanghai.stats is client.stats
    assert client.region == "ap-guangzhou"
    finance = client.in_region("ap-shanghai-fsi")
    assert finance.url == "https://cbs.ap-shanghai-fsi.tencentcloudapi.com/"
    # each region has its own slots of each action: one call per region costs no wait
    client.rate_limiter.acquire(client._limit_key("DescribeSnapshots"))
    shanghai.rate_limiter.acquire(shanghai._limit_key("DescribeSnapshots"))
    assert sleeps == []
    client.rate_limiter.acquire(client._limit_key("DescribeSnapshots"))
    assert len(sleeps) == 1
    custom = TencentCloudClient("AKID", "secret", "ap-guangzhou", endpoint="127.0.0.1:9").in_region("ap-beijing")
    assert custom.url == "https://127.0.0.1:9/" and custom.region == "ap-beijing"
