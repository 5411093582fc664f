"""Incremental syncs through the real command line: full sync, changes, then a sync from the state."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict

import pytest

from integration_tests.conftest import SECRET_KEY, catalog_for, connector
from integration_tests.emulator import Emulator, Sizes

INCREMENTAL = ["tickets", "conversations", "contacts", "companies", "satisfaction_ratings"]


@pytest.fixture(scope="module")
def two_syncs() -> Dict[str, Any]:
    # The account's clock is yesterday, so that the second sync's window (from the state to now) is one
    # monthly window, as in production.
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z")
    emu = Emulator(seed=23, sizes=Sizes(tickets=400, contacts=180, companies=40), api_key=SECRET_KEY, now=yesterday).start()
    try:
        catalog = catalog_for(emu, INCREMENTAL)
        first = connector("read", emu.config(), catalog, env=emu.env())
        emu.data.advance(3600)
        changes = {
            "updated_tickets": emu.data.update_tickets([5, 17, 250]),
            "replied_tickets": [42, 99],
            "new_conversations": emu.data.add_conversation(42) + emu.data.add_conversation(99),
            "new_contacts": emu.data.add_contacts(4),
            "updated_contacts": emu.data.update_contacts([emu.data.expected("contacts")[0]["id"]]),
            "deleted_contacts": emu.data.delete_contacts([emu.data.expected("contacts")[1]["id"]]),
            "blocked_contacts": emu.data.block_contacts([emu.data.expected("contacts")[2]["id"]]),
            "new_companies": emu.data.add_companies(2),
            "new_ratings": emu.data.add_satisfaction_ratings(3),
        }
        emu.log.clear()
        second = connector("read", emu.config(), catalog, state=first.state_messages_for_next_sync(), env=emu.env())
        return {
            "emu": emu,
            "first": first,
            "second": second,
            "changes": changes,
            "requests": emu.log.by_endpoint(),
            "first_states": first.last_state_per_stream(),
        }
    finally:
        emu.stop()


class TestIncrementalSync:
    """Contract: a sync from the previous state reads what changed and little else.

    tickets: `updated_since` = the state (inclusive), so the changed tickets and those sharing the
    state's second come out. conversations: only tickets updated since are visited (one call each).
    contacts, companies: their server filters from the state; satisfaction_ratings: `created_since`
    from the state minus the 14-day lookback.
    """

    def test_given_changes_when_second_sync_then_exit_0(self, two_syncs):
        assert two_syncs["first"].returncode == 0, two_syncs["first"].stderr[-3000:]
        assert two_syncs["second"].returncode == 0, two_syncs["second"].stderr[-3000:]

    def test_given_updated_and_replied_tickets_when_second_sync_then_exactly_those_tickets_come_out(self, two_syncs):
        changes = two_syncs["changes"]
        # The three lists share one cursor and `updated_since` is inclusive: the tickets of the state's
        # second come out again.
        first_newest = two_syncs["first_states"]["tickets"]["updated_at"]
        boundary = [t["id"] for t in two_syncs["first"].records["tickets"] if t["updated_at"] == first_newest]
        ids = sorted(t["id"] for t in two_syncs["second"].records["tickets"])
        assert ids == sorted(set(changes["updated_tickets"] + changes["replied_tickets"] + boundary))

    def test_given_replies_when_second_sync_then_new_conversations_come_out(self, two_syncs):
        ids = {c["id"] for c in two_syncs["second"].records["conversations"]}
        assert set(two_syncs["changes"]["new_conversations"]) <= ids
        tickets = {c["ticket_id"] for c in two_syncs["second"].records["conversations"]}
        assert set(two_syncs["changes"]["replied_tickets"]) <= tickets

    def test_given_5_changed_tickets_when_second_sync_then_conversations_called_only_for_them(self, two_syncs):
        visited = len(two_syncs["second"].records["tickets"])
        default_list = [t for t in two_syncs["second"].records["tickets"] if not t.get("deleted") and not t.get("spam")]
        assert two_syncs["requests"]["tickets/{id}/conversations"] == len(default_list)
        # One page for each of the tickets stream's three lists, and one for the conversations' parent.
        assert two_syncs["requests"]["tickets"] == 4
        assert visited <= 8

    def test_given_new_updated_deleted_and_blocked_contacts_when_second_sync_then_exactly_they_come_out(self, two_syncs):
        changes = two_syncs["changes"]
        first_newest = two_syncs["first_states"]["contacts"]["updated_at"]
        boundary = [c["id"] for c in two_syncs["first"].records["contacts"] if c["updated_at"] == first_newest]
        ids = sorted(c["id"] for c in two_syncs["second"].records["contacts"])
        changed = changes["new_contacts"] + changes["updated_contacts"] + changes["deleted_contacts"] + changes["blocked_contacts"]
        assert ids == sorted(set(changed + boundary))
        by_id = {c["id"]: c for c in two_syncs["second"].records["contacts"]}
        assert [by_id[i].get("deleted") for i in changes["deleted_contacts"] + changes["blocked_contacts"]] == [True, None]

    def test_given_new_companies_when_second_sync_then_exactly_they_come_out(self, two_syncs):
        first_newest = two_syncs["first_states"]["companies"]["updated_at"]
        boundary = [c["id"] for c in two_syncs["first"].records["companies"] if c["updated_at"] == first_newest]
        ids = sorted(c["id"] for c in two_syncs["second"].records["companies"])
        assert ids == sorted(set(two_syncs["changes"]["new_companies"] + boundary))

    def test_given_new_ratings_when_second_sync_then_they_come_out_with_the_lookback_window(self, two_syncs):
        ids = {r["id"] for r in two_syncs["second"].records["satisfaction_ratings"]}
        assert set(two_syncs["changes"]["new_ratings"]) <= ids
        first_newest = two_syncs["first_states"]["satisfaction_ratings"]["created_at"]
        expected_window = [
            r["id"]
            for r in two_syncs["first"].records["satisfaction_ratings"]
            if r["created_at"] >= _minus_days(first_newest, 14)
        ]
        assert sorted(ids) == sorted(set(expected_window + two_syncs["changes"]["new_ratings"]))

    def test_given_second_sync_when_done_then_states_moved_to_the_newest_change(self, two_syncs):
        states = two_syncs["second"].last_state_per_stream()
        newest_ticket = max(t["updated_at"] for t in two_syncs["second"].records["tickets"])
        assert states["tickets"] == {"updated_at": newest_ticket}
        assert states["conversations"]["parent_state"] == {"tickets": {"updated_at": newest_ticket}}
        newest_contact = max(c["updated_at"] for c in two_syncs["second"].records["contacts"])
        assert states["contacts"] == {"updated_at": newest_contact}

    def test_given_second_sync_when_requests_counted_then_one_fields_call_per_typed_stream(self, two_syncs):
        # The typed custom fields of tickets, contacts and companies: their definitions, once per sync.
        fields = ("ticket_fields", "contact_fields", "company_fields")
        assert {name: two_syncs["requests"][name] for name in fields} == dict.fromkeys(fields, 1)


def _minus_days(timestamp: str, days: int) -> str:
    moment = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ") - timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
