"""The ticket_activities stream through the real command line: Freshdesk's scheduled activity export.

The connector counts the export's days on the real clock (the 30 days before today), so every account
here has its clock at today's midnight: its export then holds exactly the files the connector asks for.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import pytest

from integration_tests.conftest import SECRET_KEY, catalog_for, connector, today_midnight
from integration_tests.emulator import Emulator, Sizes
from integration_tests.harness import Run

STREAM = "ticket_activities"
EXPORT = "export/ticket_activities"
FILES = "exports/ticket_activities/{day}.json"
NO_EXPORT_WARNING = (
    "Skipping stream 'ticket_activities': the account has no ticket activities export. Freshdesk says \"The "
    "Activity Export feature(s) is/are not supported in your plan. Please upgrade your account to use it.\" Only "
    "accounts that turned on Freshdesk's scheduled ticket activity export (a deprecated feature) can read this "
    "stream; deselect it."
)


def _sorted(records: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return sorted(records, key=lambda record: (record["performed_at"], json.dumps(record, sort_keys=True)))


def _days(emu: Emulator, endpoint: str = EXPORT) -> List[str]:
    """The days asked for, in order: `created_at` of the export's calls."""
    return [entry.query.get("created_at") for entry in emu.log.entries if entry.endpoint == endpoint]


def _day(days_back: int) -> str:
    return (datetime.now(timezone.utc).date() - timedelta(days=days_back)).isoformat()


@pytest.fixture(scope="module")
def account():
    emu = Emulator(seed=31, sizes=Sizes(tickets=400, contacts=150), api_key=SECRET_KEY, now=today_midnight()).start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def full_read(account: Emulator) -> Dict[str, Any]:
    catalog = catalog_for(account, [STREAM])
    account.log.clear()
    run = connector("read", account.config(), catalog, env=account.env())
    return {"run": run, "catalog": catalog, "entries": account.log.entries, "days": _days(account)}


class TestFullRead:
    """Contract: without a state, one call for yesterday's file, then one per day of the export's 30 (never
    an older day, never today), one download per file without the API key; the records are exactly the
    export's activities; the state resumes at today."""

    def test_given_an_account_with_the_export_when_read_then_every_activity_comes_out_once(self, full_read, account):
        run: Run = full_read["run"]
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.trace_errors() == []
        expected = account.data.expected(STREAM)
        assert len(expected) > 30
        assert _sorted(run.records[STREAM]) == _sorted(expected)

    def test_given_a_full_read_when_requests_counted_then_yesterday_first_then_each_of_the_30_days_once(
        self, full_read
    ):
        assert full_read["days"][0] == _day(1)
        assert sorted(full_read["days"][1:]) == [_day(back) for back in range(30, 0, -1)]
        downloads = [entry.path for entry in full_read["entries"] if entry.endpoint == FILES]
        assert sorted(downloads) == [f"/exports/ticket_activities/{_day(back)}.json" for back in range(30, 0, -1)]

    def test_given_a_full_read_when_the_files_are_downloaded_then_no_request_to_them_carries_the_api_key(
        self, full_read
    ):
        downloads = [entry for entry in full_read["entries"] if entry.endpoint == FILES]
        calls = [entry for entry in full_read["entries"] if entry.endpoint == EXPORT]
        assert len(downloads) == 30 and all(entry.status == 200 for entry in downloads)
        assert [entry.path for entry in downloads if entry.authorization] == []
        assert all(entry.authorization for entry in calls)

    def test_given_a_full_read_when_done_then_the_state_resumes_at_today(self, full_read, account):
        state = full_read["run"].last_state_per_stream()[STREAM]
        assert state["state"] == {"performed_at": max(r["performed_at"] for r in account.data.expected(STREAM))}
        assert state["parent_state"]["ticket_activity_files"]["states"] == [
            {"partition": {"activities_export": "on", "parent_slice": {}}, "cursor": {"next_export_date": today_midnight()}}
        ]


@pytest.fixture(scope="module")
def next_syncs(account: Emulator, full_read) -> Dict[str, Any]:
    today_state = full_read["run"].state_messages_for_next_sync()
    # The connector counts days on the real clock, which a test cannot move: the state a sync left
    # yesterday is today's, one day back (it had read the days before yesterday).
    yesterdays_state = copy.deepcopy(today_state)
    stream_state = yesterdays_state[0]["stream"]["stream_state"]
    older = [r["performed_at"] for r in account.data.expected(STREAM) if r["performed_at"] < f"{_day(1)}T00:00:00Z"]
    stream_state["state"] = {"performed_at": max(older)}
    days_state = stream_state["parent_state"]["ticket_activity_files"]
    days_state["states"][0]["cursor"] = days_state["state"] = {"next_export_date": f"{_day(1)}T00:00:00Z"}

    account.log.clear()
    day_later = connector("read", account.config(), full_read["catalog"], yesterdays_state, env=account.env())
    day_later_entries = account.log.entries
    account.log.clear()
    same_day = connector("read", account.config(), full_read["catalog"], today_state, env=account.env())
    return {"day_later": day_later, "day_later_entries": day_later_entries, "same_day": same_day,
            "same_day_entries": account.log.entries}


class TestNextSyncs:
    """Contract: a sync from the state a sync left a day earlier reads that one new day (one call for
    yesterday's file, then that day's, one download); a sync from the state of a sync earlier today makes
    the one call and reads nothing; the states move accordingly."""

    def test_given_the_state_of_a_day_earlier_when_read_then_only_the_new_day_is_read(self, next_syncs, account):
        run: Run = next_syncs["day_later"]
        assert run.returncode == 0, run.stderr[-3000:]
        assert _sorted(run.records[STREAM]) == _sorted(account.data.expected(STREAM, start_date=f"{_day(1)}T00:00:00Z"))
        entries = next_syncs["day_later_entries"]
        assert [(entry.endpoint, entry.query.get("created_at")) for entry in entries if entry.endpoint == EXPORT] == [
            (EXPORT, _day(1)), (EXPORT, _day(1))
        ]
        assert [entry.path for entry in entries if entry.endpoint == FILES] == [f"/exports/ticket_activities/{_day(1)}.json"]
        state = run.last_state_per_stream()[STREAM]
        assert state["parent_state"]["ticket_activity_files"]["states"][0]["cursor"] == {"next_export_date": today_midnight()}

    def test_given_the_state_of_a_sync_earlier_today_when_read_then_one_call_and_no_record(self, next_syncs):
        run: Run = next_syncs["same_day"]
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.records.get(STREAM, []) == []
        assert [(entry.endpoint, entry.query.get("created_at")) for entry in next_syncs["same_day_entries"]] == [
            (EXPORT, _day(1))
        ]
        state = run.last_state_per_stream()[STREAM]
        assert state["parent_state"]["ticket_activity_files"]["states"][0]["cursor"] == {"next_export_date": today_midnight()}


@pytest.fixture(scope="module")
def without_export() -> Dict[str, Any]:
    emu = Emulator(seed=31, sizes=Sizes(tickets=60), api_key=SECRET_KEY, now=today_midnight(),
                   activities_export=False).start()
    try:
        catalog = catalog_for(emu, [STREAM, "groups"])
        emu.log.clear()
        run = connector("read", emu.config(), catalog, env=emu.env())
        return {"run": run, "emu": emu, "entries": emu.log.entries}
    finally:
        emu.stop()


class TestAccountWithoutTheExport:
    """Contract: an account that did not turn the export on costs one call (403 require_feature) and one
    warning naming the stream; no other call, no record, exit 0, the other streams read as usual."""

    def test_given_no_export_when_read_then_exit_0_with_one_warning_and_no_record(self, without_export):
        run: Run = without_export["run"]
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.trace_errors() == []
        assert run.logs("WARN") == [NO_EXPORT_WARNING]
        assert run.records.get(STREAM, []) == []
        assert run.stream_statuses() == {STREAM: "COMPLETE", "groups": "COMPLETE"}

    def test_given_no_export_when_read_then_exactly_one_export_request_is_made(self, without_export):
        export_calls = [entry for entry in without_export["entries"] if entry.endpoint in (EXPORT, FILES)]
        assert [(entry.endpoint, entry.status, entry.query) for entry in export_calls] == [
            (EXPORT, 403, {"created_at": _day(1)})
        ]
        assert len(without_export["run"].records["groups"]) == len(without_export["emu"].data.expected("groups"))
