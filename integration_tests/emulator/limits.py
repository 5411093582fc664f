"""Freshdesk's per-account rate limit: credits per fixed window, plus per-endpoint sub-limits.

Every call costs one credit, and each ``include`` item on the tickets list two more. Calls that fail
(400, 401, 404, ...) cost their credits too; calls refused with 429 cost nothing. The tickets list
and contacts list also have their own limits, counted in calls (Freshdesk does not document whether
they count calls or credits). Windows are fixed: the first call after a window has ended opens a new
one of ``window_seconds``, measured on a monotonic clock.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

UNLIMITED_TOTAL = 1_000_000


@dataclass
class RateLimits:
    """A plan's limits (the defaults are Freshdesk's Growth plan). None disables a sub-limit.

    ``clock`` is the time source (seconds, monotonic); tests can pass a fake one.
    """

    per_minute: int = 200
    tickets_list: int | None = 20
    contacts_list: int | None = 20
    window_seconds: float = 60
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)


@dataclass(frozen=True)
class Decision:
    """The limiter's answer for one call: whether it may proceed, and the headers to send."""

    allowed: bool
    credits: int
    headers: dict[str, str]


class RateLimiter:
    """Thread-safe fixed-window credit counter. ``limits=None`` never refuses (large total)."""

    def __init__(self, limits: RateLimits | None) -> None:
        self.limits = limits or RateLimits(per_minute=UNLIMITED_TOTAL, tickets_list=None, contacts_list=None)
        self._lock = threading.Lock()
        self._window_start: float | None = None
        self.used = 0
        self.bucket_calls: dict[str, int] = {}

    def _roll(self, now: float) -> None:
        if self._window_start is None or now >= self._window_start + self.limits.window_seconds:
            self._window_start = now
            self.used = 0
            self.bucket_calls = {}

    def _headers(self, current: int) -> dict[str, str]:
        return {
            "X-Ratelimit-Total": str(self.limits.per_minute),
            "X-Ratelimit-Remaining": str(max(0, self.limits.per_minute - self.used)),
            "X-Ratelimit-Used-CurrentRequest": str(current),
        }

    def consume(self, credits: int, bucket: str | None = None) -> Decision:
        """Charge a call of ``credits`` (in sub-limit ``bucket``, if any) or refuse it."""
        with self._lock:
            now = self.limits.clock()
            self._roll(now)
            bucket_limit = getattr(self.limits, bucket) if bucket else None
            over_bucket = bucket_limit is not None and self.bucket_calls.get(bucket, 0) + 1 > bucket_limit
            if self.used + credits > self.limits.per_minute or over_bucket:
                headers = self._headers(0)
                window_end = (self._window_start or now) + self.limits.window_seconds
                headers["Retry-After"] = str(max(1, math.ceil(window_end - now)))
                return Decision(False, 0, headers)
            self.used += credits
            if bucket:
                self.bucket_calls[bucket] = self.bucket_calls.get(bucket, 0) + 1
            return Decision(True, credits, self._headers(credits))

    def peek(self) -> dict[str, str]:
        """The rate-limit headers for a response that charges nothing (injected faults)."""
        with self._lock:
            self._roll(self.limits.clock())
            return self._headers(0)

    def reset(self) -> None:
        """Forget the current window."""
        with self._lock:
            self._window_start = None
            self.used = 0
            self.bucket_calls = {}
