# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TC3-HMAC-SHA256 against the published vector and against the official SDK's HMAC chain."""

import hashlib
import json
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tencentcloud.common import abstract_client
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.credential import Credential
from tencentcloud.common.http.request import RequestInternal
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.common.sign import Sign

from ansible_collections.snapshield.cloud.plugins.module_utils import tencent_signing as tc3

HOST = "cvm.tencentcloudapi.com"
TIMESTAMP = 1551113065
BODY = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'


def test_published_canonical_request():
    canonical = tc3.canonical_request(HOST, BODY)
    assert (
        hashlib.sha256(canonical.encode()).hexdigest()
        == "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )


@pytest.mark.parametrize(
    "secret_key, expected",
    [
        ("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"),
        ("Gu5t9xGARNpq86cd98joQYCN3*******", "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"),
    ],
)
def test_published_signature(secret_key, expected):
    headers = tc3.signed_headers(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        secret_key,
        HOST,
        "DescribeInstances",
        "ap-guangzhou",
        TIMESTAMP,
        BODY,
        service="cvm",
        version="2017-03-12",
    )
    assert headers["Authorization"] == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, Signature=" + expected
    )
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-TC-Timestamp"] == "1551113065"
    assert headers["X-TC-Action"] == "DescribeInstances"
    assert headers["X-TC-Region"] == "ap-guangzhou"
    assert "X-TC-Token" not in headers and "X-TC-Language" not in headers


def test_optional_headers():
    headers = tc3.signed_headers(
        "id",
        "key",
        "cbs.tencentcloudapi.com",
        "CreateSnapshot",
        "ap-guangzhou",
        TIMESTAMP,
        b"{}",
        token="tok",
        language="en-US",
    )
    assert headers["X-TC-Token"] == "tok"
    assert headers["X-TC-Language"] == "en-US"
    assert headers["X-TC-Version"] == "2017-03-12"
    assert "/cbs/tc3_request" in headers["Authorization"]


def test_date_is_utc_date_of_timestamp():
    assert tc3.utc_date(1551139199) == "2019-02-25"
    assert tc3.utc_date(1551139200) == "2019-02-26"


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text()),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    body=st.dictionaries(st.text(), json_values, max_size=6),
    secret_key=st.text(),
    timestamp=st.integers(min_value=0, max_value=4102444800),
    service=st.sampled_from(["cbs", "cvm"]),
    ensure_ascii=st.booleans(),
)
def test_matches_official_hmac_chain(body, secret_key, timestamp, service, ensure_ascii):
    payload = json.dumps(body, ensure_ascii=ensure_ascii).encode("utf-8")
    canonical = tc3.canonical_request("cbs.tencentcloudapi.com", payload)
    expected = Sign.sign_tc3(
        secret_key, tc3.utc_date(timestamp), service, tc3.string_to_sign(timestamp, service, canonical)
    )
    assert tc3.signature(secret_key, timestamp, service, canonical) == expected


def sdk_signed_request(secret_id, secret_key, token, region, language, timestamp, action, params):
    """The request the official SDK builds for the same call."""
    profile = ClientProfile(httpProfile=HttpProfile(endpoint="cbs.tencentcloudapi.com"), language=language)
    client = CommonClient("cbs", "2017-03-12", Credential(secret_id, secret_key, token), region, profile)
    request = RequestInternal("cbs.tencentcloudapi.com", "POST", "/")
    with mock.patch.object(abstract_client.time, "time", return_value=timestamp):
        client._build_req_with_tc3_signature(action, params, request)
    return request


ids = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(
    body=st.dictionaries(st.text(), json_values, max_size=6),
    secret_id=ids,
    secret_key=ids,
    token=st.none() | ids,
    region=st.sampled_from(["ap-guangzhou", "ap-shanghai-fsi", "na-siliconvalley"]),
    language=st.sampled_from(["en-US", "zh-CN"]),
    timestamp=st.integers(min_value=0, max_value=4102444800),
    action=st.sampled_from(["CreateSnapshot", "DescribeSnapshots", "DeleteSnapshots"]),
)
def test_matches_official_sdk_request(body, secret_id, secret_key, token, region, language, timestamp, action):
    reference = sdk_signed_request(secret_id, secret_key, token, region, language, timestamp, action, body)
    headers = tc3.signed_headers(
        secret_id,
        secret_key,
        reference.header["Host"],
        action,
        region,
        timestamp,
        reference.data,
        token=token,
        language=language,
        content_type=reference.header["Content-Type"],
    )
    for name in (
        "Authorization",
        "Content-Type",
        "Host",
        "X-TC-Action",
        "X-TC-Version",
        "X-TC-Timestamp",
        "X-TC-Region",
        "X-TC-Token",
        "X-TC-Language",
    ):
        assert headers.get(name) == reference.header.get(name), name
