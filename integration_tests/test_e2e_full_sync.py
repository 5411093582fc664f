"""A full sync of every stream through the real command line, against a seeded emulator."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, Dict, List

import jsonschema
import pytest

from integration_tests.conftest import catalog_for, connector, expected_ids, record_key
from integration_tests.emulator import Emulator
from integration_tests.harness import Run

ALL_STREAMS = [
    "account", "agents", "automation_rules", "business_hours", "canned_response_folders", "canned_responses", "companies",
    "company_fields", "contact_fields", "contacts", "conversations", "discussion_categories",
    "discussion_comments", "discussion_forums", "discussion_topics", "email_configs", "email_mailboxes",
    "groups", "products", "roles", "satisfaction_ratings", "scenario_automations", "settings", "skills",
    "sla_policies", "solution_articles", "solution_categories", "solution_folders", "surveys",
    "ticket_activities", "ticket_field_sections", "ticket_fields", "ticket_forms", "tickets", "time_entries",
]


def primary_key(stream: str, record: Dict[str, Any]) -> Any:
    return record_key(stream, record)


@pytest.fixture(scope="module")
def full_sync(seeded: Emulator) -> Dict[str, Any]:
    catalog = catalog_for(seeded)
    seeded.log.clear()
    run = connector("read", seeded.config(), catalog, env=seeded.env())
    return {"run": run, "catalog": catalog, "requests": seeded.log.by_endpoint(), "entries": seeded.log.entries}


class TestFullSync:
    """Contract: every stream the connector declares is read completely, once, and typed.

    `read` with every stream selected (incremental where supported) exits 0; each record the emulator
    holds comes out exactly once (by primary key) and validates against the schema `discover`
    declares; each incremental stream leaves a state at the newest cursor value it read.
    """

    def test_given_every_stream_selected_when_read_then_exit_0_and_every_stream_complete(self, full_sync):
        run: Run = full_sync["run"]
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.trace_errors() == []
        assert run.stream_statuses() == {name: "COMPLETE" for name in ALL_STREAMS}

    @pytest.mark.parametrize("stream", ALL_STREAMS)
    def test_given_seeded_account_when_full_sync_then_every_record_comes_out_exactly_once(
        self, full_sync, seeded, stream
    ):
        records = full_sync["run"].records[stream]
        counts = Counter(primary_key(stream, r) for r in records)
        assert [key for key, n in counts.items() if n > 1] == []
        expected = expected_ids(seeded, stream)
        assert sorted(counts) == expected
        assert len(expected) > 0

    @pytest.mark.parametrize("stream", ALL_STREAMS)
    def test_given_full_sync_when_records_checked_then_each_validates_against_its_schema(self, full_sync, stream):
        schema = next(s["stream"]["json_schema"] for s in full_sync["catalog"]["streams"] if s["stream"]["name"] == stream)
        checker = jsonschema.FormatChecker()

        @checker.checks("date-time", raises=ValueError)
        def is_datetime(value: object) -> bool:
            return not isinstance(value, str) or bool(datetime.fromisoformat(value.replace("Z", "+00:00")))

        validator = jsonschema.Draft7Validator(schema, format_checker=checker)
        errors: List[str] = [
            f"{primary_key(stream, record)}: {error.message}"
            for record in full_sync["run"].records[stream]
            for error in validator.iter_errors(record)
        ]
        assert errors == []

    def test_given_full_sync_when_done_then_each_incremental_stream_state_is_its_newest_cursor(self, full_sync, seeded):
        states = full_sync["run"].last_state_per_stream()
        newest = {
            stream: max(r[cursor] for r in seeded.data.expected(stream))
            for stream, cursor in (
                ("tickets", "updated_at"),
                ("contacts", "updated_at"),
                ("companies", "updated_at"),
                ("satisfaction_ratings", "created_at"),
            )
        }
        newest_deleted = max(seeded.data.ticket(i)["updated_at"] for i in seeded.data.deleted_ticket_ids)
        newest_spam = max(seeded.data.ticket(i)["updated_at"] for i in seeded.data.spam_ticket_ids)
        # One cursor for the default, deleted and spam lists.
        assert states["tickets"] == {"updated_at": max(newest["tickets"], newest_deleted, newest_spam)}
        removed_contacts = seeded.data.deleted_contact_ids + seeded.data.blocked_contact_ids
        # One cursor for the default, deleted and blocked lists.
        newest_removed_contact = max(seeded.data.contact(i)["updated_at"] for i in removed_contacts)
        assert states["contacts"] == {"updated_at": max(newest["contacts"], newest_removed_contact)}
        assert states["companies"] == {"updated_at": newest["companies"]}
        assert states["satisfaction_ratings"] == {"created_at": newest["satisfaction_ratings"]}
        assert states["conversations"]["parent_state"] == {"tickets": {"updated_at": newest["tickets"]}}

    def test_given_full_sync_when_requests_counted_then_the_configuration_streams_cost_one_call_a_list(self, full_sync):
        # One list per automation type; sections only of the one field that has them (the ticket type).
        # ticket_fields: the tickets' custom-fields lookup, the stream, and the sections' parent.
        counted = ("account", "ticket-forms", "automations/{id}/rules", "admin/ticket_fields/{id}/sections", "ticket_fields")
        assert {name: full_sync["requests"][name] for name in counted} == {
            "account": 1, "ticket-forms": 1, "automations/{id}/rules": 3, "admin/ticket_fields/{id}/sections": 1,
            "ticket_fields": 3,
        }

    def test_given_full_sync_when_requests_counted_then_one_conversations_call_per_ticket(self, full_sync, seeded):
        tickets = seeded.data.expected("tickets")
        assert full_sync["requests"]["tickets/{id}/conversations"] == len(tickets)

    def test_given_a_quiet_account_when_full_sync_then_each_tickets_list_costs_its_pages_once(self, full_sync, seeded):
        # 250 tickets over two years: the newest 100 span months, so one window holds the whole history.
        def pages(rows: int) -> int:
            return max(1, -(-rows // 100))

        calls = Counter(
            (e.query.get("order_type"), e.query.get("per_page"), e.query.get("filter"), "include" in e.query)
            for e in full_sync["entries"]
            if e.path == "/api/v2/tickets"
        )
        default = len(seeded.data.expected("tickets"))
        assert dict(calls) == {
            # The history lookup: the newest 100 tickets (the pace), then the oldest one (the start).
            ("desc", "100", None, False): 1,
            ("asc", "1", None, False): 1,
            # The tickets stream, with the includes: the default list, then the deleted and spam lists.
            ("asc", "100", None, True): pages(default),
            ("asc", "100", "deleted", True): pages(len(seeded.data.deleted_ticket_ids)),
            ("asc", "100", "spam", True): pages(len(seeded.data.spam_ticket_ids)),
            # The conversations' parent, without them.
            ("asc", "100", None, False): pages(default),
        }

    def test_given_deleted_and_spam_tickets_when_full_sync_then_they_come_out_flagged(self, full_sync, seeded):
        tickets = {t["id"]: t for t in full_sync["run"].records["tickets"]}
        assert sorted(i for i, t in tickets.items() if t.get("deleted")) == sorted(seeded.data.deleted_ticket_ids)
        assert sorted(i for i, t in tickets.items() if t.get("spam")) == sorted(seeded.data.spam_ticket_ids)

    def test_given_deleted_and_blocked_contacts_when_full_sync_then_they_come_out_after_the_default_list(
        self, full_sync, seeded
    ):
        contacts = [c["id"] for c in full_sync["run"].records["contacts"]]
        deleted, blocked = seeded.data.deleted_contact_ids, seeded.data.blocked_contact_ids
        assert (len(deleted), len(blocked)) == (2, 1)
        default_list = [c["id"] for c in seeded.data.expected("contacts")]
        assert sorted(contacts[len(default_list):len(default_list) + 2]) == deleted
        assert contacts == default_list + contacts[len(default_list):len(default_list) + 2] + blocked
        flagged = {c["id"]: c.get("deleted") for c in full_sync["run"].records["contacts"] if c["id"] in deleted + blocked}
        # Freshdesk flags deleted contacts; it documents no flag for blocked ones.
        assert flagged == {deleted[0]: True, deleted[1]: True, blocked[0]: None}

    def test_given_full_sync_when_conversations_read_then_each_carries_its_ticket_id(self, full_sync, seeded):
        by_ticket = Counter(r["ticket_id"] for r in full_sync["run"].records["conversations"])
        expected = Counter(r["ticket_id"] for r in seeded.data.expected("conversations"))
        assert by_ticket == expected

    def test_given_full_sync_when_done_then_ticket_activities_resume_after_the_last_day_of_the_export(
        self, full_sync, seeded
    ):
        state = full_sync["run"].last_state_per_stream()["ticket_activities"]
        newest = max(r["performed_at"] for r in seeded.data.expected("ticket_activities"))
        assert state["state"] == {"performed_at": newest}
        # The day the next sync starts with: the clock's day, the one after the export's last file.
        assert state["parent_state"]["ticket_activity_files"]["states"] == [
            {"partition": {"activities_export": "on", "parent_slice": {}},
             "cursor": {"next_export_date": seeded.data.now.strftime("%Y-%m-%dT00:00:00Z")}}
        ]
        # One call for yesterday's file first, then one per day of the export's 30, one per file.
        assert full_sync["requests"]["export/ticket_activities"] == 31
        assert full_sync["requests"]["exports/ticket_activities/{day}.json"] == 30
