# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What both cloud clients share: the error types, the one retry loop with backoff, and rate limiting.

A cloud client subclasses ``ApiClient`` and implements ``_send`` (sign and post one attempt)
and ``_classify`` (which error codes are a refusal to retry, which are transient).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import random
import ssl
import threading
import time
import traceback

try:
    import requests
    from requests.adapters import HTTPAdapter

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by the sanity import test
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

DEFAULT_RATE_LIMIT = 20.0
# Calls are spaced this much wider than 1 / rate: a provider counts a one-second window at arrival, and
# calls spaced exactly 1 / rate apart when sent cross it whenever network and scheduling jitter bunch them.
RATE_HEADROOM = 1.02
DEFAULT_RETRIES = 6
DEFAULT_TIMEOUT = 30
DEFAULT_CONNECT_TIMEOUT = 10
READ_ONLY_PREFIXES = ("Describe", "Get", "List", "Inquiry", "Inquire")

# What a failed call means, and so how it may be handled.
REFUSED = "refused"  # the provider declined before acting (throttled, busy): safe to resend
TRANSIENT = "transient"  # no answer to a read: safe to resend
AMBIGUOUS = "ambiguous"  # no answer to a mutation, which may have been applied: read before resending
FINAL = "final"  # an answer: do not resend


class DiskError(Exception):
    """A failure of one disk (or other target) that is not an API error: a bad state, a wait that timed out."""


class ApiError(Exception):
    """A failed API call: the provider's code and message, the action, the request id and its ``kind``.

    ``kind`` is set by the client that raised it (REFUSED, TRANSIENT, AMBIGUOUS or FINAL). ``ambiguous``
    says the kind is AMBIGUOUS: the caller must look the resource up before trying again.
    """

    def __init__(self, message, code=None, action=None, request_id=None, ambiguous=False, status=None, kind=None):
        super(ApiError, self).__init__(message)
        self.kind = AMBIGUOUS if ambiguous else kind
        self.message = message
        self.code = code
        self.action = action
        self.request_id = request_id
        self.status = status

    @property
    def ambiguous(self):
        return self.kind == AMBIGUOUS

    @property
    def refused(self):
        return self.kind == REFUSED

    def restated(self, message):
        """The same error (code, action, request id, kind) with another message."""
        return ApiError(
            message, code=self.code, action=self.action, request_id=self.request_id, status=self.status, kind=self.kind
        )

    def __str__(self):
        text = "%s failed" % (self.action or "API call")
        if self.code not in (None, ""):
            text += " with %s" % (self.code,)
        text += ": %s" % (self.message,)
        if self.request_id:
            text += " (request id %s)" % (self.request_id,)
        return text

    def to_dict(self):
        return dict(
            code=self.code,
            message=self.message,
            action=self.action,
            request_id=self.request_id,
            ambiguous=self.ambiguous,
        )


def is_read_only(action):
    return action.startswith(READ_ONLY_PREFIXES)


def backoff_delay(attempt, base=0.25, cap=8.0, rng=random):
    """Full-jitter exponential backoff: a random delay up to ``base * 2**attempt``, capped."""
    return rng.uniform(0, min(cap, base * (2 ** min(attempt, 30))))


class RateLimiter:
    """Spaces calls of each action ``RATE_HEADROOM / rate`` seconds apart, across threads.

    ``rate`` applies to every action not named in ``rates`` (action -> rate); 0 or None is no limit.
    ``share`` (0 < share <= 1) scales every limit: the part of the provider's limit this client may use while
    other jobs (AWX job slices) use the rest of the same account's limit at the same time.
    """

    def __init__(self, rate, clock=time.monotonic, sleep=time.sleep, rates=None, share=1.0):
        self._rates = dict(rates or {})
        self._rate = rate
        self.share = share
        self._clock = clock
        self._sleep = sleep
        self._next_slot = {}
        self._lock = threading.Lock()

    def interval(self, key):
        """``key``: an action, or a tuple ending with one (a region and an action, limited apart per region)."""
        rate = self._rates.get(key[-1] if isinstance(key, tuple) else key, self._rate)
        return RATE_HEADROOM / (rate * self.share) if rate and rate > 0 else 0.0

    def acquire(self, key):
        interval = self.interval(key)
        if not interval:
            return
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(key, now))
            self._next_slot[key] = slot + interval
        if slot > now:
            self._sleep(slot - now)


def _never_sent(exc):
    """True when the request provably never reached the server (no connection was made)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return type(reason).__name__ == "NewConnectionError"


class ApiClient:
    """Transport shared by the cloud clients: one keep-alive session, retries, rate limit, paging."""

    cloud = "cloud"
    # Actions whose published limit differs from DEFAULT_RATE_LIMIT requests per second.
    published_rate_limits = {}

    def __init__(
        self,
        timeout=DEFAULT_TIMEOUT,
        connect_timeout=DEFAULT_CONNECT_TIMEOUT,
        retries=DEFAULT_RETRIES,
        rate_limit=None,
        rate_share=1.0,
        validate_certs=True,
        session=None,
        sleep=time.sleep,
        clock=time.time,
        pool_size=16,
    ):
        self.timeout = (connect_timeout, timeout)
        self.retries = retries
        self.validate_certs = validate_certs
        # No rate_limit: each action's published limit. A figure: that limit for every action. Either times
        # rate_share, this client's share of the account's limits.
        if rate_limit is None:
            self.rate_limiter = RateLimiter(
                DEFAULT_RATE_LIMIT, sleep=sleep, rates=self.published_rate_limits, share=rate_share
            )
        else:
            self.rate_limiter = RateLimiter(rate_limit, sleep=sleep, share=rate_share)
        self.sleep = sleep
        self.clock = clock
        self.stats = dict(calls=0, retries=0)
        self._stats_lock = threading.Lock()
        if session is None:
            session = requests.Session()
            _mount_pool(session, pool_size)
        self.session = session

    def in_region(self, region):
        """A client of another region: the same credentials, connection settings, session, statistics and rate
        limiter (whose slots are counted by ``_limit_key``)."""
        other = copy.copy(self)
        other.region = region
        return other

    def widen_pool(self, connections):
        """Keep up to ``connections`` connections open: one per thread that calls at the same time."""
        _mount_pool(self.session, connections)

    def _count(self, key):
        with self._stats_lock:
            self.stats[key] += 1

    # Implemented per cloud ------------------------------------------------------------------

    def _send(self, action, params):
        """Sign and send one attempt; return the parsed answer or raise ApiError."""
        raise NotImplementedError

    def _classify(self, error):
        """REFUSED, TRANSIENT or FINAL for an ApiError built from the provider's answer."""
        raise NotImplementedError

    def _limit_key(self, action):
        """What the rate limit of ``action`` is counted by: the action (a cloud may count per region too)."""
        return action

    # Shared -----------------------------------------------------------------------------------

    def _post(self, action, url, **kwargs):
        """One HTTP POST; transport failures become ApiError with a classification."""
        try:
            response = self.session.post(url, timeout=self.timeout, verify=self.validate_certs, **kwargs)
        except requests.exceptions.RequestException as exc:
            if _certificate_rejected(exc):
                # The handshake failed, so nothing was sent; and trying again cannot help.
                raise ApiError(
                    "the endpoint's TLS certificate was rejected (%s): make this machine trust the CA that "
                    "signed it (or point REQUESTS_CA_BUNDLE at it), or for a test endpoint you trust set "
                    "validate_certs=false" % _describe_network_error(exc),
                    code="CertificateError",
                    action=action,
                    kind=FINAL,
                )
            raise ApiError(
                "%s: %s" % (type(exc).__name__, _describe_network_error(exc)),
                code="NetworkError",
                action=action,
                kind=REFUSED if _never_sent(exc) else TRANSIENT,
            )
        if response.status_code == 429:
            raise ApiError("HTTP 429 Too Many Requests", code="HTTP429", action=action, status=429, kind=REFUSED)
        if response.status_code >= 500:
            raise ApiError(
                "HTTP %s %s" % (response.status_code, response.reason),
                code="HTTP%s" % response.status_code,
                action=action,
                status=response.status_code,
                kind=TRANSIENT,
            )
        return response

    def call(self, action, params=None, until=None):
        """Call ``action``; retry what is safe to retry, re-signing every attempt. The only retry loop.

        A refusal (throttled, busy) is resent ``retries`` times, and beyond that until ``until`` (a time of
        ``clock``) when one is given. A read that got no answer is resent ``retries`` times; a mutation that
        got none is never resent: it raises ApiError of kind AMBIGUOUS (see ``apply_once``).
        """
        params = dict(params or {})
        attempt = 0
        while True:
            self.rate_limiter.acquire(self._limit_key(action))
            self._count("calls")
            try:
                return self._send(action, params)
            except ApiError as error:
                self._judge(action, error)
                delay = backoff_delay(attempt)
                if not self._may_resend(error, attempt, delay, until):
                    raise
                if until is not None and attempt >= self.retries:
                    delay = max(0.0, min(delay, until - self.clock()))
            self._count("retries")
            self.sleep(delay)
            attempt += 1

    def _judge(self, action, error):
        """Give ``error`` its kind: the provider's answer classified, no answer to a mutation ambiguous."""
        error.kind = error.kind or self._classify(error)
        if error.kind == TRANSIENT and not is_read_only(action):
            error.kind = AMBIGUOUS

    def _may_resend(self, error, attempt, delay, until):
        if error.kind == TRANSIENT:
            return attempt < self.retries
        if error.kind == REFUSED:
            return attempt < self.retries or (until is not None and self.clock() < until)
        return False


def _mount_pool(session, size):
    adapter = HTTPAdapter(pool_connections=size, pool_maxsize=size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)


def _certificate_rejected(exc):
    """True when a transport failure is a failed TLS certificate verification (requests wraps it twice)."""
    for _dummy in range(5):
        if isinstance(exc, ssl.SSLCertVerificationError):
            return True
        exc = getattr(exc, "reason", None) or (exc.args[0] if exc.args else None)
        if not isinstance(exc, BaseException):
            return False
    return False


def _describe_network_error(exc):
    """A short reason for a transport failure, without the request (which may carry a signature)."""
    reason = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)
    return str(reason).split(" (Caused by", maxsplit=1)[0][:200]
