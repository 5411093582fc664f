"""The tickets list's 300-page cap, passed by restarting from the last updated_at, with nothing lost."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Dict, List

import pytest

from integration_tests.conftest import SECRET_KEY, catalog_for, connector, expected_ids
from integration_tests.emulator import Emulator, Sizes


# The yearly window that holds the emulated account's tickets (earlier windows cost one empty page each).
WINDOW_START, WINDOW_END = "2025-01-01T00:00:00Z", "2025-12-31T23:59:59Z"


def build_cluster_across_row(emu: Emulator, row: int, size: int) -> str:
    """Gives `size` tickets around position `row` (in updated_at order) one shared updated_at second."""
    ordered = sorted(emu.data.expected("tickets"), key=lambda t: (t["updated_at"], t["id"]))
    members = ordered[row - size // 2 : row + size // 2]
    shared = members[-1]["updated_at"]
    emu.data.set_updated_at([t["id"] for t in members], shared)
    return shared


def sync_tickets(emu: Emulator) -> Dict[str, Any]:
    emu.log.clear()
    run = connector("read", emu.config(), catalog_for(emu, ["tickets"]), env=emu.env())
    assert run.returncode == 0, run.stderr[-3000:]
    pages = [
        e
        for e in emu.log.entries
        if e.path == "/api/v2/tickets" and "filter" not in e.query and WINDOW_START <= e.query["updated_since"] <= WINDOW_END
    ]
    return {"run": run, "pages": pages}


def planned_pages(expected: List[Dict[str, Any]], rows_per_pass: int, cap_answers_400: bool) -> List[Dict[str, Any]]:
    """The requests the contract implies: passes of at most `rows_per_pass` rows, each restarting from
    the last updated_at of the previous one; with `cap_answers_400` a pass ends on a 400 page."""
    ordered = sorted(expected, key=lambda t: (t["updated_at"], t["id"]))
    since, planned = WINDOW_START, []
    while True:
        rows = [t for t in ordered if t["updated_at"] >= since]
        pages = math.ceil(min(len(rows), rows_per_pass) / 100)
        planned += [{"since": since, "status": 200}] * pages
        if len(rows) <= rows_per_pass:
            return planned
        if cap_answers_400:
            planned.append({"since": since, "status": 400})
        since = rows[rows_per_pass - 1]["updated_at"]


@pytest.fixture(scope="module")
def capped() -> Dict[str, Any]:
    emu = Emulator(seed=5, sizes=Sizes(tickets=30_650, conversations_per_ticket_max=0, history_days=150), api_key=SECRET_KEY).start()
    try:
        shared = build_cluster_across_row(emu, row=30_000, size=400)
        expected = emu.data.expected("tickets")
        result = sync_tickets(emu)
        return {**result, "expected": expected, "expected_ids": expected_ids(emu, "tickets"), "shared": shared}
    finally:
        emu.stop()


class TestTicketsPageCap:
    """Contract: the tickets list answers 400 beyond page 300 (30,000 rows at 100 per page).

    The connector reads tickets sorted by updated_at ascending, in yearly windows; on the 400 it starts
    the window again at page 1 with updated_since = the last updated_at it saw (inclusive). Tickets
    sharing that second come out twice, never zero times. The same holds whatever page the cap is at.
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

    def test_given_the_cap_when_synced_then_the_400_restarts_from_the_last_updated_at(self, capped):
        pages = capped["pages"]
        planned = planned_pages(capped["expected"], rows_per_pass=30_000, cap_answers_400=True)
        assert [e.status for e in pages] == [p["status"] for p in planned]
        assert [e.query["updated_since"] for e in pages] == [p["since"] for p in planned]
        assert pages[300].status == 400 and pages[300].query["page"] == "301"
        assert pages[301].query["updated_since"] == capped["shared"]
        assert "page" not in pages[301].query

    def test_given_a_lower_cap_than_expected_when_synced_then_the_400_restarts_and_nothing_is_lost(self, make_emulator):
        emu = make_emulator(seed=9, sizes=Sizes(tickets=1_260, conversations_per_ticket_max=0, history_days=150), page_cap=5)
        build_cluster_across_row(emu, row=500, size=60)
        expected = emu.data.expected("tickets")
        result = sync_tickets(emu)
        assert sorted(set(t["id"] for t in result["run"].records["tickets"])) == expected_ids(emu, "tickets")
        planned = planned_pages(expected, rows_per_pass=500, cap_answers_400=True)
        assert [e.status for e in result["pages"]] == [p["status"] for p in planned]
        assert [e.query["updated_since"] for e in result["pages"]] == [p["since"] for p in planned]
