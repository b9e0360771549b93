# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one converger protocol: read the current state of every target, act on each concurrently, finish in batch.

A module that changes resources hands ``converge`` a ``Converger``:

- ``read()`` reads what exists for all targets at once (the disks, or a policy's name), in batched look-ups,
  and returns them;
- ``act(target)`` compares one target with the request and acts on it; it runs in worker threads, within
  the client's rate limit, and returns the target's result (a dict with ``changed`` and, for diff mode,
  ``diff``) or raises ApiError / DiskError for that target alone;
- ``finish(outcomes)`` runs once, after every ``act``: whatever is cheaper for all targets together
  (waiting for many resources in one poll, pruning in batches). It may change any outcome.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import OrderedDict

from ansible_collections.snapshield.cloud.plugins.module_utils._concurrency import run_concurrently


class Outcome:
    """What became of one target: its ``result`` or its ``error``."""

    __slots__ = ("result", "error")

    def __init__(self, result=None, error=None):
        self.result = result
        self.error = error

    def fail(self, error):
        self.result, self.error = None, error


class Converger:
    """Base of every converger; see the module docstring for the protocol."""

    def read(self):
        raise NotImplementedError

    def act(self, target):
        raise NotImplementedError

    def finish(self, outcomes):
        """Nothing to do in batch by default."""


def converge(converger):
    """``{target: Outcome}`` in the order ``read`` gave the targets."""
    targets = converger.read()
    outcomes = OrderedDict(
        (target, Outcome(result, error)) for target, result, error in run_concurrently(converger.act, targets)
    )
    converger.finish(outcomes)
    return outcomes
