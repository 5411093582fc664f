"""Dates for the streams read in windows up to "now" (tickets and the conversations' parent).

The last window ends at the moment of the sync, so those tests place their records and start dates
relative to the real clock: a start date a few days back gives exactly one window.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """Freshdesk's timestamp format: 2025-03-01T10:20:30Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def day(moment: datetime) -> str:
    """A start_date as users write it: 2025-03-01."""
    return moment.strftime("%Y-%m-%d")


def month_start(moment: datetime, months_back: int = 0) -> datetime:
    """Midnight UTC on the first day of `moment`'s month, `months_back` months earlier."""
    months = moment.year * 12 + moment.month - 1 - months_back
    return datetime(months // 12, months % 12 + 1, 1, tzinfo=timezone.utc)
