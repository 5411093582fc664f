"""The emulator's data set: determinism, record shapes, parent links, mutations (checked over HTTP too),
expected(), the virtual clock and scale."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
import requests

from integration_tests.emulator import Dataset, Emulator, Sizes
from integration_tests.emulator.codec import dumps
from integration_tests.emulator.activities import fmt_export, parse_export
from integration_tests.emulator.timeutil import fmt, parse

NOW = parse("2025-07-01T00:00:00Z")
DAY = 86400
TICKET_KEYS = {
    "cc_emails", "fwd_emails", "reply_cc_emails", "ticket_cc_emails", "fr_escalated", "spam", "email_config_id",
    "group_id", "priority", "requester_id", "responder_id", "source", "company_id", "status", "subject",
    "association_type", "support_email", "to_emails", "product_id", "id", "type", "due_by", "fr_due_by",
    "is_escalated", "custom_fields", "created_at", "updated_at", "associated_tickets_count", "tags", "description",
    "description_text", "requester", "stats", "nr_due_by", "nr_escalated",
}
CONVERSATION_KEYS = {
    "body", "body_text", "id", "incoming", "private", "user_id", "support_email", "source", "category", "to_emails",
    "from_email", "cc_emails", "bcc_emails", "email_failure_count", "outgoing_failures", "thread_id",
    "thread_message_id", "created_at", "updated_at", "last_edited_at", "last_edited_user_id", "attachments",
    "automation_id", "automation_type_id", "auto_response", "ticket_id", "source_additional_info",
}
STREAMS = [
    "account", "agents", "automation_rules", "business_hours", "canned_response_folders", "canned_responses",
    "companies", "company_fields", "contact_fields", "contacts", "conversations", "discussion_categories",
    "discussion_comments", "discussion_forums", "discussion_topics", "email_configs", "email_mailboxes", "groups",
    "products", "roles", "satisfaction_ratings", "scenario_automations", "settings", "skills", "sla_policies",
    "solution_articles", "solution_categories", "solution_folders", "surveys", "ticket_activities",
    "ticket_field_sections", "ticket_fields", "ticket_forms", "tickets", "time_entries",
]


# What a custom field's value looks like in a record, by the field's type. Freshdesk sends a decimal's
# value as a string such as "49.90".
CUSTOM_VALUE_CHECKS = {
    "custom_text": lambda v: v is None or isinstance(v, str),
    "custom_paragraph": lambda v: v is None or isinstance(v, str),
    "custom_dropdown": lambda v: v is None or isinstance(v, str),
    "nested_field": lambda v: v is None or isinstance(v, str),
    "custom_url": lambda v: v is None or v.startswith("https://"),
    "custom_number": lambda v: v is None or type(v) is int,
    "custom_decimal": lambda v: v is None or (isinstance(v, str) and float(v) >= 0 and len(v.split(".")[1]) == 2),
    "custom_checkbox": lambda v: type(v) is bool,
    "custom_date": lambda v: v is None or (len(v) == 10 and parse(v) > 0),
    "custom_date_time": lambda v: v is None or (len(v) == 20 and parse(v) > 0),
    "custom_phone_number": lambda v: v is None or (isinstance(v, str) and v.startswith("+1-555-")),
    "custom_multi_select_dropdown": lambda v: v is None or (
        isinstance(v, list) and 1 <= len(v) <= 2 and set(v) <= {"Widget", "Gadget", "Gizmo"}),
}

@pytest.fixture(scope="module")
def data() -> Dataset:
    return Dataset(seed=7)


def get(emu: Emulator, path: str, **params: Any) -> requests.Response:
    return requests.get(emu.url(path), params=params, auth=(emu.api_key, "X"), verify=emu.ca_file, timeout=10)


class TestDeterminismAndClock:
    def test_same_seed_and_sizes_give_identical_data_and_a_new_seed_other_data(self, data):
        again = Dataset(seed=7)
        assert all(dumps(data.expected(s)) == dumps(again.expected(s)) for s in STREAMS)
        other = Dataset(seed=8)
        assert dumps(data.expected("tickets")) != dumps(other.expected("tickets"))

    def test_seed_7_default_sizes_are_pinned(self, data):
        first = data.ticket(1)
        assert (first["id"], first["created_at"], first["subject"]) == (1, "2023-07-02T18:06:53Z", "Question about how to cancel my subscription")
        assert [len(data.expected(s)) for s in ("tickets", "contacts", "companies", "conversations")] == [245, 117, 30, 554]

    def test_the_virtual_clock_and_a_two_year_history_in_the_past(self, data):
        assert data.now.isoformat() == "2025-07-01T00:00:00+00:00" and data.now_ts == NOW
        stamps = [row[key] for stream in STREAMS for row in data.expected(stream)
                  for key in ("created_at", "updated_at", "executed_at") if isinstance(row.get(key), str)]
        # 2430 before the 9 custom field definitions added for typed custom fields, 2448 before the 8 added
        # so that every Freshdesk custom field type is there (dates as columns), 2464 before the configuration
        # streams (2 ticket forms, 5 automation rules, 2 sections)
        assert len(stamps) == 2482
        assert fmt(NOW - 730 * DAY) <= min(stamps) and max(stamps) <= fmt(NOW)
        assert all(row["created_at"] <= row["updated_at"] for row in data.expected("tickets"))

    def test_another_anchor_moves_every_timestamp(self):
        moved = Dataset(seed=7, now="2024-07-01T00:00:00Z")
        assert moved.ticket(1)["created_at"] == fmt(parse("2023-07-02T18:06:53Z") - 365 * DAY)

    def test_sizes_are_validated(self):
        with pytest.raises(ValueError, match="must not be negative"):
            Sizes(tickets=-1)
        with pytest.raises(ValueError, match="conversations_per_ticket_max"):
            Sizes(conversations_per_ticket_max=100)
        with pytest.raises(ValueError, match="exceed tickets"):
            Sizes(tickets=5, deleted_tickets=3, spam_tickets=2, same_second_cluster=1)
        with pytest.raises(ValueError, match="at least one contact"):
            Sizes(contacts=3, deleted_contacts=2, blocked_contacts=1)


class TestShapes:
    def test_ticket_records_have_freshdesks_fields_and_typed_custom_fields(self, data):
        tickets = data.expected("tickets")
        assert all(set(ticket) == TICKET_KEYS for ticket in tickets)
        custom = {f["name"]: f["type"] for f in data.ticket_fields if not f["default"]}
        assert custom == {"cf_order_number": "custom_text", "cf_units_affected": "custom_number",
                          "cf_vip_customer": "custom_checkbox", "cf_follow_up_date": "custom_date",
                          "cf_category": "custom_dropdown", "cf_refund_amount": "custom_decimal",
                          "cf_internal_note": "custom_paragraph", "cf_callback_at": "custom_date_time",
                          "cf_region": "nested_field", "cf_order_page": "custom_url",
                          "cf_callback_phone": "custom_phone_number",
                          "cf_affected_products": "custom_multi_select_dropdown"}
        choices = next(f["choices"] for f in data.ticket_fields if f["name"] == "cf_category")
        region = next(f for f in data.ticket_fields if f["name"] == "cf_region")
        assert [(level["name"], level["level"], level["ticket_field_id"]) for level in region["nested_ticket_fields"]] == [
            ("cf_country", 2, region["id"]), ("cf_city", 3, region["id"])]
        for ticket in tickets:
            values = ticket["custom_fields"]
            assert set(values) == set(custom) | {"cf_country", "cf_city"}
            assert all(CUSTOM_VALUE_CHECKS[custom[name]](values[name]) for name in custom)
            assert values["cf_category"] is None or values["cf_category"] in choices
            # a level is set only under the one above it, and among its choices
            assert values["cf_country"] is None or values["cf_country"] in region["choices"][values["cf_region"]]
            assert values["cf_city"] is None or values["cf_city"] in region["choices"][values["cf_region"]][values["cf_country"]]
        values = {name: {repr(t["custom_fields"][name]) for t in tickets} for name in [*custom, "cf_country", "cf_city"]}
        assert all(len(seen) >= 2 for seen in values.values())
        assert {t["status"] for t in tickets} == {2, 3, 4, 5} and {t["priority"] for t in tickets} == {1, 2, 3, 4}
        assert {t["source"] for t in tickets} <= {1, 2, 3, 7, 9, 10}

    @pytest.mark.parametrize("stream, fields, expected", [
        ("contacts", "contact_fields", {"cf_customer_tier": "custom_dropdown", "cf_newsletter": "custom_checkbox",
                                        "cf_loyalty_points": "custom_number", "cf_member_since": "custom_date",
                                        "department": "custom_text", "backup_phone": "custom_phone_number"}),
        ("companies", "company_fields", {"cf_contract_id": "custom_text", "cf_annual_revenue": "custom_decimal",
                                         "cf_seats": "custom_number", "cf_website": "custom_url",
                                         "key_account": "custom_checkbox", "onboarded_on": "custom_date",
                                         "account_notes": "custom_paragraph"}),
    ])
    def test_contact_and_company_custom_fields_match_their_definitions(self, data, stream, fields, expected):
        custom = {f["name"]: f["type"] for f in getattr(data, fields) if not f["default"]}
        assert custom == expected
        rows = data.expected(stream)
        for row in rows:
            assert set(row["custom_fields"]) == set(custom)
            assert all(CUSTOM_VALUE_CHECKS[custom[name]](value) for name, value in row["custom_fields"].items())
        assert all(len({repr(row["custom_fields"][name]) for row in rows}) >= 2 for name in custom)

    def test_requester_and_stats_are_consistent_with_contacts_and_conversations(self, data):
        contacts = {row["id"]: row for row in data.contacts}
        for ticket in data.expected("tickets")[:80]:
            requester = contacts[ticket["requester_id"]]
            assert ticket["requester"] == {k: requester[k] for k in ("id", "name", "email", "mobile", "phone")}
            assert ticket["company_id"] == requester["company_id"]
            replies = [c["created_at"] for c in data.conversations(ticket["id"]) if not c["incoming"] and not c["private"]]
            assert ticket["stats"]["first_responded_at"] == (replies[0] if replies else None)
            assert (ticket["stats"]["closed_at"] is not None) == (ticket["status"] == 5)

    def test_conversations_belong_to_their_ticket_and_some_tickets_have_none(self, data):
        counts = Counter()
        for ticket in data.expected("tickets"):
            rows = data.conversations(ticket["id"])
            counts[len(rows)] += 1
            for row in rows:
                assert set(row) == CONVERSATION_KEYS and row["ticket_id"] == ticket["id"]
                assert ticket["created_at"] <= row["created_at"] <= ticket["updated_at"]
        assert counts[0] == 54 and max(counts) == Sizes().conversations_per_ticket_max

    def test_children_carry_parent_ids_and_parents_expose_counts(self, data):
        for folder in data.canned_response_folders:
            responses = [r for r in data.canned_responses if r["folder_id"] == folder["id"]]
            assert folder["responses_count"] == len(responses) == 3
        for forum in data.discussion_forums:
            topics = [t for t in data.discussion_topics if t["forum_id"] == forum["id"]]
            posts = [c for c in data.discussion_comments if c["forum_id"] == forum["id"]]
            assert (forum["topics_count"], forum["posts_count"], forum["comments_count"]) == (len(topics), len(posts), len(posts))
            assert forum["forum_category_id"] in {c["id"] for c in data.discussion_categories}
        for topic in data.discussion_topics:
            assert topic["posts_count"] == len([c for c in data.discussion_comments if c["topic_id"] == topic["id"]]) == 3
        for folder in data.solution_folders:
            articles = [a for a in data.solution_articles if a["folder_id"] == folder["id"]]
            assert folder["articles_count"] == len(articles) == 3
            assert {a["category_id"] for a in articles} == {folder["category_id"]}
        assert len(data.solution_articles) == 2 * 2 * 3 and len(data.discussion_comments) == 2 * 2 * 2 * 3

    def test_cross_references_point_at_existing_records(self, data):
        ids = {name: {row["id"] for row in getattr(data, name)} for name in ("agents", "groups", "products", "contacts", "surveys")}
        for ticket in data.expected("tickets"):
            assert ticket["responder_id"] in ids["agents"] | {None} and ticket["group_id"] in ids["groups"] | {None}
            assert ticket["product_id"] in ids["products"] | {None} and ticket["requester_id"] in ids["contacts"]
        assert all(r["survey_id"] in ids["surveys"] and r["agent_id"] in ids["agents"] for r in data.satisfaction_ratings)
        assert [m["id"] for m in data.email_mailboxes] == [c["id"] for c in data.email_configs]
        assert any(e["executed_at"] < e["created_at"] for e in data.time_entries)

    def test_same_second_cluster_size_is_configurable(self):
        data = Dataset(seed=3, sizes=Sizes(tickets=100, same_second_cluster=7))
        shared = Counter(t["updated_at"] for t in data.expected("tickets"))
        second, size = shared.most_common(1)[0]
        assert size == 7 and data.cluster_ticket_ids == sorted(t["id"] for t in data.expected("tickets") if t["updated_at"] == second)


class TestMutations:
    def test_ticket_mutations_bump_updated_at_and_show_over_http(self):
        with Emulator(seed=4, sizes=Sizes(tickets=60)) as emu:
            data = emu.data
            assert data.advance(3600).isoformat() == "2025-07-01T01:00:00+00:00"
            now = "2025-07-01T01:00:00Z"
            live = [t["id"] for t in data.expected("tickets")]
            assert data.update_tickets(live[:2]) == live[:2]
            conversation_ids = data.add_conversation(live[2])
            assert conversation_ids == [79000000001]
            assert data.delete_tickets([live[3]]) == [live[3]] and data.spam_tickets([live[4]]) == [live[4]]
            rows = get(emu, "tickets", updated_since=now, order_by="updated_at", order_type="asc").json()
            assert [row["id"] for row in rows] == sorted(live[:3])
            assert {row["updated_at"] for row in rows} == {now}
            conversations = get(emu, f"tickets/{live[2]}/conversations").json()
            assert conversations[-1]["id"] == 79000000001 and conversations[-1]["created_at"] == now
            assert conversations[-1]["incoming"] is True
            assert live[3] in [row["id"] for row in get(emu, "tickets", updated_since=now, filter="deleted").json()]
            assert [row["id"] for row in get(emu, "tickets", updated_since=now, filter="spam").json()] == [live[4]]
            assert get(emu, f"tickets/{live[3]}/conversations").status_code == 404
            assert data.set_updated_at(live[5:8], "2025-06-30T12:00:00Z") == live[5:8]
            assert {data.ticket(i)["updated_at"] for i in live[5:8]} == {"2025-06-30T12:00:00Z"}
            with pytest.raises(ValueError, match="was created after"):
                data.set_updated_at([live[0]], "2020-01-01")
            with pytest.raises(KeyError):
                data.update_tickets([10_000])

    def test_add_conversation_kinds(self):
        data = Dataset(sizes=Sizes(tickets=20))
        data.add_conversation(5, kind="reply")
        data.add_conversation(5, kind="note")
        last = data.conversations(5)[-2:]
        assert [(c["incoming"], c["private"], c["id"]) for c in last] == [(False, False, 79000000001), (False, True, 79000000002)]
        assert data.ticket(5)["stats"]["agent_responded_at"] == "2025-07-01T00:00:00Z"
        with pytest.raises(ValueError):
            data.add_conversation(5, kind="tweet")

    def test_contact_company_rating_and_time_entry_mutations_show_over_http(self):
        with Emulator(seed=4, sizes=Sizes(tickets=40, contacts=20, companies=5)) as emu:
            data = emu.data
            data.advance(60)
            now = "2025-07-01T00:01:00Z"
            new_contacts = data.add_contacts(2)
            assert new_contacts == [48000000021, 48000000022]
            existing = [c["id"] for c in data.expected("contacts")][:2]
            assert data.update_contacts(existing) == existing
            assert sorted(row["id"] for row in get(emu, "contacts", _updated_since=now).json()) == sorted(new_contacts + existing)
            assert data.delete_contacts([existing[0]]) == [existing[0]]
            assert existing[0] in [row["id"] for row in get(emu, "contacts", state="deleted").json()]
            assert existing[0] not in [row["id"] for row in get(emu, "contacts", per_page=100).json()]
            assert data.add_companies(1) == [47000000006]
            assert [row["id"] for row in get(emu, "companies", updated_since=now).json()] == [47000000006]
            ratings = data.add_satisfaction_ratings(2)
            assert [row["id"] for row in get(emu, "surveys/satisfaction_ratings", created_since=now).json()] == ratings
            entries = data.add_time_entries(3)
            assert [row["id"] for row in get(emu, "time_entries", executed_after=now).json()] == entries
            assert [data.time_entries[-1]["executed_at"], data.satisfaction_ratings[-1]["created_at"]] == [now, now]

    def test_advancing_the_clock_moves_the_default_30_day_window(self):
        with Emulator(seed=4, sizes=Sizes(tickets=200)) as emu:
            before = [row["id"] for row in get(emu, "tickets").json()]
            emu.data.advance(10 * DAY)
            after = [row["id"] for row in get(emu, "tickets").json()]
            window = emu.data.now_ts - 30 * DAY
            assert after == sorted((t["id"] for t in emu.data.expected("tickets") if parse(t["created_at"]) >= window), reverse=True)
            assert set(after) < set(before)
            with pytest.raises(ValueError):
                emu.data.advance(-1)

    def test_mutations_are_thread_safe(self):
        data = Dataset(sizes=Sizes(tickets=50))
        added: list[int] = []

        def work(ticket_id: int) -> None:
            for _ in range(50):
                added.extend(data.add_conversation(ticket_id))
                data.expected("tickets")[:1]

        threads = [threading.Thread(target=work, args=(ticket_id,)) for ticket_id in (2, 3, 4, 5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(added) == list(range(79000000001, 79000000201))


class TestExpected:
    def test_stream_names(self, data):
        assert list(Dataset.STREAMS) == STREAMS
        with pytest.raises(KeyError):
            data.expected("ticket_widgets")

    def test_start_date_filters_each_stream_on_its_server_side_field(self, data):
        start = "2025-01-01T00:00:00Z"
        tickets = data.expected("tickets", start)
        assert [t["id"] for t in tickets] == [t["id"] for t in sorted(data.expected("tickets"), key=lambda t: (t["updated_at"], t["id"]))
                                              if t["updated_at"] >= start]
        assert len(tickets) == 66
        assert [c["ticket_id"] for c in data.expected("conversations", start)] == [
            t["id"] for t in tickets for _ in data.conversations(t["id"])]
        for stream, key in (("contacts", "updated_at"), ("companies", "updated_at"),
                            ("satisfaction_ratings", "created_at"), ("time_entries", "executed_at")):
            everything = data.expected(stream)
            assert data.expected(stream, start) == [row for row in everything if row[key] >= start]
            assert 0 < len(data.expected(stream, start)) < len(everything)
        assert data.expected("groups", start) == data.expected("groups") == data.groups
        assert data.expected("settings") == [data.settings]

    def test_expected_returns_copies(self, data):
        rows = data.expected("groups")
        rows[0]["name"] = "changed"
        assert data.groups[0]["name"] != "changed"

    def test_the_emulator_leaves_out_streams_its_plan_or_role_cannot_read(self):
        emu = Emulator(sizes=Sizes(tickets=20), plan_features={"skills"}, admin=False)
        empty = [stream for stream in STREAMS if not emu.expected(stream)]
        assert empty == ["account", "automation_rules", "business_hours", "canned_response_folders", "canned_responses",
                         "discussion_categories", "discussion_comments", "discussion_forums", "discussion_topics",
                         "email_configs", "email_mailboxes", "roles", "satisfaction_ratings", "scenario_automations",
                         "settings", "skills", "sla_policies", "surveys", "ticket_activities", "ticket_field_sections",
                         "ticket_forms", "time_entries"]


class TestTicketActivities:
    """The scheduled ticket activity export's files: the 30 days before the clock's day, built from the tickets."""

    def test_the_export_holds_the_30_days_before_the_clocks_day_and_no_other(self, data):
        days = data.activity_export_days()
        assert (days[0], days[-1], len(days)) == ("2025-06-01", "2025-06-30", 30)
        assert [data.activity_file(day) for day in ("2025-05-31", "2025-07-01", "2025-06-31")] == [None, None, None]
        quiet = data.activity_file("2025-06-14")
        assert quiet == {"metadata": {"start_at": "14-06-2025 00:00:00 +0000", "end_at": "14-06-2025 23:59:59 +0000",
                                      "activities_count": 0}, "activities_data": []}

    def test_each_activity_is_a_real_event_of_a_real_ticket_in_its_files_day(self, data):
        agents = {agent["id"] for agent in data.agents}
        rows = []
        for day in data.activity_export_days():
            body = data.activity_file(day)
            assert body["metadata"]["activities_count"] == len(body["activities_data"])
            stamps = [parse_export(row["performed_at"]) for row in body["activities_data"]]
            assert stamps == sorted(stamps) and all(fmt(stamp)[:10] == day for stamp in stamps)
            rows += body["activities_data"]
        assert len(rows) == 53
        assert Counter(next(iter(row["activity"])) for row in rows) == {"note": 30, "new_ticket": 8, "agent_id": 8, "status": 7}
        for row in rows:
            ticket = data.ticket(row["ticket_id"])
            assert row["performer_type"] == "user"
            kind = next(iter(row["activity"]))
            if kind == "new_ticket":
                assert row["performer_id"] == ticket["requester_id"]
                assert row["performed_at"] == fmt_export(parse(ticket["created_at"]))
                assert row["activity"] == {"new_ticket": True, "status": "Open", "priority": ticket["priority"],
                                           "source": ticket["source"], "requester_id": ticket["requester_id"]}
            elif kind == "note":
                if data.conversations(row["ticket_id"]) is None:  # a deleted ticket: its history stays
                    assert row["ticket_id"] in data.deleted_ticket_ids
                    continue
                [conversation] = [c for c in data.conversations(row["ticket_id"]) if c["id"] == row["activity"]["note"]["id"]]
                assert row["performed_at"] == fmt_export(parse(conversation["created_at"]))
                assert row["performer_id"] == (ticket["requester_id"] if conversation["incoming"] else ticket["responder_id"] or min(agents))
            elif kind == "agent_id":
                assert row["activity"] == {"agent_id": ticket["responder_id"]} and row["performer_id"] == min(agents)
            else:
                assert row["activity"] == {"status": {3: "Pending", 4: "Resolved", 5: "Closed"}[ticket["status"]]}
                assert row["performed_at"] == fmt_export(parse(ticket["stats"]["status_updated_at"]))

    def test_the_files_are_a_pure_function_of_seed_sizes_and_clock(self, data):
        again = Dataset(seed=7)
        assert [dumps(again.activity_file(day)) for day in again.activity_export_days()] == [
            dumps(data.activity_file(day)) for day in data.activity_export_days()]
        other = Dataset(seed=8)
        assert dumps(other.activity_file("2025-06-30")) != dumps(data.activity_file("2025-06-30"))

    def test_expected_is_every_file_from_start_dates_day_with_utc_timestamps(self, data):
        everything = data.expected("ticket_activities")
        assert len(everything) == 53
        assert everything[0] == {**data.activity_file("2025-06-01")["activities_data"][0],
                                 "performed_at": fmt(parse_export(data.activity_file("2025-06-01")["activities_data"][0]["performed_at"]))}
        from_the_20th = data.expected("ticket_activities", "2025-06-20T15:00:00Z")
        assert from_the_20th == [row for row in everything if row["performed_at"] >= "2025-06-20T00:00:00Z"]
        assert len(from_the_20th) == 18

    def test_a_day_later_the_export_gains_that_day_with_what_happened_in_it_and_drops_its_oldest_day(self):
        data = Dataset(seed=7, sizes=Sizes(tickets=60))
        data.advance(3600)
        [conversation_id] = data.add_conversation(5, "reply")
        assert data.activity_file("2025-07-01") is None
        data.advance(DAY)
        assert data.activity_export_days()[0] == "2025-06-02" and data.activity_file("2025-06-01") is None
        new_day = data.activity_file("2025-07-01")["activities_data"]
        assert {"performed_at": "01-07-2025 01:00:00 +0000", "ticket_id": 5, "performer_type": "user",
                "performer_id": data.ticket(5)["responder_id"] or data.agents[0]["id"],
                "activity": {"note": {"id": conversation_id, "type": 3}}} in new_day


def test_generates_100k_tickets_quickly():
    started = time.monotonic()
    data = Dataset(seed=1, sizes=Sizes(tickets=100_000, contacts=5_000, companies=500))
    assert time.monotonic() - started < 20
    assert len(data.tickets) == 100_000
    assert data.tickets[99_999]["id"] == 100_000
    assert len(data.ticket_query("default", parse("2025-06-01"), "updated_at", "asc")) == 5546
