# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Module-side glue shared by both clouds: connection options, client set-up and failures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.snapshield.cloud.plugins.module_utils.transport import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_RATE_LIMIT,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
)

# Documented once, in the snapshield.cloud.connection doc fragment.
CONNECTION_ARGUMENT_SPEC = dict(
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="int", default=DEFAULT_TIMEOUT),
    connect_timeout=dict(type="int", default=DEFAULT_CONNECT_TIMEOUT),
    retries=dict(type="int", default=DEFAULT_RETRIES),
    rate_limit=dict(type="float", default=DEFAULT_RATE_LIMIT),
)


def connection_kwargs(module):
    """Client keyword arguments from the connection options, validated before any call."""
    params = module.params
    for name in ("timeout", "connect_timeout"):
        if params[name] <= 0:
            module.fail_json(msg="%s must be a positive number of seconds, got %s" % (name, params[name]))
    if params["retries"] < 0:
        module.fail_json(msg="retries must be 0 or more, got %s" % params["retries"])
    if params["rate_limit"] < 0:
        module.fail_json(msg="rate_limit must be 0 (no limit) or more requests per second, got %s"
                         % params["rate_limit"])
    return dict(
        validate_certs=params["validate_certs"],
        timeout=params["timeout"],
        connect_timeout=params["connect_timeout"],
        retries=params["retries"],
        rate_limit=params["rate_limit"],
    )


def require_requests(module):
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)


def require_options(module, env_names):
    """Fail naming each missing option and the environment variable that can supply it."""
    missing = ["%s (or %s)" % (name, env) for name, env in env_names if not module.params.get(name)]
    if missing:
        module.fail_json(msg="missing required arguments: %s" % ", ".join(missing))


def fail_api_error(module, error, **result):
    """Fail the task with the API's code, message, action and request id, keeping partial results."""
    module.fail_json(msg=str(error), error=error.to_dict(), **result)
