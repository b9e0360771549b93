# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one exit path of every module: options, the request checked before any client exists, the client,
and one way to return results and failures (a failed target keeps the others' results)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.snapshield.cloud.plugins.module_utils._concurrency import MAX_WORKERS, run_concurrently
from ansible_collections.snapshield.cloud.plugins.module_utils._converge import Outcome, converge
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
    ``places(params)``: for a module that works several regions or zones in one call (``_places``), the
    options of each place, or None for the module's own region alone.
    """

    def __init__(self, cloud, options, check, explain=_as_is, places=None, **module_kwargs):
        self.module = AnsibleModule(
            argument_spec=dict(cloud.argument_spec(), **options), supports_check_mode=True, **module_kwargs
        )
        given = checked(self.module, places) if places else None
        requests = [(place, checked(self.module, lambda _params, o=o: check(o))) for place, o in given or []]
        self.request = requests[0][1] if requests else checked(self.module, check)
        if requests and not self.module.params.get("region"):
            self.module.params["region"] = requests[0][0]["region"]
        self.client = cloud.client(self.module)
        self.explain = explain
        self.tagged = places is not None
        # (place, client of its region, request); without places, the module's own region.
        self.places = [(place, self.client.in_region(place["region"]), request) for place, request in requests] or [
            (dict(region=self.client.region), self.client, self.request)
        ]
        if len(self.places) > 1:
            self.client.widen_pool(MAX_WORKERS * len(self.places))

    def read(self, work):
        """End a read-only module with ``work(client, request)``'s dict, or its failure; with several places, each
        place's answer side by side, their lists joined (each item tagged with its place)."""
        try:
            if len(self.places) == 1:
                place, client, request = self.places[0]
                answers = [(place, work(client, request))]
            else:
                answers = list(zip([place for place, _client, _request in self.places], self._each(work)))
        except (ApiError, DiskError) as error:
            self.fail(error)
        self.module.exit_json(changed=False, **self._joined(answers))

    def _each(self, work):
        outcomes = run_concurrently(lambda place: work(place[1], place[2]), self.places, len(self.places))
        for place, _answer, error in outcomes:
            if error is not None:
                raise self._located(error, place[0])
        return [answer for _place, answer, _error in outcomes]

    def _joined(self, answers):
        if not self.tagged:
            return answers[0][1]
        joined = {}
        for place, answer in answers:
            for key, value in answer.items():
                if isinstance(value, list):
                    joined.setdefault(key, []).extend(self._tag(item, place) for item in value)
                else:
                    joined[key] = value
        return joined

    def converge(self, make, single_key, target_key="disk_id", noun="disks", list_key="results"):
        """End a module with every target converged: ``results`` (or ``list_key``) per target, ``changed``, ``diff``.

        ``make(client, request)``: the Converger of one place. Places are converged side by side; a place that
        cannot be read fails its own targets, not the others'. With one target, its result is also returned under
        ``single_key``. Any failed target fails the task with a message naming each failed target; the others'
        results are still returned. ``target_key``: the field of a result that names its target (a disk, or a
        policy's name); ``noun``: what the targets are.
        """
        try:
            placed = self._converged(make)
        except (ApiError, DiskError) as error:
            self.fail(error)
        results = [
            self._tag(
                outcome.result if outcome.error is None else self._failure(target, outcome.error, target_key), place
            )
            for place, outcomes in placed
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

    def _converged(self, make):
        """``[(place, {target: Outcome})]``; one place's failure to read is raised when it is the only place."""
        if len(self.places) == 1:
            place, client, request = self.places[0]
            return [(place, converge(make(client, request)))]
        placed = []
        for (place, _client, request), outcomes, error in run_concurrently(
            lambda args: converge(make(args[1], args[2])), self.places, len(self.places)
        ):
            if error is None:
                placed.append((place, outcomes))
                continue
            located = self._located(error, place)
            targets = request.get("disk_ids") or []
            if not targets:
                raise located
            placed.append((place, {target: Outcome(error=located) for target in targets}))
        return placed

    def _tag(self, item, place):
        """A result (a dict) of a module that takes places, with the keys of its place it does not have yet."""
        if not self.tagged or not isinstance(item, dict):
            return item
        tagged = dict(place)
        tagged.update(item)
        return tagged

    def _located(self, error, place):
        """The error of one place, saying which."""
        where = place.get("zone") or place["region"]
        if isinstance(error, ApiError):
            return error.restated("%s: %s" % (where, error.message))
        return DiskError("%s: %s" % (where, error))

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
