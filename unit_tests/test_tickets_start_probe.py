"""`tickets_history`, the probe run.py sends before a first sync of tickets: where the account's tickets
start (the oldest `updated_at` of the three lists) and how long the windows are (the newest 100 tickets'
pace).

A transient failure (429, 5xx, dropped connection) is tried again, up to 4 attempts per call, so that it
does not cost the sync its start (monthly windows from start_date or 2010). Any other failure gives up at
once. The waits go through `run._sleep`, which these tests replace: nothing sleeps for real.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import pytest
import requests
import requests_mock

from config_builder import API_KEY, DOMAIN, ConfigBuilder

from source_freshdesk import run
from source_freshdesk.components import FreshdeskAPIBudget
from source_freshdesk.run import tickets_history

URL = f"https://{DOMAIN}/api/v2/tickets"
OLDEST = "2022-03-04T05:06:07Z"
OK = {"status_code": 200, "json": [{"id": 1, "updated_at": OLDEST}]}
GIVE_UP = "Could not find the oldest ticket ({}); the tickets windows start at start_date or 2010."


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> List[float]:
    waits: List[float] = []
    monkeypatch.setattr(run, "_sleep", waits.append)
    return waits


def _probe(default_list: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Runs the probe with the default list answering `default_list` in turn; deleted and spam hold a newer ticket."""
    with requests_mock.Mocker() as mocker:
        mocker.get(URL, response_list=default_list, additional_matcher=lambda request: "filter" not in request.qs)
        mocker.get(f"{URL}?filter=deleted", json=[{"id": 2, "updated_at": "2023-01-01T00:00:00Z"}])
        mocker.get(f"{URL}?filter=spam", json=[{"id": 3, "updated_at": "2024-01-01T00:00:00Z"}])

        history = tickets_history(ConfigBuilder().build())

        default_calls = [request for request in mocker.request_history if "filter" not in request.qs]
        start = history["_tickets_start"] if history else None
        return {"start": start, "default_calls": len(default_calls), "all_calls": len(mocker.request_history)}


@pytest.mark.parametrize(
    "headers, wait",
    [
        pytest.param({"Retry-After": "7"}, 7, id="retry-after-7"),
        pytest.param({"Retry-After": "3600"}, 60, id="retry-after-capped-at-60"),
        pytest.param({}, 5, id="no-retry-after"),
    ],
)
def test_given_429_then_200_when_probed_then_it_waits_retry_after_and_finds_the_oldest_ticket(headers, wait, sleeps):
    result = _probe([{"status_code": 429, "headers": headers}, OK])

    assert result == {"start": OLDEST, "default_calls": 2, "all_calls": 4}
    assert sleeps == [wait]


def test_given_503_then_200_when_probed_then_it_backs_off_and_finds_the_oldest_ticket(sleeps):
    result = _probe([{"status_code": 503}, OK])

    assert result == {"start": OLDEST, "default_calls": 2, "all_calls": 4}
    assert sleeps == [2]


def test_given_connection_error_then_200_when_probed_then_it_backs_off_and_finds_the_oldest_ticket(sleeps):
    result = _probe([{"exc": requests.ConnectionError}, OK])

    assert result == {"start": OLDEST, "default_calls": 2, "all_calls": 4}
    assert sleeps == [2]


def test_given_503_four_times_when_probed_then_it_gives_up_after_4_attempts(sleeps, caplog):
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        result = _probe([{"status_code": 503}] * 4)

    assert result == {"start": None, "default_calls": 4, "all_calls": 4}
    assert sleeps == [2, 4, 8]
    assert [record.getMessage() for record in caplog.records] == [GIVE_UP.format("status 503")]


def test_given_401_when_probed_then_it_gives_up_at_once_without_the_api_key_in_the_log(sleeps, caplog):
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        result = _probe([{"status_code": 401, "json": {"code": "invalid_credentials"}}])

    assert result == {"start": None, "default_calls": 1, "all_calls": 1}
    assert sleeps == []
    assert [record.getMessage() for record in caplog.records] == [GIVE_UP.format("status 401")]
    assert API_KEY not in caplog.text


NOW = datetime(2026, 6, 30, 12, 0, 0, tzinfo=timezone.utc)


def _tickets_every(hours: float, count: int, newest: datetime = NOW) -> List[Dict[str, Any]]:
    """`count` tickets, newest first, `hours` apart, as the default list sorted descending returns them."""
    return [{"id": n, "updated_at": (newest - timedelta(hours=hours * n)).strftime("%Y-%m-%dT%H:%M:%SZ")} for n in range(count)]


class TestWindowLength:
    """Contract: the probe asks the default list for its newest 100 tickets (`order_type=desc`, one page);
    when the page is full, the oldest default ticket takes one more call (`order_type=asc`, `per_page=1`).
    The window lasts as long as 1,000 tickets take at the pace of those 100, and at least a month
    (`_tickets_step` P1M); fewer than 100 tickets make one window, from the oldest ticket to today."""

    @staticmethod
    def probe(newest_page: List[Dict[str, Any]], oldest: str = "2020-01-02T03:04:05Z") -> Dict[str, Any]:
        with requests_mock.Mocker() as mocker:
            mocker.get(URL, json=newest_page, additional_matcher=lambda request: request.qs.get("order_type") == ["desc"])
            mocker.get(URL, json=[{"id": 0, "updated_at": oldest}], additional_matcher=lambda request: request.qs.get("order_type") == ["asc"] and "filter" not in request.qs)
            mocker.get(f"{URL}?filter=deleted", json=[])
            mocker.get(f"{URL}?filter=spam", json=[{"id": 3, "updated_at": "2025-01-01T00:00:00Z"}])
            history = tickets_history(ConfigBuilder().build())
            calls = [{key: value[0] for key, value in request.qs.items()} for request in mocker.request_history]
        return {"history": history, "calls": calls}

    @pytest.fixture(autouse=True)
    def frozen_now(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(run, "_now", lambda: NOW)

    def test_given_100_tickets_over_10_days_when_probed_then_windows_last_100_days(self, caplog):
        with caplog.at_level(logging.INFO, logger="airbyte"):
            result = self.probe(_tickets_every(hours=240 / 99, count=100))

        assert result["history"] == {"_tickets_start": "2020-01-02T03:04:05Z", "_tickets_step": "P100D"}
        since = "2010-01-01t00:00:00z"  # requests_mock lower-cases query values
        assert result["calls"] == [
            {"order_by": "updated_at", "order_type": "desc", "per_page": "100", "updated_since": since},
            {"order_by": "updated_at", "order_type": "asc", "per_page": "1", "updated_since": since},
            {"order_by": "updated_at", "order_type": "asc", "per_page": "1", "updated_since": since, "filter": "deleted"},
            {"order_by": "updated_at", "order_type": "asc", "per_page": "1", "updated_since": since, "filter": "spam"},
        ]
        assert [record.getMessage() for record in caplog.records] == [
            "Reading tickets from 2020-01-02T03:04:05Z, the oldest ticket's last update, in windows of 100 days: "
            "1,000 tickets at the pace of the newest 100."
        ]

    def test_given_100_tickets_over_3_days_when_probed_then_windows_are_monthly(self, caplog):
        with caplog.at_level(logging.INFO, logger="airbyte"):
            result = self.probe(_tickets_every(hours=72 / 99, count=100))

        assert result["history"] == {"_tickets_start": "2020-01-02T03:04:05Z", "_tickets_step": "P1M"}
        assert [record.getMessage() for record in caplog.records] == [
            "Reading tickets from 2020-01-02T03:04:05Z, the oldest ticket's last update, in monthly windows."
        ]

    def test_given_99_tickets_when_probed_then_one_window_from_the_oldest_ticket_to_today(self, caplog):
        page = _tickets_every(hours=24, count=99)  # the oldest: 98 days before NOW, 2026-03-24T12:00:00Z

        with caplog.at_level(logging.INFO, logger="airbyte"):
            result = self.probe(page)

        assert result["history"] == {"_tickets_start": "2025-01-01T00:00:00Z", "_tickets_step": "P546D"}
        assert len(result["calls"]) == 3  # the oldest default ticket is the page's last: no call for it
        assert [record.getMessage() for record in caplog.records] == [
            "Reading tickets from 2025-01-01T00:00:00Z, the oldest ticket's last update, in one window: the "
            "account has fewer than 100 tickets."
        ]

    def test_given_no_ticket_at_all_when_probed_then_one_window_of_today(self):
        with requests_mock.Mocker() as mocker:
            mocker.get(URL, json=[])
            history = tickets_history(ConfigBuilder().build())

        assert history == {"_tickets_start": "2026-06-30T12:00:00Z", "_tickets_step": "P1M"}

    def test_given_a_budget_when_probed_then_its_calls_are_charged_to_it(self):
        budget = FreshdeskAPIBudget({"account": 200, "tickets_list": 20, "contacts_list": 20})
        with requests_mock.Mocker() as mocker:
            mocker.get(URL, json=_tickets_every(hours=1, count=100))
            tickets_history(ConfigBuilder().build(), budget)

        assert budget.spent() == {"account": 4, "tickets_list": 4, "contacts_list": 0}
