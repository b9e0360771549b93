# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  validate_certs:
    description:
      - Verify the API endpoint's TLS certificate. Turn it off only for a test endpoint you trust.
      - A certificate that fails verification fails the task at once, without retries and before anything is sent.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for an API answer once connected, from 1 to 3600.
    type: int
    default: 30
  connect_timeout:
    description:
      - Seconds to wait for a connection to the API endpoint, from 1 to 3600.
    type: int
    default: 10
  retries:
    description:
      - How many times a failed call is tried again, with jittered exponential backoff.
      - Read-only calls are retried after throttling, transient errors and lost connections.
        A call that changes something is retried only when the API refused it without acting
        (throttled or busy); after a lost answer the module looks the resource up instead.
    type: int
    default: 6
  rate_limit:
    description:
      - Client-side limit of requests per second for each API action, shared by every disk the task works on.
      - Without it, each action is held to the provider's published limit, 20 requests per second for every
        action but Tencent Cloud's C(DescribeDisks), which allows 100.
      - A figure applies to every action, for example V(5) to leave room for three other tasks using the same
        account at the same time. V(0) turns the limit off.
      - Calls of one action are spaced 2% wider than the limit allows, so that jitter on the way does not push
        them over the provider's one-second window.
    type: float
  rate_share:
    description:
      - The share of the rate limits (the published ones, or O(rate_limit)) this task uses, more than V(0) and at
        most V(1).
      - For jobs that run at the same time against the same account, whose calls the provider counts together,
        such as the AWX job slices of one job template. Give each of N such jobs V(1/N), for example V(0.25) for
        each of 4 job slices, so that together they stay within the limit instead of being throttled.
    type: float
    default: 1.0
    version_added: 0.2.0
"""
