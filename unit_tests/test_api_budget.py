"""FreshdeskAPIBudget, tested directly: which calls it charges, how long it makes them wait, and what it learns
from Freshdesk's answers. No HTTP and no sleeping: the budget's clock stands still at 0 s and moves only by
the budget's own waits (recorded in `virtual_clock.budget_waits`) and by `clock.pass_time`."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, List

import pytest
import requests
from airbyte_cdk.sources.streams.call_rate import CallRateLimitHit
from airbyte_cdk.test.mock_http import HttpMocker
from requests.structures import CaseInsensitiveDict

from source_freshdesk import components
from source_freshdesk.components import PLAN_LIST_LIMITS, FreshdeskAPIBudget
from config_builder import DOMAIN, ConfigBuilder
from request_builder import FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder
from source_runner import manifest_source, read_streams

GROWTH = {"account": 200, "tickets_list": 20, "contacts_list": 20}
UNCONFIGURED = {"account": 100000, "tickets_list": 20000, "contacts_list": 20000}  # neither plan nor requests_per_minute


def api_request(path: str, **params: str) -> requests.PreparedRequest:
    return requests.Request("GET", f"https://{DOMAIN}{path}", params=params).prepare()


def answer(status_code: int = 200, **headers: str) -> requests.Response:
    """A response with `headers` (underscores in the names become dashes: X_Ratelimit_Total=...)."""
    response = requests.Response()
    response.status_code = status_code
    response.headers = CaseInsensitiveDict({name.replace("_", "-"): value for name, value in headers.items()})
    return response


TICKETS = api_request("/api/v2/tickets", per_page="100", updated_since="2024-01-01T00:00:00Z")
TICKETS_WITH_INCLUDES = api_request("/api/v2/tickets", include="requester,stats,description", per_page="100")
CONTACTS = api_request("/api/v2/contacts", per_page="100")
COMPANIES = api_request("/api/v2/companies", per_page="100")  # any call that is not a list's: 1 credit
EXPORT_FILE = requests.Request("GET", "https://x.s3.amazonaws.com/file.json").prepare()

LOGGED_GROWTH = (
    "Pacing calls to Freshdesk's limits: 200 credits a minute for the account (200 by X-Ratelimit-Total), "
    "20 tickets-list and 20 contacts-list calls."
)


class BudgetClock:
    """The budget's clock, at 0 s until the budget waits (each wait is recorded and moves it) or a test
    lets time pass. A budget that waits more than 20 times for one test is taken to wait forever."""

    MAX_WAITS = 20

    def __init__(self, waits: List[float]) -> None:
        self.now = 0.0
        self.waits = waits

    def pass_time(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if len(self.waits) > self.MAX_WAITS:
            raise AssertionError(f"the budget keeps waiting: {self.waits}")
        self.pass_time(seconds)


@pytest.fixture
def clock(virtual_clock: Any, monkeypatch: pytest.MonkeyPatch) -> BudgetClock:
    """Replaces conftest's budget clock (wall time + the waits) with one that only the waits move, so that
    every wait is an exact number of seconds; the waits are still recorded in `virtual_clock.budget_waits`."""
    budget_clock = BudgetClock(virtual_clock.budget_waits)
    monkeypatch.setattr(components, "_budget_clock", lambda: budget_clock.now)
    monkeypatch.setattr(components, "_budget_sleep", budget_clock.sleep)
    return budget_clock


def acquire(budget: FreshdeskAPIBudget, request: requests.PreparedRequest, times: int = 1) -> None:
    for _ in range(times):
        budget.acquire_call(request)


def calls_without_wait(budget: FreshdeskAPIBudget, request: requests.PreparedRequest, at_most: int = 1000) -> int:
    """How many `request`s the budget lets through now (it spends them), before the first that would wait."""
    for count in range(at_most + 1):
        try:
            budget.acquire_call(request, block=False)
        except CallRateLimitHit:
            return count
    raise AssertionError(f"the budget let more than {at_most} calls through without a wait")


def budget_messages(caplog: pytest.LogCaptureFixture) -> List[str]:
    return [record.getMessage() for record in caplog.records if record.name == "airbyte" and record.levelno == logging.INFO]


class TestCharges:
    """Every Freshdesk API call (`/api/v2/...`) costs account credits: 1, plus 2 per `include` item on the
    tickets list (`/api/v2/tickets`), plus 1 per include item on any other endpoint. A call to the tickets or
    contacts list also costs 1 call of that list's own limit. A call outside the API (an export file on S3)
    costs nothing and never waits, whatever Freshdesk or the budget say."""

    @pytest.mark.parametrize(
        "request_,credits",
        [
            pytest.param(TICKETS, 1, id="tickets_list_without_include"),
            pytest.param(TICKETS_WITH_INCLUDES, 7, id="tickets_list_with_three_includes"),
            pytest.param(api_request("/api/v2/tickets/", include="stats"), 3, id="tickets_list_trailing_slash_one_include"),
            pytest.param(api_request("/api/v2/tickets/42", include="conversations,requester"), 3, id="one_ticket_with_two_includes"),
            pytest.param(api_request("/api/v2/contacts", include="company"), 2, id="contacts_list_with_one_include"),
            pytest.param(COMPANIES, 1, id="companies"),
        ],
    )
    def test_given_growth_when_one_call_made_then_the_account_has_200_minus_its_credits_left(self, clock, request_, credits):
        budget = FreshdeskAPIBudget(GROWTH)

        budget.acquire_call(request_)

        assert calls_without_wait(budget, COMPANIES) == 200 - credits
        assert clock.waits == []

    def test_given_growth_when_28_tickets_pages_with_includes_then_the_29th_waits_for_the_account_not_the_list(self, clock):
        budget = FreshdeskAPIBudget({"account": 200, "tickets_list": 100, "contacts_list": 100})
        acquire(budget, TICKETS_WITH_INCLUDES, 28)  # 196 credits, 28 list calls
        assert clock.waits == []

        acquire(budget, TICKETS_WITH_INCLUDES)

        assert clock.waits == [61.0]

    def test_given_20_tickets_list_calls_when_the_21st_made_then_it_waits_61_s_and_the_contacts_list_does_not(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, TICKETS, 20)

        acquire(budget, CONTACTS, 20)
        assert clock.waits == []
        acquire(budget, TICKETS)

        assert clock.waits == [61.0]

    def test_given_20_contacts_list_calls_when_the_21st_made_then_it_waits_61_s(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, CONTACTS, 20)

        acquire(budget, CONTACTS)

        assert clock.waits == [61.0]

    def test_given_200_credits_spent_when_another_call_made_then_it_waits_61_s(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, COMPANIES, 200)
        assert clock.waits == []

        acquire(budget, COMPANIES)

        assert clock.waits == [61.0]

    def test_given_export_file_answered_429_when_api_called_then_nothing_was_learnt_or_charged(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        budget.acquire_call(EXPORT_FILE, block=False)

        budget.update_from_response(
            EXPORT_FILE, answer(429, Retry_After="30", X_Ratelimit_Total="50", X_Ratelimit_Remaining="0")
        )

        assert budget.limits() == GROWTH
        assert (calls_without_wait(budget, TICKETS), calls_without_wait(budget, COMPANIES)) == (20, 180)

    def test_given_full_budget_when_export_file_downloaded_50_times_then_it_never_waits(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, TICKETS, 20)
        acquire(budget, COMPANIES, 180)

        for _ in range(50):
            budget.acquire_call(EXPORT_FILE, block=False)
        acquire(budget, EXPORT_FILE, 50)

        assert clock.waits == []


class TestMovingWindow:
    """Each limit is a moving window of 61 s (Freshdesk's minute, plus a second): what a call spends counts
    until 61 s after it, and a call waits exactly until enough has stopped counting."""

    def test_given_list_calls_at_0_and_30_s_when_more_made_then_each_waits_for_the_oldest_to_leave_the_window(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, TICKETS, 10)
        clock.pass_time(30)
        acquire(budget, TICKETS, 10)

        acquire(budget, TICKETS, 11)  # the 1st waits until 61 s, 10 fit then, the 11th waits until 91 s

        assert clock.waits == [31.0, 30.0]
        assert clock.now == 91.0

    def test_given_20_list_calls_when_60_s_passed_then_the_21st_still_waits_1_s(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, TICKETS, 20)
        clock.pass_time(60)

        acquire(budget, TICKETS)

        assert clock.waits == [1.0]

    def test_given_limit_5_when_7_credit_tickets_page_made_then_it_proceeds_alone_and_the_next_waits_for_an_empty_window(self, clock):
        budget = FreshdeskAPIBudget({"account": 5, "tickets_list": 20, "contacts_list": 20})  # requests_per_minute 5

        acquire(budget, TICKETS_WITH_INCLUDES)
        assert clock.waits == []
        clock.pass_time(10)
        acquire(budget, TICKETS_WITH_INCLUDES)

        assert clock.waits == [51.0]


class TestAtomicAcquisition:
    """A list call takes its account credits and its list call at once, or neither: while it waits for its
    list, the account's credits stay free for other calls."""

    def test_given_full_tickets_list_when_a_list_call_waits_then_other_calls_find_all_other_credits_meanwhile(self, clock, monkeypatch):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, TICKETS, 20)
        seen_during_wait = []

        def another_thread_calls_during(seconds: float) -> None:
            seen_during_wait.append((seconds, calls_without_wait(budget, COMPANIES)))
            clock.pass_time(seconds)

        monkeypatch.setattr(components, "_budget_sleep", another_thread_calls_during)
        budget.acquire_call(TICKETS)

        assert seen_during_wait == [(61.0, 180)]

    def test_given_full_tickets_list_when_a_list_call_refused_then_it_spent_no_account_credit(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, TICKETS_WITH_INCLUDES, 20)  # 140 credits

        with pytest.raises(CallRateLimitHit):
            budget.acquire_call(TICKETS_WITH_INCLUDES, block=False)
        with pytest.raises(CallRateLimitHit):
            budget.acquire_call(TICKETS_WITH_INCLUDES, timeout=30)

        assert calls_without_wait(budget, COMPANIES) == 60
        assert clock.waits == []

    def test_given_full_account_when_a_list_call_refused_then_it_spent_no_list_call(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, COMPANIES, 200)
        clock.pass_time(30)

        with pytest.raises(CallRateLimitHit):
            budget.acquire_call(TICKETS, block=False)
        clock.pass_time(31)  # 61 s: the account is free again; a list call spent at 30 s would count until 91 s

        assert calls_without_wait(budget, TICKETS) == 20


class TestNonBlockingAndTimeout:
    """`acquire_call(block=False)` raises CallRateLimitHit instead of waiting; with a `timeout`, a call raises
    if its wait would end after the timeout, and waits otherwise. A refused call spends nothing."""

    def test_given_full_list_when_acquired_without_blocking_then_rate_limit_hit_says_how_long_to_wait(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, TICKETS, 20)
        clock.pass_time(1)

        with pytest.raises(CallRateLimitHit) as hit:
            budget.acquire_call(TICKETS_WITH_INCLUDES, block=False)

        assert (str(hit.value), hit.value.item, hit.value.weight, hit.value.time_to_wait, hit.value.rate) == (
            "Freshdesk's rate limit",
            TICKETS_WITH_INCLUDES,
            7,
            timedelta(seconds=60),
            str(GROWTH),
        )
        assert clock.waits == []

    def test_given_full_list_when_timeout_shorter_than_the_wait_then_rate_limit_hit_and_no_wait(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, TICKETS, 20)

        with pytest.raises(CallRateLimitHit) as hit:
            budget.acquire_call(TICKETS, timeout=60)

        assert hit.value.time_to_wait == timedelta(seconds=61)
        assert clock.waits == []

    @pytest.mark.parametrize("timeout", [61, 90])
    def test_given_full_list_when_timeout_not_shorter_than_the_wait_then_it_waits(self, clock, timeout):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, TICKETS, 20)

        budget.acquire_call(TICKETS, timeout=timeout)

        assert clock.waits == [61.0]
        assert calls_without_wait(budget, TICKETS) == 19


class TestPlanAdoption:
    """X-Ratelimit-Total, in every answer, is the account's credits per minute on its plan: the limits become
    the lower of the configured ones and that plan's (the lists' from PLAN_LIST_LIMITS, else a tenth of the
    total, at least 1), with one INFO message each time they change."""

    @pytest.mark.parametrize(
        "total,expected",
        [
            pytest.param("50", {"account": 50, "tickets_list": 50, "contacts_list": 50}, id="trial"),
            pytest.param("200", {"account": 200, "tickets_list": 20, "contacts_list": 20}, id="growth"),
            pytest.param("400", {"account": 400, "tickets_list": 100, "contacts_list": 100}, id="pro"),
            pytest.param("700", {"account": 700, "tickets_list": 200, "contacts_list": 200}, id="enterprise"),
            pytest.param("300", {"account": 300, "tickets_list": 30, "contacts_list": 30}, id="unknown_total_tenth"),
            pytest.param("5", {"account": 5, "tickets_list": 1, "contacts_list": 1}, id="tiny_total_at_least_1"),
        ],
    )
    def test_given_unconfigured_when_total_answered_then_the_plan_limits_adopted(self, clock, total, expected):
        budget = FreshdeskAPIBudget(UNCONFIGURED)

        budget.update_from_response(COMPANIES, answer(X_Ratelimit_Total=total))

        assert budget.limits() == expected

    def test_given_unconfigured_when_total_200_answered_twice_then_growth_adopted_and_logged_once(self, clock, caplog):
        budget = FreshdeskAPIBudget(UNCONFIGURED)

        with caplog.at_level(logging.INFO, logger="airbyte"):
            budget.update_from_response(COMPANIES, answer(X_Ratelimit_Total="200", X_Ratelimit_Remaining="199"))
            budget.update_from_response(TICKETS, answer(X_Ratelimit_Total="200", X_Ratelimit_Remaining="198"))

        assert budget.limits() == GROWTH
        assert budget_messages(caplog) == [LOGGED_GROWTH]

    def test_given_unconfigured_when_total_200_answered_then_the_21st_list_call_waits_61_s(self, clock):
        budget = FreshdeskAPIBudget(UNCONFIGURED)
        budget.update_from_response(COMPANIES, answer(X_Ratelimit_Total="200"))

        acquire(budget, TICKETS, 21)

        assert clock.waits == [61.0]

    def test_given_configured_lower_limits_when_total_200_answered_then_each_limit_is_the_lower_one(self, clock, caplog):
        budget = FreshdeskAPIBudget({"account": 100, "tickets_list": 50, "contacts_list": 5})

        with caplog.at_level(logging.INFO, logger="airbyte"):
            budget.update_from_response(CONTACTS, answer(X_Ratelimit_Total="200"))

        assert budget.limits() == {"account": 100, "tickets_list": 20, "contacts_list": 5}
        assert budget_messages(caplog) == [
            "Pacing calls to Freshdesk's limits: 100 credits a minute for the account (200 by X-Ratelimit-Total), "
            "20 tickets-list and 5 contacts-list calls."
        ]

    def test_given_growth_configured_when_total_200_answered_then_limits_kept_and_nothing_logged(self, clock, caplog):
        budget = FreshdeskAPIBudget(GROWTH)

        with caplog.at_level(logging.INFO, logger="airbyte"):
            budget.update_from_response(COMPANIES, answer(X_Ratelimit_Total="200"))

        assert budget.limits() == GROWTH
        assert budget_messages(caplog) == []

    def test_given_growth_adopted_when_total_becomes_400_then_pro_adopted_and_logged_again(self, clock, caplog):
        budget = FreshdeskAPIBudget(UNCONFIGURED)

        with caplog.at_level(logging.INFO, logger="airbyte"):
            budget.update_from_response(COMPANIES, answer(X_Ratelimit_Total="200"))
            budget.update_from_response(COMPANIES, answer(X_Ratelimit_Total="400"))

        assert budget.limits() == {"account": 400, "tickets_list": 100, "contacts_list": 100}
        assert budget_messages(caplog) == [
            LOGGED_GROWTH,
            "Pacing calls to Freshdesk's limits: 400 credits a minute for the account (400 by X-Ratelimit-Total), "
            "100 tickets-list and 100 contacts-list calls.",
        ]

    @pytest.mark.parametrize("total", ["", "abc", "0", "-200", "200.5"])
    def test_given_unconfigured_when_total_missing_or_not_a_count_then_limits_kept(self, clock, total):
        budget = FreshdeskAPIBudget(UNCONFIGURED)

        budget.update_from_response(COMPANIES, answer(X_Ratelimit_Total=total))

        assert budget.limits() == UNCONFIGURED


class TestRemainingShortfall:
    """X-Ratelimit-Remaining below what the budget has left of the account means other apps spend the
    account's credits too: the difference counts as spent, for a window from that answer."""

    def test_given_10_credits_spent_when_remaining_150_of_200_then_150_more_fit_and_the_151st_waits(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, COMPANIES, 10)
        clock.pass_time(10)

        budget.update_from_response(COMPANIES, answer(X_Ratelimit_Total="200", X_Ratelimit_Remaining="150"))
        acquire(budget, COMPANIES, 150)
        assert clock.waits == []
        acquire(budget, COMPANIES)  # waits for the first 10 credits (spent at 0 s) to leave the window

        assert clock.waits == [51.0]

    def test_given_shortfall_counted_when_its_window_ends_then_its_credits_are_free_again(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, COMPANIES, 10)
        clock.pass_time(10)
        budget.update_from_response(COMPANIES, answer(X_Ratelimit_Total="200", X_Ratelimit_Remaining="150"))

        clock.pass_time(51)  # 61 s: our 10 credits are free again, the 40 of others not yet
        assert calls_without_wait(budget, COMPANIES) == 160
        clock.pass_time(10)  # 71 s: theirs too

        assert calls_without_wait(budget, COMPANIES) == 40

    def test_given_10_credits_spent_when_remaining_190_then_nothing_more_counted(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, COMPANIES, 10)

        budget.update_from_response(COMPANIES, answer(X_Ratelimit_Total="200", X_Ratelimit_Remaining="190"))

        assert calls_without_wait(budget, COMPANIES) == 190

    @pytest.mark.parametrize("remaining,left", [("50", 50), ("140", 90)])
    def test_given_account_limited_to_100_of_200_when_remaining_answered_then_the_lower_of_both_is_left(self, clock, remaining, left):
        budget = FreshdeskAPIBudget({"account": 100, "tickets_list": 20, "contacts_list": 20})
        acquire(budget, COMPANIES, 10)

        budget.update_from_response(COMPANIES, answer(X_Ratelimit_Total="200", X_Ratelimit_Remaining=remaining))

        assert calls_without_wait(budget, COMPANIES) == left

    def test_given_remaining_0_when_a_list_call_made_then_it_waits_61_s_and_its_list_was_not_charged(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        budget.update_from_response(COMPANIES, answer(X_Ratelimit_Total="200", X_Ratelimit_Remaining="0"))

        acquire(budget, TICKETS)

        assert clock.waits == [61.0]
        assert calls_without_wait(budget, TICKETS) == 19


class TestTooManyRequests:
    """A 429 closes the window that refused the call for Retry-After seconds (at most 61) or, without it, for
    the whole window, whatever that window held before: the list's when the call was a list's and
    X-Ratelimit-Remaining was above 0, else the account's."""

    @pytest.mark.parametrize(
        "refused, other_list, retry_after",
        [pytest.param(TICKETS, CONTACTS, 30, id="tickets_list"), pytest.param(CONTACTS, TICKETS, 12, id="contacts_list")],
    )
    def test_given_429_on_a_list_with_credits_remaining_when_calls_follow_then_only_that_list_waits_retry_after(
        self, clock, refused, other_list, retry_after
    ):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, refused)

        budget.update_from_response(
            refused, answer(429, Retry_After=str(retry_after), X_Ratelimit_Total="200", X_Ratelimit_Remaining="150")
        )
        acquire(budget, COMPANIES)
        acquire(budget, other_list)
        assert clock.waits == []
        acquire(budget, refused)

        assert clock.waits == [float(retry_after)]

    def test_given_429_on_list_with_credits_remaining_when_counted_then_the_remaining_shortfall_counts_too(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, TICKETS)

        budget.update_from_response(
            TICKETS, answer(429, Retry_After="30", X_Ratelimit_Total="200", X_Ratelimit_Remaining="150")
        )

        assert calls_without_wait(budget, COMPANIES) == 150

    @pytest.mark.parametrize("request_", [pytest.param(TICKETS, id="tickets_list"), pytest.param(COMPANIES, id="companies")])
    def test_given_429_with_remaining_0_when_calls_follow_then_every_call_waits_retry_after(self, clock, request_):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, request_)

        budget.update_from_response(request_, answer(429, Retry_After="20", X_Ratelimit_Total="200", X_Ratelimit_Remaining="0"))
        acquire(budget, COMPANIES)

        assert clock.waits == [20.0]

    def test_given_429_on_companies_with_credits_remaining_when_calls_follow_then_the_account_waits_retry_after(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, COMPANIES)

        budget.update_from_response(COMPANIES, answer(429, Retry_After="20", X_Ratelimit_Remaining="150"))
        acquire(budget, COMPANIES)

        assert clock.waits == [20.0]

    def test_given_429_on_list_without_retry_after_when_the_list_called_again_then_it_waits_61_s(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, TICKETS)

        budget.update_from_response(TICKETS, answer(429, X_Ratelimit_Total="200", X_Ratelimit_Remaining="150"))
        acquire(budget, COMPANIES)
        assert clock.waits == []
        acquire(budget, TICKETS)

        assert clock.waits == [61.0]

    def test_given_429_without_retry_after_or_remaining_when_the_account_called_again_then_it_waits_61_s(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, TICKETS)

        budget.update_from_response(TICKETS, answer(429))
        acquire(budget, COMPANIES)

        assert clock.waits == [61.0]

    def test_given_429_with_retry_after_above_61_when_called_again_then_it_waits_61_s(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, COMPANIES)

        budget.update_from_response(COMPANIES, answer(429, Retry_After="3600", X_Ratelimit_Remaining="0"))
        acquire(budget, COMPANIES, 2)  # the 1st waits for the refused call's own credit, the 2nd fits then too

        assert clock.waits == [61.0]

    def test_given_list_call_at_0_s_when_429_retry_after_30_at_50_s_then_the_next_list_call_waits_30_s(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, TICKETS)
        clock.pass_time(50)
        acquire(budget, TICKETS)

        budget.update_from_response(TICKETS, answer(429, Retry_After="30", X_Ratelimit_Total="200", X_Ratelimit_Remaining="150"))
        acquire(budget, TICKETS)

        assert clock.waits == [30.0]  # not 11 s, when the call made at 0 s stops counting

    def test_given_list_full_by_our_count_when_429_retry_after_60_then_the_next_list_call_waits_60_s(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, TICKETS, 19)
        clock.pass_time(30)
        acquire(budget, TICKETS)

        budget.update_from_response(TICKETS, answer(429, Retry_After="60", X_Ratelimit_Total="200", X_Ratelimit_Remaining="150"))
        acquire(budget, TICKETS)

        assert clock.waits == [60.0]  # the window was full by the budget's count already

    def test_given_account_credit_at_0_s_when_429_without_retry_after_at_30_s_then_the_account_waits_61_s(self, clock):
        budget = FreshdeskAPIBudget(GROWTH)
        acquire(budget, COMPANIES)
        clock.pass_time(30)

        budget.update_from_response(COMPANIES, answer(429, X_Ratelimit_Remaining="0"))
        acquire(budget, COMPANIES)

        assert clock.waits == [61.0]  # a whole window from the 429, not from the first call


class TestTheAccountsBudget:
    """Contract: the manifest's authenticator (FreshdeskAuthenticator) holds every request that carries the
    key to FreshdeskAPIBudget, with the config's `_rate_limits`; every stream of an account shares one
    budget, whichever runtime builds the source (here the CDK's declarative source, as the Connector Builder
    and source-declarative-manifest build it); the manifest declares no CDK HTTPAPIBudget. PLAN_LIST_LIMITS
    agrees with the plans of the manifest's `_rate_limits` transformation."""

    def test_given_growth_config_when_two_streams_are_read_then_one_budget_with_growth_limits_counts_both(self):
        with HttpMocker() as http_mocker:
            for path in ("agents", "groups"):
                http_mocker.get(FreshdeskRequestBuilder.endpoint(path).build(), FreshdeskResponseBuilder.records([]).build())
            read_streams(ConfigBuilder().with_plan("growth").build(), "agents", "groups")

        budget = components.ACCOUNTS[DOMAIN].budget(GROWTH)
        assert (budget.limits(), budget.spent()) == (GROWTH, {"account": 2, "tickets_list": 0, "contacts_list": 0})

    def test_given_the_manifest_when_resolved_then_every_keyed_requester_signs_with_the_budgeting_authenticator(self):
        resolved = manifest_source(config=ConfigBuilder().with_plan("growth").build()).resolved_manifest
        authenticators = [node["authenticator"] for node in _nodes(resolved) if isinstance(node.get("authenticator"), dict)]

        keyed = [a for a in authenticators if a["class_name"] == "source_freshdesk.components.FreshdeskAuthenticator"]

        assert "api_budget" not in resolved
        assert len(keyed) > 30  # one per requester that carries the key: every stream's, and the lookups'
        # The only other: the signed downloads of ticket activities, which carry no key (and no budget).
        assert {a["class_name"] for a in authenticators if a not in keyed} == {"source_freshdesk.components.FreshdeskSignedDownload"}
        assert all(a["rate_limits"] == MANIFEST_RATE_LIMITS for a in keyed)

    def test_given_each_named_plan_when_config_transformed_then_its_list_limits_are_plan_list_limits(self):
        totals = {"trial": 50, "growth": 200, "pro": 400, "enterprise": 700}

        limits = {plan: manifest_source(config=ConfigBuilder().with_plan(plan).build())._config["_rate_limits"] for plan in totals}

        assert limits == {
            plan: {"account": total, "tickets_list": PLAN_LIST_LIMITS[total], "contacts_list": PLAN_LIST_LIMITS[total]}
            for plan, total in totals.items()
        }


MANIFEST_RATE_LIMITS = {
    "account": "{{ config['_rate_limits']['account'] }}",
    "tickets_list": "{{ config['_rate_limits']['tickets_list'] }}",
    "contacts_list": "{{ config['_rate_limits']['contacts_list'] }}",
}


def _nodes(tree: Any) -> List[dict]:
    """Every mapping of a (resolved) manifest."""
    if isinstance(tree, dict):
        return [tree] + [node for value in tree.values() for node in _nodes(value)]
    if isinstance(tree, list):
        return [node for value in tree for node in _nodes(value)]
    return []
