"""Mock-server tests of the tickets stream, and plain unit tests of its pagination strategy."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Dict, Iterator, List, Optional
from unittest import TestCase
from unittest.mock import patch

import pytest
import requests
import requests_mock
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.types import Record
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.utils import AirbyteTracedException

from config_builder import ConfigBuilder
from dates import NOW, day, days_ago, iso, month_start
from request_builder import DEFAULT_START, FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, a_record, error_response, fixture
from source_freshdesk.components import FreshdeskListPages
from source_runner import error_messages, final_state, queries_sent, read_streams, record_ids, state, stream_statuses

_STREAM = "tickets"
_LISTS = ("default", "deleted", "spam")
_PAGE_SIZE = 100
_PAGE_CAP = 300  # the manifest's `page_cap`: Freshdesk answers 400 for page 301


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


def _page(updated_since: str, ticket_list: str = "default", page: int = 1) -> FreshdeskRequestBuilder:
    """Page `page` of one tickets list; page 1 carries no `page` parameter."""
    request = FreshdeskRequestBuilder.tickets(updated_since, ticket_list)
    return request.with_page(page) if page > 1 else request


def _mock_empty_lists(http_mocker: HttpMocker, updated_since: str, lists=_LISTS[1:]) -> None:
    for ticket_list in lists:
        http_mocker.get(_page(updated_since, ticket_list).build(), FreshdeskResponseBuilder.empty_list().build())


def _each_list_once(updated_since: str) -> List[Dict[str, str]]:
    """The queries of one window without a next page: the default list, then deleted, then spam."""
    return [_page(updated_since, ticket_list).query for ticket_list in _LISTS]


def _sent_in_window(sent: List[Dict[str, str]], window_start: str) -> List[Dict[str, str]]:
    """The requests of one window, in order (windows are read in parallel, the lists of one in turn)."""
    return [query for query in sent if query["updated_since"] == window_start]


@contextmanager
def _page_cap(pages: int) -> Iterator[None]:
    """Lowers the manifest's page cap (300) for the tests whose point is what happens at the cap, not its size."""
    build = FreshdeskListPages.__init__

    def build_with_cap(strategy: FreshdeskListPages, *args: Any, **kwargs: Any) -> None:
        build(strategy, *args, **kwargs)
        strategy.page_cap = pages

    with patch.object(FreshdeskListPages, "__init__", build_with_cap):
        yield


def _per_list_state(**cursors: str) -> Dict[str, Any]:
    """The state versions 0.1.x wrote: one cursor per list (partition), their greatest, and the CDK's
    lookback_window."""
    return {
        "use_global_cursor": False,
        "states": [
            {"partition": {"list": ticket_list}, "cursor": {"updated_at": cursor}}
            for ticket_list, cursor in cursors.items()
        ],
        "state": {"updated_at": max(cursors.values())},
        "lookback_window": 12,
    }


class TestTicketsFirstSync(TestCase):
    """GET /api/v2/tickets?updated_since=<window start>&order_by=updated_at&order_type=asc
    &include=requester,stats,description&per_page=100, three times per window, one list after the other:
    the default list, then `filter=deleted` and `filter=spam` (which the default list leaves out).

    Contract: `updated_since` is always sent (without it Freshdesk returns only the last 30 days' tickets),
    from `start_date` (a day means its midnight UTC) or else 2010-01-01T00:00:00Z, in windows of one month
    up to now; a list goes on to its next page while the `link` header has rel="next", page 2 and later
    carrying `page=<n>` (page 1 none; the link's URL itself is not used); each ticket comes out once; the
    state is one cursor, the newest updated_at read in any of the lists.
    """

    @HttpMocker()
    def test_given_start_date_when_read_then_default_then_deleted_then_spam_are_read_from_its_midnight(
        self, http_mocker
    ):
        start = day(days_ago(10))
        updated_since = f"{start}T00:00:00Z"
        updated = iso(days_ago(2))
        http_mocker.get(
            _page(updated_since).build(),
            FreshdeskResponseBuilder.records([_ticket(385660, iso(days_ago(5))), _ticket(385661, updated)]).build(),
        )
        _mock_empty_lists(http_mocker, updated_since)

        output = read_streams(ConfigBuilder().with_start_date(start).build(), _STREAM)

        assert queries_sent(http_mocker, "/api/v2/tickets") == _each_list_once(updated_since)
        assert record_ids(output) == [385660, 385661]
        assert final_state(output, _STREAM) == {"updated_at": updated}
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_fixture_ticket_when_read_then_the_record_comes_out_with_its_requester_and_stats(self, http_mocker):
        start = f"{day(days_ago(10))}T00:00:00Z"
        ticket = {**fixture("tickets")[0], "updated_at": iso(days_ago(1))}
        http_mocker.get(_page(start).build(), FreshdeskResponseBuilder.records([ticket]).build())
        _mock_empty_lists(http_mocker, start)

        output = read_streams(ConfigBuilder().with_start_date(start).build(), _STREAM)

        # Nested objects come out whole. (The CDK's message serialiser leaves out top-level null fields, which
        # destinations read as null anyway.)
        assert [message.record.data for message in output.records] == [
            {key: value for key, value in ticket.items() if value is not None}
        ]
        assert output.records[0].record.data["requester"]["mobile"] is None

    def test_given_no_start_date_when_read_then_every_list_is_read_in_monthly_windows_from_2010(self):
        requested: List[str] = []

        def answer(request, context):
            requested.append(request.qs.get("filter", ["default"])[0] + " " + request.qs["updated_since"][0].upper())
            return []

        # HttpMocker would need one mock per window; requests-mock answers them all and records them.
        with requests_mock.Mocker() as mocker:
            mocker.get("https://acme.freshdesk.com/api/v2/tickets", json=answer)

            output = read_streams(ConfigBuilder().build(), _STREAM)

        months = [iso(month_start(NOW, back)) for back in range((NOW.year - 2010) * 12 + NOW.month - 1, -1, -1)]
        assert months[0] == DEFAULT_START
        assert months[-1] == iso(month_start(NOW))
        expected = sorted(f"{ticket_list} {start}" for ticket_list in _LISTS for start in months)
        assert sorted(requested) == expected
        assert final_state(output, _STREAM) == {"updated_at": DEFAULT_START}
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_link_header_when_read_then_pages_2_and_3_are_read_with_page_until_the_header_is_absent(
        self, http_mocker
    ):
        start = f"{day(days_ago(10))}T00:00:00Z"
        http_mocker.get(
            _page(start).build(),
            FreshdeskResponseBuilder.records(_full_page(1, days_ago(9))).with_next_page(_page(start, page=2)).build(),
        )
        http_mocker.get(
            _page(start, page=2).build(),
            FreshdeskResponseBuilder.records(_full_page(101, days_ago(8))).with_next_page(_page(start, page=3)).build(),
        )
        http_mocker.get(
            _page(start, page=3).build(), FreshdeskResponseBuilder.records([_ticket(201, iso(days_ago(6)))]).build()
        )
        _mock_empty_lists(http_mocker, start)

        output = read_streams(ConfigBuilder().with_start_date(start).build(), _STREAM)

        assert queries_sent(http_mocker, "/api/v2/tickets") == [
            _page(start).query,
            _page(start, page=2).query,
            _page(start, page=3).query,
            _page(start, "deleted").query,
            _page(start, "spam").query,
        ]
        assert record_ids(output) == list(range(1, 202))
        assert final_state(output, _STREAM) == {"updated_at": iso(days_ago(6))}

    @HttpMocker()
    def test_given_link_carrying_only_the_page_when_next_page_read_then_filter_sort_and_includes_are_sent_again(
        self, http_mocker
    ):
        # The link only says that a next page exists: the request is built from the list and the page number.
        start = f"{day(days_ago(10))}T00:00:00Z"
        http_mocker.get(_page(start).build(), FreshdeskResponseBuilder.empty_list().build())
        http_mocker.get(
            _page(start, "deleted").build(),
            FreshdeskResponseBuilder.records(_full_page(1, days_ago(9)))
            .with_link("https://acme.freshdesk.com/api/v2/tickets?page=2")
            .build(),
        )
        http_mocker.get(
            _page(start, "deleted", page=2).build(),
            FreshdeskResponseBuilder.records([_ticket(101, iso(days_ago(8)))]).build(),
        )
        http_mocker.get(_page(start, "spam").build(), FreshdeskResponseBuilder.empty_list().build())

        output = read_streams(ConfigBuilder().with_start_date(start).build(), _STREAM)

        assert queries_sent(http_mocker, "/api/v2/tickets") == [
            _page(start).query,
            _page(start, "deleted").query,
            _page(start, "deleted", page=2).query,
            _page(start, "spam").query,
        ]
        assert record_ids(output) == list(range(1, 102))

    @HttpMocker()
    def test_given_deleted_and_spam_tickets_when_read_then_they_come_out_and_the_state_is_the_newest_of_any_list(
        self, http_mocker
    ):
        start = f"{day(days_ago(10))}T00:00:00Z"
        http_mocker.get(_page(start).build(), FreshdeskResponseBuilder.records([_ticket(1, iso(days_ago(7)))]).build())
        http_mocker.get(
            _page(start, "deleted").build(),
            FreshdeskResponseBuilder.records([_ticket(2, iso(days_ago(2)), deleted=True)]).build(),
        )
        http_mocker.get(
            _page(start, "spam").build(),
            FreshdeskResponseBuilder.records([_ticket(3, iso(days_ago(8)), spam=True)]).build(),
        )

        output = read_streams(ConfigBuilder().with_start_date(start).build(), _STREAM)

        by_id = {message.record.data["id"]: message.record.data for message in output.records}
        assert record_ids(output) == [1, 2, 3]
        assert (by_id[1]["spam"], by_id[2]["deleted"], by_id[3]["spam"]) == (False, True, True)
        assert final_state(output, _STREAM) == {"updated_at": iso(days_ago(2))}


class TestTicketsMonthlyWindows(TestCase):
    """Contract of the windows: one month each (step P1M, the next starting one second after the last ends),
    from the start to now, each list read from the window's start. Freshdesk has no `updated_before`, so a
    window's pages run on into the next window: a window keeps only its own tickets, and a list stops at the
    first page that held a ticket past the window's end (a page with a next link is always full, so one with
    fewer tickets of the window is that page), even with a next link; the tickets past the end come out
    once, from their own window."""

    @HttpMocker()
    def test_given_start_two_months_back_when_read_then_three_windows_read_default_deleted_spam_from_their_starts(
        self, http_mocker
    ):
        windows = [month_start(NOW, 2), month_start(NOW, 1), month_start(NOW)]
        for ticket_id, window_start in enumerate(windows, start=1):
            http_mocker.get(
                _page(iso(window_start)).build(),
                FreshdeskResponseBuilder.records([_ticket(ticket_id, iso(window_start))]).build(),
            )
            _mock_empty_lists(http_mocker, iso(window_start))

        output = read_streams(ConfigBuilder().with_start_date(day(windows[0])).build(), _STREAM)

        sent = queries_sent(http_mocker, "/api/v2/tickets")
        assert len(sent) == 9
        for window_start in windows:
            assert _sent_in_window(sent, iso(window_start)) == _each_list_once(iso(window_start))
        assert sorted(record_ids(output)) == [1, 2, 3]
        assert final_state(output, _STREAM) == {"updated_at": iso(windows[2])}

    @HttpMocker()
    def test_given_a_page_reaching_past_the_window_end_when_read_then_the_list_stops_and_each_ticket_comes_out_once(
        self, http_mocker
    ):
        last_month, this_month = month_start(NOW, 1), month_start(NOW)
        # 99 tickets up to the window's last second (23:59:59 on the month's last day), one in the next window.
        in_last_month = _full_page(1, this_month - timedelta(minutes=98, seconds=1), count=99)
        in_this_month = _ticket(100, iso(this_month))
        # Freshdesk answers the first window with every ticket updated since its start; its page 2 exists, but
        # no mock answers it: requesting it would fail the sync.
        http_mocker.get(
            _page(iso(last_month)).build(),
            FreshdeskResponseBuilder.records(in_last_month + [in_this_month])
            .with_next_page(_page(iso(last_month), page=2))
            .build(),
        )
        http_mocker.get(_page(iso(this_month)).build(), FreshdeskResponseBuilder.records([in_this_month]).build())
        for window_start in (last_month, this_month):
            _mock_empty_lists(http_mocker, iso(window_start))

        output = read_streams(ConfigBuilder().with_start_date(day(last_month)).build(), _STREAM)

        sent = queries_sent(http_mocker, "/api/v2/tickets")
        assert _sent_in_window(sent, iso(last_month)) == _each_list_once(iso(last_month))
        assert _sent_in_window(sent, iso(this_month)) == _each_list_once(iso(this_month))
        assert len(sent) == 6
        assert in_last_month[-1]["updated_at"] == iso(this_month - timedelta(seconds=1))
        assert sorted(record_ids(output)) == list(range(1, 101))
        assert final_state(output, _STREAM) == {"updated_at": iso(this_month)}
        assert error_messages(output) == []


class TestTicketsIncremental(TestCase):
    """Contract of a sync from a state: every list is requested from the one cursor (inclusive: tickets
    sharing that second come out again rather than never), and the state moves to the newest updated_at of
    any list. The state of Airbyte's official connector ({"updated_at": T}) is this connector's own. The
    per-list state of versions 0.1.x ({"states": [{"partition": {"list": ...}, "cursor": ...}, ...]}) becomes
    the oldest of its three cursors, so no list skips a ticket; one that lacks a list is dropped (read from
    start_date). start_date wins over an older state."""

    @HttpMocker()
    def test_given_single_cursor_state_of_the_official_connector_when_read_then_every_list_starts_from_it(
        self, http_mocker
    ):
        cursor = iso(days_ago(3))
        http_mocker.get(_page(cursor).build(), FreshdeskResponseBuilder.records([_ticket(7, iso(days_ago(2)))]).build())
        _mock_empty_lists(http_mocker, cursor)

        output = read_streams(
            ConfigBuilder().with_start_date(day(days_ago(20))).build(),
            _STREAM,
            stream_state=state(_STREAM, {"updated_at": cursor}),
        )

        assert queries_sent(http_mocker, "/api/v2/tickets") == _each_list_once(cursor)
        assert record_ids(output) == [7]
        assert final_state(output, _STREAM) == {"updated_at": iso(days_ago(2))}

    @HttpMocker()
    def test_given_per_list_state_of_version_0_1_when_read_then_every_list_starts_from_the_oldest_cursor(
        self, http_mocker
    ):
        default, deleted, spam = iso(days_ago(3)), iso(days_ago(5)), iso(days_ago(4))
        http_mocker.get(
            _page(deleted).build(),
            FreshdeskResponseBuilder.records([_ticket(5, default), _ticket(6, iso(days_ago(1)))]).build(),
        )
        http_mocker.get(
            _page(deleted, "deleted").build(),
            FreshdeskResponseBuilder.records([_ticket(8, deleted, deleted=True)]).build(),
        )
        http_mocker.get(_page(deleted, "spam").build(), FreshdeskResponseBuilder.empty_list().build())

        output = read_streams(
            ConfigBuilder().with_start_date(day(days_ago(20))).build(),
            _STREAM,
            stream_state=state(_STREAM, _per_list_state(default=default, deleted=deleted, spam=spam)),
        )

        assert queries_sent(http_mocker, "/api/v2/tickets") == _each_list_once(deleted)
        assert record_ids(output) == [5, 6, 8]
        assert final_state(output, _STREAM) == {"updated_at": iso(days_ago(1))}

    @HttpMocker()
    def test_given_per_list_state_without_the_spam_list_when_read_then_it_is_dropped_and_start_date_is_used(
        self, http_mocker
    ):
        start = day(days_ago(20))
        updated_since = f"{start}T00:00:00Z"
        http_mocker.get(
            _page(updated_since).build(), FreshdeskResponseBuilder.records([_ticket(9, iso(days_ago(15)))]).build()
        )
        _mock_empty_lists(http_mocker, updated_since)

        output = read_streams(
            ConfigBuilder().with_start_date(start).build(),
            _STREAM,
            stream_state=state(_STREAM, _per_list_state(default=iso(days_ago(3)), deleted=iso(days_ago(4)))),
        )

        assert queries_sent(http_mocker, "/api/v2/tickets") == _each_list_once(updated_since)
        assert record_ids(output) == [9]
        assert final_state(output, _STREAM) == {"updated_at": iso(days_ago(15))}

    @HttpMocker()
    def test_given_state_older_than_start_date_when_read_then_start_date_wins(self, http_mocker):
        start = f"{day(days_ago(10))}T00:00:00Z"
        http_mocker.get(_page(start).build(), FreshdeskResponseBuilder.records([_ticket(8, iso(days_ago(2)))]).build())
        _mock_empty_lists(http_mocker, start)

        output = read_streams(
            ConfigBuilder().with_start_date(start).build(),
            _STREAM,
            stream_state=state(_STREAM, {"updated_at": "2023-01-01T00:00:00Z"}),
        )

        assert queries_sent(http_mocker, "/api/v2/tickets") == _each_list_once(start)
        assert record_ids(output) == [8]


class TestTicketsThreeHundredPageCap(TestCase):
    """Freshdesk lists at most 300 pages of tickets (30,000 at 100 per page); page 301 answers 400
    "You cannot access tickets beyond the 300th page".

    Contract: page 301 is never requested. On page 300 with a next link, the list goes on from page 1 (no
    `page` parameter) with updated_since = the last updated_at read (inclusive, so tickets sharing that
    second come out twice rather than never), then the other lists from the window's start. A restart that
    would not move (more than 30,000 tickets of one list sharing one second) fails the stream with a message
    saying so, without moving the state. Should Freshdesk lower its cap, its 400 fails the stream
    (`bad_request`) with the window unread: no restart from that 400, which would restart the deleted and spam
    lists from the default list's last ticket, past theirs.

    The first test mocks the 300 pages (some 6 seconds); the others lower the cap to 2 pages.
    """

    @HttpMocker()
    def test_given_300_full_pages_with_a_next_link_when_read_then_the_list_goes_on_from_page_1_at_the_last_updated_at(
        self, http_mocker
    ):
        start_moment = days_ago(10)
        start = iso(start_moment)
        stamp = lambda n: iso(start_moment + timedelta(seconds=n))  # noqa: E731
        for number in range(1, _PAGE_CAP + 1):
            records = [_slim_ticket(n, stamp(n)) for n in range((number - 1) * 100 + 1, number * 100 + 1)]
            http_mocker.get(
                _page(start, page=number).build(),
                FreshdeskResponseBuilder.records(records).with_next_page(_page(start, page=number + 1)).build(),
            )
        restart = _page(stamp(30000))
        again_and_next = [_slim_ticket(30000, stamp(30000)), _slim_ticket(30001, stamp(30001))]
        http_mocker.get(restart.build(), FreshdeskResponseBuilder.records(again_and_next).build())
        _mock_empty_lists(http_mocker, start)

        output = read_streams(ConfigBuilder().with_start_date(start).build(), _STREAM)

        assert queries_sent(http_mocker, "/api/v2/tickets") == (
            [_page(start, page=number).query for number in range(1, _PAGE_CAP + 1)]
            + [restart.query, _page(start, "deleted").query, _page(start, "spam").query]
        )
        assert "page" not in restart.query
        assert record_ids(output) == list(range(1, 30001)) + [30000, 30001]
        assert final_state(output, _STREAM) == {"updated_at": stamp(30001)}
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_page_cap_lowered_to_2_when_the_deleted_list_reaches_it_then_it_goes_on_with_its_filter(
        self, http_mocker
    ):
        # The same restart on a sibling list, with the cap lowered to 2 pages so that it costs 2 pages, not 300.
        start = iso(days_ago(10))
        page_1, page_2 = _full_page(1, days_ago(9)), _full_page(101, days_ago(8))
        last_seen = page_2[-1]["updated_at"]
        http_mocker.get(_page(start).build(), FreshdeskResponseBuilder.empty_list().build())
        http_mocker.get(
            _page(start, "deleted").build(),
            FreshdeskResponseBuilder.records(page_1).with_next_page(_page(start, "deleted", page=2)).build(),
        )
        http_mocker.get(
            _page(start, "deleted", page=2).build(),
            FreshdeskResponseBuilder.records(page_2).with_next_page(_page(start, "deleted", page=3)).build(),
        )
        restart = _page(last_seen, "deleted")
        http_mocker.get(
            restart.build(), FreshdeskResponseBuilder.records([page_2[-1], _ticket(201, iso(days_ago(7)))]).build()
        )
        http_mocker.get(_page(start, "spam").build(), FreshdeskResponseBuilder.empty_list().build())

        with _page_cap(2):
            output = read_streams(ConfigBuilder().with_start_date(start).build(), _STREAM)

        assert queries_sent(http_mocker, "/api/v2/tickets") == [
            _page(start).query,
            _page(start, "deleted").query,
            _page(start, "deleted", page=2).query,
            restart.query,
            _page(start, "spam").query,
        ]
        assert restart.query["filter"] == "deleted" and "page" not in restart.query
        assert record_ids(output) == list(range(1, 201)) + [200, 201]
        assert final_state(output, _STREAM) == {"updated_at": iso(days_ago(7))}
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_a_restart_that_does_not_move_when_it_reaches_the_cap_again_then_the_stream_fails_and_state_stays(
        self, http_mocker
    ):
        # More than a cap's worth of tickets sharing one second: the restart starts where the previous one did.
        # The cap is lowered to 2 pages: at 300, the 600 pages of 100 tickets take some 20 seconds to mock.
        cursor, stuck = iso(days_ago(10)), iso(days_ago(9))
        same_second = [_slim_ticket(n, stuck) for n in range(1, 101)]
        for updated_since in (cursor, stuck):
            http_mocker.get(
                _page(updated_since).build(),
                FreshdeskResponseBuilder.records(same_second).with_next_page(_page(updated_since, page=2)).build(),
            )
            http_mocker.get(
                _page(updated_since, page=2).build(),
                FreshdeskResponseBuilder.records(same_second).with_next_page(_page(updated_since, page=3)).build(),
            )

        with _page_cap(2):
            output = read_streams(
                ConfigBuilder().with_start_date(day(days_ago(20))).build(),
                _STREAM,
                stream_state=state(_STREAM, {"updated_at": cursor}),
                expect_failure=True,
            )

        assert queries_sent(http_mocker, "/api/v2/tickets") == [
            _page(updated_since, page=number).query for updated_since in (cursor, stuck) for number in (1, 2)
        ]
        assert record_ids(output) == list(range(1, 101)) * 4
        assert output.errors[0].trace.error.message == (
            f"Stream 'tickets' stopped: more than 200 records of one list share updated_at {stuck}, and "
            "Freshdesk's list cannot page past 2 pages. Please report this to the connector's maintainers."
        )
        assert output.errors[0].trace.error.failure_type == FailureType.system_error
        assert stream_statuses(output, _STREAM)[-1] == "INCOMPLETE"
        assert final_state(output, _STREAM) == {"updated_at": cursor}

    @HttpMocker()
    def test_given_page_cap_400_before_page_300_when_read_then_the_stream_fails_and_the_state_stays(
        self, http_mocker
    ):
        cursor = iso(days_ago(10))
        page_2 = _page(cursor, page=2).build()
        http_mocker.get(
            _page(cursor).build(),
            FreshdeskResponseBuilder.records(_full_page(1, days_ago(9))).with_next_page(_page(cursor, page=2)).build(),
        )
        http_mocker.get(page_2, error_response(400, "error_400_page_cap"))

        output = read_streams(
            ConfigBuilder().with_start_date(day(days_ago(20))).build(),
            _STREAM,
            stream_state=state(_STREAM, {"updated_at": cursor}),
            expect_failure=True,
        )

        http_mocker.assert_number_of_calls(page_2, 1)  # not retried, not restarted
        assert queries_sent(http_mocker, "/api/v2/tickets") == [_page(cursor).query, _page(cursor, page=2).query]
        assert record_ids(output) == list(range(1, 101))
        assert output.errors[0].trace.error.message == (
            "Freshdesk refused the request for stream 'tickets' (https://acme.freshdesk.com/api/v2/tickets): "
            "Validation failed: [{'field': 'page', 'message': 'You cannot access tickets beyond the 300th page. "
            "Please provide a smaller page number.', 'code': 'invalid_value'}]"
        )
        assert output.errors[0].trace.error.failure_type == FailureType.system_error
        assert stream_statuses(output, _STREAM)[-1] == "INCOMPLETE"
        assert final_state(output, _STREAM) == {"updated_at": cursor}


def _response(next_link: bool) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    if next_link:
        response.headers["link"] = '<https://acme.freshdesk.com/api/v2/tickets?page=2>; rel="next"'
    return response


def _last(updated_at: str) -> Record:
    return Record(data={"id": 1, "updated_at": updated_at}, stream_name=_STREAM)


class TestFreshdeskListPages:
    """FreshdeskListPages as the tickets stream configures it (`siblings: [deleted, spam]`, `sorted_by:
    updated_at`, `page_cap: 300`), one page at a time. The token is {"list", "page", "since"}: list None is
    the default list, since None the window's start. The first page has no token."""

    _A = "2025-03-01T10:00:00Z"
    _B = "2025-03-02T10:00:00Z"

    @staticmethod
    def _strategy(**options: Any) -> FreshdeskListPages:
        settings: Dict[str, Any] = {"siblings": ["deleted", "spam"], "sorted_by": "updated_at", "page_cap": 300}
        settings.update(options)
        return FreshdeskListPages(config={}, parameters={"name": _STREAM}, page_size=100, **settings)

    def _next(
        self,
        token: Optional[Dict[str, Any]],
        next_link: bool = True,
        page_size: int = _PAGE_SIZE,
        last: Optional[str] = _A,
        **options: Any,
    ) -> Optional[Dict[str, Any]]:
        return self._strategy(**options).next_page_token(
            _response(next_link), page_size, _last(last) if last else None, token
        )

    def test_given_first_page_with_a_next_link_when_next_token_then_page_2_of_the_same_list(self):
        assert self._strategy().initial_token is None
        assert self._next(None) == {"list": None, "page": 2, "since": None}

    def test_given_a_next_link_on_a_restarted_sibling_when_next_token_then_its_next_page_from_the_same_since(self):
        assert self._next({"list": "deleted", "page": 7, "since": self._A}) == {
            "list": "deleted",
            "page": 8,
            "since": self._A,
        }

    @pytest.mark.parametrize(
        "ticket_list, following",
        [
            (None, {"list": "deleted", "page": 1, "since": None}),
            ("deleted", {"list": "spam", "page": 1, "since": None}),
            ("spam", None),
        ],
    )
    def test_given_no_next_link_when_next_token_then_page_1_of_the_next_list_from_the_window_start(
        self, ticket_list, following
    ):
        assert self._next({"list": ticket_list, "page": 4, "since": self._A}, next_link=False) == following

    def test_given_a_page_that_lost_tickets_past_the_window_end_when_next_token_then_the_next_list_despite_the_link(
        self,
    ):
        assert self._next({"list": None, "page": 2, "since": None}, page_size=99) == {
            "list": "deleted",
            "page": 1,
            "since": None,
        }

    def test_given_an_empty_page_with_a_next_link_when_next_token_then_the_next_list(self):
        assert self._next(None, page_size=0, last=None) == {"list": "deleted", "page": 1, "since": None}

    def test_given_page_299_with_a_next_link_when_next_token_then_page_300(self):
        assert self._next({"list": None, "page": 299, "since": None}) == {"list": None, "page": 300, "since": None}

    @pytest.mark.parametrize("ticket_list", [None, "deleted", "spam"])
    def test_given_page_300_with_a_next_link_when_next_token_then_page_1_of_the_same_list_from_the_last_updated_at(
        self, ticket_list
    ):
        assert self._next({"list": ticket_list, "page": 300, "since": None}, last=self._B) == {
            "list": ticket_list,
            "page": 1,
            "since": self._B,
        }

    def test_given_page_300_of_a_restart_that_moved_when_next_token_then_restarts_again_from_the_new_updated_at(self):
        assert self._next({"list": "spam", "page": 300, "since": self._A}, last=self._B) == {
            "list": "spam",
            "page": 1,
            "since": self._B,
        }

    def test_given_page_300_without_a_next_link_when_next_token_then_the_next_list(self):
        assert self._next({"list": None, "page": 300, "since": None}, next_link=False) == {
            "list": "deleted",
            "page": 1,
            "since": None,
        }

    def test_given_page_300_of_a_restart_that_did_not_move_when_next_token_then_the_stream_stops_with_a_message(self):
        with pytest.raises(AirbyteTracedException) as raised:
            self._next({"list": "deleted", "page": 300, "since": self._A}, last=self._A)

        assert raised.value.message == (
            f"Stream 'tickets' stopped: more than 30000 records of one list share updated_at {self._A}, and "
            "Freshdesk's list cannot page past 300 pages. Please report this to the connector's maintainers."
        )
        assert raised.value.failure_type == FailureType.system_error

    def test_given_no_siblings_as_the_conversations_parent_when_the_default_list_ends_then_no_next_token(self):
        assert self._next(None, next_link=False, siblings=None) is None

    def test_given_a_small_page_cap_when_its_last_page_has_a_next_link_then_page_1_from_the_last_updated_at(self):
        assert self._next({"list": None, "page": 2, "since": None}, last=self._B, page_cap=2) == {
            "list": None,
            "page": 1,
            "since": self._B,
        }
