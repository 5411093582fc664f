"""The progress lines a read logs (`_Progress` in components.py): what they say, and when."""

from __future__ import annotations

import logging
import re

import pytest
from airbyte_cdk.models import Level
from airbyte_cdk.test.mock_http import HttpMocker

from config_builder import ConfigBuilder
from request_builder import FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, fixture, ids
from source_freshdesk import components
from source_runner import log_messages, read_streams


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


class TestStreamEndLines:
    """Contract: when a stream ends, the requests and credits so far and the stream's own line (records,
    windows, conversations) are logged, just before the CDK's "Marking stream <name> as STOPPED" line."""

    def test_given_counts_when_lines_at_a_streams_end_then_that_stream_whether_active_or_not(self):
        counts = {"requests": 30, "credits": 45, "records:tickets": 60, "windows": 204, "calendar windows": 204,
                  "records:groups": 5}

        assert components._Progress.lines(counts, {}, seconds=90, ended="tickets") == [
            "Progress at 1 min 30 s: 30 requests and 45 credits so far, 30 credits a minute.",
            "Progress at 1 min 30 s: tickets ended, 60 records, 204 of 204 windows read.",
        ]
        assert components._Progress.lines(counts, {}, seconds=90, ended="roles")[1] == "Progress at 1 min 30 s: roles ended, 0 records."

    def test_given_a_read_when_a_stream_ends_then_its_lines_come_just_before_the_cdks_stopped_line(self):
        # The one place the connector relies on the CDK's wording (see `_StreamEndLines`): if a CDK release
        # changes the line, this fails naming it.
        stopped = "Marking stream groups as STOPPED"
        with HttpMocker() as http_mocker:
            http_mocker.get(
                FreshdeskRequestBuilder.endpoint("groups").build(), FreshdeskResponseBuilder.of("groups").build()
            )
            output = read_streams(ConfigBuilder().build(), "groups")
        logged = [re.sub(r"Progress at \d+ min \d\d s", "Progress at T", m) for m in log_messages(output, Level.INFO)]
        assert stopped in logged, f"the CDK no longer logs {stopped!r} at a stream's end: _StreamEndLines sees nothing"
        at = logged.index(stopped)
        assert re.fullmatch(r"Progress at T: 1 requests and 1 credits so far, [\d,]+ credits a minute\.", logged[at - 2])
        assert logged[at - 1] == f"Progress at T: groups ended, {len(ids(fixture('groups')))} records."
