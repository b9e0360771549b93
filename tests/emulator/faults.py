"""Fault injection shared by both clouds: throttling, 5xx answers, latency, lost answers.

``Faults.decide`` is called under the state lock for every authenticated API call and returns a
``Decision`` that the core carries out in the cloud's own dialect.
"""

import collections
import random
from dataclasses import dataclass, field
from typing import Optional

LOSE_WHEN = ("before_apply", "after_apply")
RULE_KINDS = ("lose", "error", "http_status", "throttle")
RULE_KEYS = ("action", "cloud", "count", "message", *RULE_KINDS)


@dataclass
class Decision:
    kind: Optional[str] = None  # None | "throttle" | "error" | "http_status" | "server_error" | "lose"
    delay: float = 0.0  # seconds to sleep before answering
    code: object = None  # "error": the API error code to return
    message: str = "injected fault"
    status: int = 0  # "http_status": the HTTP status to return
    when: str = "after_apply"  # "lose": apply the action first or not
    alt: bool = False  # "server_error": pick the cloud's alternative 5xx form


@dataclass
class Rule:
    """A one-shot fault: the next ``count`` calls of ``action`` (``*`` = any) get ``decision``."""

    action: str
    decision: Decision
    count: int = 1
    cloud: Optional[str] = None

    def matches(self, cloud: str, action: str) -> bool:
        return self.action in ("*", action) and self.cloud in (None, cloud)

    def to_dict(self) -> dict:
        d = self.decision
        detail = {
            "lose": {"lose": d.when},
            "error": {"error": d.code, "message": d.message},
            "http_status": {"http_status": d.status},
            "throttle": {"throttle": True},
        }[d.kind]
        return {"action": self.action, "cloud": self.cloud, "count": self.count, **detail}


@dataclass
class FaultConfig:
    rate_limit: float = 20.0  # requests per second per action (0 = unlimited)
    rate_limits: dict = field(default_factory=lambda: {"DescribeDisks": 100})  # per-action overrides
    error_rate: float = 0.0  # share of calls answered with a 5xx
    latency: float = 0.0  # seconds added to every call
    jitter: float = 0.0  # plus uniform(0, jitter) seconds
    lost_rate: float = 0.0  # share of calls applied and then dropped without an answer


def parse_rule(spec: dict) -> Rule:
    spec = dict(spec)
    action = spec.pop("action", "*")
    count = int(spec.pop("count", 1))
    cloud = spec.pop("cloud", None)
    message = spec.pop("message", "injected fault")
    kinds = [k for k in RULE_KINDS if k in spec]
    if len(kinds) != 1 or set(spec) - set(kinds):
        raise ValueError(f"a rule needs exactly one of {RULE_KINDS}, got {sorted(spec)}")
    kind, value = kinds[0], spec[kinds[0]]
    if kind == "lose" and value not in LOSE_WHEN:
        raise ValueError(f"lose must be one of {LOSE_WHEN}")
    decision = Decision(
        kind=kind,
        code=value if kind == "error" else None,
        message=message,
        status=int(value) if kind == "http_status" else 0,
        when=value if kind == "lose" else "after_apply",
    )
    return Rule(action=action, decision=decision, count=count, cloud=cloud)


class Faults:
    def __init__(self, config: FaultConfig, seed: int = 0):
        self.config = config
        self.rules = []
        self._windows = collections.defaultdict(collections.deque)
        self._rng = random.Random(seed)

    def update(self, body: dict):
        """Implements POST /_emulator/faults (see README for the shape)."""
        body = dict(body)
        rules = list(body.pop("rules", []))
        if "action" in body:  # a single rule given inline
            rules.append({k: body.pop(k) for k in list(body) if k in RULE_KEYS})
        rules = [parse_rule(r) for r in rules]
        if body.pop("clear_rules", False):
            self.rules = []
        for name, value in body.items():
            if name not in FaultConfig.__dataclass_fields__:
                raise ValueError(f"unknown fault setting {name!r}")
            setattr(self.config, name, dict(value) if name == "rate_limits" else float(value))
        self.rules.extend(rules)

    def to_dict(self) -> dict:
        return {**vars(self.config), "rules": [r.to_dict() for r in self.rules]}

    def decide(self, cloud: str, action: str, now: float, region: Optional[str] = None) -> Decision:
        cfg = self.config
        delay = cfg.latency + (self._rng.uniform(0, cfg.jitter) if cfg.jitter else 0.0)
        admitted = self._admit(cloud, action, now, region)
        rule = next((r for r in self.rules if r.matches(cloud, action)), None)
        if rule is not None:
            rule.count -= 1
            if rule.count <= 0:
                self.rules.remove(rule)
            return Decision(**{**vars(rule.decision), "delay": delay})
        if not admitted:
            return Decision("throttle", delay)
        if cfg.error_rate and self._rng.random() < cfg.error_rate:
            return Decision("server_error", delay, alt=self._rng.random() < 0.5)
        if cfg.lost_rate and self._rng.random() < cfg.lost_rate:
            return Decision("lose", delay, when="after_apply")
        return Decision(None, delay)

    def _admit(self, cloud: str, action: str, now: float, region: Optional[str] = None) -> bool:
        """Sliding one-second window per (cloud, region, action); only admitted calls use up the budget.

        Tencent limits each action per region: ``region`` is the request's region (None for UCloud).
        """
        limit = self.config.rate_limits.get(action, self.config.rate_limit)
        if not limit:
            return True
        window = self._windows[cloud, region, action]
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= limit:
            return False
        window.append(now)
        return True
