"""Fixtures shared by every mock-server test: no real waiting, no HTTP cache shared between tests."""

from __future__ import annotations

import time
from typing import List

import backoff._sync
import pyrate_limiter.clocks
import pytest

from airbyte_cdk.sources.streams import call_rate
from airbyte_cdk.sources.streams.http import rate_limiting

from source_freshdesk import components


class VirtualClock:
    """Stands in for `time` where the CDK waits, so that no test sleeps for real.

    - `retry_sleeps`: the CDK's retry back-off (the `backoff` library, and the Retry-After handler in
      `rate_limiting`, which waits the header's seconds + 1).
    - `budget_waits`: the API budget (the command's FreshdeskAPIBudget, or the manifest's HTTPAPIBudget in
      `call_rate`) waiting for its moving window to free up.

    Every wait moves the clock that the budget (or pyrate_limiter, the CDK's) reads forward by the
    same amount, so a budget that is full is free again once it has "waited", as it would be for real.
    """

    def __init__(self) -> None:
        self.offset = 0.0
        self.retry_sleeps: List[float] = []
        self.budget_waits: List[float] = []

    def time(self) -> float:
        return time.time() + self.offset

    def _advance(self, seconds: float) -> None:
        self.offset += max(0.0, seconds)

    def as_time_module(self, record: List[float]) -> object:
        clock = self

        class _Time:
            def __getattr__(self, name: str) -> object:
                return getattr(time, name)

            @staticmethod
            def sleep(seconds: float) -> None:
                if seconds > 0:  # `backoff` also "sleeps" 0 s between the CDK's own waits
                    record.append(seconds)
                    clock._advance(seconds)

        return _Time()


@pytest.fixture(autouse=True)
def virtual_clock(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    clock = VirtualClock()
    monkeypatch.setattr(rate_limiting, "time", clock.as_time_module(clock.retry_sleeps))
    monkeypatch.setattr(backoff._sync, "time", clock.as_time_module(clock.retry_sleeps))
    monkeypatch.setattr(call_rate, "time", clock.as_time_module(clock.budget_waits))
    monkeypatch.setattr(pyrate_limiter.clocks, "time", clock.time)
    monkeypatch.setattr(components, "_budget_clock", clock.time)
    monkeypatch.setattr(components, "_budget_sleep", clock.as_time_module(clock.budget_waits).sleep)
    return clock


@pytest.fixture(autouse=True)
def new_process_knowledge() -> None:
    """Each test starts as a new process would: no account's budget, warnings or lookups carried over."""
    components.ACCOUNTS.forget()
    yield
    components.ACCOUNTS.forget()


@pytest.fixture(autouse=True)
def isolated_http_cache(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Parent streams are read through the CDK's HTTP cache. Without REQUEST_CACHE_PATH it is one in-memory
    SQLite database for the whole process, so one test's cached answers would be served to the next test."""
    monkeypatch.setenv("REQUEST_CACHE_PATH", str(tmp_path))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "custom_fields_lookup: the test mocks the fields endpoints the custom-fields schema loader reads"
    )
    config.addinivalue_line(
        "markers", "tickets_history_lookup: the test mocks the calls that find where a first sync's tickets start"
    )


@pytest.fixture(autouse=True)
def no_custom_fields_lookup(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tickets, contacts and companies schemas read the account's custom fields (one request to
    ticket_fields, contact_fields or company_fields) before the first record. That lookup has its own
    tests (test_custom_fields.py, marked `custom_fields_lookup`); everywhere else it finds no custom field
    without a request, so that each test's exact requests, waits and logs stay those of the stream it is about."""
    if request.node.get_closest_marker("custom_fields_lookup") is None:
        from source_freshdesk.components import FreshdeskCustomFieldsSchemaLoader

        monkeypatch.setattr(FreshdeskCustomFieldsSchemaLoader, "_read_fields", lambda self: [])


@pytest.fixture(autouse=True)
def no_tickets_history_lookup(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first sync of tickets asks Freshdesk for the account's ticket history (FreshdeskTicketWindows, one or
    two calls) to lay its windows out. That lookup has its own tests (marked `tickets_history_lookup`);
    everywhere else it learns nothing without a request, so the windows are the calendar's, from start_date
    or 2010, and each test's exact requests stay those of the stream it is about."""
    if request.node.get_closest_marker("tickets_history_lookup") is None:
        monkeypatch.setattr(components.FreshdeskTicketWindows, "_history", lambda self: None)
