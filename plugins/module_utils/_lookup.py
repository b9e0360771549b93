# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading resources: the one pager, and the one batched look-up by ids (scan or per-id, whichever is cheaper)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.snapshield.cloud.plugins.module_utils._concurrency import all_concurrently

PAGE_SIZE = 100  # the largest Limit the Describe actions of both clouds accept


def chunks(items, size):
    items = list(items)
    return [items[start : start + size] for start in range(0, len(items), size)]


def rows_of(answer, items_key):
    """The items of an answer as a list (an older UCloud gateway sends a lone item as an object)."""
    rows = answer.get(items_key) or []
    return rows if isinstance(rows, list) else [rows]


def paginate(client, action, items_key, params=None, page_size=PAGE_SIZE, first=None, until=None):
    """Yield every item of a Describe action, page by page (Offset/Limit); ``first``: page 1, already read.

    ``until``: refusals are waited out until then (see ``ApiClient.call``).
    """
    page, offset = first, 0
    while True:
        if page is None:
            page = client.call(action, dict(params or {}, Offset=offset, Limit=page_size), until=until)
        items = rows_of(page, items_key)
        yield from items
        offset += len(items)
        total = page.get("TotalCount")
        if len(items) < page_size or (total is not None and offset >= int(total)):
            return
        page = None


class Listing:
    """A Describe action that lists one kind of resource, and how to read it by ids.

    ``by_ids(batch)`` reads the rows of up to ``per_call`` ids in one call (or one paged call). Rows are
    matched to ids by ``id_key``; ``unique_key`` tells rows apart when an id may have several (the
    snapshots of a disk), so a row that a shifting page shows twice is counted once.
    """

    def __init__(self, client, action, items_key, id_key, params=None, by_ids=None, per_call=1, unique_key=None):
        self.client = client
        self.action = action
        self.items_key = items_key
        self.id_key = id_key
        self.params = dict(params or {})
        self.by_ids = by_ids or self._by_id
        self.per_call = per_call
        self.unique_key = unique_key

    def _by_id(self, batch):
        answer = self.client.call(self.action, dict(self.params, **{self.id_key: batch[0]}))
        return rows_of(answer, self.items_key)

    def all(self, first=None):
        return paginate(self.client, self.action, self.items_key, self.params, first=first)

    def first_page(self):
        return self.client.call(self.action, dict(self.params, Offset=0, Limit=PAGE_SIZE))


def look_up(listing, ids, direct_calls=1):
    """``{id: [its rows]}`` for ``ids``, in the fewest calls: by-id calls, or a scan of the whole listing.

    Up to ``direct_calls`` by-id calls are made without asking. For more, page 1 of the listing is read:
    its TotalCount tells how many calls the rest of the scan takes, and the scan goes on only when that is
    fewer than the by-id calls still needed (for the ids page 1 did not hold, when each id has one row; for
    all of them otherwise). So a look-up costs at most one call more than by-id calls alone, and a large
    list in a small listing costs a few pages instead of a call per id. By-id calls run concurrently.
    """
    todo = list(ids)
    rows = []
    if -(-len(todo) // listing.per_call) > direct_calls:
        first = listing.first_page()
        rows = rows_of(first, listing.items_key)
        total = first.get("TotalCount")
        if len(rows) < PAGE_SIZE:
            return _collect(ids, listing, rows)
        if listing.unique_key is None:
            held = {row.get(listing.id_key) for row in rows}
            todo = [item for item in todo if item not in held]
        else:
            rows = []
        rest = None if total is None else -(-(int(total) - PAGE_SIZE) // PAGE_SIZE)
        if rest is not None and rest < -(-len(todo) // listing.per_call):
            return _collect(ids, listing, listing.all(first))
    batches = all_concurrently(listing.by_ids, chunks(todo, listing.per_call))
    return _collect(ids, listing, rows + [row for batch in batches for row in batch])


def _collect(ids, listing, rows):
    """The rows of each of ``ids`` (rows of other ids, and a row seen before, are passed over)."""
    found = {item: [] for item in ids}
    seen = set()
    for row in rows:
        owner, key = row.get(listing.id_key), row.get(listing.unique_key or listing.id_key)
        if owner in found and key not in seen:
            seen.add(key)
            found[owner].append(row)
    return found
