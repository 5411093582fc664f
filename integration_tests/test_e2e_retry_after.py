"""Retry-After within reason, through the real command and the bundle: a wait longer than Freshdesk ever
asks for is cut to a minute, and a negative one waits a short default, each with one warning."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Tuple

import pytest

from integration_tests.conftest import SECRET_KEY, catalog_for, connector, expected_ids
from integration_tests.emulator import Emulator, Sizes
from integration_tests.harness import RUNTIMES


# Each case: the stream read, the Retry-After of its first answer (a 429), the wait it must get (the CDK
# adds 1 s), and the one warning.
CASES = {
    "a day": (
        "groups", "86400", 61.0,
        "Freshdesk asked to wait 86400 s before retrying (Retry-After); waiting 60 s instead, the longest its "
        "per-minute rate limits need.",
    ),
    "negative": ("agents", "-5", 11.0, "Freshdesk sent a Retry-After the connector cannot use ('-5'); waiting 10 s before retrying."),
}


def sync(case: str, runtime: str) -> Dict[str, Any]:
    stream, retry_after, _, _ = CASES[case]
    emu = Emulator(seed=17, sizes=Sizes(tickets=10), api_key=SECRET_KEY).start()
    try:
        catalog = catalog_for(emu, [stream])
        emu.log.clear()
        emu.faults.script(rf"^/api/v2/{stream}$", status=429, times=1, headers={"Retry-After": retry_after})
        run = connector("read", emu.config(), catalog, env=emu.env(), runtime=runtime)
        return {"run": run, "calls": [e for e in emu.log.entries if e.path == f"/api/v2/{stream}"], "expected": expected_ids(emu, stream)}
    finally:
        emu.stop()


@pytest.fixture(scope="module")
def synced() -> Dict[Tuple[str, str], Dict[str, Any]]:
    """Every case in both runtimes at once: each mostly waits."""
    jobs = [(case, runtime) for case in CASES for runtime in RUNTIMES]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return dict(zip(jobs, pool.map(lambda job: sync(*job), jobs)))


class TestRetryAfterWithinReason:
    """Contract: `Retry-After: 86400` waits 60 s (Freshdesk's limits are per minute; the CDK adds 1 s), not
    a day; `Retry-After: -5` waits 10 s (+1), not a crash; one warning each says so; every record comes
    out, in both runtimes."""

    @pytest.mark.parametrize("case", CASES)
    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_an_unreasonable_retry_after_when_read_then_every_record_comes_out(self, synced, case, runtime):
        outcome = synced[(case, runtime)]
        run = outcome["run"]
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.trace_errors() == []
        assert sorted(r["id"] for r in run.records[CASES[case][0]]) == outcome["expected"]

    @pytest.mark.parametrize("case", CASES)
    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_an_unreasonable_retry_after_when_read_then_the_retry_waits_a_bounded_time(self, synced, case, runtime):
        calls = synced[(case, runtime)]["calls"]
        assert [c.status for c in calls] == [429, 200]
        wait = CASES[case][2]
        assert wait <= calls[1].t - calls[0].t < wait + 5, calls[1].t - calls[0].t
        assert synced[(case, runtime)]["run"].seconds < wait + 30

    @pytest.mark.parametrize("case", CASES)
    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_an_unreasonable_retry_after_when_read_then_one_warning_says_what_was_done(self, synced, case, runtime):
        assert synced[(case, runtime)]["run"].logs("WARN") == [CASES[case][3]]
