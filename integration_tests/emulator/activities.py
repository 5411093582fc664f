"""Freshdesk's scheduled ticket activity export: one JSON file per day, built from the tickets' own history.

What Freshdesk does (and the emulator with it):

- ``GET /api/v2/export/ticket_activities?created_at=YYYY-MM-DD`` answers
  ``{"export": [{"created_at": "1-6-2025", "url": "<signed link>"}]}``: a link to the day's file on a
  storage host (Amazon S3 for Freshdesk), which takes no API key: the link's signature is the credential,
  and it expires. Without ``created_at`` it answers the latest file.
- The file: ``{"metadata": {"start_at", "end_at", "activities_count"}, "activities_data": [...]}``; each
  activity ``{"performed_at": "dd-mm-yyyy HH:MM:SS +0000", "ticket_id", "performer_type", "performer_id",
  "activity": {...}}``, ``activity`` holding what changed (``new_ticket``, ``status``, ``agent_id``,
  ``note`` ...).
- A day's file is written once the day is over and kept 30 days; any other day answers 404
  ``file_not_found``. An account without the export answers 403 ``require_feature`` (feature "Activity
  Export"), a key whose agent is not an account admin 403 ``access_denied``.

Sources and confidence: Freshdesk's export controller and its tests (the 403s, the 404, the ``export``
list), and two other extractors' readers (Singer's tap-freshdesk, Airbyte's source-freshdesk) for the
file's shape and its timestamp format. Not known, so the emulator's own: the ``created_at`` label's
format, ``note.type`` codes, ``performer_type`` beyond "user", and whether a file's day starts at
midnight UTC (here it does; Freshdesk may start it at the account's export hour).

The activities are a pure function of the tickets: each ticket's creation (by its requester), its
assignment (by the account administrator, a minute after), each conversation (by the requester or the
agent) and its last status change. Deleted and spam tickets keep theirs.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .records import DAY
from .timeutil import fmt_date

if TYPE_CHECKING:
    from .data import Dataset

EXPORT_DAYS = 30
FILES_PREFIX = "/exports/ticket_activities/"
LINK_LIFETIME_SECONDS = 900
EXPORT_TIME_FORMAT = "%d-%m-%Y %H:%M:%S +0000"
STATUS_NAMES = {2: "Open", 3: "Pending", 4: "Resolved", 5: "Closed"}
NOTE_TYPES = {"incoming": 0, "note": 2, "reply": 3}
FILE_NOT_FOUND = {"code": "file_not_found", "message": "File not found"}


def fmt_export(ts: int) -> str:
    """A timestamp as the export's files write it: 01-06-2025 09:33:38 +0000."""
    return time.strftime(EXPORT_TIME_FORMAT, time.gmtime(ts))


def parse_export(text: str) -> int:
    """Epoch seconds of a file timestamp (always UTC, ``+0000``)."""
    return calendar.timegm(time.strptime(text, EXPORT_TIME_FORMAT))


def day_start(day: str) -> int:
    return calendar.timegm(time.strptime(day, "%Y-%m-%d"))


def export_days(now: int) -> list[str]:
    """The days (YYYY-MM-DD, UTC) whose file the export holds at ``now``: the 30 before now's day."""
    today = now - now % DAY
    return [fmt_date(today - back * DAY) for back in range(EXPORT_DAYS, 0, -1)]


def date_label(day: str) -> str:
    """The ``created_at`` of an ``export`` entry: 1-6-2025 (day-month-year, no leading zeros)."""
    year, month, mday = (int(part) for part in day.split("-"))
    return f"{mday}-{month}-{year}"


def _activity(ts: int, ticket_id: int, performer_id: int, activity: dict[str, Any]) -> dict[str, Any]:
    return {
        "performed_at": fmt_export(ts),
        "ticket_id": ticket_id,
        "performer_type": "user",
        "performer_id": performer_id,
        "activity": activity,
    }


def activities_by_day(data: "Dataset") -> dict[str, list[dict[str, Any]]]:
    """Every day the export holds (even a day without activity: an empty file), with its activities in
    the order they happened. Call with the data set's lock held."""
    days = export_days(data.now_ts)
    first, end = day_start(days[0]), day_start(days[-1]) + DAY
    admin_id = data.agents[0]["id"]
    events: list[tuple[int, int, int, dict[str, Any]]] = []
    for state in data._tickets:
        added = state.added or []
        latest = max([state.conv_end, state.created_at + 120] + [moment for _, moment, _ in added])
        if latest < first or state.created_at >= end:
            continue
        agent_id = state.responder_id or admin_id
        history = [(state.created_at, 0, _activity(state.created_at, state.id, state.requester_id, {
            "new_ticket": True, "status": "Open", "priority": state.priority, "source": state.source,
            "requester_id": state.requester_id}))]
        if state.responder_id:
            history.append((state.created_at + 60, 1, _activity(state.created_at + 60, state.id, admin_id,
                                                                 {"agent_id": state.responder_id})))
        for index, (conversation_id, moment, kind) in enumerate(data._conversation_plan(state)):
            performer = state.requester_id if kind == "incoming" else agent_id
            history.append((moment, 2 + index, _activity(moment, state.id, performer, {
                "note": {"id": conversation_id, "type": NOTE_TYPES[kind]}})))
        if state.status != 2 and state.status_at > state.created_at:
            history.append((state.status_at, 1_000, _activity(state.status_at, state.id, agent_id,
                                                              {"status": STATUS_NAMES[state.status]})))
        events.extend((moment, state.id, order, row) for moment, order, row in history if first <= moment < end)
    events.sort(key=lambda event: event[:3])
    by_day: dict[str, list[dict[str, Any]]] = {day: [] for day in days}
    for moment, _, _, row in events:
        by_day[fmt_date(moment)].append(row)
    return by_day


def file_body(day: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    start = day_start(day)
    return {
        "metadata": {"start_at": fmt_export(start), "end_at": fmt_export(start + DAY - 1), "activities_count": len(rows)},
        "activities_data": rows,
    }


def _signature(secret: str, day: str, signed_at: int) -> str:
    return hmac.new(secret.encode(), f"{day}|{signed_at}".encode(), hashlib.sha256).hexdigest()


def signed_url(base_url: str, secret: str, day: str, signed_at: int) -> str:
    """A link to ``day``'s file, shaped like an S3 pre-signed URL, valid LINK_LIFETIME_SECONDS from ``signed_at``."""
    query = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(signed_at)),
        "X-Amz-Expires": str(LINK_LIFETIME_SECONDS),
        "X-Amz-Signature": _signature(secret, day, signed_at),
    }
    return f"{base_url}{FILES_PREFIX}{day}.json?{urlencode(query)}"


def link_problem(secret: str, day: str, query: dict[str, str], now: int) -> str | None:
    """Why a download link is refused (S3's error code), or None when it is valid at ``now``."""
    try:
        signed_at = calendar.timegm(time.strptime(query.get("X-Amz-Date", ""), "%Y%m%dT%H%M%SZ"))
    except ValueError:
        return "AccessDenied"
    if not hmac.compare_digest(query.get("X-Amz-Signature", ""), _signature(secret, day, signed_at)):
        return "SignatureDoesNotMatch"
    if now > signed_at + LINK_LIFETIME_SECONDS:
        return "AccessDenied"
    return None


def storage_error(code: str) -> bytes:
    """An S3-style XML error body."""
    messages = {"AccessDenied": "Request has expired", "SignatureDoesNotMatch": "The request signature we "
                "calculated does not match the signature you provided.", "NoSuchKey": "The specified key does not exist."}
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{messages[code]}</Message>'
            "</Error>").encode()
