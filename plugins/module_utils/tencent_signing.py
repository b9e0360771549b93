# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tencent Cloud API 3.0 request signing (TC3-HMAC-SHA256) for POST JSON requests.

Pure functions, no I/O, no Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import hmac
from datetime import datetime, timezone

ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = "content-type;host"


def _sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def _hmac_sha256(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def _as_bytes(body):
    return body if isinstance(body, bytes) else body.encode("utf-8")


def utc_date(timestamp):
    """The credential scope date: the UTC date of the request timestamp."""
    return datetime.fromtimestamp(int(timestamp), tz=timezone.utc).strftime("%Y-%m-%d")


def canonical_request(host, body, content_type=CONTENT_TYPE):
    """Canonical form of a POST to ``/`` with no query string, signing content-type and host.

    Header values are used exactly as sent: the server hashes the bytes it received.
    """
    return "\n".join(
        [
            "POST",
            "/",
            "",
            "content-type:%s\nhost:%s\n" % (content_type, host),
            SIGNED_HEADERS,
            _sha256_hex(_as_bytes(body)),
        ]
    )


def string_to_sign(timestamp, service, canonical):
    scope = "%s/%s/tc3_request" % (utc_date(timestamp), service)
    return "\n".join([ALGORITHM, str(int(timestamp)), scope, _sha256_hex(canonical.encode("utf-8"))])


def signing_key(secret_key, date, service):
    k_date = _hmac_sha256(("TC3" + secret_key).encode("utf-8"), date)
    k_service = _hmac_sha256(k_date, service)
    return _hmac_sha256(k_service, "tc3_request")


def signature(secret_key, timestamp, service, canonical):
    key = signing_key(secret_key, utc_date(timestamp), service)
    return hmac.new(key, string_to_sign(timestamp, service, canonical).encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(secret_id, secret_key, host, timestamp, body, service, content_type=CONTENT_TYPE):
    """The ``Authorization`` header value."""
    sig = signature(secret_key, timestamp, service, canonical_request(host, body, content_type))
    return "%s Credential=%s/%s/%s/tc3_request, SignedHeaders=%s, Signature=%s" % (
        ALGORITHM,
        secret_id,
        utc_date(timestamp),
        service,
        SIGNED_HEADERS,
        sig,
    )


def signed_headers(
    secret_id,
    secret_key,
    host,
    action,
    region,
    timestamp,
    body,
    service="cbs",
    version="2017-03-12",
    token=None,
    language=None,
    content_type=CONTENT_TYPE,
):
    """Every header a TC3-signed POST needs. ``body`` must be the exact bytes (or text) sent."""
    headers = {
        "Authorization": authorization(secret_id, secret_key, host, timestamp, body, service, content_type),
        "Content-Type": content_type,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Version": version,
        "X-TC-Timestamp": str(int(timestamp)),
    }
    if region:
        headers["X-TC-Region"] = region
    if token:
        headers["X-TC-Token"] = token
    if language:
        headers["X-TC-Language"] = language
    return headers
