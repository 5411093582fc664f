"""A thread-safe record of every request the emulator answered (or dropped)."""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass

API_PREFIX = "/api/v2/"
_NUMBER = re.compile(r"^\d+$")
_DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")


@dataclass(frozen=True)
class LogEntry:
    """One request: ``path`` without its query string, ``query`` as a dict (last value wins),
    ``status`` 0 for a dropped connection, ``credits`` charged, ``t`` on the monotonic clock,
    ``authorization`` whether it carried an Authorization header."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    credits: int
    t: float
    authorization: bool = False

    @property
    def endpoint(self) -> str:
        return endpoint_template(self.path)


def endpoint_template(path: str) -> str:
    """The API path with numeric segments as {id}: /api/v2/tickets/5/conversations -> tickets/{id}/conversations;
    a day's file as {day}.json: /exports/ticket_activities/2025-06-01.json -> exports/ticket_activities/{day}.json."""
    relative = path[len(API_PREFIX):] if path.startswith(API_PREFIX) else path.lstrip("/")
    return "/".join(
        "{id}" if _NUMBER.match(part) else "{day}.json" if _DAY_FILE.match(part) else part
        for part in relative.strip("/").split("/")
    )


def _full_path(path: str) -> str:
    return path if path.startswith("/") else API_PREFIX + path


class RequestLog:
    """Requests in arrival order. Paths given to the helpers may be full (/api/v2/tickets) or
    relative to the API root (tickets)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LogEntry] = []

    def add(self, entry: LogEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    @property
    def entries(self) -> list[LogEntry]:
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def count(self, path: str | None = None, status: int | None = None, prefix: str | None = None,
              endpoint: str | None = None) -> int:
        """Requests matching every given criterion: exact path, status, path prefix, endpoint template."""
        full_path = None if path is None else _full_path(path)
        full_prefix = None if prefix is None else _full_path(prefix)
        return sum(
            1
            for entry in self.entries
            if (full_path is None or entry.path == full_path)
            and (status is None or entry.status == status)
            and (full_prefix is None or entry.path.startswith(full_prefix))
            and (endpoint is None or entry.endpoint == endpoint)
        )

    def count_429(self) -> int:
        return self.count(status=429)

    def by_endpoint(self) -> dict[str, int]:
        """Request counts per endpoint template, e.g. {"tickets": 3, "tickets/{id}/conversations": 40}."""
        return dict(Counter(entry.endpoint for entry in self.entries))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
