# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one exit path of every module: options, the request checked before any client exists, the client,
and one way to return results and failures (a failed target keeps the others' results)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.snapshield.cloud.plugins.module_utils._converge import converge
from ansible_collections.snapshield.cloud.plugins.module_utils.common import checked
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError, DiskError


def _as_is(error):
    return error


class CloudModule:
    """One run of a module.

    ``cloud``: the client module of the cloud (``ucloud`` or ``tencentcloud``), whose ``argument_spec()``
    holds the options every module of that cloud documents in its fragments and whose ``client(module)``
    builds the client. ``options``: the module's own. ``check(params)``: the request, checked, raising
    ValueError that names the option. ``explain(error)``: an ApiError with advice a person can act on.
    """

    def __init__(self, cloud, options, check, explain=_as_is, **module_kwargs):
        self.module = AnsibleModule(
            argument_spec=dict(cloud.argument_spec(), **options), supports_check_mode=True, **module_kwargs
        )
        self.request = checked(self.module, check)
        self.client = cloud.client(self.module)
        self.explain = explain

    def read(self, work):
        """End a read-only module with ``work(client, request)``'s dict, or its failure."""
        try:
            answer = work(self.client, self.request)
        except (ApiError, DiskError) as error:
            self.fail(error)
        self.module.exit_json(changed=False, **answer)

    def converge(self, converger, single_key, target_key="disk_id", noun="disks", list_key="results"):
        """End a module with every target converged: ``results`` (or ``list_key``) per target, ``changed``, ``diff``.

        With one target, its result is also returned under ``single_key``. Any failed target fails the task
        with a message naming each failed target; the others' results are still returned. ``target_key``: the
        field of a result that names its target (a disk, or a policy's name); ``noun``: what the targets are.
        """
        try:
            outcomes = converge(converger)
        except (ApiError, DiskError) as error:
            self.fail(error)
        results = [
            outcome.result if outcome.error is None else self._failure(target, outcome.error, target_key)
            for target, outcome in outcomes.items()
        ]
        diffs = [
            dict(r.pop("diff"), before_header=r[target_key], after_header=r[target_key]) for r in results if "diff" in r
        ]
        answer = {"changed": any(r.get("changed") for r in results), list_key: results}
        if len(results) == 1 and not results[0].get("failed"):
            answer[single_key] = results[0]
        if self.module._diff and diffs:
            answer["diff"] = diffs
        failed = [r for r in results if r.get("failed")]
        if failed:
            self.module.fail_json(
                msg="%d of %d %s failed: %s"
                % (len(failed), len(results), noun, "; ".join("%s: %s" % (r[target_key], r["msg"]) for r in failed)),
                **answer,
            )
        self.module.exit_json(**answer)

    def fail(self, error, **result):
        """Fail the task with the error (an ApiError with its code, action and request id)."""
        if isinstance(error, ApiError):
            error = self.explain(error)
            result["error"] = error.to_dict()
        self.module.fail_json(msg=str(error), **result)

    def _failure(self, target, error, target_key="disk_id"):
        failure = {target_key: target, "changed": False, "failed": True}
        if isinstance(error, ApiError):
            error = self.explain(error)
            failure["error"] = error.to_dict()
        failure["msg"] = str(error)
        return failure
