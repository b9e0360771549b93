# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Working many items at once from one module: a thread per item up to a bound, failures kept per item."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError, DiskError

MAX_WORKERS = 16


def run_concurrently(func, items, workers=MAX_WORKERS):
    """``[(item, result, error)]`` in the order of ``items``; one item's failure never stops the others."""
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


def all_concurrently(func, items, workers=MAX_WORKERS):
    """``[func(item) for item in items]``, worked concurrently; the first failure is raised."""
    outcomes = run_concurrently(func, items, workers)
    for _item, _result, error in outcomes:
        if error is not None:
            raise error
    return [result for _item, result, _error in outcomes]


class OncePerKey:
    """``get(key, compute)``: ``compute()`` once per key, across threads; a failure is not remembered."""

    def __init__(self):
        self._lock = threading.Lock()
        self._key_locks = {}
        self._values = {}

    def get(self, key, compute):
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            if key not in self._values:
                self._values[key] = compute()
            return self._values[key]
