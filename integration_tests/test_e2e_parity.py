"""One connector wherever it runs: each sync below, run by the `source-freshdesk` command and by Airbyte's
`source-declarative-manifest` with the bundle (what the Connector Builder and the manifest-only image load),
gives the same records, the same final state, and costs the same calls.

Each scenario runs once per runtime, each run against its own emulator seeded alike, all of them at once
(the rate-limited ones spend most of their time waiting).
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Tuple

import pytest

from integration_tests.commands import canonical_records
from integration_tests.conftest import SECRET_KEY, assert_no_secret, catalog_for, connector, expected_ids, today_midnight
from integration_tests.emulator import Emulator, RateLimits, Sizes
from integration_tests.harness import RUNTIMES, Run, stream_connector
from integration_tests.test_e2e_interruptions import kill_after

RATE_LIMITED_STREAMS = ["tickets", "conversations", "contacts", "groups", "agents"]
HISTORY_YEARS = 5


def _yesterday() -> str:
    return (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z")


def full(runtime: str) -> Dict[str, Any]:
    """Every stream of a 250-ticket account over two years, from scratch, without `start_date`."""
    emu = Emulator(seed=11, sizes=Sizes(tickets=250, contacts=150), api_key=SECRET_KEY, now=today_midnight()).start()
    try:
        catalog = catalog_for(emu)
        emu.log.clear()
        run = connector("read", emu.config(), catalog, env=emu.env(), runtime=runtime)
        return {"runs": [run], "entries": emu.log.entries, "expected": {s: expected_ids(emu, s) for s in ("tickets", "contacts")}}
    finally:
        emu.stop()


def incremental(runtime: str) -> Dict[str, Any]:
    """A full sync, a few changes, then a sync from the first one's state (the one compared)."""
    emu = Emulator(seed=23, sizes=Sizes(tickets=400, contacts=180, companies=40), api_key=SECRET_KEY, now=_yesterday()).start()
    try:
        catalog = catalog_for(emu, ["tickets", "conversations", "contacts", "companies", "satisfaction_ratings"])
        first = connector("read", emu.config(), catalog, env=emu.env(), runtime=runtime)
        emu.data.advance(3600)
        emu.data.update_tickets([5, 17, 250])
        emu.data.add_conversation(42)
        emu.data.add_contacts(4)
        emu.data.add_companies(2)
        emu.data.add_satisfaction_ratings(3)
        emu.log.clear()
        second = connector("read", emu.config(), catalog, state=first.state_messages_for_next_sync(), env=emu.env(), runtime=runtime)
        # The changed tickets, and those of the state's second (`updated_since` is inclusive).
        newest = first.last_state_per_stream()["tickets"]["updated_at"]
        boundary = [t["id"] for t in first.records["tickets"] if t["updated_at"] == newest]
        return {"runs": [first, second], "entries": emu.log.entries, "expected": {"tickets": sorted({5, 17, 42, 250, *boundary})}}
    finally:
        emu.stop()


def history(runtime: str) -> Dict[str, Any]:
    """Tickets and their conversations of an account with five years of tickets, without `start_date`."""
    emu = Emulator(
        seed=41, sizes=Sizes(tickets=1200, contacts=20, conversations_per_ticket_max=1, history_days=HISTORY_YEARS * 365),
        api_key=SECRET_KEY,
    ).start()
    try:
        catalog = catalog_for(emu, ["tickets", "conversations"])
        emu.log.clear()
        run = connector("read", emu.config(), catalog, env=emu.env(), runtime=runtime)
        return {"runs": [run], "entries": emu.log.entries, "expected": {"tickets": expected_ids(emu, "tickets")}}
    finally:
        emu.stop()


def restricted(runtime: str) -> Dict[str, Any]:
    """Every stream, on a plan without Surveys, Forums, Timesheets or Skills, with a non-admin key."""
    emu = Emulator(seed=3, sizes=Sizes(tickets=120), plan_features=set(), admin=False, api_key=SECRET_KEY).start()
    try:
        catalog = catalog_for(emu)
        emu.log.clear()
        run = connector("read", emu.config(), catalog, env=emu.env(), runtime=runtime)
        return {"runs": [run], "entries": emu.log.entries, "expected": {"tickets": expected_ids(emu, "tickets")}}
    finally:
        emu.stop()


def rate_limited(configured: bool) -> Callable[[str], Dict[str, Any]]:
    """90 credits a minute and 9 calls a minute on each of the tickets and contacts lists, for a sync that
    needs about 180 credits: configured (`requests_per_minute` and `plan`), or learnt from the answers."""

    def scenario(runtime: str) -> Dict[str, Any]:
        emu = Emulator(
            seed=31, sizes=Sizes(tickets=90, contacts=400, conversations_per_ticket_max=2, history_days=25),
            rate_limits=RateLimits(per_minute=90, tickets_list=9, contacts_list=9), api_key=SECRET_KEY, now=today_midnight(),
        ).start()
        try:
            catalog = catalog_for(emu, RATE_LIMITED_STREAMS)
            emu.limiter.reset()
            emu.log.clear()
            limits = {"requests_per_minute": 90, "plan": "growth"} if configured else {}
            run = connector("read", emu.config(start_date="2024-12-01", **limits), catalog, env=emu.env(), runtime=runtime)
            return {"runs": [run], "entries": emu.log.entries, "expected": {"tickets": expected_ids(emu, "tickets", "2024-12-01T00:00:00Z")}}
        finally:
            emu.stop()

    return scenario


def killed(runtime: str) -> Dict[str, Any]:
    """A sync of tickets, conversations and contacts killed (SIGKILL) after 300 tickets, then resumed from
    its last states. One worker, so that both runtimes are killed at the same place."""
    emu = Emulator(seed=13, sizes=Sizes(tickets=600, contacts=300, deleted_tickets=0, spam_tickets=0), api_key=SECRET_KEY).start()
    try:
        config, env = emu.config(start_date="2024-01-01", num_workers=1), emu.env()
        catalog = catalog_for(emu, ["tickets", "conversations", "contacts"])
        emu.log.clear()
        first = stream_connector("read", config, catalog, env=env, kill_when=kill_after("tickets", 300), runtime=runtime)
        assert_no_secret(first)
        second = connector("read", config, catalog, state=first.state_messages_for_next_sync(), env=env, runtime=runtime)
        return {
            "runs": [first, second], "entries": emu.log.entries,
            "expected": {s: expected_ids(emu, s, "2024-01-01") for s in ("tickets", "contacts")},
        }
    finally:
        emu.stop()


def custom_field_columns(runtime: str) -> Dict[str, Any]:
    """Tickets, contacts and companies with `custom_fields_as_columns`: each custom field also a column."""
    emu = Emulator(seed=19, sizes=Sizes(tickets=80, contacts=60, companies=15), api_key=SECRET_KEY).start()
    try:
        catalog = catalog_for(emu, ["tickets", "contacts", "companies"])
        emu.log.clear()
        run = connector("read", emu.config(custom_fields_as_columns=True), catalog, env=emu.env(), runtime=runtime)
        return {"runs": [run], "entries": emu.log.entries, "expected": {s: expected_ids(emu, s) for s in ("tickets", "contacts")}}
    finally:
        emu.stop()


SCENARIOS: Dict[str, Callable[[str], Dict[str, Any]]] = {
    "full sync": full,
    "incremental sync": incremental,
    "five years without start_date": history,
    "restricted plan and key": restricted,
    "rate limited, configured": rate_limited(configured=True),
    "rate limited, unconfigured": rate_limited(configured=False),
    "killed and resumed": killed,
    "custom fields as columns": custom_field_columns,
}


@pytest.fixture(scope="module")
def outcomes() -> Dict[Tuple[str, str], Dict[str, Any]]:
    jobs = [(scenario, runtime) for scenario in SCENARIOS for runtime in RUNTIMES]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(lambda job: SCENARIOS[job[0]](job[1]), jobs))
    return dict(zip(jobs, results))


def final_states(run: Run) -> Dict[str, Any]:
    """The last state of each stream, without `lookback_window` at any depth (the CDK's per-partition
    cursors record there how long the sync ran, in seconds)."""
    return {name: _without_lookback(state) for name, state in run.last_state_per_stream().items()}


def _without_lookback(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_lookback(item) for key, item in value.items() if key != "lookback_window"}
    if isinstance(value, list):
        return [_without_lookback(item) for item in value]
    return value


def record_ids(runs: List[Run]) -> Dict[str, List[Any]]:
    ids: Dict[str, set] = {}
    for run in runs:
        for stream, records in run.records.items():
            ids.setdefault(stream, set()).update(r.get("id", r.get("primary_language")) for r in records if isinstance(r, dict))
    return {stream: sorted(values, key=str) for stream, values in ids.items()}


SCENARIO_NAMES = list(SCENARIOS)


class TestOneConnectorWhereverItRuns:
    """Contract: for each scenario, the package and the bundle in `source-declarative-manifest` both end
    with exit 0 (the killed run aside) and no error, emit the same records (the same canonical JSON of
    every record of every stream), end in the same final state, and make request counts within 2% of each
    other; the records are the account's."""

    @pytest.mark.parametrize("scenario", SCENARIO_NAMES)
    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_a_scenario_when_run_then_exit_0_without_errors(self, outcomes, scenario, runtime):
        last = outcomes[(scenario, runtime)]["runs"][-1]
        assert last.returncode == 0, last.stderr[-3000:]
        assert [error["message"] for error in last.trace_errors()] == []

    @pytest.mark.parametrize("scenario", SCENARIO_NAMES)
    def test_given_a_scenario_when_run_by_both_then_the_same_records(self, outcomes, scenario):
        package, manifest_only = (outcomes[(scenario, runtime)]["runs"] for runtime in RUNTIMES)
        if scenario == "killed and resumed":  # where the kill lands within a page may differ: the union counts
            assert record_ids(manifest_only) == record_ids(package)
        else:
            assert [canonical_records(run) for run in manifest_only] == [canonical_records(run) for run in package]

    @pytest.mark.parametrize("scenario", SCENARIO_NAMES)
    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_a_scenario_when_run_then_every_ticket_of_the_account_came_out(self, outcomes, scenario, runtime):
        outcome = outcomes[(scenario, runtime)]
        got = record_ids(outcome["runs"][-1:] if scenario == "incremental sync" else outcome["runs"])
        for stream, expected in outcome["expected"].items():
            assert got[stream] == sorted(expected, key=str), stream

    @pytest.mark.parametrize("scenario", SCENARIO_NAMES)
    def test_given_a_scenario_when_run_by_both_then_the_same_final_state(self, outcomes, scenario):
        package, manifest_only = (final_states(outcomes[(scenario, runtime)]["runs"][-1]) for runtime in RUNTIMES)
        assert manifest_only == package

    @pytest.mark.parametrize("scenario", SCENARIO_NAMES)
    def test_given_a_scenario_when_run_by_both_then_request_counts_within_2_percent(self, outcomes, scenario):
        package, manifest_only = (len(outcomes[(scenario, runtime)]["entries"]) for runtime in RUNTIMES)
        assert abs(manifest_only - package) <= 0.02 * package, (package, manifest_only)

    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_custom_fields_as_columns_when_read_then_each_record_has_its_custom_fields_as_columns(self, outcomes, runtime):
        run = outcomes[("custom fields as columns", runtime)]["runs"][0]
        for stream in ("tickets", "contacts", "companies"):
            # A null column is left out of the record, as every null top-level value.
            columns = [{key: value for key, value in r.items() if key.startswith("cf_")} for r in run.records[stream]]
            assert columns == [
                {name if name.startswith("cf_") else f"cf_{name}": value for name, value in r["custom_fields"].items() if value is not None}
                for r in run.records[stream]
            ], stream
        assert {type(r.get("cf_key_account")) for r in run.records["companies"]} == {bool}
        assert run.logs("WARN") == []

    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_limits_when_rate_limited_then_no_429_in_either_runtime(self, outcomes, runtime):
        for scenario in ("rate limited, configured", "rate limited, unconfigured"):
            statuses = Counter(entry.status for entry in outcomes[(scenario, runtime)]["entries"])
            assert statuses[429] == 0, (scenario, statuses)

    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_five_years_without_start_date_when_read_then_the_tickets_lists_cost_their_pages(self, outcomes, runtime):
        outcome = outcomes[("five years without start_date", runtime)]
        tickets_lists = Counter(
            (e.query.get("order_type"), e.query.get("per_page"), e.query.get("filter"), "include" in e.query)
            for e in outcome["entries"] if e.path == "/api/v2/tickets"
        )
        # 1,195 tickets in the default list over five years: the newest 100 give windows of about four
        # years (1,000 tickets at their pace), so two windows from 2010, not 60 monthly ones.
        assert dict(tickets_lists) == {
            ("desc", "100", None, False): 1,  # the history lookup: the newest 100 (the pace)...
            ("asc", "1", None, False): 1,  # ...and the oldest ticket (where the windows start)
            ("asc", "100", None, True): 12 + 1,  # 12 pages, and the first window's last page past its end
            ("asc", "100", "deleted", True): 2,  # one per window
            ("asc", "100", "spam", True): 2,
            ("asc", "100", None, False): 12,  # the conversations' parent, in one window
        }
