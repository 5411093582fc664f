"""Mock-server tests of the tickets stream."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Dict, List
from unittest import TestCase

import requests_mock
from airbyte_cdk.models import FailureType, Level
from airbyte_cdk.test.mock_http import HttpMocker

from config_builder import ConfigBuilder
from dates import NOW, day, days_ago, iso, year_start
from request_builder import DEFAULT_START, FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, a_record, error_response, fixture
from source_runner import error_messages, final_state, log_messages, read_streams, record_ids, state, stream_statuses

_STREAM = "tickets"
_OTHER_LISTS = ("deleted", "spam")
_PAGE_SIZE = 100


def _ticket(ticket_id: int, updated_at: str, **fields: Any) -> Dict[str, Any]:
    return a_record("tickets", id=ticket_id, updated_at=updated_at, **fields)


def _slim_ticket(ticket_id: int, updated_at: str) -> Dict[str, Any]:
    """Enough of a ticket for the 30,000-record tests; the full fixture would only slow them down."""
    return {
        "id": ticket_id,
        "subject": f"Ticket {ticket_id}",
        "status": 2,
        "created_at": updated_at,
        "updated_at": updated_at,
    }


def _full_page(first_id: int, first_update: datetime, count: int = _PAGE_SIZE) -> List[Dict[str, Any]]:
    """`count` tickets (a page with a next link is always full), ids from `first_id`, a minute apart."""
    return [_ticket(first_id + n, iso(first_update + timedelta(minutes=n))) for n in range(count)]


def _mock_empty_lists(http_mocker: HttpMocker, updated_since: str, lists=_OTHER_LISTS) -> None:
    for ticket_list in lists:
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(updated_since, ticket_list).build(),
            FreshdeskResponseBuilder.empty_list().build(),
        )


def _state(default: str, deleted: str, spam: str) -> Dict[str, Any]:
    """The tickets state: one cursor per list, and the greatest of them (without the CDK's lookback_window,
    which is the sync's duration in whole seconds)."""
    return {
        "use_global_cursor": False,
        "states": [
            {"partition": {"list": "default"}, "cursor": {"updated_at": default}},
            {"partition": {"list": "deleted"}, "cursor": {"updated_at": deleted}},
            {"partition": {"list": "spam"}, "cursor": {"updated_at": spam}},
        ],
        "state": {"updated_at": max(default, deleted, spam)},
    }


def _without_lookback(stream_state: Dict[str, Any]) -> Dict[str, Any]:
    return {key: value for key, value in stream_state.items() if key != "lookback_window"}


def _default_list_cursor(output) -> str:
    [default] = [entry for entry in final_state(output, _STREAM)["states"] if entry["partition"] == {"list": "default"}]
    return default["cursor"]["updated_at"]


class TestTicketsFirstSync(TestCase):
    """GET /api/v2/tickets?updated_since=<window start>&order_by=updated_at&order_type=asc
    &include=requester,stats,description&per_page=100, three times per window: the default list, then
    `filter=deleted` and `filter=spam` (which the default list leaves out).

    Contract: `updated_since` is always sent (without it Freshdesk returns only the last 30 days' tickets),
    from `start_date` (a day means its midnight UTC) or else 2010-01-01T00:00:00Z, in windows of one year
    up to now; pages follow the `link: <...>; rel="next"` header until it is absent; each ticket comes out
    once; the state keeps one cursor per list, the greatest updated_at read in it.
    """

    @HttpMocker()
    def test_given_start_date_when_read_then_the_three_lists_are_read_from_its_midnight(self, http_mocker):
        start = day(days_ago(10))
        updated_since = f"{start}T00:00:00Z"
        updated = iso(days_ago(2))
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(updated_since).build(),
            FreshdeskResponseBuilder.records([_ticket(385660, iso(days_ago(5))), _ticket(385661, updated)]).build(),
        )
        _mock_empty_lists(http_mocker, updated_since)

        output = read_streams(ConfigBuilder().with_start_date(start).build(), _STREAM)

        assert record_ids(output) == [385660, 385661]
        assert _without_lookback(final_state(output, _STREAM)) == _state(updated, updated_since, updated_since)
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_fixture_ticket_when_read_then_the_record_comes_out_with_its_requester_and_stats(self, http_mocker):
        start = f"{day(days_ago(10))}T00:00:00Z"
        ticket = {**fixture("tickets")[0], "updated_at": iso(days_ago(1))}
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(start).build(), FreshdeskResponseBuilder.records([ticket]).build()
        )
        _mock_empty_lists(http_mocker, start)

        output = read_streams(ConfigBuilder().with_start_date(start).build(), _STREAM)

        # Nested objects come out whole. (The CDK's message serialiser leaves out top-level null fields, which
        # destinations read as null anyway.)
        assert [message.record.data for message in output.records] == [
            {key: value for key, value in ticket.items() if value is not None}
        ]
        assert output.records[0].record.data["requester"]["mobile"] is None

    def test_given_no_start_date_when_read_then_every_list_is_read_in_yearly_windows_from_2010(self):
        requested: List[str] = []

        def answer(request, context):
            requested.append(request.qs.get("filter", ["default"])[0] + " " + request.qs["updated_since"][0].upper())
            return []

        # HttpMocker would need one mock per window; requests-mock answers them all and records them.
        with requests_mock.Mocker() as mocker:
            mocker.get("https://acme.freshdesk.com/api/v2/tickets", json=answer)

            output = read_streams(ConfigBuilder().build(), _STREAM)

        years = [f"{year}-01-01T00:00:00Z" for year in range(2010, NOW.year + 1)]
        assert years[0] == DEFAULT_START
        expected = sorted(f"{ticket_list} {start}" for ticket_list in ("default", "deleted", "spam") for start in years)
        assert sorted(requested) == expected
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_link_header_when_read_then_next_pages_are_read_until_the_header_is_absent(self, http_mocker):
        start = f"{day(days_ago(10))}T00:00:00Z"
        page_2 = FreshdeskRequestBuilder.tickets(start).with_page(2)
        page_3 = FreshdeskRequestBuilder.tickets(start).with_page(3)
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(start).build(),
            FreshdeskResponseBuilder.records(_full_page(1, days_ago(9))).with_next_page(page_2).build(),
        )
        http_mocker.get(
            page_2.build(),
            FreshdeskResponseBuilder.records(_full_page(101, days_ago(8))).with_next_page(page_3).build(),
        )
        http_mocker.get(page_3.build(), FreshdeskResponseBuilder.records([_ticket(201, iso(days_ago(6)))]).build())
        _mock_empty_lists(http_mocker, start)

        output = read_streams(ConfigBuilder().with_start_date(start).build(), _STREAM)

        assert record_ids(output) == list(range(1, 202))
        assert _default_list_cursor(output) == iso(days_ago(6))

    @HttpMocker()
    def test_given_link_carrying_only_the_page_when_next_page_read_then_filter_sort_and_includes_are_sent_again(
        self, http_mocker
    ):
        # The next URL is used as the request path; the CDK adds back every parameter the URL lacks.
        start = f"{day(days_ago(10))}T00:00:00Z"
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(start).build(),
            FreshdeskResponseBuilder.records(_full_page(1, days_ago(9)))
            .with_link("https://acme.freshdesk.com/api/v2/tickets?page=2")
            .build(),
        )
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(start).with_page(2).build(),
            FreshdeskResponseBuilder.records([_ticket(101, iso(days_ago(8)))]).build(),
        )
        _mock_empty_lists(http_mocker, start)

        output = read_streams(ConfigBuilder().with_start_date(start).build(), _STREAM)

        assert record_ids(output) == list(range(1, 102))

    @HttpMocker()
    def test_given_deleted_and_spam_tickets_when_read_then_they_come_out_from_their_lists(self, http_mocker):
        start = f"{day(days_ago(10))}T00:00:00Z"
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(start).build(),
            FreshdeskResponseBuilder.records([_ticket(1, iso(days_ago(9)))]).build(),
        )
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(start, "deleted").build(),
            FreshdeskResponseBuilder.records([_ticket(2, iso(days_ago(8)), deleted=True)]).build(),
        )
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(start, "spam").build(),
            FreshdeskResponseBuilder.records([_ticket(3, iso(days_ago(7)), spam=True)]).build(),
        )

        output = read_streams(ConfigBuilder().with_start_date(start).build(), _STREAM)

        by_id = {message.record.data["id"]: message.record.data for message in output.records}
        assert sorted(by_id) == [1, 2, 3]
        assert (by_id[2]["deleted"], by_id[3]["spam"]) == (True, True)
        assert _without_lookback(final_state(output, _STREAM)) == _state(
            iso(days_ago(9)), iso(days_ago(8)), iso(days_ago(7))
        )


class TestTicketsYearlyWindows(TestCase):
    """Contract of the windows: one year each, from the start to now, each read from its own start.
    Freshdesk has no `updated_before`, so a window's pages run on into the next window: a window keeps only
    its own tickets and stops at the first page that holds a ticket past its end (a page with a next link
    is always full, so one with fewer tickets of the window is that page); the tickets past the end come
    out once, from their own window."""

    @HttpMocker()
    def test_given_start_last_year_when_read_then_each_year_is_requested_from_its_first_second(self, http_mocker):
        last_year, this_year = year_start(NOW, 1), year_start(NOW)
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(iso(last_year)).build(),
            FreshdeskResponseBuilder.records([_ticket(1, iso(last_year + timedelta(days=2)))]).build(),
        )
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(iso(this_year)).build(),
            FreshdeskResponseBuilder.records([_ticket(2, iso(this_year + timedelta(seconds=1)))]).build(),
        )
        for window_start in (last_year, this_year):
            _mock_empty_lists(http_mocker, iso(window_start))

        output = read_streams(ConfigBuilder().with_start_date(day(last_year)).build(), _STREAM)

        assert sorted(record_ids(output)) == [1, 2]
        assert _without_lookback(final_state(output, _STREAM)) == _state(
            iso(this_year + timedelta(seconds=1)), iso(last_year), iso(last_year)
        )

    @HttpMocker()
    def test_given_a_page_reaching_past_the_window_end_when_read_then_paging_stops_and_each_ticket_comes_out_once(
        self, http_mocker
    ):
        last_year, this_year = year_start(NOW, 1), year_start(NOW)
        in_last_year = _full_page(1, this_year - timedelta(minutes=99), count=99)  # up to 23:59 on December 31st
        in_this_year = _ticket(100, iso(this_year + timedelta(seconds=1)))
        # Freshdesk answers the first window with every ticket updated since its start; its page 2 exists, but
        # no mock answers it: requesting it would fail the sync.
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(iso(last_year)).build(),
            FreshdeskResponseBuilder.records(in_last_year + [in_this_year])
            .with_next_page(FreshdeskRequestBuilder.tickets(iso(last_year)).with_page(2))
            .build(),
        )
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(iso(this_year)).build(),
            FreshdeskResponseBuilder.records([in_this_year]).build(),
        )
        for window_start in (last_year, this_year):
            _mock_empty_lists(http_mocker, iso(window_start))

        output = read_streams(ConfigBuilder().with_start_date(day(last_year)).build(), _STREAM)

        assert sorted(record_ids(output)) == list(range(1, 101))
        assert _default_list_cursor(output) == iso(this_year + timedelta(seconds=1))
        assert error_messages(output) == []


class TestTicketsIncremental(TestCase):
    """Contract of a sync from a state: each list is requested from its own cursor (inclusive: tickets
    sharing that second come out again rather than never); the state moves to the greatest updated_at of
    each list; a state of the single-cursor form ({"updated_at": T}, as earlier versions and Airbyte's
    official connector wrote it) starts every list from T; start_date wins over an older state."""

    @HttpMocker()
    def test_given_per_list_state_when_read_then_each_list_starts_from_its_own_cursor(self, http_mocker):
        default, deleted, spam = iso(days_ago(3)), iso(days_ago(4)), iso(days_ago(5))
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(default).build(),
            FreshdeskResponseBuilder.records([_ticket(5, default), _ticket(6, iso(days_ago(1)))]).build(),
        )
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(deleted, "deleted").build(), FreshdeskResponseBuilder.empty_list().build()
        )
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(spam, "spam").build(), FreshdeskResponseBuilder.empty_list().build()
        )

        output = read_streams(
            ConfigBuilder().with_start_date(day(days_ago(20))).build(),
            _STREAM,
            stream_state=state(_STREAM, {**_state(default, deleted, spam), "lookback_window": 0}),
        )

        assert record_ids(output) == [5, 6]
        assert _without_lookback(final_state(output, _STREAM)) == _state(iso(days_ago(1)), deleted, spam)

    @HttpMocker()
    def test_given_single_cursor_state_when_read_then_every_list_starts_from_it(self, http_mocker):
        cursor = iso(days_ago(3))
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(cursor).build(),
            FreshdeskResponseBuilder.records([_ticket(7, iso(days_ago(2)))]).build(),
        )
        _mock_empty_lists(http_mocker, cursor)

        output = read_streams(
            ConfigBuilder().with_start_date(day(days_ago(20))).build(),
            _STREAM,
            stream_state=state(_STREAM, {"updated_at": cursor}),
        )

        assert record_ids(output) == [7]
        assert _without_lookback(final_state(output, _STREAM)) == _state(iso(days_ago(2)), cursor, cursor)

    @HttpMocker()
    def test_given_state_older_than_start_date_when_read_then_start_date_wins(self, http_mocker):
        start = f"{day(days_ago(10))}T00:00:00Z"
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(start).build(),
            FreshdeskResponseBuilder.records([_ticket(8, iso(days_ago(2)))]).build(),
        )
        _mock_empty_lists(http_mocker, start)

        output = read_streams(
            ConfigBuilder().with_start_date(start).build(),
            _STREAM,
            stream_state=state(_STREAM, {"updated_at": "2023-01-01T00:00:00Z"}),
        )

        assert record_ids(output) == [8]


class TestTicketsThreeHundredPageCap(TestCase):
    """Freshdesk lists at most 300 pages of tickets (30,000 at 100 per page); page 301 answers 400
    "You cannot access tickets beyond the 300th page".

    Contract: on that 400 the retriever starts again at page 1 with updated_since = the last updated_at it
    read (inclusive, so tickets sharing that second come out twice rather than never), whichever page it
    comes on. Nothing is skipped and the sync succeeds. Only the cap reached again without progress (30,000
    tickets updated within one second) fails the sync, without moving the state.
    """

    @HttpMocker()
    def test_given_300_full_pages_when_page_301_answers_the_cap_then_reads_again_from_page_1_with_the_last_updated_at(
        self, http_mocker
    ):
        start_moment = days_ago(10)
        start = iso(start_moment)
        stamp = lambda n: iso(start_moment + timedelta(seconds=n))  # noqa: E731
        for number in range(1, 301):
            request = FreshdeskRequestBuilder.tickets(start)
            if number > 1:
                request = request.with_page(number)
            records = [_slim_ticket(n, stamp(n)) for n in range((number - 1) * 100 + 1, number * 100 + 1)]
            response = FreshdeskResponseBuilder.records(records).with_next_page(
                FreshdeskRequestBuilder.tickets(start).with_page(number + 1)
            )
            http_mocker.get(request.build(), response.build())
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(start).with_page(301).build(), error_response(400, "error_400_page_cap")
        )
        restart = FreshdeskRequestBuilder.tickets(stamp(30000)).build()
        http_mocker.get(
            restart,
            FreshdeskResponseBuilder.records(
                [_slim_ticket(30000, stamp(30000)), _slim_ticket(30001, stamp(30001))]
            ).build(),
        )
        _mock_empty_lists(http_mocker, start)

        output = read_streams(ConfigBuilder().with_start_date(start).build(), _STREAM)

        emitted = record_ids(output)
        assert len(emitted) == 30002
        assert emitted[-3:] == [30000, 30000, 30001]
        assert sorted(set(emitted)) == list(range(1, 30002))
        http_mocker.assert_number_of_calls(restart, 1)
        assert _default_list_cursor(output) == stamp(30001)
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_page_cap_400_on_page_2_when_read_then_reads_again_from_page_1_with_the_last_updated_at(
        self, http_mocker
    ):
        start = iso(days_ago(10))
        page_1 = _full_page(1, days_ago(9))
        last_seen = page_1[-1]["updated_at"]
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(start).build(),
            FreshdeskResponseBuilder.records(page_1)
            .with_next_page(FreshdeskRequestBuilder.tickets(start).with_page(2))
            .build(),
        )
        http_mocker.get(
            FreshdeskRequestBuilder.tickets(start).with_page(2).build(), error_response(400, "error_400_page_cap")
        )
        restart = FreshdeskRequestBuilder.tickets(last_seen).build()
        http_mocker.get(restart, FreshdeskResponseBuilder.records([page_1[-1], _ticket(101, iso(days_ago(7)))]).build())
        _mock_empty_lists(http_mocker, start)

        output = read_streams(ConfigBuilder().with_start_date(start).build(), _STREAM)

        assert record_ids(output) == list(range(1, 101)) + [100, 101]
        http_mocker.assert_number_of_calls(restart, 1)
        assert _default_list_cursor(output) == iso(days_ago(7))
        assert error_messages(output) == []
        assert log_messages(output, Level.ERROR) == []

    @HttpMocker()
    def test_given_page_cap_reached_again_without_progress_when_read_then_sync_fails_and_state_stays(self, http_mocker):
        start, stuck = iso(days_ago(10)), iso(days_ago(9))
        same_second = [_ticket(n, stuck) for n in range(1, 101)]
        for updated_since in (start, stuck):
            http_mocker.get(
                FreshdeskRequestBuilder.tickets(updated_since).build(),
                FreshdeskResponseBuilder.records(same_second)
                .with_next_page(FreshdeskRequestBuilder.tickets(updated_since).with_page(2))
                .build(),
            )
            http_mocker.get(
                FreshdeskRequestBuilder.tickets(updated_since).with_page(2).build(),
                error_response(400, "error_400_page_cap"),
            )
        _mock_empty_lists(http_mocker, start)

        output = read_streams(ConfigBuilder().with_start_date(start).build(), _STREAM, expect_failure=True)

        assert record_ids(output) == list(range(1, 101)) * 2
        assert output.errors[0].trace.error.internal_message == (
            "There were 1 attempts with the same slice already while the max allowed is 1"
        )
        assert output.errors[0].trace.error.failure_type == FailureType.system_error
        assert stream_statuses(output, _STREAM)[-1] == "INCOMPLETE"
        assert _default_list_cursor(output) == start
