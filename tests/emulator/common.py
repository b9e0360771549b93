"""Pieces shared by both clouds: the API error, paging, timestamps, HTTP answers."""

import datetime as dt
import functools
import json
from typing import Callable, NamedTuple, Optional


class ApiError(Exception):
    """An API-level failure. Each cloud renders it in its own envelope."""

    def __init__(self, code, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Answer(NamedTuple):
    """What the HTTP layer writes back."""

    status: int
    headers: dict
    body: bytes


def json_answer(payload, status: int = 200, headers: Optional[dict] = None) -> Answer:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Answer(status, {"Content-Type": "application/json", **(headers or {})}, body)


def text_answer(status: int, text: str) -> Answer:
    return Answer(status, {"Content-Type": "text/html"}, text.encode("utf-8"))


def paginate(rows: list, offset: int, limit: int, invalid: Callable[[str, int], ApiError], max_limit: int = 100):
    """Return (page, total_count); ``invalid(name, value)`` builds the cloud's error."""
    if offset < 0:
        raise invalid("Offset", offset)
    if limit < 1 or limit > max_limit:
        raise invalid("Limit", limit)
    return rows[offset : offset + limit], len(rows)


def iso_utc(timestamp: Optional[float]) -> Optional[str]:
    """``2024-01-08T09:47:55+00:00``, the format CBS uses for times."""
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(int(timestamp), dt.timezone.utc).isoformat()


def utc_date(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d")


def parse_iso_utc(text) -> Optional[float]:
    """Parse an ISO-8601 time that carries an explicit UTC offset; None if it is not one."""
    if not isinstance(text, str):
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None or value.utcoffset() != dt.timedelta(0):
        return None
    return value.timestamp()


class RawRequest(NamedTuple):
    """One HTTP request as received, before either cloud interprets it."""

    method: str
    path: str
    query: str
    headers: object  # case-insensitive mapping (http.client.HTTPMessage)
    body: bytes


def action(name: str, mutates: bool = False):
    """Mark a ``CloudApi`` method as the handler of API action ``name``."""

    def tag(method):
        method.api_action = (name, mutates)
        return method

    return tag


class CloudApi:
    """What the core needs from a cloud. Subclasses mark handlers with ``@action``.

    parse(req) -> (action, params)        never raises
    verify(req, action, params) -> call   authenticates; returns ``call(params) -> result dict``
    loggable(params) -> dict              params without secrets, for the call log
    answer(action, result, request_id) / error(action, ApiError, request_id) -> Answer
    throttled() -> ApiError; server_error(alt, request_id) -> Answer
    """

    cloud = ""
    actions: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.actions = {m.api_action[0]: m for m in vars(cls).values() if hasattr(m, "api_action")}

    def handler(self, name: str):
        method = self.actions.get(name)
        if method is None:
            raise self.unknown_action(name)
        return functools.partial(method, self)

    def mutates(self, name: str) -> bool:
        method = self.actions.get(name)
        return bool(method and method.api_action[1])

    def unknown_action(self, name: str) -> ApiError:
        raise NotImplementedError

    def region_of(self, req) -> Optional[str]:
        """The region a request's rate limit is counted in (None: one count for the whole cloud)."""
        return None

    def http_error(self, status: int, request_id: str) -> Answer:
        return text_answer(status, f"<html><body><h1>{status}</h1>injected fault</body></html>")
