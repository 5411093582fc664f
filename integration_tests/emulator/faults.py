"""Injected failures: seeded random ones (``Faults``) and scripted ones for exact tests.

Random faults draw one number per request from their own seeded generator, so a given sequence of
requests meets the same faults on every run. Scripted faults answer the next ``times`` requests
whose path matches a regular expression, and take precedence over random ones (a request answered by
a script draws no random number). Injected faults bypass the rate limiter: they charge no credits.

Kinds of answer:
- ``status``: the given status, body and headers (5xx, 429 with Retry-After, anything);
- ``drop``: the connection is closed without an answer;
- ``html``: status 200 with an HTML maintenance page instead of JSON;
- ``truncated``: the real response with its JSON body cut in half;
- ``object_instead_of_list``: status 200 with a JSON object (the first record, or {}) instead of the list;
- ``headers``: the real response with ``headers`` set on it (a hostile ``Link``, say);
- ``stall``: the request is read and never answered: the connection is held ``seconds``, then closed;
- ``slow``: the real response, ``seconds`` late;
- ``trickle``: the real response's headers at once, then its body a byte every ``seconds``;
- ``echo``: status 400 whose body echoes the request's ``Authorization`` header back, decoded too, as a
  careless proxy or debugging endpoint might.
"""

from __future__ import annotations

import base64
import binascii
import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

RATE_LIMIT_BODY = {
    "code": "too_many_requests",
    "message": "You have exceeded the limit of requests per minute. Please try again after some time.",
}
SERVER_ERROR_BODY = {"code": "internal_error", "message": "We're sorry, but something went wrong."}
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Freshdesk - Under maintenance</title></head>"
    b"<body><h1>We'll be back shortly</h1><p>Our helpdesk is undergoing scheduled maintenance.</p></body></html>"
)
GATEWAY_PAGE = b"<html><head><title>%d</title></head><body><h1>%d %s</h1></body></html>"
KINDS = ("status", "drop", "html", "truncated", "object_instead_of_list", "headers", "stall", "slow", "echo", "trickle")


@dataclass
class Faults:
    """Probabilities (0..1) of random faults per request, and their parameters.

    ``error_5xx``: answer 500, 502 or 503. ``burst_429``: start a burst in which this request and
    the next ``burst_length - 1`` answer 429 with ``Retry-After: retry_after``. ``drop``: close the
    connection without answering. ``malformed``: truncated JSON or an HTML page, with status 200.
    ``latency_ms`` is added to every request.
    """

    seed: int = 1
    error_5xx: float = 0.0
    burst_429: float = 0.0
    burst_length: int = 3
    drop: float = 0.0
    latency_ms: int = 0
    malformed: float = 0.0
    retry_after: int = 0


@dataclass
class FaultAction:
    """How to answer one request instead of (or on top of) the normal response."""

    kind: str
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class _Script:
    pattern: re.Pattern[str]
    action: FaultAction
    times: int


def default_body(status: int) -> Any:
    """The body Freshdesk-like infrastructure sends with an error status."""
    if status == 429:
        return RATE_LIMIT_BODY
    if status in (502, 503, 504):
        phrase = {502: b"Bad Gateway", 503: b"Service Unavailable", 504: b"Gateway Timeout"}[status]
        return GATEWAY_PAGE % (status, status, phrase)
    if status >= 500:
        return SERVER_ERROR_BODY
    return {"code": "error", "message": "Scripted fault"}


def echo_body(authorization: str) -> dict[str, Any]:
    """A 400 body that repeats the request's Authorization header, and the credentials decoded from it."""
    decoded = ""
    if authorization.startswith("Basic "):
        try:
            decoded = base64.b64decode(authorization[6:]).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            decoded = ""
    return {
        "description": "Validation failed",
        "errors": [
            {"field": "Authorization", "message": f"Unexpected header {authorization}", "code": "invalid_value"},
            {"field": "credentials", "message": f"Could not use {decoded}", "code": "invalid_value"},
        ],
    }


class FaultInjector:
    """Decides, request by request, whether to inject a fault. Thread-safe."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self._scripts: list[_Script] = []
        self.configure(faults)

    def configure(self, faults: Faults | None) -> None:
        """Replace the random faults (None: none) and restart their generator from its seed."""
        with self._lock:
            self.faults = faults or Faults()
            self._rng = random.Random(self.faults.seed)
            self._burst_left = 0

    @property
    def latency_seconds(self) -> float:
        return self.faults.latency_ms / 1000

    def script(
        self,
        path_regex: str,
        status: int | None = None,
        body: Any = None,
        times: int = 1,
        headers: dict[str, str] | None = None,
        kind: str | None = None,
        seconds: float = 0.0,
    ) -> None:
        """Answer the next ``times`` requests whose path (e.g. /api/v2/tickets) matches ``path_regex``
        (``re.search``): with ``status``/``body``/``headers``, or as ``kind`` (see module doc;
        ``seconds`` for ``stall`` and ``slow``).

        A 429 without a Retry-After header gets ``Retry-After: <Faults.retry_after>``.
        """
        kind = kind or "status"
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        if kind == "status" and status is None:
            raise ValueError("a status fault needs a status")
        if kind in ("stall", "slow", "trickle") and seconds <= 0:
            raise ValueError(f"a {kind} fault needs seconds")
        action = FaultAction(kind, status or 200, body, dict(headers or {}), seconds)
        if kind == "status":
            if body is None:
                action.body = default_body(action.status)
            if action.status == 429 and "Retry-After" not in action.headers:
                action.headers["Retry-After"] = str(self.faults.retry_after)
        with self._lock:
            self._scripts.append(_Script(re.compile(path_regex), action, times))

    def clear(self) -> None:
        """Forget the scripted faults not yet used."""
        with self._lock:
            self._scripts.clear()

    @property
    def pending(self) -> int:
        """How many scripted answers are still to be given."""
        with self._lock:
            return sum(script.times for script in self._scripts)

    def decide(self, path: str, random_faults: bool = True) -> FaultAction | None:
        """The fault for a request to ``path``, or None to answer normally; ``random_faults`` False: the
        scripted faults only (for a host that is not Freshdesk's)."""
        with self._lock:
            for script in self._scripts:
                if script.pattern.search(path):
                    script.times -= 1
                    if script.times <= 0:
                        self._scripts.remove(script)
                    return script.action
            return self._random() if random_faults else None

    def _random(self) -> FaultAction | None:
        faults, rng = self.faults, self._rng
        if self._burst_left > 0:
            self._burst_left -= 1
            return self._too_many()
        if not (faults.error_5xx or faults.burst_429 or faults.drop or faults.malformed):
            return None
        draw = rng.random()
        if draw < faults.error_5xx:
            status = rng.choice((500, 502, 503))
            return FaultAction("status", status, default_body(status))
        draw -= faults.error_5xx
        if draw < faults.burst_429:
            self._burst_left = max(0, faults.burst_length - 1)
            return self._too_many()
        draw -= faults.burst_429
        if draw < faults.drop:
            return FaultAction("drop")
        draw -= faults.drop
        if draw < faults.malformed:
            return FaultAction("truncated" if rng.random() < 0.5 else "html")
        return None

    def _too_many(self) -> FaultAction:
        return FaultAction("status", 429, RATE_LIMIT_BODY, {"Retry-After": str(self.faults.retry_after)})
