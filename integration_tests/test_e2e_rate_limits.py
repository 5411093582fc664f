"""The client-side budget: a sync configured with the account's limits gets no 429 from Freshdesk."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from integration_tests.conftest import SECRET_KEY, catalog_for, connector, expected_ids, today_midnight
from integration_tests.emulator import Emulator, RateLimits, Sizes

STREAMS = ["tickets", "conversations", "contacts", "groups", "agents"]


@pytest.fixture(scope="module")
def throttled() -> Dict[str, Any]:
    # A small "plan": 90 credits a minute for the account, 9 tickets-list and 9 contacts-list calls.
    # The sync needs about 180 credits, so it must spread over two minutes to get no 429. The account's
    # 25 days up to today fit in one monthly window of the tickets list.
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
        config = emu.config(requests_per_minute=90, plan="growth", start_date="2024-12-01")
        run = connector("read", config, catalog, env=emu.env())
        return {"run": run, "emu": emu, "entries": emu.log.entries}
    finally:
        emu.stop()


class TestConfiguredRateLimit:
    """Contract: with `requests_per_minute` (the account's credits per minute) and `plan` set, the
    connector's budget keeps every minute under the account limit and the tickets and contacts lists
    under their own limits: Freshdesk never answers 429, and every record still comes out."""

    def test_given_limits_configured_when_sync_needs_more_than_a_minute_then_no_429(self, throttled):
        assert throttled["run"].returncode == 0, throttled["run"].stderr[-3000:]
        statuses = [e.status for e in throttled["entries"]]
        assert statuses.count(429) == 0
        credits = sum(e.credits for e in throttled["entries"])
        assert credits > 90  # more than one minute's worth: the budget had to wait

    @pytest.mark.parametrize("stream", STREAMS)
    def test_given_throttled_sync_when_done_then_every_record_came_out(self, throttled, stream):
        got = sorted({r["id"] for r in throttled["run"].records[stream]})
        assert got == expected_ids(throttled["emu"], stream, start_date="2024-12-01T00:00:00Z")
