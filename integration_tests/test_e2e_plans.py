"""Plan-gated and admin-only streams: skipped with one clear warning each, the sync still succeeds."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from integration_tests.conftest import SECRET_KEY, catalog_for, connector, expected_ids
from integration_tests.emulator import Emulator, Sizes
from integration_tests.test_e2e_full_sync import ALL_STREAMS

PLAN_GATED = {
    "surveys": "Surveys",
    "satisfaction_ratings": "Surveys",
    "discussion_categories": "Forums",
    "time_entries": "Timesheets",
    "skills": "Skills",  # admin-only too; Freshdesk answers the plan's 403 first
}
ADMIN_ONLY = [
    "account", "automation_rules", "business_hours", "canned_response_folders", "email_configs", "email_mailboxes",
    "roles", "scenario_automations", "settings", "sla_policies", "ticket_field_sections", "ticket_forms",
    "ticket_activities",  # the activities export answers account admins only (its one call, then nothing)
]
# Children of a skipped parent have no parent record to read, so they come out empty, without a call; the
# parent's warning names them.
EMPTY_CHILDREN = ["canned_responses", "discussion_forums", "discussion_topics", "discussion_comments"]
NAMED_CHILDREN = {
    "canned_response_folders": " Streams read from its records are empty too: canned_responses.",
    "discussion_categories": (
        " Streams read from its records are empty too: discussion_forums, discussion_topics and discussion_comments."),
}


@pytest.fixture(scope="module")
def restricted() -> Dict[str, Any]:
    emu = Emulator(seed=3, sizes=Sizes(tickets=120), plan_features=set(), admin=False, api_key=SECRET_KEY).start()
    try:
        catalog = catalog_for(emu)
        emu.log.clear()
        run = connector("read", emu.config(), catalog, env=emu.env())
        return {"run": run, "emu": emu, "requests": emu.log.by_endpoint(), "check": connector("check", emu.config(), env=emu.env())}
    finally:
        emu.stop()


class TestRestrictedAccount:
    """Contract: on a plan without Surveys/Forums/Timesheets/Skills and with a non-admin key, every
    stream answering 403 is skipped with exactly one WARN log naming the stream, Freshdesk's message and
    what to do; every other stream is read completely; the sync exits 0; `check` succeeds."""

    def test_given_no_features_and_no_admin_when_read_then_exit_0_without_errors(self, restricted):
        assert restricted["run"].returncode == 0, restricted["run"].stderr[-3000:]
        assert restricted["run"].trace_errors() == []

    def test_given_plan_without_features_when_read_then_one_warning_per_gated_stream(self, restricted):
        warnings = restricted["run"].logs("WARN")
        for stream, feature in PLAN_GATED.items():
            mine = [w for w in warnings if w.startswith(f"Skipping stream '{stream}':")]
            assert mine == [
                f"Skipping stream '{stream}': Freshdesk says \"The {feature} feature(s) is/are not supported in "
                f"your plan. Please upgrade your account to use it.\" The account's plan does not include this "
                f"feature; deselect the stream or upgrade the plan.{NAMED_CHILDREN.get(stream, '')}"
            ]

    def test_given_non_admin_key_when_read_then_one_warning_per_admin_stream(self, restricted):
        warnings = restricted["run"].logs("WARN")
        for stream in ADMIN_ONLY:
            mine = [w for w in warnings if w.startswith(f"Skipping stream '{stream}':")]
            assert mine == [
                f"Skipping stream '{stream}': Freshdesk says \"You are not authorized to perform this action.\" "
                f"The API key's agent lacks the privilege for it; use an admin's API key to read it, or "
                f"deselect the stream.{NAMED_CHILDREN.get(stream, '')}"
            ]

    def test_given_skipped_streams_when_read_then_no_other_warning(self, restricted):
        skipped = set(PLAN_GATED) | set(ADMIN_ONLY)
        others = [w for w in restricted["run"].logs("WARN") if not any(w.startswith(f"Skipping stream '{s}':") for s in skipped)]
        assert others == []

    def test_given_skipped_streams_when_read_then_they_and_their_children_are_empty(self, restricted):
        for stream in list(PLAN_GATED) + ADMIN_ONLY + EMPTY_CHILDREN:
            assert restricted["run"].records.get(stream, []) == [], stream
        assert "canned_response_folders/{id}/responses" not in restricted["requests"]
        assert "discussions/categories/{id}/forums" not in restricted["requests"]
        assert restricted["requests"]["export/ticket_activities"] == 1
        # Each automation type's list answers 403 (they are read side by side): one warning, three calls.
        assert restricted["requests"]["automations/{id}/rules"] == 3
        assert restricted["requests"]["admin/ticket_fields/{id}/sections"] == 1
        assert "exports/ticket_activities/{day}.json" not in restricted["requests"]

    @pytest.mark.parametrize(
        "stream",
        sorted(set(ALL_STREAMS) - set(PLAN_GATED) - set(ADMIN_ONLY) - set(EMPTY_CHILDREN)),
    )
    def test_given_restricted_account_when_read_then_every_other_stream_is_complete(self, restricted, stream):
        got = sorted(r["id"] for r in restricted["run"].records[stream])
        assert got == expected_ids(restricted["emu"], stream)
        assert restricted["run"].stream_statuses()[stream] == "COMPLETE"

    def test_given_valid_non_admin_key_on_small_plan_when_check_then_succeeded(self, restricted):
        status = restricted["check"].one("CONNECTION_STATUS")["connectionStatus"]
        assert status == {"status": "SUCCEEDED"}
