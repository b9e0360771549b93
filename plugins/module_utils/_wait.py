# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one waiter: many resources polled together, in batched reads, until each settles or its time is up."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.snapshield.cloud.plugins.module_utils.transport import ApiError, DiskError

POLL_FIRST = 1.0  # seconds before the first poll; each later one waits 1.5 times longer, up to POLL_MAX
POLL_MAX = 10.0

READY, BUSY, BROKEN = "ready", "busy", "broken"


class Watch:
    """One resource being waited for.

    ``label`` names it in messages (``snapshot snap-1 of disk disk-1``); ``until``: when waiting for it ends
    (a time of the client's clock); ``timeout``: ``(option, value)`` that set ``until``, for the message when
    it runs out; ``seen``: the resource as last read, when there is one (it is judged before any poll);
    ``missing_until``: until when it may still be invisible (a resource just created).
    """

    def __init__(self, resource_id, label, until, timeout, seen=None, missing_until=None):
        self.resource_id = resource_id
        self.label = label
        self.until = until
        self.timeout = timeout
        self.seen = seen
        self.missing_until = missing_until

    def ends(self):
        return max(self.until, self.missing_until or self.until)


def wait_all(client, read, watches, judge):
    """Poll ``watches`` (``{key: Watch}``) until each settles: ``{key: (resource, None) or (None, error)}``.

    ``read(ids, until)`` reads many resources in as few calls as it can: ``{id: resource}``, without the
    ones that do not exist. ``judge(resource)`` says ``(READY | BUSY | BROKEN, state, detail)``: a READY
    resource is done, a BUSY one is waited for until its watch's ``until``, a BROKEN one fails; ``detail``
    goes into the message (the progress of a BUSY one, the states a BROKEN one should have been in).
    Resources already seen are judged first; polls then cover every resource still pending at once.
    """
    settled, pending = {}, dict(watches)
    latest = {w.resource_id: w.seen for w in pending.values() if w.seen is not None}
    delay, polled = POLL_FIRST, False
    while True:
        now = client.clock()
        for key, watch in list(pending.items()):
            if polled or watch.resource_id in latest:
                outcome = _judged(latest.get(watch.resource_id), watch, judge, now)
                if outcome is not None:
                    settled[key] = outcome
                    del pending[key]
        if not pending:
            return settled
        if polled or all(w.resource_id in latest for w in pending.values()):
            client.sleep(max(0.0, min(delay, min(w.ends() for w in pending.values()) - now)))
            delay = min(delay * 1.5, POLL_MAX)
        try:
            latest = read(sorted({w.resource_id for w in pending.values()}), max(w.ends() for w in pending.values()))
        except ApiError as error:
            settled.update((key, (None, error)) for key in pending)
            return settled
        polled = True


def _judged(resource, watch, judge, now):
    """``(resource, None)`` when ready, ``(None, DiskError)`` when it failed, None while it is worth waiting."""
    if resource is None:
        if watch.missing_until is not None and now <= watch.missing_until:
            return None
        return None, DiskError("%s disappeared (deleted or expired) while waiting for it" % watch.label)
    verdict, state, detail = judge(resource)
    if verdict == READY:
        return resource, None
    if verdict == BROKEN:
        return None, DiskError("%s is %s, not %s" % (watch.label, state, detail))
    if now < watch.until:
        return None
    return None, DiskError(
        "%s is still %s%s after %s=%ss; it goes on in the background: run the task again later "
        "or raise %s" % (watch.label, state, detail, watch.timeout[0], watch.timeout[1], watch.timeout[0])
    )
