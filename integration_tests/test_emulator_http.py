"""HTTP behaviour of the Freshdesk emulator: TLS, keep-alive, auth, endpoints, filters, pagination,
validation, plan and role gating. Every request goes through `requests` with verify=<the emulator's CA>.

Note: REQUESTS_CA_BUNDLE in the environment overrides `Session.verify`, so `verify` is passed per request.
"""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
import requests

from integration_tests.emulator.client import Client
from integration_tests.emulator import Emulator, Sizes
from integration_tests.emulator.timeutil import fmt, parse

SIZES = Sizes(tickets=120, contacts=40, companies=12, satisfaction_ratings=25, time_entries=30, deleted_tickets=3,
              spam_tickets=2, same_second_cluster=4)
VALIDATION = "Validation failed"


@pytest.fixture(scope="module")
def emu():
    with Emulator(seed=11, sizes=SIZES) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def client(emu):
    return Client(emu)


def live_states(emu: Emulator):
    return [emu.data.ticket_state(i) for i in range(1, SIZES.tickets + 1)
            if not emu.data.ticket_state(i).deleted and not emu.data.ticket_state(i).spam]


def invalid(field: str, message: str, code: str = "invalid_value") -> dict:
    return {"description": VALIDATION, "errors": [{"field": field, "message": message, "code": code}]}


class TestTransport:
    def test_https_with_a_certificate_for_localhost_and_127_0_0_1_signed_by_the_ca_file(self, emu):
        for host in ("localhost", "127.0.0.1"):
            url = f"https://{host}:{emu.port}/api/v2/groups"
            assert requests.get(url, auth=(emu.api_key, "X"), verify=emu.ca_file, timeout=10).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(emu.url("groups"), auth=(emu.api_key, "X"), verify=True, timeout=10)

    def test_keep_alive_serves_many_requests_on_one_connection_with_content_length(self, emu):
        client = Client(emu)
        for _ in range(5):
            response = client.get("agents")
            assert response.headers["Content-Length"] == str(len(response.content))
        pool_manager = client.session.get_adapter(emu.url("agents")).poolmanager
        pools = [pool_manager.pools[key] for key in pool_manager.pools.keys()]
        assert [(pool.num_connections, pool.num_requests) for pool in pools] == [(1, 5)]

    def test_serves_hundreds_of_requests_per_second(self, client, emu):
        statuses = Counter()
        started = time.monotonic()
        for ticket_id in range(1, 121):
            statuses[client.get(f"tickets/{ticket_id}/conversations").status_code] += 1
            statuses[client.get("tickets", {"updated_since": "2023-07-01", "per_page": 20, "page": ticket_id % 6 + 1}).status_code] += 1
        assert time.monotonic() - started < 2.4
        assert statuses == {200: 237, 404: 3}

    def test_unknown_path_answers_404_with_an_empty_body(self, client):
        for path in ("nope", "tickets/abc/conversations", "tickets/1/nope"):
            response = client.get(path)
            assert (response.status_code, response.content) == (404, b"")
        response = client.session.get(f"https://localhost:{client.emu.port}/nope", auth=(client.emu.api_key, "X"),
                                      verify=client.emu.ca_file)
        assert (response.status_code, response.content) == (404, b"")

    def test_writes_answer_405(self, client):
        response = client.session.post(client.emu.url("tickets"), json={"subject": "x"}, auth=(client.emu.api_key, "X"),
                                       verify=client.emu.ca_file)
        assert response.status_code == 405
        assert response.json() == {"code": "method_not_allowed", "message": "This API only answers GET requests."}


class TestAuthentication:
    BODY = {"code": "invalid_credentials", "message": "You have to be logged in to perform this action."}

    @pytest.mark.parametrize("auth", [None, ("wrong-key", "X"), ("", "")])
    def test_missing_or_wrong_key_answers_401(self, client, auth):
        response = client.get("agents", auth=auth)
        assert response.status_code == 401
        assert response.json() == self.BODY

    @pytest.mark.parametrize("password", ["X", "", "anything at all"])
    def test_the_key_with_any_password_is_accepted(self, client, password):
        assert client.get("agents", auth=(client.emu.api_key, password)).status_code == 200

    def test_a_custom_api_key_is_used(self):
        with Emulator(sizes=Sizes(tickets=10), api_key="custom-key") as emulator:
            client = Client(emulator)
            assert emulator.config() == {"api_key": "custom-key", "domain": f"localhost:{emulator.port}"}
            assert client.get("agents").status_code == 200
            assert client.get("agents", auth=("emulator-freshdesk-api-key-9f3c2a7b5d1e4c8a", "X")).status_code == 401


class TestPagination:
    def test_per_page_defaults_to_30_and_link_points_to_the_next_page_keeping_other_params(self, client, emu):
        response = client.get("contacts")
        assert len(response.json()) == 30
        assert response.headers["link"] == f'<https://localhost:{emu.port}/api/v2/contacts?page=2>; rel="next"'
        response = client.get("tickets", {"updated_since": "2024-01-01T00:00:00Z", "order_by": "updated_at",
                                          "order_type": "asc", "include": "requester,stats", "per_page": 10, "page": 2})
        assert response.headers["link"] == (
            f"<https://localhost:{emu.port}/api/v2/tickets?updated_since=2024-01-01T00:00:00Z&order_by=updated_at"
            f'&order_type=asc&include=requester,stats&per_page=10&page=3>; rel="next"'
        )

    def test_pages_cover_the_list_once_and_the_last_page_has_no_link(self, client, emu):
        expected = [row["id"] for row in emu.data.contact_query(None, None)]
        assert len(expected) == 37
        seen, page = [], 1
        while True:
            response = client.get("contacts", {"per_page": 10, "page": page})
            seen += [row["id"] for row in response.json()]
            if "link" not in response.headers:
                break
            page += 1
        assert (page, seen) == (4, expected)
        assert client.get("contacts", {"per_page": 37}).headers.get("link") is None
        assert client.get("contacts", {"per_page": 100, "page": 2}).json() == []

    def test_per_page_100_is_the_maximum(self, client):
        assert len(client.get("contacts", {"per_page": 100}).json()) == 37
        response = client.get("contacts", {"per_page": 101})
        assert response.status_code == 400
        assert response.json() == invalid("per_page", "It should be a Positive Integer less than or equal to 100")

    @pytest.mark.parametrize("page", ["0", "-1", "abc", ""])
    def test_invalid_page_answers_400(self, client, page):
        response = client.get("agents", {"page": page})
        assert response.status_code == 400
        assert response.json() == invalid("page", "It should be a Positive Integer")

    def test_tickets_beyond_the_page_cap_answer_400_with_freshdesks_exact_body(self, client):
        response = client.get("tickets", {"page": 301})
        assert response.status_code == 400
        assert response.content == (
            b'{"description":"Validation failed","errors":[{"field":"page","message":"You cannot access tickets '
            b'beyond the 300th page. Please provide a smaller page number.","code":"invalid_value"}]}'
        )
        assert client.get("tickets", {"page": 300}).json() == []

    def test_restarting_at_the_cap_with_the_last_updated_at_reads_every_ticket_once_deduplicated(self):
        with Emulator(seed=2, sizes=Sizes(tickets=60, same_second_cluster=6), page_cap=2) as emulator:
            client, seen, since, passes = Client(emulator), {}, "2020-01-01T00:00:00Z", 0
            while True:
                passes += 1
                rows = []
                for page in (1, 2):
                    rows += client.get("tickets", {"updated_since": since, "order_by": "updated_at", "order_type": "asc",
                                                   "per_page": 5, "page": page}).json()
                fresh = [row for row in rows if row["id"] not in seen]
                seen.update((row["id"], row) for row in rows)
                if not fresh or len(rows) < 10:
                    break
                since = rows[-1]["updated_at"]
            assert sorted(seen) == sorted(t["id"] for t in emulator.data.expected("tickets"))
            assert (len(seen), passes) == (55, 7)
            assert client.get("tickets", {"updated_since": since, "per_page": 5, "page": 3}).status_code == 400

    def test_the_page_cap_is_configurable_and_the_last_allowed_page_links_past_it(self):
        with Emulator(sizes=Sizes(tickets=40), page_cap=5) as emulator:
            client = Client(emulator)
            response = client.get("tickets", {"updated_since": "2020-01-01", "per_page": 1, "page": 5})
            assert response.status_code == 200 and response.headers["link"].endswith('page=6>; rel="next"')
            response = client.get("tickets", {"updated_since": "2020-01-01", "per_page": 1, "page": 6})
            assert response.json()["errors"][0]["message"] == (
                "You cannot access tickets beyond the 5th page. Please provide a smaller page number.")


class TestTickets:
    def test_default_list_is_tickets_created_in_the_last_30_days_newest_first(self, client, emu):
        window = emu.data.now_ts - 30 * 86400
        expected = sorted((s for s in live_states(emu) if s.created_at >= window), key=lambda s: s.id, reverse=True)
        assert len(expected) == 4
        assert client.ids("tickets") == [s.id for s in expected]

    def test_updated_since_is_inclusive_and_lifts_the_30_day_window(self, client, emu):
        states = sorted(live_states(emu), key=lambda s: (s.updated_at, s.id))
        pivot = states[60]
        at = fmt(pivot.updated_at)
        ids = client.ids("tickets", {"updated_since": at, "order_by": "updated_at", "order_type": "asc", "per_page": 100})
        assert ids == [s.id for s in states if s.updated_at >= pivot.updated_at]
        assert pivot.id in ids
        later = client.ids("tickets", {"updated_since": fmt(pivot.updated_at + 1), "per_page": 100})
        assert pivot.id not in later

    def test_updated_since_accepts_dates_zulu_times_and_offsets(self, client):
        params = {"order_by": "updated_at", "order_type": "asc", "per_page": 100}
        reference = client.ids("tickets", {**params, "updated_since": "2025-01-15T00:00:00Z"})
        assert len(reference) == 25
        for value in ("2025-01-15", "2025-01-15T00:00", "2025-01-15T05:30:00+05:30", "2025-01-14T19:00:00-0500",
                      "2025-01-15T01:00:00+01"):
            assert client.ids("tickets", {**params, "updated_since": value}) == reference

    @pytest.mark.parametrize("value", ["yesterday", "2025-13-01", "2025-01-15T00:00:00.000Z", "15/01/2025"])
    def test_invalid_updated_since_answers_400(self, client, value):
        response = client.get("tickets", {"updated_since": value})
        assert response.status_code == 400
        assert response.json() == invalid("updated_since", "It should be in the 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM:SSZ' format")

    @pytest.mark.parametrize("order_by,attribute", [("created_at", "created_at"), ("updated_at", "updated_at"),
                                                    ("status", "status"), ("due_by", "due_by")])
    @pytest.mark.parametrize("order_type", ["asc", "desc"])
    def test_order_by_and_order_type_with_an_id_tiebreak(self, client, emu, order_by, attribute, order_type):
        rows = client.get("tickets", {"updated_since": "2020-01-01", "order_by": order_by, "order_type": order_type,
                                      "per_page": 100}).json()
        rows += client.get("tickets", {"updated_since": "2020-01-01", "order_by": order_by, "order_type": order_type,
                                       "per_page": 100, "page": 2}).json()
        keys = [(row[attribute], row["id"]) for row in rows]
        assert keys == sorted(keys, reverse=order_type == "desc")
        assert len(rows) == 115

    def test_default_order_is_created_at_descending(self, client, emu):
        ids = client.ids("tickets", {"updated_since": "2020-01-01", "per_page": 100})
        assert ids == sorted((s.id for s in live_states(emu)), reverse=True)[:100]

    def test_same_second_cluster_is_returned_together_in_id_order(self, client, emu):
        cluster = emu.data.cluster_ticket_ids
        assert len(cluster) == 4
        second = fmt(emu.data.ticket_state(cluster[0]).updated_at)
        rows = client.get("tickets", {"updated_since": second, "order_by": "updated_at", "order_type": "asc"}).json()
        assert [row["id"] for row in rows if row["updated_at"] == second] == cluster

    def test_include_adds_requester_stats_and_description_at_two_credits_each(self, client, emu):
        params = {"updated_since": "2020-01-01", "per_page": 5}
        plain = client.get("tickets", params)
        assert plain.headers["X-Ratelimit-Used-CurrentRequest"] == "1"
        assert all(not {"requester", "stats", "description", "description_text"} & row.keys() for row in plain.json())
        one = client.get("tickets", {**params, "include": "requester"})
        assert one.headers["X-Ratelimit-Used-CurrentRequest"] == "3"
        assert [set(row) - set(plain.json()[0]) for row in one.json()] == [{"requester"}] * 5
        full = client.get("tickets", {**params, "include": "requester,stats,description"})
        assert full.headers["X-Ratelimit-Used-CurrentRequest"] == "7"
        first = full.json()[0]
        assert first == emu.data.ticket(first["id"])
        assert set(first["requester"]) == {"id", "name", "email", "mobile", "phone"}
        assert set(first["stats"]) == {"agent_responded_at", "requester_responded_at", "first_responded_at",
                                       "status_updated_at", "reopened_at", "resolved_at", "closed_at", "pending_since"}

    def test_unknown_include_item_answers_400(self, client):
        response = client.get("tickets", {"include": "requester,company"})
        assert response.status_code == 400
        assert response.json() == invalid("include", "It should be one of these values: 'requester,stats,description'")

    def test_unknown_parameters_and_values_answer_400_listing_every_error(self, client):
        response = client.get("tickets", {"order_by": "priority", "order_type": "up", "filter": "watching", "email": "a@b.c"})
        assert response.status_code == 400
        assert response.json() == {"description": VALIDATION, "errors": [
            {"field": "email", "message": "Unexpected/invalid field in request", "code": "invalid_field"},
            {"field": "filter", "message": "It should be one of these values: 'deleted,spam'", "code": "invalid_value"},
            {"field": "order_by", "message": "It should be one of these values: 'created_at,due_by,updated_at,status'",
             "code": "invalid_value"},
            {"field": "order_type", "message": "It should be one of these values: 'asc,desc'", "code": "invalid_value"},
        ]}

    def test_filter_deleted_and_spam_list_only_those_and_the_default_list_excludes_them(self, client, emu):
        params = {"updated_since": "2020-01-01", "per_page": 100}
        deleted = client.get("tickets", {**params, "filter": "deleted"}).json()
        spam = client.get("tickets", {**params, "filter": "spam"}).json()
        assert sorted(row["id"] for row in deleted) == emu.data.deleted_ticket_ids and len(deleted) == 3
        assert all(row["deleted"] is True for row in deleted)
        assert sorted(row["id"] for row in spam) == emu.data.spam_ticket_ids and len(spam) == 2
        assert all(row["spam"] is True and "deleted" not in row for row in spam)
        listed = client.ids("tickets", params) + client.ids("tickets", {**params, "page": 2})
        assert len(listed) == 115
        assert not set(listed) & set(emu.data.deleted_ticket_ids + emu.data.spam_ticket_ids)

    def test_conversations_of_a_ticket_and_404_for_unknown_or_deleted_ones(self, client, emu):
        with_conversations = next(s for s in live_states(emu) if s.n_conv >= 3)
        rows = client.get(f"tickets/{with_conversations.id}/conversations").json()
        assert rows == emu.data.conversations(with_conversations.id)
        assert len(rows) == with_conversations.n_conv
        assert {row["ticket_id"] for row in rows} == {with_conversations.id}
        assert client.get(f"tickets/{with_conversations.id}/conversations", {"per_page": 2}).headers["link"].endswith(
            f'/api/v2/tickets/{with_conversations.id}/conversations?per_page=2&page=2>; rel="next"')
        assert client.get("tickets/999999/conversations").status_code == 404
        assert client.get(f"tickets/{emu.data.deleted_ticket_ids[0]}/conversations").status_code == 404
        empty = next(s for s in live_states(emu) if s.n_conv == 0)
        assert client.get(f"tickets/{empty.id}/conversations").json() == []


class TestOtherLists:
    def test_contacts_are_sorted_by_name_not_by_updated_at(self, client, emu):
        rows = client.get("contacts", {"per_page": 100}).json()
        assert [(row["name"], row["id"]) for row in rows] == sorted((row["name"], row["id"]) for row in rows)
        assert [row["updated_at"] for row in rows] != sorted(row["updated_at"] for row in rows)
        assert len(rows) == 37

    @pytest.mark.parametrize("name", ["_updated_since", "updated_since"])
    def test_contacts_updated_since_filter(self, client, emu, name):
        rows = client.get("contacts", {"per_page": 100}).json()
        pivot = sorted(row["updated_at"] for row in rows)[20]
        filtered = client.get("contacts", {name: pivot, "per_page": 100}).json()
        assert [row["id"] for row in filtered] == [row["id"] for row in rows if row["updated_at"] >= pivot]
        assert len(filtered) == 17

    def test_contacts_state_deleted_and_blocked(self, client, emu):
        deleted = client.ids("contacts", {"state": "deleted"})
        blocked = client.ids("contacts", {"state": "blocked"})
        assert (len(deleted), len(blocked)) == (2, 1)
        assert not set(deleted + blocked) & set(client.ids("contacts", {"per_page": 100}))
        verified = client.ids("contacts", {"state": "verified", "per_page": 100})
        unverified = client.ids("contacts", {"state": "unverified", "per_page": 100})
        assert sorted(verified + unverified) == sorted(client.ids("contacts", {"per_page": 100}))
        response = client.get("contacts", {"state": "gone"})
        assert response.json() == invalid("state", "It should be one of these values: 'blocked,deleted,unverified,verified'")

    def test_companies_sorted_by_name_with_updated_since(self, client, emu):
        rows = client.get("companies", {"per_page": 100}).json()
        assert len(rows) == 12
        assert [(row["name"], row["id"]) for row in rows] == sorted((row["name"], row["id"]) for row in rows)
        pivot = sorted(row["updated_at"] for row in rows)[6]
        assert client.ids("companies", {"updated_since": pivot}) == [row["id"] for row in rows if row["updated_at"] >= pivot]

    def test_satisfaction_ratings_created_since(self, client, emu):
        rows = client.get("surveys/satisfaction_ratings", {"per_page": 100}).json()
        assert rows == emu.data.satisfaction_ratings and len(rows) == 25
        pivot = rows[10]["created_at"]
        assert client.ids("surveys/satisfaction_ratings", {"created_since": pivot}) == [
            row["id"] for row in rows if row["created_at"] >= pivot]

    def test_time_entries_executed_after_is_inclusive_and_executed_before_exclusive(self, client, emu):
        rows = client.get("time_entries", {"per_page": 100}).json()
        assert rows == emu.data.time_entries and len(rows) == 30
        pivot = sorted(row["executed_at"] for row in rows)[12]
        after = client.ids("time_entries", {"executed_after": pivot})
        before = client.ids("time_entries", {"executed_before": pivot})
        assert after == [row["id"] for row in rows if row["executed_at"] >= pivot]
        assert before == [row["id"] for row in rows if row["executed_at"] < pivot]
        assert sorted(after + before) == sorted(row["id"] for row in rows)
        window = client.ids("time_entries", {"executed_after": pivot, "executed_before": "2025-07-01"})
        assert window == [row["id"] for row in rows if pivot <= row["executed_at"] < "2025-07-01T00:00:00Z"]

    @pytest.mark.parametrize("path,source", [
        ("agents", "agents"), ("groups", "groups"), ("roles", "roles"), ("skills", "skills"), ("admin/skills", "skills"),
        ("products", "products"), ("business_hours", "business_hours"), ("email_configs", "email_configs"),
        ("email/mailboxes", "email_mailboxes"), ("scenario_automations", "scenario_automations"),
        ("sla_policies", "sla_policies"), ("ticket_fields", "ticket_fields"), ("contact_fields", "contact_fields"),
        ("company_fields", "company_fields"), ("surveys", "surveys"), ("canned_response_folders", "canned_response_folders"),
        ("discussions/categories", "discussion_categories"), ("solutions/categories", "solution_categories"),
    ])
    def test_flat_lists_return_the_data_set(self, client, emu, path, source):
        response = client.get(path, {"per_page": 100})
        assert response.status_code == 200
        assert response.json() == getattr(emu.data, source)

    def test_field_lists_are_not_paginated(self, client, emu):
        response = client.get("ticket_fields", {"per_page": 2})
        # 11 default fields and 12 custom ones, one of each Freshdesk custom field type
        assert len(response.json()) == 23 and "link" not in response.headers

    def test_settings_helpdesk_is_a_single_object_and_agents_me_the_administrator(self, client, emu):
        assert client.get("settings/helpdesk").json() == {
            "primary_language": "en", "supported_languages": ["de", "fr", "es"], "portal_languages": ["de", "fr"],
            "help_widget_languages": []}
        assert client.get("agents/me").json() == emu.data.agents[0]

    @pytest.mark.parametrize("parent_path,parents,child_path,relation,parent_key", [
        ("canned_response_folders", "canned_response_folders", "canned_response_folders/{}/responses", "canned_responses", "folder_id"),
        ("discussions/categories", "discussion_categories", "discussions/categories/{}/forums", "discussion_forums", "forum_category_id"),
        (None, "discussion_forums", "discussions/forums/{}/topics", "discussion_topics", "forum_id"),
        (None, "discussion_topics", "discussions/topics/{}/comments", "discussion_comments", "topic_id"),
        ("solutions/categories", "solution_categories", "solutions/categories/{}/folders", "solution_folders", "category_id"),
        (None, "solution_folders", "solutions/folders/{}/articles", "solution_articles", "folder_id"),
    ])
    def test_nested_routes_return_children_carrying_their_parent_id(self, client, emu, parent_path, parents, child_path,
                                                                   relation, parent_key):
        collected = []
        for parent in getattr(emu.data, parents):
            rows = client.get(child_path.format(parent["id"]), {"per_page": 100}).json()
            assert rows and {row[parent_key] for row in rows} == {parent["id"]}
            collected += rows
        assert collected == getattr(emu.data, relation)
        assert client.get(child_path.format(12345)).status_code == 404


class TestPlansAndRoles:
    FEATURE_PATHS = {
        "Surveys": ["surveys", "surveys/satisfaction_ratings"],
        "Forums": ["discussions/categories", "discussions/categories/60000000001/forums",
                   "discussions/forums/61000000001/topics", "discussions/topics/62000000001/comments"],
        "Timesheets": ["time_entries"],
        "Skills": ["skills", "admin/skills"],
    }
    ADMIN_PATHS = ["roles", "skills", "admin/skills", "business_hours", "canned_response_folders",
                   "canned_response_folders/58000000001/responses", "email_configs", "email/mailboxes", "sla_policies",
                   "scenario_automations", "settings/helpdesk", "export/ticket_activities", "account", "ticket-forms",
                   "automations/1/rules", "admin/ticket_fields/53000000003/sections"]

    def test_missing_plan_features_answer_403_require_feature_naming_the_feature(self):
        with Emulator(sizes=Sizes(tickets=20), plan_features=set()) as emulator:
            client = Client(emulator)
            for feature, paths in self.FEATURE_PATHS.items():
                for path in paths:
                    response = client.get(path)
                    assert response.status_code == 403, path
                    assert response.json() == {
                        "code": "require_feature",
                        "message": f"The {feature} feature(s) is/are not supported in your plan. Please upgrade your "
                                   "account to use it."}
            assert client.get("tickets").status_code == 200
            assert client.get("solutions/categories").status_code == 200
            emulator.plan_features = {"surveys", "forums", "timesheets", "skills"}
            assert client.get("surveys").status_code == 200

    def test_a_plan_with_some_features_gates_only_the_others(self):
        with Emulator(sizes=Sizes(tickets=20), plan_features={"surveys", "skills"}) as emulator:
            client = Client(emulator)
            statuses = {path: client.get(path).status_code for paths in self.FEATURE_PATHS.values() for path in paths}
            assert statuses == {"surveys": 200, "surveys/satisfaction_ratings": 200, "discussions/categories": 403,
                                "discussions/categories/60000000001/forums": 403, "discussions/forums/61000000001/topics": 403,
                                "discussions/topics/62000000001/comments": 403, "time_entries": 403, "skills": 200,
                                "admin/skills": 200}
        with pytest.raises(ValueError, match="unknown plan features"):
            Emulator(sizes=Sizes(tickets=20), plan_features={"archive"})

    def test_non_admin_keys_get_403_access_denied_on_admin_endpoints(self):
        with Emulator(sizes=Sizes(tickets=20), admin=False) as emulator:
            client = Client(emulator)
            for path in self.ADMIN_PATHS:
                response = client.get(path)
                assert response.status_code == 403, path
                assert response.json() == {"code": "access_denied", "message": "You are not authorized to perform this action."}
            for path in ("tickets", "contacts", "companies", "agents", "groups", "products", "surveys", "time_entries",
                         "ticket_fields", "contact_fields", "company_fields", "discussions/categories", "solutions/categories"):
                assert client.get(path).status_code == 200, path
            assert client.get("agents/me").json() == emulator.data.agents[1]
            emulator.admin = True
            assert client.get("roles").status_code == 200


class TestConfiguration:
    """The account (one object), ticket forms, automation rules by type (1, 3, 4; no type 2) and the sections
    of ticket fields (only the ticket type has any)."""

    def test_account_is_one_object_keyed_by_account_id(self, client):
        body = client.get("account").json()
        assert (body["account_id"], body["account_domain"], body["total_agents"]["full_time"]) == (
            1840509, "acme-support.freshdesk.com", SIZES.agents)

    def test_ticket_forms_list_the_default_form_first(self, client):
        forms = client.get("ticket-forms").json()
        assert [(f["id"], f["name"], f["default"]) for f in forms] == [
            (81000000001, "default_ticket_form", True), (81000000002, "return_items", False)]

    def test_automation_rules_by_type_each_carrying_its_type(self, client):
        by_type = {t: [(r["id"], r["automation_type_id"]) for r in client.get(f"automations/{t}/rules").json()] for t in (1, 3, 4)}
        assert by_type == {1: [(82000000001, 1), (82000000002, 1)], 3: [(82000000003, 3)],
                           4: [(82000000004, 4), (82000000005, 4)]}
        assert client.get("automations/2/rules").status_code == 404

    def test_only_the_ticket_type_has_sections(self, client, emu):
        with_sections = [f["id"] for f in emu.data.ticket_fields if f["has_section"]]
        assert with_sections == [53000000003]
        assert [s["id"] for s in client.get("admin/ticket_fields/53000000003/sections").json()] == [83000000001, 83000000002]
        assert client.get("admin/ticket_fields/53000000001/sections").json() == []
        assert client.get("admin/ticket_fields/99/sections").status_code == 404


class TestTicketActivitiesExport:
    """export/ticket_activities?created_at=<day>: a signed link per file of the 30 days before the clock's day,
    served by the emulator's storage host without credentials."""

    def test_each_of_the_30_days_answers_one_signed_link_and_any_other_day_404_file_not_found(self, client, emu):
        days = emu.data.activity_export_days()
        assert (days[0], days[-1]) == ("2025-06-01", "2025-06-30")
        for day in days:
            response = client.get("export/ticket_activities", {"created_at": day})
            assert response.status_code == 200, day
            [entry] = response.json()["export"]
            year, month, mday = day.split("-")
            assert entry["created_at"] == f"{int(mday)}-{int(month)}-{year}"
            assert entry["url"].startswith(f"https://localhost:{emu.port}/exports/ticket_activities/{day}.json?X-Amz-")
        for day in ("2025-05-31", "2025-07-01", "2026-01-01"):
            response = client.get("export/ticket_activities", {"created_at": day})
            assert (response.status_code, response.json()) == (404, {"code": "file_not_found", "message": "File not found"})

    def test_without_created_at_the_latest_file_and_an_invalid_date_answers_400(self, client):
        latest = client.get("export/ticket_activities").json()
        assert latest == client.get("export/ticket_activities", {"created_at": "2025-06-30"}).json()
        response = client.get("export/ticket_activities", {"created_at": "30/06/2025"})
        assert (response.status_code, response.json()) == (400, invalid(
            "created_at", "Value set is of type String.It should be a/an DateTime", "datatype_mismatch"))

    def test_the_link_serves_the_days_file_without_credentials_and_the_log_tells_if_a_key_was_sent(self, client, emu):
        busiest = max(emu.data.activity_export_days(), key=lambda day: len(emu.data.activity_file(day)["activities_data"]))
        url = client.get("export/ticket_activities", {"created_at": busiest}).json()["export"][0]["url"]
        emu.log.clear()
        plain = requests.get(url, verify=emu.ca_file, timeout=10)
        with_key = requests.get(url, auth=(emu.api_key, "X"), verify=emu.ca_file, timeout=10)
        assert plain.status_code == with_key.status_code == 200
        assert plain.headers["Content-Type"] == "application/json"
        assert plain.json() == emu.data.activity_file(busiest)
        assert plain.json()["metadata"]["activities_count"] == len(plain.json()["activities_data"]) > 0
        assert [(e.endpoint, e.authorization, e.credits) for e in emu.log.entries] == [
            ("exports/ticket_activities/{day}.json", False, 0), ("exports/ticket_activities/{day}.json", True, 0)]

    def test_a_link_is_refused_when_its_signature_is_wrong_or_once_it_expired(self):
        with Emulator(sizes=Sizes(tickets=30)) as emulator:
            client = Client(emulator)
            url = client.get("export/ticket_activities", {"created_at": "2025-06-30"}).json()["export"][0]["url"]
            forged = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
            refused = requests.get(forged, verify=emulator.ca_file, timeout=10)
            assert (refused.status_code, refused.headers["Content-Type"]) == (403, "application/xml")
            assert "<Code>SignatureDoesNotMatch</Code>" in refused.text
            emulator.data.advance(900)
            assert requests.get(url, verify=emulator.ca_file, timeout=10).status_code == 200
            emulator.data.advance(1)
            expired = requests.get(url, verify=emulator.ca_file, timeout=10)
            assert expired.status_code == 403 and "<Code>AccessDenied</Code><Message>Request has expired</Message>" in expired.text

    def test_an_account_without_the_export_answers_403_require_feature_before_looking_at_the_key(self):
        with Emulator(sizes=Sizes(tickets=150), activities_export=False, admin=False) as emulator:
            client = Client(emulator)
            response = client.get("export/ticket_activities", {"created_at": "2025-06-30"})
            assert (response.status_code, response.json()) == (403, {
                "code": "require_feature",
                "message": "The Activity Export feature(s) is/are not supported in your plan. Please upgrade your account "
                           "to use it."})
            assert emulator.expected("ticket_activities") == []
            emulator.activities_export = True
            assert client.get("export/ticket_activities").json()["code"] == "access_denied"
            emulator.admin = True
            assert client.get("export/ticket_activities").status_code == 200
            assert len(emulator.expected("ticket_activities")) > 0


def test_same_seed_gives_byte_identical_responses_and_another_seed_differs():
    paths = ["tickets?updated_since=2020-01-01&include=requester,stats,description&per_page=100", "tickets/7/conversations",
             "contacts?per_page=100", "companies", "agents", "surveys/satisfaction_ratings", "time_entries",
             "discussions/topics/62000000001/comments", "solutions/folders/65000000001/articles", "ticket_fields"]
    bodies = []
    for seed in (5, 5, 6):
        with Emulator(seed=seed, sizes=Sizes(tickets=60)) as emulator:
            client = Client(emulator)
            bodies.append([client.session.get(emulator.url(p), auth=(emulator.api_key, "X"), verify=emulator.ca_file).content
                           for p in paths])
    assert bodies[0] == bodies[1]
    assert bodies[0][0] != bodies[2][0]
    assert all(parse(row["updated_at"]) <= parse("2025-07-01T00:00:00Z") for row in json.loads(bodies[0][0]))
