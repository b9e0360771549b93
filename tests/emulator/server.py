"""HTTP layer: a loopback ThreadingHTTPServer (HTTP/1.1 keep-alive) and the ``Emulator`` handle."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .common import RawRequest, json_answer
from .core import Core

HOST = "127.0.0.1"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "snapshield-emulator/1"
    timeout = 30  # idle keep-alive connections are closed after this many seconds

    def setup(self):
        super().setup()
        # headers and body are separate writes: without NODELAY, Nagle + delayed ACK add 40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.connections.add(self.connection)

    def finish(self):
        self.server.connections.discard(self.connection)
        super().finish()

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def _serve(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        core = self.server.core
        if url.path.startswith("/_emulator/"):
            answer = core.control(self.command, url.path, body)
        elif url.path == "/":
            answer = core.handle(RawRequest(self.command, url.path, url.query, self.headers, body))
        else:
            answer = json_answer({"error": f"no such path {url.path}"}, 404)
        if answer is None:  # a lost answer: hang up without a byte
            self.close_connection = True
            return
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 makes bursts of new connections wait for SYN retries

    def __init__(self, port: int, core: Core, verbose: bool):
        self.core, self.verbose, self.connections = core, verbose, set()
        super().__init__((HOST, port), _Handler)


class Emulator:
    """The emulator in a background thread; a context manager.

    >>> with Emulator(disks=3, snapshot_delay=0) as emu:
    ...     emu.url, emu.dump_state()["disks"][0]["id"]
    """

    def __init__(
        self,
        disks: int = 0,
        *,
        port: int = 0,
        seed: int = 0,
        snapshot_delay: float = 2.0,
        rate_limit: float = 20.0,
        error_rate: float = 0.0,
        latency: float = 0.0,
        jitter: float = 0.0,
        lost_rate: float = 0.0,
        settings: dict = None,
        credentials: dict = None,
        verbose: bool = False,
        ssl_context=None,
    ):
        faults = {
            "rate_limit": rate_limit,
            "error_rate": error_rate,
            "latency": latency,
            "jitter": jitter,
            "lost_rate": lost_rate,
        }
        self.core = Core(
            disks=disks,
            seed=seed,
            faults=faults,
            credentials=credentials,
            settings={"snapshot_delay": snapshot_delay, **(settings or {})},
        )
        self._server = _Server(port, self.core, verbose)
        if ssl_context is not None:  # HTTPS: ``ssl_context`` is an ``ssl.SSLContext`` with the server's cert
            self._server.socket = ssl_context.wrap_socket(self._server.socket, server_side=True)
        self._scheme = "http" if ssl_context is None else "https"
        self._thread = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:PORT``: the Tencent SDK's HttpProfile endpoint."""
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self._scheme}://{self.endpoint}"

    @property
    def state(self):
        """The live ``State`` (take ``state.lock`` before changing it)."""
        return self.core.state

    @property
    def credentials(self) -> dict:
        return dict(self.core.credentials)

    def start(self) -> "Emulator":
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="emulator", kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        for conn in list(self._server.connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------------ control (same as /_emulator/*)
    def dump_state(self) -> dict:
        return self.core.dump_state()

    def calls(self) -> dict:
        return self.core.calls()

    def clear_calls(self) -> dict:
        return self.core.clear_calls()

    def set_faults(self, **changes) -> dict:
        return self.core.set_faults(**changes)

    def configure(self, **settings) -> dict:
        return self.core.configure(**settings)

    def seed(self, **spec) -> dict:
        return self.core.seed(**spec)

    def reset(self, disks: int = None, seed: int = None) -> dict:
        return self.core.reset(disks=disks, seed=seed)
