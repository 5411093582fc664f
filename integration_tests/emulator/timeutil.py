"""Timestamps in and out, the way Freshdesk reads and writes them.

Internally every timestamp is an integer number of seconds since the Unix epoch (UTC): cheap to
store for 100k tickets, trivially ordered, and exact to the second like Freshdesk's own values.
"""

from __future__ import annotations

import calendar
import functools
import re
import time
from datetime import datetime, timezone

# The input formats Freshdesk documents: YYYY-MM-DD, YYYY-MM-DDTHH:MM, YYYY-MM-DDTHH:MMZ,
# YYYY-MM-DDTHH:MM:SS, YYYY-MM-DDTHH:MM:SSZ and YYYY-MM-DDTHH:MM:SS with ±hh:mm, ±hh or ±hhmm.
# No zone means UTC. Fractional seconds are not among them and are rejected.
_INPUT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:T(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)


def parse(value: str) -> int:
    """Parse a Freshdesk input date/time into epoch seconds; raise ValueError if malformed.

    A literal space is read as '+' because an unencoded '+' in a query string arrives as a space.
    """
    match = _INPUT.match(value.strip().replace(" ", "+"))
    if not match:
        raise ValueError(f"invalid timestamp: {value!r}")
    year, month, day, hour, minute, second, zone = match.groups()
    moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    offset = 0
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60)
    return calendar.timegm(moment.timetuple()) - offset


@functools.lru_cache(maxsize=65536)
def fmt(ts: int) -> str:
    """Format epoch seconds as Freshdesk does: YYYY-MM-DDTHH:MM:SSZ."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def fmt_date(ts: int) -> str:
    """Format epoch seconds as a date (YYYY-MM-DD), the format of custom date fields."""
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def to_epoch(value: int | float | str | datetime) -> int:
    """Accept epoch seconds, a Freshdesk-format string or a datetime (naive means UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return int(value.timestamp())
    if isinstance(value, str):
        return parse(value)
    return int(value)


def to_datetime(ts: int) -> datetime:
    """Epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(ts, tz=timezone.utc)
