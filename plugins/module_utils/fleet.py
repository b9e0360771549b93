# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Working a list of disks in one task: concurrently, one outcome per disk, failures named.

A module hands ``converge`` a function that brings ONE disk to the desired state and returns its
result dict (with ``changed`` and, for diff mode, ``diff`` = ``{"before": ..., "after": ...}``).
Everything else (threads, collecting errors, diff, the final exit or failure) happens here, once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError

MAX_WORKERS = 16


class DiskError(Exception):
    """A per-disk failure that is not an API error (bad state, timeout while waiting)."""


def run_concurrently(func, items, workers=MAX_WORKERS):
    """``[(item, result, error)]`` in the order of ``items``; one item's exception never stops the others."""
    items = list(items)
    if not items:
        return []

    def guarded(item):
        try:
            return item, func(item), None
        except (ApiError, DiskError) as error:
            return item, None, error

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items)))) as pool:
        return list(pool.map(guarded, items))


def _failure(disk_id, error):
    failure = dict(disk_id=disk_id, changed=False, failed=True, msg=str(error))
    if isinstance(error, ApiError):
        failure["error"] = error.to_dict()
    return failure


def converge(module, disk_ids, converge_one, single_key=None, workers=MAX_WORKERS, **extra):
    """Converge every disk and end the module.

    The result has ``changed``, ``results`` (one dict per disk, in input order) and, when the module
    was given a single disk and ``single_key`` is set, that disk's result under ``single_key`` too.
    Any failed disk fails the task with a message naming every failed disk; the other disks'
    results are still returned.
    """
    outcomes = run_concurrently(converge_one, disk_ids, workers)
    results = [result if error is None else _failure(disk_id, error) for disk_id, result, error in outcomes]
    diffs = [dict(r.pop("diff"), before_header=r["disk_id"], after_header=r["disk_id"])
             for r in results if "diff" in r]
    answer = dict(changed=any(r.get("changed") for r in results), results=results, **extra)
    if single_key and len(results) == 1 and not results[0].get("failed"):
        answer[single_key] = results[0]
    if module._diff and diffs:
        answer["diff"] = diffs
    failed = [r for r in results if r.get("failed")]
    if failed:
        module.fail_json(msg="%d of %d disks failed: %s" % (
            len(failed), len(results), "; ".join("%s: %s" % (r["disk_id"], r["msg"]) for r in failed)), **answer)
    module.exit_json(**answer)
