"""Mock-server tests of the conversations stream (a child of the tickets list)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List
from contextlib import contextmanager
from typing import Iterator, Sequence
from unittest import TestCase
from unittest.mock import patch

import pytest
from airbyte_cdk.sources.declarative.incremental import concurrent_partition_cursor

from airbyte_cdk.models import Level
from airbyte_cdk.test.mock_http import HttpMocker

from config_builder import ConfigBuilder
from dates import NOW, day, days_ago, iso, month_start
from request_builder import FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, a_record, error_response, fixture, ids
from source_runner import (
    error_messages,
    final_state,
    log_messages,
    manifest_source,
    read_streams,
    record_ids,
    state,
    stream_statuses,
)

from source_freshdesk import components

_STREAM = "conversations"


def _ticket(ticket_id: int, updated_at: str) -> Dict[str, Any]:
    return a_record("tickets", id=ticket_id, updated_at=updated_at)


def _conversation(conversation_id: int, ticket_id: int, updated_at: str) -> Dict[str, Any]:
    return a_record(
        "conversations", id=conversation_id, ticket_id=ticket_id, created_at=updated_at, updated_at=updated_at
    )


# A start date ten days back: the parent tickets list is read in one window, from its midnight.
_START_DAY = day(days_ago(10))
_START = f"{_START_DAY}T00:00:00Z"


def _config():
    return ConfigBuilder().with_start_date(_START_DAY).build()


def _at(days: float) -> str:
    return iso(days_ago(days))


def _without_lookback(stream_state: Dict[str, Any]) -> Dict[str, Any]:
    """The state without `lookback_window`: the CDK sets it to the sync's duration in whole seconds."""
    return {key: value for key, value in stream_state.items() if key != "lookback_window"}


class TestConversations(TestCase):
    """GET /api/v2/tickets?updated_since=..&order_by=updated_at&order_type=asc&per_page=100 (the parent list,
    in one window from the state or start_date to now, without the includes the tickets stream pays for), then
    GET /api/v2/tickets/{id}/conversations?per_page=100 once for each ticket, following `link` headers.

    Contract: one partition per ticket; a ticket whose conversations answer 404 (deleted since it was listed)
    or 403 (not readable by this agent) is skipped and the other tickets' conversations still come out.
    The state is one global cursor (the greatest conversation updated_at) plus the parent's tickets state
    (incremental_dependency); a sync from that state reads the conversations of the tickets updated since
    the parent state only, and all of those tickets' conversations are emitted again.
    """

    @HttpMocker()
    def test_given_two_tickets_when_read_then_each_ticket_conversations_are_read_from_its_path(self, http_mocker):
        http_mocker.get(
            FreshdeskRequestBuilder.ticket_ids(_START).build(),
            FreshdeskResponseBuilder.records([_ticket(1, _at(9)), _ticket(2, _at(8))]).build(),
        )
        http_mocker.get(
            FreshdeskRequestBuilder.conversations(1).build(), FreshdeskResponseBuilder.of("conversations").build()
        )
        http_mocker.get(
            FreshdeskRequestBuilder.conversations(2).build(),
            FreshdeskResponseBuilder.records([_conversation(21, 2, _at(8))]).build(),
        )

        output = read_streams(_config(), _STREAM)

        assert sorted(record_ids(output)) == sorted(ids(fixture("conversations")) + [21])
        assert _without_lookback(final_state(output, _STREAM)) == {
            "use_global_cursor": True,
            "state": {"updated_at": _at(8)},
            "parent_state": {"tickets": {"updated_at": _at(8)}},
        }
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_paginated_conversations_when_read_then_every_page_of_the_ticket_is_read(self, http_mocker):
        http_mocker.get(
            FreshdeskRequestBuilder.ticket_ids(_START).build(),
            FreshdeskResponseBuilder.records([_ticket(1, _at(9))]).build(),
        )
        page_2 = FreshdeskRequestBuilder.conversations(1).with_page(2)
        http_mocker.get(
            FreshdeskRequestBuilder.conversations(1).build(),
            FreshdeskResponseBuilder.records([_conversation(11, 1, _at(9))]).with_next_page(page_2).build(),
        )
        http_mocker.get(page_2.build(), FreshdeskResponseBuilder.records([_conversation(12, 1, _at(8.5))]).build())

        output = read_streams(_config(), _STREAM)

        assert record_ids(output) == [11, 12]

    @HttpMocker()
    def test_given_state_when_read_then_only_conversations_of_tickets_updated_since_the_parent_state_are_read(
        self, http_mocker
    ):
        previous = {
            "use_global_cursor": True,
            "state": {"updated_at": _at(4)},
            "lookback_window": 1,
            "parent_state": {"tickets": {"updated_at": _at(7)}},
        }
        http_mocker.get(
            FreshdeskRequestBuilder.ticket_ids(updated_since=_at(7)).build(),
            FreshdeskResponseBuilder.records([_ticket(3, _at(7)), _ticket(4, _at(2))]).build(),
        )
        http_mocker.get(
            FreshdeskRequestBuilder.conversations(3).build(),
            FreshdeskResponseBuilder.records([_conversation(31, 3, "2024-12-01T00:00:00Z")]).build(),
        )
        http_mocker.get(
            FreshdeskRequestBuilder.conversations(4).build(),
            FreshdeskResponseBuilder.records([_conversation(41, 4, _at(5)), _conversation(42, 4, _at(2))]).build(),
        )

        output = read_streams(_config(), _STREAM, stream_state=state(_STREAM, previous))

        # Older conversations of a changed ticket come out again: a reply is never lost to the cursor.
        assert sorted(record_ids(output)) == [31, 41, 42]
        assert _without_lookback(final_state(output, _STREAM)) == {
            "use_global_cursor": True,
            "state": {"updated_at": _at(2)},
            "parent_state": {"tickets": {"updated_at": _at(2)}},
        }

    @HttpMocker()
    def test_given_a_start_date_months_back_when_read_then_the_parent_list_is_one_window_read_once(self, http_mocker):
        # The parent list needs no windows: the conversations checkpoint at each ticket. One window from
        # start_date to now, whatever its length, so each ticket is listed, and its conversations read, once.
        last_month, this_month = month_start(NOW, 2), month_start(NOW)
        tickets = [_ticket(1, iso(last_month + timedelta(days=2))), _ticket(2, iso(this_month + timedelta(seconds=1)))]
        parent = FreshdeskRequestBuilder.ticket_ids(iso(last_month)).build()
        http_mocker.get(parent, FreshdeskResponseBuilder.records(tickets).build())
        for ticket_id in (1, 2):
            http_mocker.get(
                FreshdeskRequestBuilder.conversations(ticket_id).build(),
                FreshdeskResponseBuilder.records([_conversation(ticket_id * 10, ticket_id, _at(1))]).build(),
            )

        output = read_streams(ConfigBuilder().with_start_date(day(last_month)).build(), _STREAM)

        assert sorted(record_ids(output)) == [10, 20]
        http_mocker.assert_number_of_calls(parent, 1)

    @HttpMocker()
    def test_given_404_for_one_ticket_when_read_then_that_ticket_is_skipped_and_the_others_come_out(self, http_mocker):
        http_mocker.get(
            FreshdeskRequestBuilder.ticket_ids(_START).build(),
            FreshdeskResponseBuilder.records([_ticket(1, _at(9)), _ticket(2, _at(8)), _ticket(3, _at(7))]).build(),
        )
        http_mocker.get(
            FreshdeskRequestBuilder.conversations(1).build(),
            FreshdeskResponseBuilder.records([_conversation(11, 1, _at(9))]).build(),
        )
        http_mocker.get(FreshdeskRequestBuilder.conversations(2).build(), error_response(404))
        http_mocker.get(
            FreshdeskRequestBuilder.conversations(3).build(),
            FreshdeskResponseBuilder.records([_conversation(31, 3, _at(7))]).build(),
        )

        output = read_streams(_config(), _STREAM)

        assert sorted(record_ids(output)) == [11, 31]
        assert stream_statuses(output, _STREAM)[-1] == "COMPLETE"
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_403_for_one_ticket_when_read_then_that_ticket_is_skipped_with_a_warning_and_the_others_come_out(
        self, http_mocker
    ):
        http_mocker.get(
            FreshdeskRequestBuilder.ticket_ids(_START).build(),
            FreshdeskResponseBuilder.records([_ticket(1, _at(9)), _ticket(2, _at(8))]).build(),
        )
        http_mocker.get(
            FreshdeskRequestBuilder.conversations(1).build(), error_response(403, "error_403_access_denied")
        )
        http_mocker.get(
            FreshdeskRequestBuilder.conversations(2).build(),
            FreshdeskResponseBuilder.records([_conversation(21, 2, _at(8))]).build(),
        )

        output = read_streams(_config(), _STREAM)

        assert record_ids(output) == [21]
        assert log_messages(output, Level.WARN) == [
            "Skipping https://acme.freshdesk.com/api/v2/tickets/1/conversations in stream 'conversations': "
            "its parent is gone or not readable."
        ]
        assert stream_statuses(output, _STREAM)[-1] == "COMPLETE"
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_tickets_and_conversations_selected_when_read_then_the_parent_list_is_requested_without_includes(
        self, http_mocker
    ):
        with_includes = FreshdeskRequestBuilder.tickets(_START).build()
        without_includes = FreshdeskRequestBuilder.ticket_ids(_START).build()
        tickets = FreshdeskResponseBuilder.records([_ticket(1, _at(9))]).build()
        http_mocker.get(with_includes, tickets)
        http_mocker.get(without_includes, tickets)
        http_mocker.get(
            FreshdeskRequestBuilder.conversations(1).build(),
            FreshdeskResponseBuilder.records([_conversation(11, 1, _at(9))]).build(),
        )

        output = read_streams(_config(), "tickets", _STREAM)

        assert record_ids(output, "tickets") == [1]
        assert record_ids(output, _STREAM) == [11]
        http_mocker.assert_number_of_calls(with_includes, 1)
        http_mocker.assert_number_of_calls(without_includes, 1)


def _parent_checkpoints(output) -> List[str]:
    """The parent tickets `updated_at` of each conversations STATE message, in the order emitted."""
    return [
        message.state.stream.stream_state.parent_state["tickets"]["updated_at"]
        for message in output.state_messages
        if message.state.stream.stream_descriptor.name == _STREAM
    ]


@contextmanager
def ticket_reads_end_at(*moments: float) -> Iterator[None]:
    """The clock the conversations' cadence reads: the n-th ticket's conversations are done at `moments[n]`,
    and the CDK's cursor stamps a state emitted after it with that same moment."""
    now = [0.0]
    left: List[float] = list(moments)

    def read_done() -> float:
        now[0] = left.pop(0)
        return now[0]

    class CursorTime:
        def __getattr__(self, name: str) -> Any:
            return getattr(concurrent_partition_cursor.time, name)

        @staticmethod
        def time() -> float:
            return now[0]

    real_time = concurrent_partition_cursor.time
    with patch.object(components, "_clock", read_done), patch.object(concurrent_partition_cursor, "time", CursorTime()):
        CursorTime.__getattr__ = lambda self, name: getattr(real_time, name)  # type: ignore[method-assign]
        yield


class TestConversationsCheckpoints(TestCase):
    """Contract: the conversations state moves with each ticket whose conversations are read, not with each
    monthly window of the parent list, and is emitted at most once a minute (the CDK's own cadence for a
    stream with a parent is once every ten minutes), plus once at the end. One worker, so the tickets'
    conversations are read in the order the parent lists them; the clock is `ticket_reads_end_at`'s.
    """

    def _mock_three_tickets(self, http_mocker: HttpMocker) -> None:
        http_mocker.get(
            FreshdeskRequestBuilder.ticket_ids(_START).build(),
            FreshdeskResponseBuilder.records([_ticket(1, _at(9)), _ticket(2, _at(8)), _ticket(3, _at(7))]).build(),
        )
        for ticket_id in (1, 2, 3):
            http_mocker.get(
                FreshdeskRequestBuilder.conversations(ticket_id).build(),
                FreshdeskResponseBuilder.records([_conversation(ticket_id * 10, ticket_id, _at(7))]).build(),
            )

    @HttpMocker()
    def test_given_a_minute_between_tickets_when_read_then_a_state_is_emitted_after_each_ticket(self, http_mocker):
        self._mock_three_tickets(http_mocker)

        with ticket_reads_end_at(1000.0, 1060.0, 1120.0):
            output = read_streams(ConfigBuilder().with_start_date(_START_DAY).with_field("num_workers", 1).build(), _STREAM)

        assert record_ids(output) == [10, 20, 30]
        assert _parent_checkpoints(output) == [_at(9), _at(8), _at(7), _at(7)]

    @HttpMocker()
    def test_given_less_than_a_minute_since_the_last_state_when_a_ticket_is_read_then_no_state_is_emitted(
        self, http_mocker
    ):
        self._mock_three_tickets(http_mocker)

        with ticket_reads_end_at(1000.0, 1059.0, 1060.0):
            output = read_streams(ConfigBuilder().with_start_date(_START_DAY).with_field("num_workers", 1).build(), _STREAM)

        assert record_ids(output) == [10, 20, 30]
        assert _parent_checkpoints(output) == [_at(9), _at(7), _at(7)]

    @HttpMocker()
    def test_given_a_checkpoint_inside_a_window_when_read_from_it_then_the_parent_list_resumes_at_that_ticket(
        self, http_mocker
    ):
        # The state a sync killed after ticket 2 left: ticket 2 is inside the parent's window, not at its end.
        killed = {"use_global_cursor": True, "state": {}, "lookback_window": 0, "parent_state": {"tickets": {"updated_at": _at(8)}}}
        http_mocker.get(
            FreshdeskRequestBuilder.ticket_ids(updated_since=_at(8)).build(),
            FreshdeskResponseBuilder.records([_ticket(2, _at(8)), _ticket(3, _at(7))]).build(),
        )
        for ticket_id in (2, 3):
            http_mocker.get(
                FreshdeskRequestBuilder.conversations(ticket_id).build(),
                FreshdeskResponseBuilder.records([_conversation(ticket_id * 10, ticket_id, _at(7))]).build(),
            )

        with ticket_reads_end_at(1000.0, 1000.0):
            output = read_streams(
                ConfigBuilder().with_start_date(_START_DAY).with_field("num_workers", 1).build(),
                _STREAM,
                stream_state=state(_STREAM, killed),
            )

        # Ticket 2 shares the checkpoint's second, so its conversations come out again: none is skipped.
        assert record_ids(output) == [20, 30]
        assert _parent_checkpoints(output) == [_at(8), _at(7)]


class TestTheOnePrivateCdkName(TestCase):
    """Contract: FreshdeskCheckpointCadence reads and clears the CDK cursor's `_last_emission_time`, the only
    private name of airbyte-cdk this connector uses. A CDK release that renames it must fail here, by name,
    not only as a slower checkpoint cadence."""

    def test_given_the_pinned_cdk_when_conversations_are_built_then_their_cursor_has_the_attribute(self):
        source = manifest_source(config=_config())
        (conversations,) = [stream for stream in source.streams(_config()) if stream.name == _STREAM]
        assert hasattr(conversations.cursor, components._CDK_LAST_EMISSION), (
            f"airbyte-cdk's ConcurrentPerPartitionCursor no longer has `{components._CDK_LAST_EMISSION}`: "
            "FreshdeskCheckpointCadence cannot shorten its ten-minute state throttle. Find the attribute that "
            "holds the time of the last state emitted in airbyte_cdk/sources/declarative/incremental/"
            "concurrent_partition_cursor.py and update _CDK_LAST_EMISSION."
        )
        assert isinstance(getattr(conversations.cursor, components._CDK_LAST_EMISSION), float)


class _CursorStandIn:
    """What FreshdeskCheckpointCadence uses of the CDK cursor: the time of last emission, and `state`."""

    def __init__(self, state: Dict[str, Any]) -> None:
        self._last_emission_time = 1000.0
        self.state = state


class _NoRecords:
    def read_records(self, records_schema: Any, stream_slice: Any = None) -> Iterator[Any]:
        return iter(())


class TestFirstCheckpointNotLost:
    """Contract: a close that found no parent state yet (a later ticket closed while the first was still
    being read: the CDK then skips the state but notes the time) does not hold the first state back for a
    minute: the next ticket read clears the time of last emission. Once a parent state exists, the minute
    between states holds again."""

    @pytest.mark.parametrize(
        "state, last_emission",
        [
            ({"use_global_cursor": True}, 0.0),
            ({"use_global_cursor": True, "parent_state": {"tickets": {"updated_at": _at(9)}}}, 1000.0),
        ],
    )
    def test_given_a_recent_emission_when_a_ticket_is_read_then_it_is_cleared_only_without_a_parent_state(
        self, monkeypatch, state, last_emission
    ):
        monkeypatch.setattr(components, "_clock", lambda: 1010.0)
        cursor = _CursorStandIn(state)
        cadence = components.FreshdeskCheckpointCadence(
            retriever=_NoRecords(), cursor=cursor, config=_config(), parameters={"name": _STREAM}
        )

        assert list(cadence.read_records({}, None)) == []

        assert cursor._last_emission_time == last_emission
