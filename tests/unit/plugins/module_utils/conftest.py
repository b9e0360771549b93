# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A scripted stand-in for requests.Session, for client tests that need no server."""

import json

import pytest


class FakeResponse:
    def __init__(self, status_code=200, body=None, headers=None):
        self.status_code = status_code
        self.reason = "Reason %s" % status_code
        self.headers = headers or {}
        self._text = body if isinstance(body, str) else json.dumps(body)

    def json(self):
        return json.loads(self._text)


class ScriptedSession:
    """Answers each post with the next scripted item: a FakeResponse, or an exception to raise."""

    def __init__(self, *script):
        self.script = list(script)
        self.requests = []

    def post(self, url, **kwargs):
        self.requests.append(dict(kwargs, url=url))
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


@pytest.fixture
def sleeps():
    """Records the client's backoff sleeps instead of sleeping."""
    return []
