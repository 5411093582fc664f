"""The progress lines a read logs (`_Progress` in components.py): what they say, and when."""

from __future__ import annotations

import logging

import pytest

from source_freshdesk import components


class TestProgressLines:
    """Contract: one line for the requests and credits so far and their pace, then one per stream that read
    records since the last lines, with the tickets windows read and, for conversations, how many of the
    tickets listed so far have had theirs read and how long the rest takes at the pace so far."""

    def test_given_counts_when_lines_then_requests_credits_and_each_active_stream(self):
        counts = {"requests": 1200, "credits": 3000, "records:tickets": 4200, "windows": 12, "calendar windows": 30, "records:conversations": 9000,
                  "listed": 4200, "read": 1100, "records:groups": 5, "parents": 4200}

        lines = components._Progress.lines(counts, {"records:groups": 5}, seconds=150)

        assert lines == [
            "Progress at 2 min 30 s: 1,200 requests and 3,000 credits so far, 1,200 credits a minute.",
            "Progress at 2 min 30 s: conversations, 9,000 records, the conversations of 1,100 of the 4,200 tickets "
            "listed so far; about 7 min more for those at this pace.",
            "Progress at 2 min 30 s: tickets, 4,200 records, 12 of 30 windows read.",
        ]

    def test_given_every_listed_ticket_read_when_lines_then_no_estimate(self):
        lines = components._Progress.lines({"records:conversations": 10, "listed": 4, "read": 4}, {}, seconds=30)

        assert lines[1] == "Progress at 0 min 30 s: conversations, 10 records, the conversations of 4 of the 4 tickets listed so far."

    def test_given_answers_when_the_intervals_pass_then_lines_at_5_10_20_40_then_every_60_seconds(self, monkeypatch, caplog):
        clock = [1000.0]
        monkeypatch.setattr(components.time, "monotonic", lambda: clock[0])
        progress = components._Progress()
        reported_at = []
        with caplog.at_level(logging.INFO, logger="airbyte"):
            for second in range(1, 240):
                clock[0] = 1000.0 + second
                before = len(caplog.records)
                progress.answered(credits=2)
                if len(caplog.records) > before:
                    reported_at.append(second)

        assert reported_at == [5, 15, 35, 75, 135, 195]
        assert caplog.records[0].getMessage() == "Progress at 0 min 05 s: 5 requests and 10 credits so far, 120 credits a minute."
