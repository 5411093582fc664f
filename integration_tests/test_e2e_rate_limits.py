"""The client-side budget: a sync paced under the account's limits gets no 429 from Freshdesk, whether
the limits are configured or learnt from the X-Ratelimit-Total header."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict

import pytest

from integration_tests.conftest import SECRET_KEY, catalog_for, connector, expected_ids, today_midnight
from integration_tests.emulator import Emulator, RateLimits, Sizes

STREAMS = ["tickets", "conversations", "contacts", "groups", "agents"]
START_DATE = "2024-12-01"
CASES = ("configured", "unconfigured")


def throttled_sync(case: str) -> Dict[str, Any]:
    # A small "plan": 90 credits a minute for the account, 9 tickets-list and 9 contacts-list calls.
    # The sync needs about 180 credits, so it must spread over two minutes to get no 429. The account's
    # 25 days up to today fit in one window of the tickets list.
    emu = Emulator(
        seed=31,
        sizes=Sizes(tickets=90, contacts=400, conversations_per_ticket_max=2, history_days=25),
        rate_limits=RateLimits(per_minute=90, tickets_list=9, contacts_list=9),
        api_key=SECRET_KEY,
        now=today_midnight(),
    ).start()
    try:
        catalog = catalog_for(emu, STREAMS)
        emu.limiter.reset()
        emu.log.clear()
        limits = {"requests_per_minute": 90, "plan": "growth"} if case == "configured" else {}
        run = connector("read", emu.config(start_date=START_DATE, **limits), catalog, env=emu.env())
        return {"run": run, "emu": emu, "entries": emu.log.entries}
    finally:
        emu.stop()


@pytest.fixture(scope="module")
def throttled() -> Dict[str, Dict[str, Any]]:
    """Both syncs at once, each against its own emulator: they spend most of their time waiting."""
    with ThreadPoolExecutor(max_workers=len(CASES)) as pool:
        return dict(zip(CASES, pool.map(throttled_sync, CASES)))


class TestPacedSync:
    """Contract: the connector's budget keeps every minute under the account's credits and the tickets and
    contacts lists under their own calls: Freshdesk never answers 429, and every record still comes out.
    The limits are the configured ones (`requests_per_minute` and `plan`, the lower of each); without
    them, the plan's, learnt from the first answer's X-Ratelimit-Total (a total Freshdesk does not sell:
    lists at a tenth of it)."""

    @pytest.mark.parametrize("case", CASES)
    def test_given_limits_when_sync_needs_more_than_a_minute_then_no_429(self, throttled, case):
        assert throttled[case]["run"].returncode == 0, throttled[case]["run"].stderr[-3000:]
        statuses = [e.status for e in throttled[case]["entries"]]
        assert statuses.count(429) == 0
        credits = sum(e.credits for e in throttled[case]["entries"])
        assert credits > 90  # more than one minute's worth: the budget had to wait

    @pytest.mark.parametrize("case", CASES)
    @pytest.mark.parametrize("stream", STREAMS)
    def test_given_throttled_sync_when_done_then_every_record_came_out(self, throttled, case, stream):
        got = sorted({r["id"] for r in throttled[case]["run"].records[stream]})
        assert got == expected_ids(throttled[case]["emu"], stream, start_date=f"{START_DATE}T00:00:00Z")

    @pytest.mark.parametrize("case", CASES)
    def test_given_a_total_below_the_limits_when_the_first_answer_comes_then_its_plan_is_announced_once(
        self, throttled, case
    ):
        # Configured: 90 credits, but Growth's 20 list calls; the account's total, 90, is no plan Freshdesk
        # sells, so its lists are taken to allow 9, which is lower.
        pacing = [line for line in throttled[case]["run"].logs("INFO") if line.startswith("Pacing calls")]
        assert pacing == [
            "Pacing calls to Freshdesk's limits: 90 credits a minute for the account (90 by X-Ratelimit-Total), "
            "9 tickets-list and 9 contacts-list calls."
        ]
