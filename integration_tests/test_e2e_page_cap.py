"""The tickets list's 300-page cap, passed by restarting from the last updated_at, with nothing lost."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Dict, List

import pytest

from integration_tests.conftest import SECRET_KEY, catalog_for, connector, expected_ids
from integration_tests.emulator import Emulator, Sizes


# Accounts whose whole history fits in the connector's first monthly window.
HISTORY_DAYS = 25


def build_cluster_across_row(emu: Emulator, row: int, size: int) -> str:
    """Gives `size` tickets around position `row` (in updated_at order) one shared updated_at second."""
    ordered = sorted(emu.data.expected("tickets"), key=lambda t: (t["updated_at"], t["id"]))
    members = ordered[row - size // 2 : row + size // 2]
    shared = members[-1]["updated_at"]
    emu.data.set_updated_at([t["id"] for t in members], shared)
    return shared


# Where a first sync without start_date starts its first window: the tickets cursor's own start. That
# window reaches past the account's oldest ticket by a window length (here the whole history).
FIRST_SYNC_START = "2010-01-01T00:00:00Z"


def sync_tickets(emu: Emulator) -> Dict[str, Any]:
    emu.log.clear()
    run = connector("read", emu.config(), catalog_for(emu, ["tickets"]), env=emu.env())
    assert run.returncode == 0, run.stderr[-3000:]
    # The default list's pages in the window holding the tickets: not the history lookup's calls (sorted
    # descending, or per_page=1), nor the empty windows up to the present (the emulator's clock is
    # behind the real one).
    newest = max(t["updated_at"] for t in emu.data.expected("tickets"))
    pages = [
        e
        for e in emu.log.entries
        if e.path == "/api/v2/tickets" and "filter" not in e.query and e.query["order_type"] == "asc"
        and e.query["per_page"] == "100" and e.query["updated_since"] <= newest
    ]
    return {"run": run, "pages": pages, "window_start": FIRST_SYNC_START, "statuses": [e.status for e in emu.log.entries]}


def planned_pages(expected: List[Dict[str, Any]], since: str, rows_per_pass: int) -> List[Dict[str, Any]]:
    """The requests the contract implies: passes of at most `rows_per_pass` rows from `since`, each
    restarting from the last updated_at of the previous one."""
    ordered = sorted(expected, key=lambda t: (t["updated_at"], t["id"]))
    planned: List[Dict[str, Any]] = []
    while True:
        rows = [t for t in ordered if t["updated_at"] >= since]
        pages = math.ceil(min(len(rows), rows_per_pass) / 100)
        planned += [{"since": since, "status": 200}] * pages
        if len(rows) <= rows_per_pass:
            return planned
        since = rows[rows_per_pass - 1]["updated_at"]


@pytest.fixture(scope="module")
def capped() -> Dict[str, Any]:
    emu = Emulator(seed=5, sizes=Sizes(tickets=30_650, conversations_per_ticket_max=0, history_days=HISTORY_DAYS), api_key=SECRET_KEY).start()
    try:
        shared = build_cluster_across_row(emu, row=30_000, size=400)
        expected = emu.data.expected("tickets")
        result = sync_tickets(emu)
        return {**result, "expected": expected, "expected_ids": expected_ids(emu, "tickets"), "shared": shared}
    finally:
        emu.stop()


class TestTicketsPageCap:
    """Contract: the tickets list answers 400 beyond page 300 (30,000 rows at 100 per page).

    The connector reads tickets sorted by updated_at ascending, in monthly windows; after page 300 it
    starts the list again at page 1 with updated_since = the last updated_at it saw (inclusive), without
    asking for page 301. Tickets sharing that second come out twice, never zero times. A lower cap than
    300 fails the stream with Freshdesk's message and the window unread, rather than lose tickets.
    """

    def test_given_400_tickets_sharing_a_second_across_row_30000_when_synced_then_none_is_lost(self, capped):
        ids = Counter(t["id"] for t in capped["run"].records["tickets"])
        assert sorted(ids) == capped["expected_ids"]

    def test_given_cluster_across_the_cap_when_synced_then_only_that_seconds_tickets_repeat(self, capped):
        records: List[Dict[str, Any]] = capped["run"].records["tickets"]
        counts = Counter(t["id"] for t in records)
        repeated = {ticket_id for ticket_id, n in counts.items() if n > 1}
        cluster = {t["id"] for t in capped["expected"] if t["updated_at"] == capped["shared"]}
        assert max(counts.values()) == 2
        assert 0 < len(repeated) < len(cluster)
        assert repeated <= cluster
        assert len(records) == len(counts) + len(repeated)

    def test_given_the_cap_when_synced_then_page_300_is_followed_by_page_1_from_the_last_updated_at(self, capped):
        pages = capped["pages"]
        planned = planned_pages(capped["expected"], capped["window_start"], rows_per_pass=30_000)
        assert [e.query["updated_since"] for e in pages] == [p["since"] for p in planned]
        assert [e.status for e in pages] == [200] * len(planned)
        assert pages[299].query["page"] == "300"
        assert pages[300].query["updated_since"] == capped["shared"]
        assert "page" not in pages[300].query
        assert 400 not in capped["statuses"]

    def test_given_a_lower_cap_than_expected_when_synced_then_the_stream_fails_with_freshdesks_message_and_no_state_past_it(
        self, make_emulator
    ):
        emu = make_emulator(seed=9, sizes=Sizes(tickets=1_260, conversations_per_ticket_max=0, history_days=HISTORY_DAYS), page_cap=5)
        emu.log.clear()
        run = connector("read", emu.config(), catalog_for(emu, ["tickets"]), env=emu.env())
        assert run.returncode == 1
        assert run.stream_statuses() == {"tickets": "INCOMPLETE"}
        assert [e["message"] for e in run.trace_errors()][0].startswith(
            "Freshdesk refused the request for stream 'tickets' (https://localhost:"
        )
        assert "You cannot access tickets beyond the 5th page" in run.trace_errors()[0]["message"]
        # Later (empty) windows close, but the state cannot pass the failed first one.
        states = [s["stream"]["stream_state"] for s in run.states if s["stream"]["stream_descriptor"]["name"] == "tickets"]
        assert {state["updated_at"] for state in states} == {FIRST_SYNC_START}
