# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one lost-answer guard: every mutating call of both clouds goes through ``apply_once``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError, DiskError

ROUNDS = 3  # how many times a mutation is sent while its answers keep getting lost and nothing was applied


def apply_once(client, action, params, applied, until=None, rounds=ROUNDS):
    """Send a mutating call so that it takes effect once, even when answers get lost.

    After an answer that may have been applied (ApiError of kind AMBIGUOUS) the call is never resent
    blindly: ``applied()`` reads the resource and returns what the answer would have said (a dict), or True
    when there is nothing to say, if the call took effect; None or False if it did not, and only then is it
    sent again. Refusals are waited out by the client until ``until``. After ``rounds`` lost answers, none
    of which took effect, DiskError says so.
    """
    for _round in range(rounds):
        try:
            return client.call(action, params, until=until)
        except ApiError as error:
            if not error.ambiguous:
                raise
        answer = applied()
        if answer:
            return {} if answer is True else answer
    raise DiskError(
        "%s lost its answer %d times and did not take effect: check the network path to the API, then "
        "run the task again" % (action, rounds)
    )
