"""Interrupted syncs through the real command line: kill, resume from the last states, lose nothing.

A `read` is killed with SIGKILL in the middle of tickets, of conversations and of contacts; a second
`read` gets the last STATE message of each stream, as the Airbyte platform passes them. Checkpoints are
also checked for how often they come and how big they grow.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Tuple

import pytest
from isodate import parse_duration

from integration_tests.conftest import SECRET_KEY, assert_no_secret, catalog_for, connector, expected_ids
from integration_tests.emulator import Emulator, Sizes
from integration_tests.harness import Run, stream_connector
from integration_tests.test_e2e_faults import START_DATE, ticket_cursor

STREAMS = ["tickets", "conversations", "contacts"]
# The record of the killed stream after which the first read is killed: well inside each stream.
KILL_AFTER = {"tickets": 500, "conversations": 1000, "contacts": 700}


def kill_after(stream: str, records: int) -> Callable[[Dict[str, Any]], bool]:
    """A `kill_when` condition: true once `records` records of `stream` have come out."""
    seen = Counter()

    def condition(message: Dict[str, Any]) -> bool:
        if message["type"] == "RECORD":
            seen[message["record"]["stream"]] += 1
        return seen[stream] >= records

    return condition


def shape(value: Any) -> Any:
    """`value` with every number made 0 and every string replaced by one of the same length: what makes a
    state grow, without the values that change from sync to sync (such as the sync's duration)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if isinstance(value, str):
        return "x" * len(value)
    return value if isinstance(value, bool) or value is None else 0


@pytest.fixture(scope="module")
def interrupted() -> Dict[str, Any]:
    emu = Emulator(
        seed=13, sizes=Sizes(tickets=1500, contacts=1500, deleted_tickets=0, spam_tickets=0), api_key=SECRET_KEY
    ).start()
    try:
        config, env = emu.config(start_date=START_DATE), emu.env()
        catalog = catalog_for(emu, STREAMS)
        clean = connector("read", config, catalog, env=env)
        runs = {}
        for stream, records in KILL_AFTER.items():
            first = stream_connector("read", config, catalog, env=env, kill_when=kill_after(stream, records))
            assert_no_secret(first)
            second = connector("read", config, catalog, state=first.state_messages_for_next_sync(), env=env)
            runs[stream] = {"first": first, "second": second}
        expected = {stream: expected_ids(emu, stream, START_DATE) for stream in STREAMS}
        return {"clean": clean, "runs": runs, "expected": expected}
    finally:
        emu.stop()


class TestKilledSync:
    """Contract: a `read` killed at any point (here with SIGKILL during tickets, during conversations and
    during contacts) loses nothing: a `read` from the last STATE message of each stream brings out every
    record the first did not, and ends in the state an uninterrupted sync ends in. Records may come out
    twice across the two runs (at-least-once); none may be missing.
    """

    @pytest.mark.parametrize("killed", STREAMS)
    def test_given_a_kill_mid_stream_when_the_first_read_ends_then_it_was_cut_short(self, interrupted, killed):
        first: Run = interrupted["runs"][killed]["first"]
        assert first.returncode == -9
        assert len({r["id"] for r in first.records[killed]}) < len(interrupted["expected"][killed])

    @pytest.mark.parametrize("killed", STREAMS)
    @pytest.mark.parametrize("stream", STREAMS)
    def test_given_a_kill_when_rerun_from_the_last_states_then_the_union_holds_every_record(
        self, interrupted, killed, stream
    ):
        first, second = interrupted["runs"][killed]["first"], interrupted["runs"][killed]["second"]
        assert second.returncode == 0, second.stderr[-3000:]
        union = {r["id"] for r in first.records[stream]} | {r["id"] for r in second.records[stream]}
        assert sorted(union) == interrupted["expected"][stream]

    @pytest.mark.parametrize("killed", STREAMS)
    def test_given_a_kill_when_rerun_then_it_ends_in_the_state_of_an_uninterrupted_sync(self, interrupted, killed):
        clean = interrupted["clean"].last_state_per_stream()
        resumed = interrupted["runs"][killed]["second"].last_state_per_stream()
        # `lookback_window` is how long the CDK's per-partition cursor saw the sync run: not comparable.
        assert {k: v for k, v in resumed["tickets"].items() if k != "lookback_window"} == {
            k: v for k, v in clean["tickets"].items() if k != "lookback_window"
        }
        assert resumed["contacts"] == clean["contacts"]
        assert resumed["conversations"]["parent_state"] == clean["conversations"]["parent_state"]


@pytest.fixture(scope="module")
def checkpoints() -> Dict[str, Any]:
    runs: Dict[str, Any] = {}
    emu = Emulator(seed=17, sizes=Sizes(tickets=3000, conversations_per_ticket_max=0, deleted_tickets=0, spam_tickets=0),
                   api_key=SECRET_KEY).start()
    try:
        catalog = catalog_for(emu, ["tickets"])
        runs["tickets"] = connector("read", emu.config(start_date=START_DATE), catalog, env=emu.env())
        # One worker reads the windows one after the other: each checkpoint comes as its window ends.
        runs["tickets_one_worker"] = connector("read", emu.config(start_date=START_DATE, num_workers=1), catalog, env=emu.env())
        runs["expected"] = emu.data.expected("tickets", START_DATE)
    finally:
        emu.stop()
    for tickets in (100, 1000):
        emu = Emulator(seed=19, sizes=Sizes(tickets=tickets, deleted_tickets=0, spam_tickets=0), api_key=SECRET_KEY).start()
        try:
            run = connector("read", emu.config(start_date=START_DATE), catalog_for(emu, ["conversations"]), env=emu.env())
            assert run.returncode == 0, run.stderr[-3000:]
            runs[f"conversations_{tickets}"] = run
            runs[f"tickets_{tickets}"] = {
                t["id"]: (t["updated_at"], bool(emu.data.conversations(t["id"]))) for t in emu.data.expected("tickets", START_DATE)
            }
        finally:
            emu.stop()
    return runs


def stream_states(run: Run, stream: str) -> List[Dict[str, Any]]:
    return [
        state["stream"]["stream_state"]
        for state in run.states
        if state.get("type") == "STREAM" and state["stream"]["stream_descriptor"]["name"] == stream
    ]


def first_sync_windows(updates: List[str], now: datetime) -> List[Tuple[str, str]]:
    """The tickets stream's windows on a first sync, from the oldest ticket to now: each as long as 1,000
    tickets take at the pace of the newest 100 (`updates` sorted), and at least a calendar month."""
    def parse(value: str) -> datetime:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)

    days = math.ceil((parse(updates[-1]) - parse(updates[-100])).total_seconds() * 10 / 86_400)
    step = parse_duration(f"P{days}D" if days > 31 else "P1M")
    windows, lower = [], parse(updates[0])
    while lower <= now:
        upper = min(lower + step, now + timedelta(seconds=1))
        windows.append((lower.strftime("%Y-%m-%dT%H:%M:%SZ"), (upper - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")))
        lower = upper
    return windows


class TestCheckpoints:
    """Contract: tickets checkpoint as they go: every window (a month, or longer on a quiet account's first
    sync), once read, moves the state to its newest ticket, so a restart redoes at most the windows in flight. No tickets STATE passes a ticket
    not yet emitted (a kill right after it would lose that ticket). The conversations state holds one
    cursor and its parent's state, whatever the number of tickets; the parent's state moves with each
    ticket, and never past a ticket whose conversations are not out yet.
    """

    def test_given_3000_tickets_over_months_when_read_by_one_worker_then_each_window_checkpoints_its_newest_ticket(
        self, checkpoints
    ):
        run: Run = checkpoints["tickets_one_worker"]
        assert run.returncode == 0, run.stderr[-3000:]
        updates = sorted(t["updated_at"] for t in checkpoints["expected"])
        planned = []
        for _, end in first_sync_windows(updates, datetime.now(timezone.utc)):
            newest = max((u for u in updates if u <= end), default=None)
            if newest and newest not in planned:
                planned.append(newest)
        emitted = []
        for state in stream_states(run, "tickets"):
            if state["updated_at"] not in emitted:
                emitted.append(state["updated_at"])
        # 3,000 tickets over two years: windows of about five months, five of them holding tickets.
        assert len(planned) == 5
        assert emitted == planned

    def test_given_3000_tickets_when_each_checkpoint_is_emitted_then_no_older_ticket_is_still_unread(self, checkpoints):
        run: Run = checkpoints["tickets"]
        emitted, passed = set(), []
        for message in run.messages:
            if message["type"] == "RECORD":
                emitted.add(message["record"]["data"]["id"])
            elif message["type"] == "STATE" and message["state"]["stream"]["stream_descriptor"]["name"] == "tickets":
                cursor = ticket_cursor(message["state"]["stream"]["stream_state"])
                passed += [t["id"] for t in checkpoints["expected"] if cursor and t["updated_at"] < cursor and t["id"] not in emitted]
        assert passed == []

    def test_given_100_or_1000_tickets_when_conversations_read_then_the_state_has_the_same_shape_and_size(
        self, checkpoints
    ):
        small = [shape(s) for s in stream_states(checkpoints["conversations_100"], "conversations")]
        large = [shape(s) for s in stream_states(checkpoints["conversations_1000"], "conversations")]
        assert large[-1] == small[-1]
        assert max(len(json.dumps(s)) for s in large) == max(len(json.dumps(s)) for s in small)
        assert max(len(json.dumps(s)) for s in large) < 1024

    def test_given_1000_tickets_when_each_conversations_checkpoint_is_emitted_then_no_older_ticket_is_still_unread(
        self, checkpoints
    ):
        run: Run = checkpoints["conversations_1000"]
        read, unread, parent_checkpoints = set(), [], []
        for message in run.messages:
            if message["type"] == "RECORD":
                read.add(message["record"]["data"]["ticket_id"])
            elif message["type"] == "STATE" and message["state"]["stream"]["stream_descriptor"]["name"] == "conversations":
                checkpoint = message["state"]["stream"]["stream_state"]["parent_state"]["tickets"]["updated_at"]
                parent_checkpoints.append(checkpoint)
                unread += [
                    ticket_id
                    for ticket_id, (updated_at, has_conversations) in checkpoints["tickets_1000"].items()
                    if has_conversations and updated_at < checkpoint and ticket_id not in read
                ]
        assert unread == []
        # The first checkpoint comes as soon as the first tickets' conversations are read, long before the
        # last ticket (the sync takes less than the minute between two checkpoints).
        newest = max(updated_at for updated_at, _ in checkpoints["tickets_1000"].values())
        assert parent_checkpoints[0] < newest
        assert parent_checkpoints[-1] == newest
