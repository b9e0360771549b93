# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""UCloud API client: signed form POSTs to the configured gateway."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible_collections.snapshield.cloud.plugins.module_utils.common import (
    CONNECTION_ARGUMENT_SPEC,
    check_connection,
    check_required,
    checked,
    require_requests,
    set_env_fallback,
)
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import (
    FINAL,
    REFUSED,
    TRANSIENT,
    ApiClient,
    ApiError,
)
from ansible_collections.snapshield.cloud.plugins.module_utils.ucloud_signing import signed_params

DEFAULT_BASE_URL = "https://api.ucloud.cn"
REQUEST_ID_HEADER = "X-UCLOUD-REQUEST-UUID"

RETCODE_RATE_LIMITED = 153
TRANSIENT_RETCODES = frozenset([110, 150])  # gateway timeout, service unavailable
# Refusals worth waiting out: the source disk of a restore is busy (17085 being restored, 17086 being created),
# or a clone is being made from the disk to restore in place (17098).
BUSY_RETCODES = frozenset([17085, 17086, 17098])


def argument_spec():
    """Auth options of every UCloud module (documented in the snapshield.cloud.ucloud fragment)."""
    spec = dict(
        public_key=dict(type="str", fallback=(set_env_fallback, ["UCLOUD_PUBLIC_KEY"])),
        private_key=dict(type="str", no_log=True, fallback=(set_env_fallback, ["UCLOUD_PRIVATE_KEY"])),
        region=dict(type="str", fallback=(set_env_fallback, ["UCLOUD_REGION"])),
        project_id=dict(type="str", fallback=(set_env_fallback, ["UCLOUD_PROJECT_ID"])),
        base_url=dict(type="str", default=DEFAULT_BASE_URL, fallback=(set_env_fallback, ["UCLOUD_BASE_URL"])),
    )
    spec.update(CONNECTION_ARGUMENT_SPEC)
    return spec


REQUIRED = (("public_key", "UCLOUD_PUBLIC_KEY"), ("private_key", "UCLOUD_PRIVATE_KEY"), ("region", "UCLOUD_REGION"))


def client(module):
    """A client configured from the module's options; fails the task before any call if they are incomplete."""
    require_requests(module)
    return checked(module, client_from_options)


def client_from_options(options):
    """A client from plain option values (a module's params, an inventory source's options).

    ValueError names a missing or bad option, before any call.
    """
    check_required(options, REQUIRED)
    return UCloudClient(
        options["public_key"],
        options["private_key"],
        options["region"],
        project_id=options.get("project_id"),
        base_url=options.get("base_url") or DEFAULT_BASE_URL,
        **check_connection(options),
    )


class UCloudClient(ApiClient):
    cloud = "UCloud"

    def __init__(self, public_key, private_key, region, project_id=None, base_url=DEFAULT_BASE_URL, **kwargs):
        super(UCloudClient, self).__init__(**kwargs)
        self.public_key = public_key
        self._private_key = private_key
        self.region = region
        self.project_id = project_id
        self.base_url = base_url

    def _send(self, action, params):
        body = dict(params, Action=action)
        body.setdefault("Region", self.region)
        if self.project_id:
            body.setdefault("ProjectId", self.project_id)
        response = self._post(action, self.base_url, data=signed_params(body, self.public_key, self._private_key))
        request_id = response.headers.get(REQUEST_ID_HEADER)
        try:
            answer = response.json()
            code = int(answer.get("RetCode"))
        except (ValueError, TypeError, AttributeError):
            raise ApiError(
                "unreadable answer (HTTP %s)" % response.status_code,
                code="InvalidResponse",
                action=action,
                request_id=request_id,
                status=response.status_code,
                kind=TRANSIENT,
            )
        if code != 0:
            raise ApiError(
                answer.get("Message") or "RetCode %s" % code,
                code=code,
                action=action,
                request_id=request_id,
                status=response.status_code,
            )
        answer["RetCode"] = 0
        answer["RequestId"] = request_id
        return answer

    def _classify(self, error):
        if error.code == RETCODE_RATE_LIMITED or error.code in BUSY_RETCODES:
            return REFUSED
        if error.code in TRANSIENT_RETCODES:
            return TRANSIENT
        return FINAL
