"""A sync resumes from the state Airbyte's official Freshdesk connector left, without reading history again.

The official connector's states, as it writes them: tickets and contacts `{"updated_at": X}`,
satisfaction_ratings `{"updated_at": X}` (its cursor field; ours is created_at, migrated by the
manifest's `state_migrations`). Older platforms pass the whole state file in the legacy form, one
object keyed by stream name, or a list holding one LEGACY message (read by `source-freshdesk`'s
`read_state`). Each test runs the real command line against the emulator and checks the first
request of each stream (for tickets, read in parallel time windows: the earliest window of each list)
must filter from the migrated value.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from integration_tests.commands import run_command
from integration_tests.conftest import SECRET_KEY, assert_no_secret, catalog_for, expected_ids
from integration_tests.emulator import Emulator, Sizes
from integration_tests.harness import Run, connector_command

TICKETS_FROM = "2025-03-01T00:00:00Z"
CONTACTS_FROM = "2025-02-01T00:00:00Z"
RATINGS_FROM = "2025-04-01T00:00:00Z"
START_DATE = "2024-01-01T00:00:00Z"
STREAMS = ["contacts", "satisfaction_ratings", "tickets"]

# Per-stream states exactly as the official connector emits them.
OFFICIAL_STATES = {
    "tickets": {"updated_at": TICKETS_FROM},
    "contacts": {"updated_at": CONTACTS_FROM},
    "satisfaction_ratings": {"updated_at": RATINGS_FROM},
}


def stream_messages(states: Dict[str, Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": state}}
        for name, state in states.items()
    ]


@pytest.fixture(scope="module")
def account() -> Emulator:
    emu = Emulator(seed=31, sizes=Sizes(tickets=80, contacts=60, satisfaction_ratings=40), api_key=SECRET_KEY).start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def catalog(account) -> Dict[str, Any]:
    return catalog_for(account, STREAMS)


def sync(account: Emulator, catalog: Dict[str, Any], state: Any, lookback_days: int = 0) -> Dict[str, Any]:
    """One `source-freshdesk read` from `state` (written to the state file as given); returns the run
    and the query of every request, per endpoint, in the order the emulator answered them."""
    account.log.clear()
    config = account.config(start_date=START_DATE, lookback_window_in_days=lookback_days)
    run: Run = run_command(connector_command(), "read", config=config, catalog=catalog, state=state, env=account.env())
    assert_no_secret(run, SECRET_KEY)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.trace_errors() == []
    queries: Dict[str, List[Dict[str, str]]] = {}
    for entry in account.log.entries:
        queries.setdefault(entry.endpoint, []).append(entry.query)
    return {"run": run, "queries": queries}


def earliest(result: Dict[str, Any], endpoint: str, parameter: str, list_filter: Optional[str] = None) -> str:
    """The earliest `parameter` value sent to `endpoint` (for tickets: to the list `filter=list_filter`,
    None for the default list): where the sync started reading."""
    values = [q[parameter] for q in result["queries"][endpoint] if q.get("filter") == list_filter and parameter in q]
    assert values, f"no request to {endpoint} sent {parameter}"
    return min(values)


def assert_resumed(result: Dict[str, Any], account: Emulator) -> None:
    """Every stream started from the migrated value, and no record older than it came out."""
    for ticket_list in (None, "deleted", "spam"):
        assert earliest(result, "tickets", "updated_since", ticket_list) == TICKETS_FROM
    assert earliest(result, "contacts", "_updated_since") == CONTACTS_FROM
    assert earliest(result, "surveys/satisfaction_ratings", "created_since") == RATINGS_FROM
    records = result["run"].records
    assert min(t["updated_at"] for t in records["tickets"]) >= TICKETS_FROM
    assert {t["id"] for t in records["tickets"]} >= {t["id"] for t in account.expected("tickets", TICKETS_FROM)}
    # The default, deleted and blocked lists of contacts.
    assert sorted(c["id"] for c in records["contacts"]) == expected_ids(account, "contacts", CONTACTS_FROM)
    assert sorted(r["id"] for r in records["satisfaction_ratings"]) == sorted(
        r["id"] for r in account.expected("satisfaction_ratings", RATINGS_FROM)
    )


class TestOfficialPerStreamStates:
    """Contract: per-stream states written by the official connector (STREAM messages holding
    `{"updated_at": X}` for tickets, contacts and satisfaction_ratings) resume each stream at X: the
    earliest tickets request of every list sends `updated_since=X`, contacts `_updated_since=X`,
    satisfaction_ratings `created_since=X` (lookback 0), and the state moves on in this connector's
    own form."""

    @pytest.fixture(scope="class")
    @classmethod
    def resumed(cls, account, catalog) -> Dict[str, Any]:
        return sync(account, catalog, stream_messages(OFFICIAL_STATES))

    def test_given_official_states_when_read_then_each_stream_starts_from_the_migrated_value(self, resumed, account):
        assert_resumed(resumed, account)

    def test_given_official_ratings_state_when_read_then_the_new_state_uses_created_at(self, resumed, account):
        ratings_state = resumed["run"].last_state_per_stream()["satisfaction_ratings"]
        newest = max(r["created_at"] for r in account.expected("satisfaction_ratings", RATINGS_FROM))
        assert ratings_state == {"created_at": newest}

    def test_given_official_ratings_state_and_a_lookback_when_read_then_it_starts_that_many_days_earlier(
        self, account, catalog
    ):
        result = sync(account, catalog, stream_messages(OFFICIAL_STATES), lookback_days=14)
        assert earliest(result, "surveys/satisfaction_ratings", "created_since") == "2025-03-18T00:00:00Z"


class TestLegacyStateFile:
    """Contract: the legacy state file older platforms pass, one object keyed by stream name (or a list
    with one LEGACY message holding it), resumes every stream exactly as the per-stream form does."""

    def test_given_state_file_keyed_by_stream_when_read_then_each_stream_starts_from_its_value(self, account, catalog):
        assert_resumed(sync(account, catalog, OFFICIAL_STATES), account)

    def test_given_one_legacy_message_when_read_then_each_stream_starts_from_its_value(self, account, catalog):
        assert_resumed(sync(account, catalog, [{"type": "LEGACY", "data": OFFICIAL_STATES}]), account)


class TestOwnState:
    """Contract: a state this connector wrote itself is not migrated: satisfaction_ratings'
    `{"created_at": X}` starts at X."""

    def test_given_our_own_ratings_state_when_read_then_it_is_used_as_is(self, account, catalog):
        result = sync(account, catalog, stream_messages({"satisfaction_ratings": {"created_at": RATINGS_FROM}}))
        assert earliest(result, "surveys/satisfaction_ratings", "created_since") == RATINGS_FROM
        assert earliest(result, "contacts", "_updated_since") == START_DATE
