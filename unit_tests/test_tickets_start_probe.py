"""`tickets_history_start`, the probe run.py sends before a first sync of tickets: one call per tickets list.

A transient failure (429, 5xx, dropped connection) is tried again, up to 4 attempts per call, so that it
does not cost the sync its start (monthly windows from start_date or 2010). Any other failure gives up at
once. The waits go through `run._sleep`, which these tests replace: nothing sleeps for real.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

import pytest
import requests
import requests_mock

from config_builder import API_KEY, DOMAIN, ConfigBuilder

from source_freshdesk import run
from source_freshdesk.run import tickets_history_start

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

        start = tickets_history_start(ConfigBuilder().build())

        default_calls = [request for request in mocker.request_history if "filter" not in request.qs]
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
