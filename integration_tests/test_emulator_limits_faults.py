"""Rate limits, injected faults and the request log of the Freshdesk emulator.

Time never passes for real here: rate-limit windows run on a fake clock handed to RateLimits.
"""

from __future__ import annotations

import base64
import random
import threading
import time
from collections import Counter
from typing import Any

import pytest
import requests

from integration_tests.emulator.client import Client
from integration_tests.emulator import Emulator, Faults, RateLimits, Sizes

SMALL = Sizes(tickets=30, contacts=10, companies=3)
RATE_LIMIT_BODY = {
    "code": "too_many_requests",
    "message": "You have exceeded the limit of requests per minute. Please try again after some time.",
}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limited(clock: FakeClock, **limits: Any) -> Emulator:
    settings = {"per_minute": 5, "tickets_list": None, "contacts_list": None, "window_seconds": 60, **limits}
    return Emulator(sizes=SMALL, rate_limits=RateLimits(clock=clock, **settings))


def rate_headers(response: requests.Response) -> tuple[str, str, str]:
    return (response.headers["X-Ratelimit-Total"], response.headers["X-Ratelimit-Remaining"],
            response.headers["X-Ratelimit-Used-CurrentRequest"])


class TestRateLimits:
    def test_every_response_carries_the_headers_and_no_limits_means_a_large_total(self):
        with Emulator(sizes=SMALL) as emu:
            client = Client(emu)
            assert rate_headers(client.get("agents")) == ("1000000", "999999", "1")
            assert rate_headers(client.get("agents", auth=None)) == ("1000000", "999998", "1")
            assert rate_headers(client.get("nope")) == ("1000000", "999997", "1")

    def test_over_the_limit_answers_429_with_retry_after_until_the_window_resets(self):
        clock = FakeClock()
        with limited(clock) as emu:
            client = Client(emu)
            assert [rate_headers(client.get("groups"))[1] for _ in range(5)] == ["4", "3", "2", "1", "0"]
            refused = client.get("groups")
            assert refused.status_code == 429
            assert refused.json() == RATE_LIMIT_BODY
            assert refused.headers["Retry-After"] == "60"
            assert rate_headers(refused) == ("5", "0", "0")
            clock.now += 45.5
            assert client.get("groups").headers["Retry-After"] == "15"
            clock.now += 14.5
            reopened = client.get("groups")
            assert reopened.status_code == 200 and rate_headers(reopened) == ("5", "4", "1")
            assert "Retry-After" not in reopened.headers
            assert emu.log.count_429() == 2

    def test_include_items_cost_two_credits_each_on_the_tickets_list(self):
        clock = FakeClock()
        with limited(clock, per_minute=10) as emu:
            client = Client(emu)
            assert rate_headers(client.get("tickets", {"include": "requester,stats,description"})) == ("10", "3", "7")
            refused = client.get("tickets", {"include": "requester,stats"})
            assert refused.status_code == 429
            assert rate_headers(client.get("tickets", {"include": "stats"})) == ("10", "0", "3")
            assert [entry.credits for entry in emu.log.entries] == [7, 0, 3]

    def test_failed_calls_count_and_refused_ones_do_not(self):
        clock = FakeClock()
        with limited(clock) as emu:
            client = Client(emu)
            statuses = [client.get("groups", auth=("bad", "X")).status_code, client.get("nope").status_code,
                        client.get("groups", {"per_page": 1000}).status_code, client.get("tickets/999/conversations").status_code]
            assert statuses == [401, 404, 400, 404]
            assert rate_headers(client.get("groups")) == ("5", "0", "1")
            assert client.get("groups").status_code == 429
            assert client.get("groups").status_code == 429
            clock.now += 60
            assert rate_headers(client.get("groups")) == ("5", "4", "1")

    @pytest.mark.parametrize("path,bucket", [("tickets", "tickets_list"), ("contacts", "contacts_list")])
    def test_tickets_and_contacts_lists_have_their_own_limit_in_calls(self, path, bucket):
        clock = FakeClock()
        with limited(clock, per_minute=20, **{bucket: 2}) as emu:
            client = Client(emu)
            include = {"include": "requester,stats"} if path == "tickets" else None
            assert [client.get(path, include).status_code for _ in range(3)] == [200, 200, 429]
            assert client.get("groups").status_code == 200
            assert client.get("tickets/1/conversations").status_code == 200
            clock.now += 60
            assert client.get(path).status_code == 200

    def test_rate_limits_can_be_replaced_at_runtime(self):
        clock = FakeClock()
        with limited(clock, per_minute=1) as emu:
            client = Client(emu)
            assert [client.get("groups").status_code for _ in range(2)] == [200, 429]
            emu.set_rate_limits(None)
            assert client.get("groups").status_code == 200


def statuses(emu: Emulator, count: int, path: str = "groups") -> list[int]:
    """Statuses of ``count`` sequential requests; 0 for a dropped connection."""
    client, seen = Client(emu), []
    for _ in range(count):
        try:
            seen.append(client.get(path).status_code)
        except requests.ConnectionError:
            seen.append(0)
    return seen


class TestRandomFaults:
    def test_the_same_fault_seed_gives_the_same_faults_in_the_same_order(self):
        faults = Faults(seed=3, error_5xx=0.2, burst_429=0.05, burst_length=2, drop=0.1, malformed=0.1)
        runs = []
        for _ in range(2):
            with Emulator(sizes=SMALL, faults=faults) as emu:
                runs.append(statuses(emu, 60))
                assert [entry.status for entry in emu.log.entries] == runs[-1]
        assert runs[0] == runs[1]
        assert Counter(runs[0]) == {200: 39, 503: 5, 0: 5, 429: 4, 500: 4, 502: 3}

    def test_error_5xx_answers_500_json_or_502_503_html(self):
        with Emulator(sizes=SMALL, faults=Faults(error_5xx=1.0)) as emu:
            client = Client(emu)
            seen = {}
            for _ in range(30):
                response = client.get("groups")
                seen[response.status_code] = (response.headers["Content-Type"], response.content)
            assert set(seen) == {500, 502, 503}
            assert seen[500] == ("application/json; charset=utf-8",
                                 b'{"code":"internal_error","message":"We\'re sorry, but something went wrong."}')
            assert seen[503] == ("text/html; charset=utf-8",
                                 b"<html><head><title>503</title></head><body><h1>503 Service Unavailable</h1></body></html>")
            assert all(entry.credits == 0 for entry in emu.log.entries)

    def test_a_429_burst_answers_burst_length_requests_with_retry_after(self):
        faults = Faults(seed=9, burst_429=0.3, burst_length=3, retry_after=4)
        rng, burst_left, expected = random.Random(9), 0, []
        for _ in range(40):  # the documented draw: one number per request outside a burst
            if burst_left:
                burst_left -= 1
                expected.append(429)
            elif rng.random() < 0.3:
                burst_left = 2
                expected.append(429)
            else:
                expected.append(200)
        with Emulator(sizes=SMALL, faults=faults) as emu:
            client = Client(emu)
            responses = [client.get("groups") for _ in range(40)]
        assert [r.status_code for r in responses] == expected
        assert expected.count(429) == 23
        assert {(r.headers["Retry-After"], r.json()["code"]) for r in responses if r.status_code == 429} == {("4", "too_many_requests")}

    def test_drop_closes_the_connection_without_an_answer(self):
        with Emulator(sizes=SMALL, faults=Faults(drop=1.0)) as emu:
            with pytest.raises(requests.ConnectionError):
                Client(emu).get("groups")
            assert [(entry.status, entry.credits) for entry in emu.log.entries] == [(0, 0)]

    def test_latency_is_added_to_every_request(self):
        with Emulator(sizes=SMALL, faults=Faults(latency_ms=150)) as emu:
            client = Client(emu)
            started = time.monotonic()
            assert client.get("groups").status_code == 200
            assert time.monotonic() - started >= 0.15

    def test_malformed_answers_truncated_json_or_an_html_page_with_status_200(self):
        with Emulator(sizes=SMALL) as emu:
            client = Client(emu)
            real = client.get("groups").content
            emu.set_faults(Faults(seed=2, malformed=1.0))
            seen = {}
            for _ in range(12):
                response = client.get("groups")
                assert response.status_code == 200
                seen[response.headers["Content-Type"]] = response.content
            assert seen["application/json; charset=utf-8"] == real[: len(real) // 2]
            assert seen["text/html; charset=utf-8"].startswith(b"<!DOCTYPE html>")
            emu.set_faults(None)
            assert client.get("groups").content == real


class TestScriptedFaults:
    def test_status_body_and_headers_for_the_next_times_matching_requests(self):
        with Emulator(sizes=SMALL) as emu:
            client = Client(emu)
            emu.faults.script(r"/tickets$", status=503, body={"code": "busy"}, times=2, headers={"X-Custom": "1"})
            assert emu.faults.pending == 2
            assert client.get("groups").status_code == 200
            first, second = client.get("tickets"), client.get("tickets")
            assert [(r.status_code, r.json(), r.headers["X-Custom"]) for r in (first, second)] == [(503, {"code": "busy"}, "1")] * 2
            assert client.get("tickets").status_code == 200
            assert emu.faults.pending == 0

    def test_a_scripted_429_gets_retry_after_and_freshdesks_body_by_default(self):
        with Emulator(sizes=SMALL, faults=Faults(retry_after=2)) as emu:
            emu.faults.script("conversations", status=429)
            response = Client(emu).get("tickets/3/conversations")
            assert (response.status_code, response.headers["Retry-After"], response.json()) == (429, "2", RATE_LIMIT_BODY)
            assert "X-Ratelimit-Remaining" in response.headers

    def test_kinds_drop_html_truncated_and_object_instead_of_list(self):
        with Emulator(sizes=SMALL) as emu:
            client = Client(emu)
            real = client.get("groups")
            emu.faults.script("groups", kind="drop")
            with pytest.raises(requests.ConnectionError):
                client.get("groups")
            emu.faults.script("groups", kind="html")
            html = client.get("groups")
            assert (html.status_code, html.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
            emu.faults.script("groups", kind="truncated")
            truncated = client.get("groups")
            assert truncated.content == real.content[: len(real.content) // 2]
            with pytest.raises(ValueError):
                truncated.json()
            emu.faults.script("groups", kind="object_instead_of_list")
            assert client.get("groups").json() == real.json()[0]
            assert client.get("groups").json() == real.json()
            assert [entry.status for entry in emu.log.entries] == [200, 0, 200, 200, 200, 200]

    def test_kinds_headers_slow_stall_and_echo(self):
        with Emulator(sizes=SMALL) as emu:
            client = Client(emu)
            real = client.get("groups")
            link = '<http://elsewhere.test:81/api/v2/groups?page=2>; rel="next"'
            emu.faults.script("groups", kind="headers", headers={"Link": link})
            hostile = client.get("groups")
            assert (hostile.status_code, hostile.content, hostile.headers["Link"]) == (200, real.content, link)
            emu.faults.script("groups", kind="slow", seconds=0.5)
            started = time.monotonic()
            slow = client.get("groups")
            assert (slow.status_code, slow.content) == (200, real.content)
            assert 0.5 <= time.monotonic() - started < 3
            emu.faults.script("groups", kind="stall", seconds=1)
            started = time.monotonic()
            with pytest.raises(requests.ConnectionError):
                client.get("groups")
            assert 1 <= time.monotonic() - started < 4
            emu.faults.script("groups", kind="echo")
            echoed = client.get("groups")
            header = "Basic " + base64.b64encode(f"{emu.api_key}:X".encode()).decode()
            assert (echoed.status_code, [e["message"] for e in echoed.json()["errors"]]) == (
                400, [f"Unexpected header {header}", f"Could not use {emu.api_key}:X"])
            assert [entry.status for entry in emu.log.entries] == [200, 200, 200, 0, 400]

    def test_kind_trickle_sends_the_headers_at_once_then_the_body_a_byte_at_a_time(self):
        with Emulator(sizes=Sizes(groups=1)) as emu:
            client = Client(emu)
            real = client.get("groups")
            emu.faults.script("groups", kind="trickle", seconds=0.01)
            started = time.monotonic()
            trickled = client.get("groups")
            assert (trickled.status_code, trickled.content) == (200, real.content)
            assert len(real.content) * 0.01 <= time.monotonic() - started < len(real.content) * 0.01 + 3
            assert [entry.status for entry in emu.log.entries] == [200, 200]

    def test_a_stalled_request_is_let_go_when_the_emulator_stops(self):
        emu = Emulator(sizes=SMALL).start()
        emu.faults.script("groups", kind="stall", seconds=600)
        worker = threading.Thread(target=lambda: pytest.raises(requests.ConnectionError, Client(emu).get, "groups"))
        worker.start()
        time.sleep(0.3)
        started = time.monotonic()
        emu.stop()
        worker.join(10)
        assert (worker.is_alive(), time.monotonic() - started < 5) == (False, True)

    def test_invalid_scripts_are_refused_and_clear_forgets_pending_ones(self):
        with Emulator(sizes=SMALL) as emu:
            with pytest.raises(ValueError, match="unknown fault kind"):
                emu.faults.script("x", kind="explode")
            with pytest.raises(ValueError, match="needs a status"):
                emu.faults.script("x")
            with pytest.raises(ValueError, match="a stall fault needs seconds"):
                emu.faults.script("x", kind="stall")
            emu.faults.script("groups", status=500, times=3)
            emu.faults.clear()
            assert emu.faults.pending == 0
            assert Client(emu).get("groups").status_code == 200

    def test_scripted_faults_take_precedence_over_random_ones(self):
        with Emulator(sizes=SMALL, faults=Faults(error_5xx=1.0)) as emu:
            emu.faults.script("groups", status=418, body="<p>teapot</p>")
            response = Client(emu).get("groups")
            assert (response.status_code, response.text) == (418, "<p>teapot</p>")


class TestRequestLog:
    def test_entries_counts_and_endpoint_templates(self):
        with Emulator(sizes=SMALL) as emu:
            client = Client(emu)
            client.get("tickets", {"updated_since": "2024-01-01", "page": "2"})
            client.get("tickets/3/conversations")
            client.get("tickets/4/conversations")
            client.get("discussions/forums/61000000001/topics")
            client.get("groups", auth=None)
            entry = emu.log.entries[0]
            assert (entry.method, entry.path, entry.query, entry.status, entry.credits) == (
                "GET", "/api/v2/tickets", {"updated_since": "2024-01-01", "page": "2"}, 200, 1)
            assert emu.log.by_endpoint() == {"tickets": 1, "tickets/{id}/conversations": 2,
                                             "discussions/forums/{id}/topics": 1, "groups": 1}
            assert emu.log.count() == len(emu.log) == 5
            assert emu.log.count(path="tickets") == emu.log.count(path="/api/v2/tickets") == 1
            assert emu.log.count(prefix="tickets") == 3
            assert emu.log.count(status=401) == 1
            assert emu.log.count(endpoint="tickets/{id}/conversations", status=200) == 2
            assert [e.t for e in emu.log.entries] == sorted(e.t for e in emu.log.entries)
            emu.log.clear()
            assert emu.log.count() == 0 and emu.log.by_endpoint() == {}
