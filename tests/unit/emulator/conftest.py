"""Fixtures for the emulator's own tests: one emulator per module, reset before every test.

Requests are signed by the official SDKs (or, for deliberately broken requests, by hand with the
SDKs' primitives): never by the collection's code.
"""

import functools
import hashlib
import json
import logging
import os
import sys
import time
from datetime import datetime, timezone

import pytest
import requests

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from tencentcloud.common import credential  # noqa: E402
from tencentcloud.common.common_client import CommonClient  # noqa: E402
from tencentcloud.common.profile.client_profile import ClientProfile  # noqa: E402
from tencentcloud.common.profile.http_profile import HttpProfile  # noqa: E402
from tencentcloud.common.sign import Sign  # noqa: E402
from ucloud.client import Client as UCloudClient  # noqa: E402
from ucloud.core.auth import Credential as UCloudCredential  # noqa: E402
from ucloud.core.typesystem import encoder  # noqa: E402

from tests.emulator import Emulator  # noqa: E402

FLEET = 12
SNAPSHOT_DELAY = 0.3
UCLOUD_REGION, UCLOUD_ZONE = "cn-bj2", "cn-bj2-02"
TENCENT_REGION = "ap-guangzhou"


@pytest.fixture(scope="module")
def emu():
    with Emulator(disks=FLEET, snapshot_delay=SNAPSHOT_DELAY, rate_limit=0) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _fresh(request):
    if "emu" in request.fixturenames:
        request.getfixturevalue("emu").reset()


@pytest.fixture
def ucloud(emu):
    creds = emu.credentials
    client = UCloudClient(
        {
            "region": UCLOUD_REGION,
            "public_key": creds["ucloud_public_key"],
            "private_key": creds["ucloud_private_key"],
            "base_url": emu.url,
            "max_retries": 0,
            "log_level": logging.CRITICAL,
        },
        logger=logging.getLogger("ucloud-test"),
    )
    return client


def _tencent_client(emu, secret_id=None, secret_key=None, token=None):
    creds = emu.credentials
    cred = credential.Credential(
        secret_id or creds["tencent_secret_id"], secret_key or creds["tencent_secret_key"], token
    )
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=emu.endpoint))
    return CommonClient("cbs", "2017-03-12", cred, TENCENT_REGION, profile)


@pytest.fixture
def tencent(emu):
    return _tencent_client(emu)


@pytest.fixture
def tencent_client(emu):
    """``tencent_client(secret_id=..., secret_key=..., token=...)`` -> an SDK CommonClient."""
    return functools.partial(_tencent_client, emu)


@pytest.fixture
def ucloud_post(emu):
    return functools.partial(_ucloud_post, emu)


@pytest.fixture
def tc3_post(emu):
    return functools.partial(_tc3_post, emu)


def _ucloud_post(emu, params, *, signature=None, public_key=None, private_key=None):
    """A form POST signed with the UCloud SDK's signer; ``signature`` overrides it."""
    creds = emu.credentials
    payload = encoder.encode({"Region": UCLOUD_REGION, **params})
    cred = UCloudCredential(public_key or creds["ucloud_public_key"], private_key or creds["ucloud_private_key"])
    payload["Signature"] = cred.verify_ac(payload)
    if signature is not None:
        payload["Signature"] = signature
    return requests.post(emu.url, data=payload, timeout=5)


def _tc3_post(
    emu,
    action,
    body,
    *,
    timestamp=None,
    secret_id=None,
    secret_key=None,
    token=None,
    service="cbs",
    date=None,
    version="2017-03-12",
    tamper=False,
):
    """A hand-built TC3 request (for stale timestamps and broken scopes the SDK cannot produce)."""
    creds = emu.credentials
    secret_id = secret_id or creds["tencent_secret_id"]
    secret_key = secret_key or creds["tencent_secret_key"]
    timestamp = int(time.time()) if timestamp is None else timestamp
    date = date or datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")
    payload = json.dumps(body).encode()
    content_type, host = "application/json", emu.endpoint
    canonical = (
        f"POST\n/\n\ncontent-type:{content_type}\nhost:{host}\n\ncontent-type;host\n"
        f"{hashlib.sha256(payload).hexdigest()}"
    )
    to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    )
    signature = Sign.sign_tc3(secret_key, date, service, to_sign)
    if tamper:
        signature = ("0" if signature[0] != "0" else "1") + signature[1:]
    headers = {
        "Content-Type": content_type,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Version": version,
        "X-TC-Region": TENCENT_REGION,
        "X-TC-Timestamp": str(timestamp),
        "Authorization": f"TC3-HMAC-SHA256 Credential={secret_id}/{date}/{service}/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={signature}",
    }
    if token:
        headers["X-TC-Token"] = token
    return requests.post(emu.url, data=payload, headers=headers, timeout=5).json()["Response"]
