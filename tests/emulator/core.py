"""The request pipeline shared by both clouds, and the control operations.

pipeline: pick the cloud -> parse -> authenticate -> fault decision -> latency -> apply -> answer
(or drop the connection). No HTTP here: the server hands in a ``RawRequest`` and writes the
returned ``Answer``; ``None`` means "close the connection without answering".
"""

import dataclasses
import json
import time
import uuid
from typing import Optional

from .common import Answer, ApiError, RawRequest, json_answer
from .faults import Decision, FaultConfig, Faults
from .state import Settings, State
from .tencent import TencentApi
from .ucloud import UCloudApi

DEFAULT_CREDENTIALS = {
    "ucloud_public_key": "emu-ucloud-public",
    "ucloud_private_key": "emu-ucloud-private-0123456789abcdef",
    "tencent_secret_id": "emu-tencent-secret-id",
    "tencent_secret_key": "emu-tencent-secret-key-0123456789",
    "tencent_temp_id": "emu-tencent-temp-id",
    "tencent_temp_key": "emu-tencent-temp-key",
    "tencent_token": "emu-tencent-token",
}


class ControlError(ValueError):
    """A bad control request (HTTP 400)."""


class Core:
    def __init__(
        self,
        disks: int = 0,
        seed: int = 0,
        settings: Optional[dict] = None,
        faults: Optional[dict] = None,
        credentials: Optional[dict] = None,
    ):
        self.credentials = {**DEFAULT_CREDENTIALS, **(credentials or {})}
        self._initial = {"disks": disks, "seed": seed, "settings": dict(settings or {}), "faults": dict(faults or {})}
        self.state = State(Settings(**self._initial["settings"]), seed)
        self.faults = Faults(FaultConfig(**self._initial["faults"]), seed)
        self.state.seed_fleet(disks)
        creds = self.credentials
        self.ucloud = UCloudApi(self.state, {creds["ucloud_public_key"]: creds["ucloud_private_key"]})
        self.tencent = TencentApi(
            self.state,
            {
                creds["tencent_secret_id"]: (creds["tencent_secret_key"], None),
                creds["tencent_temp_id"]: (creds["tencent_temp_key"], creds["tencent_token"]),
            },
        )

    # ------------------------------------------------------------------ API calls
    def handle(self, req: RawRequest) -> Optional[Answer]:
        api = self.tencent if req.method == "POST" and req.headers.get("X-TC-Action") else self.ucloud
        name, params = api.parse(req)
        region = api.region_of(req)
        with self.state.lock:
            try:
                call = api.verify(req, name, params)
            except ApiError as err:
                return self._refuse(api, name, params, err, region)
            decision = self.faults.decide(api.cloud, name, time.time(), region)
        if decision.delay:
            time.sleep(decision.delay)
        with self.state.lock:
            return self._carry_out(api, name, params, call, decision, region)

    def _record(self, api, name, params, outcome, code=None, applied=False, request_id=None, region=None):
        self.state.calls.record(api.cloud, name, api.loggable(params), outcome, code, applied, request_id, region)

    def _refuse(self, api, name, params, err: ApiError, region=None) -> Answer:
        request_id = str(uuid.uuid4())
        self._record(api, name, params, "error", err.code, request_id=request_id, region=region)
        return api.error(name, err, request_id)

    def _carry_out(self, api, name, params, call, decision: Decision, region=None) -> Optional[Answer]:
        request_id = str(uuid.uuid4())

        def record(outcome, code=None, applied=False):
            self._record(api, name, params, outcome, code, applied, request_id, region)

        if decision.kind == "throttle":
            err = api.throttled()
            record("throttled", err.code)
            return api.error(name, err, request_id)
        if decision.kind == "error":
            record("faulted", decision.code)
            return api.error(name, ApiError(decision.code, decision.message), request_id)
        if decision.kind == "http_status":
            record("faulted", decision.status)
            return api.http_error(decision.status, request_id)
        if decision.kind == "server_error":
            answer = api.server_error(decision.alt, request_id)
            record("faulted", answer.status)
            return answer
        if decision.kind == "lose" and decision.when == "before_apply":
            record("lost")
            return None
        try:
            result = call(params)
        except ApiError as err:
            outcome, code, applied = "error", err.code, False
            answer = api.error(name, err, request_id)
        else:
            outcome, code, applied = "ok", None, api.mutates(name)
            answer = api.answer(name, result, request_id)
        if decision.kind == "lose":
            record("lost", code, applied)
            return None
        record(outcome, code, applied)
        return answer

    # ------------------------------------------------------------------ control
    def control(self, method: str, path: str, body: bytes) -> Answer:
        """``/_emulator/<op>``: GET state|calls|faults|config, POST reset|faults|seed|clear_calls|config."""
        op = path[len("/_emulator/") :].strip("/")
        routes = {
            ("GET", "state"): self.dump_state,
            ("GET", "calls"): self.calls,
            ("GET", "faults"): self.set_faults,
            ("GET", "config"): self.configure,
            ("POST", "reset"): self.reset,
            ("POST", "faults"): self.set_faults,
            ("POST", "seed"): self.seed,
            ("POST", "clear_calls"): self.clear_calls,
            ("POST", "config"): self.configure,
        }
        route = routes.get((method, op))
        if route is None:
            return json_answer({"error": f"no control endpoint {method} {path}"}, 404)
        try:
            args = json.loads(body) if body.strip() else {}
            if not isinstance(args, dict):
                raise ControlError("the body must be a JSON object")
            return json_answer(route(**args))
        except (ValueError, TypeError, KeyError) as exc:
            return json_answer({"error": str(exc)}, 400)

    def dump_state(self) -> dict:
        with self.state.lock:
            return self.state.to_dict()

    def calls(self) -> dict:
        with self.state.lock:
            return json.loads(json.dumps(self.state.calls.to_dict()))

    def clear_calls(self) -> dict:
        with self.state.lock:
            self.state.calls.clear()
        return {"cleared": True}

    def set_faults(self, **changes) -> dict:
        with self.state.lock:
            self.faults.update(changes)
            return self.faults.to_dict()

    def configure(self, **changes) -> dict:
        with self.state.lock:
            fields = {f.name: f.type for f in dataclasses.fields(Settings)}
            for name, value in changes.items():
                if name not in fields:
                    raise ControlError(f"unknown setting {name!r}")
                setattr(self.state.settings, name, value)
            return dataclasses.asdict(self.state.settings)

    def seed(self, **spec) -> dict:
        with self.state.lock:
            return self.state.add_disks(spec)

    def reset(self, disks: Optional[int] = None, seed: Optional[int] = None) -> dict:
        """Back to the start: the initial fleet (or ``disks``), settings, faults; calls cleared."""
        initial = self._initial
        seed = initial["seed"] if seed is None else seed
        with self.state.lock:
            self.state.settings = Settings(**initial["settings"])
            self.state.reset(seed)
            self.state.seed_fleet(initial["disks"] if disks is None else disks)
            self.state.calls.clear()
            self.faults = Faults(FaultConfig(**initial["faults"]), seed)
        return {"reset": True}
