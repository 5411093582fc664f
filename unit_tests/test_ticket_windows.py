"""FreshdeskTicketWindows, the tickets stream's retriever: on a first sync, the windows are laid out by the
account's history (its oldest ticket, and the pace of its newest 100), learnt from Freshdesk through the
connector's own requester before the first window; a calendar month that starts no window costs nothing.

Every test reads the real stream from the manifest, as the Connector Builder and source-declarative-manifest
build it; HttpMocker matches each lookup call's exact query.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml
from isodate import parse_duration
from airbyte_cdk.models import FailureType, Level
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse

from config_builder import API_KEY, ConfigBuilder
from dates import NOW
from request_builder import DEFAULT_START, FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, a_record
from source_runner import all_output_text, discover_streams, final_state, log_messages, queries_sent, read_streams, record_ids, state

from source_freshdesk import components

pytestmark = pytest.mark.tickets_history_lookup

GIVE_UP = "Could not learn the account's ticket history ({}); the tickets are read in monthly windows from {}."


@pytest.fixture
def http_mocker() -> Any:
    """HttpMocker for plain pytest tests (its decorator form is for unittest.TestCase methods)."""
    with HttpMocker() as mocker:
        yield mocker


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def lookup(order_type: str, per_page: int, since: str = DEFAULT_START) -> FreshdeskRequestBuilder:
    """One call of the lookup: the default tickets list sorted by updated_at, no includes."""
    return FreshdeskRequestBuilder("tickets").with_query(
        order_by="updated_at", order_type=order_type, per_page=str(per_page), updated_since=since
    )


NEWEST = lookup("desc", 100)
OLDEST = lookup("asc", 1)


def tickets_every(hours: float, count: int, newest: datetime = NOW) -> List[Dict[str, Any]]:
    """`count` tickets, newest first, `hours` apart, as the default list sorted descending returns them."""
    return [a_record("tickets", id=n + 1, updated_at=iso(newest - timedelta(hours=hours * n))) for n in range(count)]


def one_ticket(updated_at: str, ticket_id: int = 900) -> HttpResponse:
    return FreshdeskResponseBuilder.records([a_record("tickets", id=ticket_id, updated_at=updated_at)]).build()


def mock_lists(http_mocker: HttpMocker, since: str, pages: Dict[str, List[Dict[str, Any]]]) -> None:
    """The tickets stream's own windows from `since`: each list answers its page once (no includes check)."""
    for ticket_list, records in pages.items():
        request = FreshdeskRequestBuilder.tickets(since, ticket_list)
        http_mocker.get(request.build(), FreshdeskResponseBuilder.records(records).build())


class TestFirstSyncWindows:
    """Contract: before a first sync's first window, the default list's newest 100 tickets (`order_type=desc`,
    one page, from start_date or 2010, no includes) and, when there are 100, its oldest (`per_page=1`,
    ascending). Fewer than 100 tickets: one window from start_date or 2010 to now. Else the first window
    reads from start_date or 2010 to the oldest ticket plus a window length (1,000 tickets at the newest
    100's pace, at least a month), the next ones a window length each; a calendar month that starts none
    costs no call. The state is the CDK's: the newest ticket read."""

    def test_given_99_tickets_when_first_sync_then_one_lookup_call_and_each_list_once_from_2010(self, http_mocker):
        page = tickets_every(hours=24, count=99)
        http_mocker.get(NEWEST.build(), FreshdeskResponseBuilder.records(page).build())
        mock_lists(http_mocker, DEFAULT_START, {"default": page[::-1], "deleted": [], "spam": []})

        output = read_streams(ConfigBuilder().build(), "tickets")

        assert queries_sent(http_mocker, "/api/v2/tickets") == [NEWEST.query] + [
            FreshdeskRequestBuilder.tickets(DEFAULT_START, ticket_list).query for ticket_list in ("default", "deleted", "spam")
        ]
        assert sorted(record_ids(output)) == list(range(1, 100))
        assert final_state(output, "tickets") == {"updated_at": page[0]["updated_at"]}
        assert "Reading tickets from 2010-01-01T00:00:00Z in one window: the account has fewer than 100 tickets." in log_messages(output, Level.INFO)

    def test_given_100_tickets_over_10_days_when_first_sync_then_windows_of_100_days_from_the_oldest(self, http_mocker):
        oldest = NOW - timedelta(days=150)
        second = oldest + timedelta(days=100)  # then oldest + 200 days: past now
        http_mocker.get(NEWEST.build(), FreshdeskResponseBuilder.records(tickets_every(hours=240 / 99, count=100)).build())
        http_mocker.get(OLDEST.build(), one_ticket(iso(oldest)))
        mock_lists(http_mocker, DEFAULT_START, {"default": [a_record("tickets", id=900, updated_at=iso(oldest))], "deleted": [], "spam": []})
        mock_lists(http_mocker, iso(second), {"default": [], "deleted": [], "spam": []})

        output = read_streams(ConfigBuilder().build(), "tickets")

        sent = queries_sent(http_mocker, "/api/v2/tickets")
        assert sent[:2] == [NEWEST.query, OLDEST.query]
        assert sorted(query["updated_since"] for query in sent[2:]) == [DEFAULT_START] * 3 + [iso(second)] * 3
        assert record_ids(output) == [900]
        assert (
            f"Reading tickets from 2010-01-01T00:00:00Z: the oldest ticket was updated at {iso(oldest)}, then windows "
            "of 100 days (1,000 tickets at the pace of the newest 100, at least a month)."
        ) in log_messages(output, Level.INFO)

    def test_given_a_window_that_ends_inside_a_month_when_read_then_its_records_stop_there_and_the_next_window_takes_the_rest(
        self, http_mocker
    ):
        oldest = NOW - timedelta(days=150)
        second = oldest + timedelta(days=100)
        before, after = iso(second - timedelta(seconds=1)), iso(second)
        http_mocker.get(NEWEST.build(), FreshdeskResponseBuilder.records(tickets_every(hours=240 / 99, count=100)).build())
        http_mocker.get(OLDEST.build(), one_ticket(iso(oldest)))
        # The first window's page runs past its end: the ticket at `after` is the second window's.
        first_page = [a_record("tickets", id=1, updated_at=before), a_record("tickets", id=2, updated_at=after)]
        mock_lists(http_mocker, DEFAULT_START, {"default": first_page, "deleted": [], "spam": []})
        mock_lists(http_mocker, after, {"default": [a_record("tickets", id=2, updated_at=after)], "deleted": [], "spam": []})

        output = read_streams(ConfigBuilder().build(), "tickets")

        assert sorted(record_ids(output)) == [1, 2]
        assert final_state(output, "tickets") == {"updated_at": after}

    def test_given_start_date_when_first_sync_then_the_lookup_and_the_first_window_start_there(self, http_mocker):
        since = iso(NOW - timedelta(days=20)).replace(iso(NOW - timedelta(days=20))[11:], "00:00:00Z")
        http_mocker.get(lookup("desc", 100, since=since).build(), one_ticket(iso(NOW - timedelta(days=3))))
        mock_lists(http_mocker, since, {"default": [a_record("tickets", id=900, updated_at=iso(NOW - timedelta(days=3)))], "deleted": [], "spam": []})

        output = read_streams(ConfigBuilder().with_start_date(since[:10]).build(), "tickets")

        assert queries_sent(http_mocker, "/api/v2/tickets")[0] == lookup("desc", 100, since=since).query
        assert record_ids(output) == [900]

    def test_given_no_ticket_at_all_when_first_sync_then_one_window_from_2010(self, http_mocker):
        http_mocker.get(NEWEST.build(), FreshdeskResponseBuilder.records([]).build())
        mock_lists(http_mocker, DEFAULT_START, {"default": [], "deleted": [], "spam": []})

        output = read_streams(ConfigBuilder().build(), "tickets")

        assert len(queries_sent(http_mocker, "/api/v2/tickets")) == 4
        assert record_ids(output) == []

    def test_given_a_state_when_synced_then_nothing_is_looked_up(self, http_mocker):
        since = iso(NOW - timedelta(days=2))
        mock_lists(http_mocker, since, {"default": [], "deleted": [], "spam": []})

        read_streams(ConfigBuilder().build(), "tickets", stream_state=state("tickets", {"updated_at": since}))

        assert [query["order_type"] for query in queries_sent(http_mocker, "/api/v2/tickets")] == ["asc"] * 3

    def test_given_conversations_only_when_first_sync_then_nothing_is_looked_up_and_the_parent_is_one_window(self, http_mocker):
        # The conversations checkpoint at each ticket: their parent list reads one window from 2010, one
        # call however empty the years before the first ticket.
        updated = iso(NOW - timedelta(days=3))
        http_mocker.get(FreshdeskRequestBuilder.ticket_ids(DEFAULT_START).build(), one_ticket(updated))
        http_mocker.get(FreshdeskRequestBuilder.conversations(900).build(), FreshdeskResponseBuilder.records([]).build())

        read_streams(ConfigBuilder().build(), "conversations")

        assert queries_sent(http_mocker, "/api/v2/tickets") == [FreshdeskRequestBuilder.ticket_ids(DEFAULT_START).query]

    def test_given_discover_when_run_then_nothing_is_looked_up(self, http_mocker):
        output = discover_streams(ConfigBuilder().build())

        assert len(output.catalog.catalog.streams) == 35
        assert queries_sent(http_mocker, "/api/v2/tickets") == []


class TestWhenFreshdeskCannotSay:
    """Contract: the lookup goes through the connector's requester with the manifest's `lookup_error_handler`:
    a 5xx is tried 3 more times, a 429 waits its Retry-After, a refusal (401, 403) is not retried. When no
    usable answer comes, one warning says so and the windows are the calendar's (monthly from start_date or
    2010); the sync goes on. The key never appears in the output."""

    SINCE = iso(NOW - timedelta(days=10))[:10]

    def test_given_503_on_every_attempt_when_first_sync_then_4_attempts_one_warning_and_calendar_windows(
        self, http_mocker, virtual_clock
    ):
        since = f"{self.SINCE}T00:00:00Z"
        http_mocker.get(lookup("desc", 100, since=since).build(), [HttpResponse("{}", 503)] * 4)
        mock_lists(http_mocker, since, {"default": [], "deleted": [], "spam": []})

        output = read_streams(ConfigBuilder().with_start_date(self.SINCE).build(), "tickets", expect_failure=None)

        assert [query["order_type"] for query in queries_sent(http_mocker, "/api/v2/tickets")] == ["desc"] * 4 + ["asc"] * 3
        assert virtual_clock.retry_sleeps == [3.0, 5.0, 9.0]
        assert log_messages(output, Level.WARN) == [GIVE_UP.format("no answer until the retries ran out", since)]

    def test_given_429_then_200_when_first_sync_then_it_waits_retry_after(self, http_mocker, virtual_clock):
        since = f"{self.SINCE}T00:00:00Z"
        http_mocker.get(
            lookup("desc", 100, since=since).build(),
            [HttpResponse("{}", 429, headers={"Retry-After": "7"}), FreshdeskResponseBuilder.records([]).build()],
        )
        mock_lists(http_mocker, since, {"default": [], "deleted": [], "spam": []})

        output = read_streams(ConfigBuilder().with_start_date(self.SINCE).build(), "tickets")

        assert virtual_clock.retry_sleeps == [8.0]  # Retry-After, plus the CDK's second
        assert log_messages(output, Level.WARN) == []

    def test_given_401_when_first_sync_then_one_call_one_warning_and_no_key_in_the_output(self, http_mocker):
        since = f"{self.SINCE}T00:00:00Z"
        http_mocker.get(lookup("desc", 100, since=since).build(), HttpResponse('{"code": "invalid_credentials"}', 401))
        mock_lists(http_mocker, since, {"default": [], "deleted": [], "spam": []})

        output = read_streams(ConfigBuilder().with_start_date(self.SINCE).build(), "tickets", expect_failure=None)

        assert [query["order_type"] for query in queries_sent(http_mocker, "/api/v2/tickets")][:1] == ["desc"]
        assert GIVE_UP.format("status 401", since) in log_messages(output, Level.WARN)
        assert API_KEY not in all_output_text(output)

    def test_given_an_object_instead_of_a_list_when_first_sync_then_it_gives_up_with_one_warning(self, http_mocker):
        since = f"{self.SINCE}T00:00:00Z"
        http_mocker.get(lookup("desc", 100, since=since).build(), HttpResponse('{"tickets": []}', 200))
        mock_lists(http_mocker, since, {"default": [], "deleted": [], "spam": []})

        output = read_streams(ConfigBuilder().with_start_date(self.SINCE).build(), "tickets")

        assert log_messages(output, Level.WARN) == [GIVE_UP.format("the answer is not a list of tickets", since)]


class TestTheLookupsBudget:
    """Contract: the lookup's calls go through the account's budget like every other call (1 credit each,
    and one call each against the tickets list's own limit)."""

    def test_given_growth_when_first_sync_then_the_lookup_is_charged_to_the_account_and_the_tickets_list(self, http_mocker):
        http_mocker.get(NEWEST.build(), FreshdeskResponseBuilder.records([]).build())
        mock_lists(http_mocker, DEFAULT_START, {"default": [], "deleted": [], "spam": []})

        read_streams(ConfigBuilder().with_plan("growth").build(), "tickets")

        budget = components.ACCOUNTS["acme.freshdesk.com"].budget({"account": 200, "tickets_list": 20, "contacts_list": 20})
        # 1 lookup call (1 credit), then 3 list pages with the includes (7 credits each)
        assert budget.spent() == {"account": 1 + 3 * 7, "tickets_list": 4, "contacts_list": 0}


class TestWindowsOnceTheAccountStopped:
    """Contract (FreshdeskTicketWindows): once the account is stopped, a window that starts after one that
    failed with SyncStopped is neither read nor reported (the state cannot pass the failed one); a window
    with no failed one before it is read, and fails."""

    class Refusing:
        """The wrapped retriever: every read is refused, as the authenticator refuses a stopped account's."""

        def __init__(self, account: Any) -> None:
            self.account, self.reads = account, []

        def read_records(self, records_schema: Any, stream_slice: Any) -> Any:
            self.reads.append(stream_slice["start_time"])
            raise components.SyncStopped("Freshdesk rejected the API key for acme.freshdesk.com (401).", FailureType.config_error, self.account)
            yield  # a generator, like a retriever's read_records

    def windows(self, config: Dict[str, Any]) -> Any:
        account = components._account(config)
        refusing = self.Refusing(account)
        cursor = type("Cursor", (), {"start": "2023-01-01T00:00:00Z"})()  # not the configured start: calendar windows
        windows = components.FreshdeskTicketWindows(
            retriever=refusing, cursor=cursor, lookup=None, config=config, parameters={}, since="2024-01-01T00:00:00Z")
        return account, refusing, windows

    def read(self, windows: Any, start: str) -> str:
        window = StreamSlice(partition={}, cursor_slice={"start_time": start, "end_time": start[:8] + "28T23:59:59Z"})
        try:
            return f"{len(list(windows.read_records({}, window)))} records"
        except components.SyncStopped as stopped:
            return f"failed: {stopped.message}"

    def test_given_a_stopped_account_when_windows_are_read_then_only_those_before_the_first_failure_are_tried(self):
        config = ConfigBuilder().build()
        account, refusing, windows = self.windows(config)
        account.stop("Freshdesk rejected the API key for acme.freshdesk.com (401).", FailureType.config_error, components._fingerprint(config))

        outcomes = [self.read(windows, start) for start in
                    ("2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-05-01T00:00:00Z")]

        failed = "failed: Freshdesk rejected the API key for acme.freshdesk.com (401)."
        assert outcomes == [failed, "0 records", failed, "0 records", "0 records"]
        assert refusing.reads == ["2024-03-01T00:00:00Z", "2024-02-01T00:00:00Z"]
        assert account.earliest_stopped_window == "2024-02-01T00:00:00Z"

    def test_given_an_account_that_is_not_stopped_when_a_window_fails_then_later_windows_are_still_read(self):
        account, refusing, windows = self.windows(ConfigBuilder().build())
        account.stopped_window("2024-02-01T00:00:00Z")

        outcomes = [self.read(windows, start) for start in ("2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z")]

        assert outcomes == ["failed: Freshdesk rejected the API key for acme.freshdesk.com (401)."] * 2
        assert refusing.reads == ["2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z"]


class TestCalendarWindowsForProgress:
    """Contract: the progress lines' "of how many" is the count of the cursor's windows, `step` apart from
    where this sync starts to now."""

    @pytest.mark.parametrize("before_now, count", [("PT1S", 1), ("P1M", 2), ("P3M", 4), ("P16Y", 16 * 12 + 1)])
    def test_given_a_start_when_counted_then_one_window_a_month_to_now(self, before_now, count):
        cursor = type("Cursor", (), {"start": components._now() - parse_duration(before_now)})()
        windows = components.FreshdeskTicketWindows(
            retriever=None, cursor=cursor, lookup=None, config=ConfigBuilder().build(), parameters={}, step="P1M")

        assert windows._calendar_windows() == count

    def test_given_the_manifest_when_read_then_the_retrievers_step_is_the_cursors(self):
        tickets = yaml.safe_load(Path(components.__file__).with_name("manifest.yaml").read_text())["definitions"]["streams"]["tickets"]

        assert (tickets["retriever"]["step"], tickets["incremental_sync"]["step"]) == ("P1M", "P1M")
