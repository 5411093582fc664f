"""The HTTPS server and the ``Emulator`` that ties data, API, limits, faults and the log together.

One request goes through, in order: injected faults (scripted, then random; latency always), the rate
limiter (429 when over), Basic authentication (401), then the API. Connections are HTTP/1.1 with
keep-alive; TLS is negotiated in the connection's own thread, with a certificate for ``localhost``
and ``127.0.0.1`` signed by a throw-away CA that trustme creates and that is written to ``ca_file``.
"""

from __future__ import annotations

import base64
import binascii
import http
import os
import shutil
import socket
import ssl
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable
from urllib.parse import parse_qsl, urlsplit

import trustme

from .activities import FILES_PREFIX
from .api import FEATURE_NAMES, JSON_TYPE, ROUTES, STREAM_ROUTES, AccountSettings, FreshdeskAPI, Reply
from .codec import dumps, loads
from .data import DEFAULT_NOW, Dataset, Sizes
from .faults import HTML_PAGE, RATE_LIMIT_BODY, FaultAction, FaultInjector, Faults, echo_body
from .limits import RateLimiter, RateLimits
from .log import LogEntry, RequestLog

DEFAULT_API_KEY = "emulator-freshdesk-api-key-9f3c2a7b5d1e4c8a"
INVALID_CREDENTIALS = {"code": "invalid_credentials", "message": "You have to be logged in to perform this action."}
METHOD_NOT_ALLOWED = {"code": "method_not_allowed", "message": "This API only answers GET requests."}
IDLE_TIMEOUT_SECONDS = 60


class _Handler(BaseHTTPRequestHandler):
    """Hands every request to the emulator; keeps connections alive between requests."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_SECONDS
    server: "_TLSServer"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self.server.emulator._serve(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature from the base class
        """Silence the default per-request stderr logging (the RequestLog records requests)."""


class _TLSServer(ThreadingHTTPServer):
    """A threading HTTP server that wraps each accepted socket in TLS in that socket's thread."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], context: ssl.SSLContext, emulator: "Emulator") -> None:
        super().__init__(address, _Handler)
        self.context = context
        self.emulator = emulator
        self.connections: set[ssl.SSLSocket] = set()
        self.connections_lock = threading.Lock()

    def finish_request(self, request: socket.socket, client_address: Any) -> None:
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request.settimeout(IDLE_TIMEOUT_SECONDS)
        try:
            connection = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        with self.connections_lock:
            self.connections.add(connection)
        try:
            self.RequestHandlerClass(connection, client_address, self)
        except (ssl.SSLError, OSError):
            pass
        finally:
            with self.connections_lock:
                self.connections.discard(connection)
            connection.close()

    def close_connections(self) -> None:
        """Hang up on every open keep-alive connection (their threads then end)."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Emulator:
    """A local HTTPS server that behaves like Freshdesk's API v2 for one deterministic account.

    ``plan_features``: None for every feature, else a subset of {"surveys", "forums", "timesheets",
    "skills"}; endpoints of a missing feature answer 403 require_feature. ``admin=False`` makes
    admin-only endpoints answer 403 access_denied. ``activities_export=False``: the account has not
    turned on the scheduled ticket activity export, which then answers 403 require_feature.
    ``rate_limits`` None never answers 429 (the headers still come, with a large total). ``page_cap``
    is the tickets list's last page. Usable as a context manager.
    """

    def __init__(
        self,
        seed: int = 7,
        sizes: Sizes | None = None,
        plan_features: Iterable[str] | None = None,
        admin: bool = True,
        rate_limits: RateLimits | None = None,
        faults: Faults | None = None,
        page_cap: int = 300,
        port: int = 0,
        api_key: str = DEFAULT_API_KEY,
        now: str | int | datetime = DEFAULT_NOW,
        activities_export: bool = True,
    ) -> None:
        self.data = Dataset(seed, sizes, now)
        self.api_key = api_key
        self.account = AccountSettings(admin=admin, page_cap=page_cap, activities_export=activities_export)
        self.plan_features = plan_features
        self.api = FreshdeskAPI(self.data, self.account)
        self.limiter = RateLimiter(rate_limits)
        self.faults = FaultInjector(faults)
        self.log = RequestLog()
        self.port = port
        self._requested_port = port
        self._server: _TLSServer | None = None
        self._thread: threading.Thread | None = None
        self._tempdir: str | None = None
        self.ca_file: str | None = None
        # Set while stopping: stalled and slow answers stop waiting.
        self._stopping = threading.Event()

    # --- settings that can change at runtime -------------------------------------------------------

    @property
    def plan_features(self) -> frozenset[str] | None:
        return self.account.plan_features

    @plan_features.setter
    def plan_features(self, features: Iterable[str] | None) -> None:
        if features is None:
            self.account.plan_features = None
            return
        chosen = frozenset(features)
        unknown = chosen - set(FEATURE_NAMES)
        if unknown:
            raise ValueError(f"unknown plan features: {sorted(unknown)}")
        self.account.plan_features = chosen

    @property
    def admin(self) -> bool:
        return self.account.admin

    @admin.setter
    def admin(self, value: bool) -> None:
        self.account.admin = value

    @property
    def activities_export(self) -> bool:
        return self.account.activities_export

    @activities_export.setter
    def activities_export(self, value: bool) -> None:
        self.account.activities_export = value

    def set_faults(self, faults: Faults | None) -> None:
        """Replace the random faults (scripted ones are kept)."""
        self.faults.configure(faults)

    def set_rate_limits(self, rate_limits: RateLimits | None) -> None:
        """Replace the rate limits and start a fresh window."""
        self.limiter = RateLimiter(rate_limits)

    # --- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> "Emulator":
        """Create the CA and certificate, bind, and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
        self._tempdir = tempfile.mkdtemp(prefix="freshdesk-emulator-")
        self.ca_file = os.path.join(self._tempdir, "ca.pem")
        ca.cert_pem.write_to_path(self.ca_file)
        self._stopping.clear()
        self._server = _TLSServer(("127.0.0.1", self._requested_port), context, self)
        self.port = self._server.server_address[1]
        self.account.base_url = f"https://localhost:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="freshdesk-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, hang up open connections and delete the CA file."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None
        if self._tempdir:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # --- what clients need ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """https://localhost:PORT/api/v2 (no trailing slash)."""
        return f"https://localhost:{self.port}/api/v2"

    def url(self, path: str) -> str:
        """The full URL of an API path such as "tickets" or "tickets/5/conversations"."""
        return f"{self.base_url}/{path.lstrip('/')}"

    def config(self, **overrides: Any) -> dict[str, Any]:
        """A connector config pointing at this emulator."""
        return {"api_key": self.api_key, "domain": f"localhost:{self.port}", **overrides}

    def env(self) -> dict[str, str]:
        """Environment for a subprocess that should trust the emulator's certificate."""
        return {"REQUESTS_CA_BUNDLE": str(self.ca_file)}

    def expected(self, stream: str, start_date: Any = None) -> list[dict[str, Any]]:
        """``data.expected`` for what a connector can read under this account's plan and role:
        empty for a stream whose endpoints answer 403."""
        if stream in STREAM_ROUTES and not self.api.allows(ROUTES[STREAM_ROUTES[stream]]):
            return []
        return self.data.expected(stream, start_date)

    # --- serving -------------------------------------------------------------------------------------

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return decoded.split(":", 1)[0] == self.api_key

    def _serve(self, handler: _Handler) -> None:
        started = time.monotonic()
        method = handler.command
        split = urlsplit(handler.path)
        path, raw_query = split.path, split.query
        pairs = parse_qsl(raw_query, keep_blank_values=True)
        query = dict(pairs)
        authorization = handler.headers.get("Authorization") is not None
        # The export's files live on a storage host, not Freshdesk's API: no key, no rate limit, no
        # random Freshdesk faults (scripted ones still apply).
        is_file = path.startswith(FILES_PREFIX)

        action: FaultAction | None = None  # decided below, after the checks that answer without one

        def finish(reply: Reply, credits: int) -> None:
            self.log.add(LogEntry(method, path, query, reply.status, credits, started, authorization))
            if action is not None and action.kind == "trickle":
                self._trickle(handler, reply, action.seconds)
            else:
                self._send(handler, reply)

        if method != "GET":
            length = int(handler.headers.get("Content-Length") or 0)
            if length:
                handler.rfile.read(length)
            finish(Reply(405, dumps(METHOD_NOT_ALLOWED), {"Allow": "GET", **self.limiter.peek()}), 0)
            return
        action = self.faults.decide(path, random_faults=not is_file)
        if self.faults.latency_seconds:
            time.sleep(self.faults.latency_seconds)
        if action is not None and action.kind == "slow":
            self._stopping.wait(action.seconds)
        if action is not None and action.kind == "echo":
            header = handler.headers.get("Authorization") or ""
            finish(self._fault_reply(FaultAction("status", 400, echo_body(header))), 0)
            return
        if action is not None and action.kind in ("drop", "stall"):
            self.log.add(LogEntry(method, path, query, 0, 0, started, authorization))
            if action.kind == "stall":
                self._stopping.wait(action.seconds)
            handler.close_connection = True
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if action is not None and action.kind == "status":
            finish(self._fault_reply(action), 0)
            return
        if is_file:
            reply = self.api.download(path, query)
            finish(reply if action is None else self._distort(action, reply), 0)
            return
        found = self.api.route(path)
        decision = self.limiter.consume(self.api.credits(found[0] if found else None, pairs),
                                        found[0].bucket if found else None)
        if not decision.allowed:
            reply = Reply(429, dumps(RATE_LIMIT_BODY))
        elif not self._authorized(handler.headers.get("Authorization")):
            reply = Reply(401, dumps(INVALID_CREDENTIALS))
        else:
            reply = self.api.respond(path, raw_query, pairs)
        reply = Reply(reply.status, reply.body, {**reply.headers, **decision.headers}, reply.content_type)
        if action is not None:
            reply = self._distort(action, reply)
        finish(reply, decision.credits)

    def _fault_reply(self, action: FaultAction) -> Reply:
        body = action.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        if isinstance(body, bytes):
            content_type = "text/html; charset=utf-8" if body.lstrip().startswith(b"<") else JSON_TYPE
        else:
            body, content_type = dumps(body), JSON_TYPE
        return Reply(action.status, body, {**self.limiter.peek(), **action.headers}, content_type)

    @staticmethod
    def _distort(action: FaultAction, reply: Reply) -> Reply:
        """Apply a body-mangling fault to a real answer."""
        if action.kind == "html":
            return Reply(200, HTML_PAGE, reply.headers, "text/html; charset=utf-8")
        if action.kind == "truncated":
            return Reply(reply.status, reply.body[: len(reply.body) // 2], reply.headers, reply.content_type)
        if action.kind == "headers":
            return Reply(reply.status, reply.body, {**reply.headers, **action.headers}, reply.content_type)
        if action.kind in ("slow", "trickle"):
            return reply
        payload = loads(reply.body) if reply.body else {}
        if isinstance(payload, list):
            payload = payload[0] if payload else {}
        return Reply(200, dumps(payload), reply.headers)

    def _trickle(self, handler: _Handler, reply: Reply, seconds: float) -> None:
        """Send `reply`'s headers, then its body a byte every `seconds` (until the server stops)."""
        self._send(handler, Reply(reply.status, b"", reply.headers, reply.content_type), length=len(reply.body))
        try:
            for index in range(len(reply.body)):
                handler.wfile.write(reply.body[index:index + 1])
                handler.wfile.flush()
                if self._stopping.wait(seconds):
                    break
        except OSError:
            pass  # the client gave up
        handler.close_connection = True

    @staticmethod
    def _send(handler: _Handler, reply: Reply, length: int | None = None) -> None:
        try:
            phrase = http.HTTPStatus(reply.status).phrase
        except ValueError:
            phrase = "Unknown"
        lines = [
            f"HTTP/1.1 {reply.status} {phrase}",
            "Server: freshdesk-emulator",
            f"Content-Type: {reply.content_type}",
            f"Content-Length: {len(reply.body) if length is None else length}",
        ]
        lines.extend(f"{name}: {value}" for name, value in reply.headers.items())
        if handler.close_connection:
            lines.append("Connection: close")
        handler.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply.body)
