# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tencent Cloud API 3.0 client for CBS: TC3-signed JSON POSTs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.module_utils.six.moves.urllib.parse import urlparse

from ansible_collections.snapshield.cloud.plugins.module_utils.common import (
    CONNECTION_ARGUMENT_SPEC,
    check_connection,
    check_required,
    checked,
    require_requests,
    set_env_fallback,
)
from ansible_collections.snapshield.cloud.plugins.module_utils.tencent_signing import signed_headers
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import (
    FINAL,
    REFUSED,
    TRANSIENT,
    ApiClient,
    ApiError,
)

SERVICE = "cbs"
API_VERSION = "2017-03-12"
DEFAULT_HOST = "cbs.tencentcloudapi.com"
INTERNATIONAL_HOST = "cbs.intl.tencentcloudapi.com"

# The provider declined before acting: waiting and resending is safe, even for a create.
REFUSED_CODES = frozenset(
    ["ResourceBusy", "InvalidDisk.Busy", "InvalidDisk.SnapshotCreating", "ResourceUnavailable.TooManyCreatingSnapshot"]
)


def argument_spec():
    """Auth options of every Tencent module (documented in the snapshield.cloud.tencentcloud fragment)."""
    spec = dict(
        secret_id=dict(type="str", fallback=(set_env_fallback, ["TENCENTCLOUD_SECRET_ID"])),
        secret_key=dict(type="str", no_log=True, fallback=(set_env_fallback, ["TENCENTCLOUD_SECRET_KEY"])),
        security_token=dict(
            type="str",
            no_log=True,
            fallback=(
                set_env_fallback,
                ["TENCENTCLOUD_SECURITY_TOKEN", "TENCENTCLOUD_SESSION_TOKEN", "TENCENTCLOUD_TOKEN"],
            ),
        ),
        region=dict(type="str", fallback=(set_env_fallback, ["TENCENTCLOUD_REGION"])),
        endpoint=dict(type="str", fallback=(set_env_fallback, ["TENCENTCLOUD_ENDPOINT"])),
    )
    spec.update(CONNECTION_ARGUMENT_SPEC)
    return spec


REQUIRED = (
    ("secret_id", "TENCENTCLOUD_SECRET_ID"),
    ("secret_key", "TENCENTCLOUD_SECRET_KEY"),
    ("region", "TENCENTCLOUD_REGION"),
)


def client(module):
    """A client configured from the module's options; fails the task before any call if they are incomplete."""
    require_requests(module)
    return checked(module, client_from_options)


def client_from_options(options):
    """A client from plain option values (a module's params, an inventory source's options).

    ValueError names a missing or bad option, before any call.
    """
    check_required(options, REQUIRED)
    return TencentCloudClient(
        options["secret_id"],
        options["secret_key"],
        options["region"],
        security_token=options.get("security_token"),
        endpoint=options.get("endpoint"),
        **check_connection(options),
    )


def endpoint_url(region, endpoint=None):
    """The URL to POST to.

    ``endpoint`` may be a host (``cbs.intl.tencentcloudapi.com``) or a full URL; without it, financial
    regions (``*-fsi``) use their regional host and every other region the default host.
    """
    if endpoint:
        return endpoint if "://" in endpoint else "https://%s/" % endpoint
    if region and region.endswith("-fsi"):
        return "https://cbs.%s.tencentcloudapi.com/" % region
    return "https://%s/" % DEFAULT_HOST


class TencentCloudClient(ApiClient):
    cloud = "Tencent Cloud"
    published_rate_limits = {"DescribeDisks": 100.0}

    def __init__(self, secret_id, secret_key, region, security_token=None, endpoint=None, language=None, **kwargs):
        super(TencentCloudClient, self).__init__(**kwargs)
        self.secret_id = secret_id
        self._secret_key = secret_key
        self._security_token = security_token
        self.region = region
        self.language = language
        self._endpoint = endpoint
        self.url = endpoint_url(region, endpoint)
        self.host = urlparse(self.url).netloc

    def in_region(self, region):
        """A client of another region: the same credentials, endpoint choice, connection settings, session,
        statistics and rate limiter, whose slots are counted per region and action as Tencent counts them."""
        other = super(TencentCloudClient, self).in_region(region)
        other.url = endpoint_url(region, self._endpoint)
        other.host = urlparse(other.url).netloc
        return other

    def _limit_key(self, action):
        return (self.region, action)

    def _send(self, action, params):
        body = json.dumps(params, separators=(",", ":")).encode("utf-8")
        headers = signed_headers(
            self.secret_id,
            self._secret_key,
            self.host,
            action,
            self.region,
            int(self.clock()),
            body,
            service=SERVICE,
            version=API_VERSION,
            token=self._security_token,
            language=self.language,
        )
        response = self._post(action, self.url, data=body, headers=headers)
        try:
            answer = response.json()["Response"]
        except (ValueError, KeyError, TypeError):
            raise ApiError(
                "unreadable answer (HTTP %s)" % response.status_code,
                code="InvalidResponse",
                action=action,
                status=response.status_code,
                kind=TRANSIENT,
            )
        error = answer.get("Error")
        if error:
            raise ApiError(
                error.get("Message", ""),
                code=error.get("Code"),
                action=action,
                request_id=answer.get("RequestId"),
                status=response.status_code,
            )
        return answer

    def _classify(self, error):
        code = error.code or ""
        if code.startswith("RequestLimitExceeded") or code in REFUSED_CODES:
            return REFUSED
        if code.startswith("InternalError"):
            return TRANSIENT
        return FINAL
