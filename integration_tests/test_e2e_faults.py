"""Faults through the real command line: nothing is lost, and what cannot be read fails loudly.

Random faults (5xx, 429 bursts, dropped connections, latency) are retried until every record is out;
a malformed page (an HTML page, an object where a list belongs, a body cut short, all with status
200) stops its stream with a message naming the stream and the URL, and the state stays before it;
a long streak of 429s on one request is waited out, up to the error handler's `max_retries`; a
Retry-After out of reason (a day, a negative number) is waited within reason, in both runtimes.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Set, Tuple

import pytest

from integration_tests.conftest import SECRET_KEY, catalog_for, connector, expected_ids, today_midnight
from integration_tests.emulator import Emulator, Faults, RateLimits, Sizes
from integration_tests.emulator.api import STREAM_ROUTES
from integration_tests.emulator.faults import FaultAction, FaultInjector
from integration_tests.emulator.log import endpoint_template
from integration_tests.harness import RUNTIMES, Run
from integration_tests.test_e2e_full_sync import ALL_STREAMS, primary_key
from source_freshdesk.run import SourceFreshdesk

# Before every record of the emulated accounts (their history starts two years before 2025-07-01):
# every record is still expected, and a tickets stream read in time windows has few empty ones.
START_DATE = "2023-01-01T00:00:00Z"

# Why Retry-After 1, not 0: the manifest's first backoff strategy reads Retry-After, and the CDK takes a
# wait of 0 for "no answer" and falls through to the exponential strategy (5 s, 9 s, 17 s... with its +1 s),
# so `Retry-After: 0` would make this test slower, not faster. With 1 the CDK waits 2 s per 429.
FAULTS = Faults(seed=21, error_5xx=0.03, burst_429=0.02, drop=0.005, latency_ms=20, retry_after=1)


def predicted_statuses(faults: Faults, answered: int) -> Counter:
    """The statuses the emulator gives, in total, until `answered` requests have been answered normally.

    The random faults are drawn from their own seeded generator, one draw per request in arrival
    order, whichever request it is: the totals depend only on how many normal answers were needed.
    A dropped connection counts as status 0, as in the emulator's log.
    """
    injector, statuses = FaultInjector(faults), Counter()
    while statuses[200] < answered:
        action = injector.decide("/api/v2/any")
        statuses[200 if action is None else 0 if action.kind == "drop" else action.status] += 1
    return statuses


def cached_endpoints() -> Set[str]:
    """The endpoints (as the emulator's log names them) whose 200 answers the connector keeps and reuses.

    The CDK caches the requests of every stream that is another stream's parent, unless its requester says
    `use_cache: false`, in a cache its readers share. A parent is read once as a stream and again in each
    child chain (discussion_topics, and as discussion_comments' parent), and those reads can ask for the
    same URL at the same moment.
    """
    manifest = SourceFreshdesk(config={"api_key": "key", "domain": "example.freshdesk.com"}).resolved_manifest
    cached = set()
    for stream in manifest["streams"]:
        routers = stream.get("retriever", {}).get("partition_router") or []
        for router in routers if isinstance(routers, list) else [routers]:
            for parent in router.get("parent_stream_configs") or []:
                if parent["stream"]["retriever"]["requester"].get("use_cache") is not False:
                    cached.add(STREAM_ROUTES[parent["stream"]["name"]])
    return cached


@pytest.fixture(scope="module", autouse=True)
def rate_limited_in_background() -> Dict[Any, Future]:
    """The rate-limit syncs (see TestLongRateLimits, TestRetryAfterWithinReason) mostly wait: they run while
    the other tests do."""
    pool = ThreadPoolExecutor(max_workers=3 + len(RETRY_AFTER_JOBS))
    futures: Dict[Any, Future] = {case: pool.submit(rate_limited_sync, case) for case in ("thirty", "thirty-one", "window")}
    futures.update({job: pool.submit(retry_after_sync, *job) for job in RETRY_AFTER_JOBS})
    yield futures
    pool.shutdown(wait=True)


@pytest.fixture(scope="module")
def faulty_sync() -> Dict[str, Any]:
    # Its clock is today's midnight, so that the ticket activity export holds the days the connector reads.
    emu = Emulator(
        seed=3, sizes=Sizes(tickets=200, contacts=150, deleted_tickets=0, spam_tickets=0), api_key=SECRET_KEY,
        now=today_midnight(),
    ).start()
    try:
        catalog = catalog_for(emu)
        emu.log.clear()
        emu.set_faults(FAULTS)
        run = connector("read", emu.config(start_date=START_DATE), catalog, env=emu.env())
        return {"emu": emu, "run": run, "entries": emu.log.entries}
    finally:
        emu.stop()


class TestRandomFaults:
    """Contract: under 3% 5xx, 2% bursts of three 429s (Retry-After 1), 0.5% dropped connections and
    20 ms of latency on every call, a full sync of every stream exits 0 (in about 20 s on two idle cores:
    each retry waits 2 to 5 s), with each record exactly once. Every faulted request is retried until it
    is answered; no page is skipped.
    (Records are duplicated only for tickets sharing the second where the tickets list restarts past
    30,000 records; this account is far smaller, so no record may repeat.)
    """

    def test_given_faults_when_full_sync_then_exit_0_and_every_stream_complete(self, faulty_sync):
        run: Run = faulty_sync["run"]
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.trace_errors() == []
        assert run.stream_statuses() == {name: "COMPLETE" for name in ALL_STREAMS}

    @pytest.mark.parametrize("stream", ALL_STREAMS)
    def test_given_faults_when_full_sync_then_every_record_comes_out_exactly_once(self, faulty_sync, stream):
        counts = Counter(primary_key(stream, r) for r in faulty_sync["run"].records[stream])
        assert [key for key, n in counts.items() if n > 1] == []
        assert sorted(counts) == expected_ids(faulty_sync["emu"], stream, START_DATE)

    def test_given_faults_when_full_sync_then_each_faulted_request_is_retried_until_answered(self, faulty_sync):
        # Statuses per URL, in the order the emulator answered them: the last one must be a 200. Except on an
        # endpoint the connector caches (see cached_endpoints): when two of its readers ask for a URL at once,
        # one gets a 200 and the other a fault, the retry of the second is answered by the cache with the first
        # one's 200 and never reaches the emulator, whose last status for that URL is then the fault. The
        # cache keeps only 200s, so there the fault must follow a 200 for the same URL.
        cached = cached_endpoints()
        attempts: Dict[Tuple[str, Tuple], List[int]] = defaultdict(list)
        for entry in faulty_sync["entries"]:
            attempts[(entry.path, tuple(sorted(entry.query.items())))].append(entry.status)
        unanswered = {
            url: statuses
            for url, statuses in attempts.items()
            if statuses[-1] != 200 and not (endpoint_template(url[0]) in cached and 200 in statuses)
        }
        assert attempts and unanswered == {}
        # The ticket activity export's files are on a storage host, which has no Freshdesk fault to draw.
        downloads = [entry.status for entry in faulty_sync["entries"] if entry.path.startswith("/exports/")]
        assert downloads == [200] * 30
        observed = Counter(entry.status for entry in faulty_sync["entries"] if not entry.path.startswith("/exports/"))
        assert observed == predicted_statuses(FAULTS, observed[200])
        assert set(observed) == {0, 200, 429, 500, 502, 503}  # every kind of fault was met


# --- malformed pages ------------------------------------------------------------------------------------


def malformed_after(emu: Emulator, path_regex: str, answered: int, kind: str) -> None:
    """Answers the request to `path_regex` that follows the `answered`-th one with a malformed page.

    The emulator logs a request before sending its answer, so the fault is in place before the
    connector can ask for the next page.
    """
    pattern, lock, seen, log_add = re.compile(path_regex), threading.Lock(), [0], emu.log.add

    def add(entry: Any) -> None:
        log_add(entry)
        if pattern.search(entry.path):
            with lock:
                seen[0] += 1
                if seen[0] == answered:
                    emu.faults.script(path_regex, kind=kind, times=1)

    emu.log.add = add  # type: ignore[method-assign]


def malformed_second_page(emu: Emulator, path: str, kind: str) -> None:
    """Answers the first request for page 2 of the default list at `path` (no `filter`) with a malformed page.

    The tickets list is read in several windows and lists at once, so "the next request" would be any of
    them, possibly an empty one; this picks the page by its query, which `faults.script` cannot.
    """
    respond, done = emu.api.respond, threading.Event()

    def answer(request_path: str, raw_query: str, pairs: Any) -> Any:
        reply = respond(request_path, raw_query, pairs)
        query = dict(pairs)
        if request_path == path and query.get("page") == "2" and "filter" not in query and not done.is_set():
            done.set()
            return emu._distort(FaultAction(kind), reply)
        return reply

    emu.api.respond = answer  # type: ignore[method-assign]


CONTACTS_PATH, CONVERSATIONS_PATH = r"^/api/v2/contacts$", r"^/api/v2/tickets/\d+/conversations$"
WHAT = {
    "html": r"an HTML page instead of JSON\. Freshdesk may be under maintenance\. ",
    "truncated": r"JSON that does not parse \(.*\)\. The body was cut short or corrupted\. ",
    "object_instead_of_list": r"a JSON object where a list of records belongs\. Please report this answer to the "
    r"connector's maintainers\. ",
}
KINDS = list(WHAT)


def refusal(stream: str, port: int, path: str, kind: str) -> str:
    """The message (a regular expression) that stops `stream` on a malformed page of `path`."""
    return (
        rf"Stream '{stream}' stopped: Freshdesk answered GET https://localhost:{port}/api/v2/{path}(\?\S*)? with "
        rf"status 200 but {WHAT[kind]}No record of that page was read and the state stays before it, so the "
        r"next sync reads it again\."
    )


def ticket_cursor(state: Optional[Dict[str, Any]]) -> Optional[str]:
    """The tickets list's cursor in a tickets state (one cursor, or one per list partition), or None."""
    if not state:
        return None
    if "updated_at" in state:
        return state["updated_at"]
    for entry in state.get("states", []):
        if entry.get("partition", {}).get("list", "default") == "default":
            return entry.get("cursor", {}).get("updated_at")
    return (state.get("state") or {}).get("updated_at")


def unread_before(cursor: Optional[str], expected: List[Dict[str, Any]], read_ids: set, cursor_field: str) -> List[Any]:
    """Ids of expected records older than `cursor` that were not read: a resumed sync would skip them."""
    return sorted(r["id"] for r in expected if cursor and r[cursor_field] < cursor and r["id"] not in read_ids)


def malformed_sync(kind: str, seed: int) -> Dict[str, Any]:
    """Two syncs on one account: contacts + conversations with a malformed page each, and tickets alone with
    a malformed second page of the default list; then the same streams again from the states they left."""
    # 25 days of history: the tickets fit in one monthly window, three pages long.
    sizes = Sizes(tickets=250, contacts=250, deleted_tickets=0, spam_tickets=0, history_days=25)
    emu = Emulator(seed=seed, sizes=sizes, api_key=SECRET_KEY).start()
    try:
        config, env = emu.config(start_date=START_DATE), emu.env()
        children = catalog_for(emu, ["contacts", "conversations"])
        tickets = catalog_for(emu, ["tickets"])
        malformed_after(emu, CONTACTS_PATH, 1, kind)
        malformed_after(emu, CONVERSATIONS_PATH, 20, kind)
        first_children = connector("read", config, children, env=env)
        del emu.log.add  # back to the plain log
        malformed_second_page(emu, "/api/v2/tickets", kind)
        first_tickets = connector("read", config, tickets, env=env)
        del emu.api.respond  # back to the plain API
        again = {
            "children": connector("read", config, children, state=first_children.state_messages_for_next_sync(), env=env),
            "tickets": connector("read", config, tickets, state=first_tickets.state_messages_for_next_sync(), env=env),
        }
        streams = ("tickets", "conversations", "contacts")
        expected = {s: emu.data.expected(s, START_DATE) for s in streams}
        # expected("contacts") is the default list; the ids add the deleted and blocked ones, read after it.
        ids = {s: expected_ids(emu, s, START_DATE) for s in streams}
        return {"port": emu.port, "first": {"children": first_children, "tickets": first_tickets}, "again": again,
                "expected": expected, "expected_ids": ids}
    finally:
        emu.stop()


@pytest.fixture(scope="module")
def malformed() -> Dict[str, Dict[str, Any]]:
    with ThreadPoolExecutor(max_workers=len(KINDS)) as pool:
        return dict(zip(KINDS, pool.map(malformed_sync, KINDS, [31, 32, 33])))


class TestMalformedPages:
    """Contract: a page answered with status 200 but not a JSON list (an HTML maintenance page, a JSON object,
    a body cut short) is never read as an empty page. Its stream stops, INCOMPLETE, with one error that names
    the stream and the URL; the other streams finish; the sync exits 1. The state left behind does not pass any
    record that was not read, so the next sync, from that state, brings out everything.
    """

    @pytest.mark.parametrize("kind", KINDS)
    def test_given_malformed_contacts_and_conversations_pages_when_read_then_both_streams_stop_naming_the_url(
        self, malformed, kind
    ):
        run: Run = malformed[kind]["first"]["children"]
        port = malformed[kind]["port"]
        assert run.returncode == 1
        assert run.stream_statuses() == {"contacts": "INCOMPLETE", "conversations": "INCOMPLETE"}
        messages = sorted(error["message"] for error in run.trace_errors() if error["message"].startswith("Stream '"))
        assert len(messages) == 2, messages
        assert re.fullmatch(refusal("contacts", port, r"contacts\?(\S*&)?page=2(&\S*)?", kind), messages[0]), messages[0]
        assert re.fullmatch(refusal("conversations", port, r"tickets/\d+/conversations", kind), messages[1]), messages[1]

    @pytest.mark.parametrize("kind", KINDS)
    def test_given_malformed_second_contacts_page_when_read_then_exactly_the_first_page_comes_out_and_state_stays(
        self, malformed, kind
    ):
        run: Run = malformed[kind]["first"]["children"]
        expected = malformed[kind]["expected"]["contacts"]
        assert [c["id"] for c in run.records["contacts"]] == [c["id"] for c in expected[:100]]
        assert run.last_state_per_stream()["contacts"] == {"updated_at": START_DATE}

    @pytest.mark.parametrize("kind", KINDS)
    def test_given_malformed_conversations_page_when_read_then_the_state_stays_before_that_ticket(self, malformed, kind):
        run: Run = malformed[kind]["first"]["children"]
        expected = malformed[kind]["expected"]
        read = Counter(c["ticket_id"] for c in run.records["conversations"])
        due = Counter(c["ticket_id"] for c in expected["conversations"])
        message = next(e["message"] for e in run.trace_errors() if e["message"].startswith("Stream 'conversations'"))
        failed_ticket = int(re.search(r"tickets/(\d+)/conversations", message).group(1))
        complete = {t["id"] for t in expected["tickets"] if read[t["id"]] == due[t["id"]]} - {failed_ticket}
        parent = ticket_cursor(run.last_state_per_stream().get("conversations", {}).get("parent_state", {}).get("tickets"))
        assert unread_before(parent, expected["tickets"], complete, "updated_at") == []

    @pytest.mark.parametrize("kind", KINDS)
    def test_given_malformed_second_tickets_page_when_read_then_the_stream_stops_and_no_unread_ticket_is_passed(
        self, malformed, kind
    ):
        run: Run = malformed[kind]["first"]["tickets"]
        assert run.returncode == 1
        assert run.stream_statuses() == {"tickets": "INCOMPLETE"}
        messages = [error["message"] for error in run.trace_errors() if error["message"].startswith("Stream '")]
        assert len(messages) == 1
        assert re.fullmatch(refusal("tickets", malformed[kind]["port"], r"tickets\?\S*&page=2&\S*", kind), messages[0]), messages[0]
        expected = malformed[kind]["expected"]["tickets"]
        read = {t["id"] for t in run.records["tickets"]}
        assert len(read) < len(expected)
        assert unread_before(ticket_cursor(run.last_state_per_stream().get("tickets")), expected, read, "updated_at") == []

    @pytest.mark.parametrize("kind", KINDS)
    @pytest.mark.parametrize("stream, part", [("contacts", "children"), ("conversations", "children"), ("tickets", "tickets")])
    def test_given_malformed_page_when_next_sync_runs_from_the_state_then_every_record_is_out(
        self, malformed, kind, stream, part
    ):
        first, again = malformed[kind]["first"][part], malformed[kind]["again"][part]
        assert again.returncode == 0, again.stderr[-3000:]
        union = {r["id"] for r in first.records[stream]} | {r["id"] for r in again.records[stream]}
        assert sorted(union) == malformed[kind]["expected_ids"][stream]


# --- long 429 streaks -------------------------------------------------------------------------------------


def rate_limited_sync(case: str) -> Dict[str, Any]:
    """contacts (4 pages of the default list, then one each of the deleted and blocked lists) under one of
    three rate-limit cases; see TestLongRateLimits."""
    rate_limits = RateLimits(per_minute=1_000_000, tickets_list=None, contacts_list=1, window_seconds=3) if case == "window" else None
    emu = Emulator(seed=41, sizes=Sizes(tickets=10, contacts=350), rate_limits=rate_limits, api_key=SECRET_KEY).start()
    try:
        catalog = catalog_for(emu, ["contacts"])
        emu.log.clear()
        if case != "window":
            streak = {"thirty": 30, "thirty-one": 31}[case]
            emu.faults.script(CONTACTS_PATH, status=429, times=streak, headers={"Retry-After": "1"})
        run = connector("read", emu.config(), catalog, env=emu.env())
        contacts = [e for e in emu.log.entries if e.path == "/api/v2/contacts"]
        with emu.data.lock:
            expected = [c["id"] for state in (None, "deleted", "blocked") for c in emu.data.contact_query(state, None)]
        return {"run": run, "calls": contacts, "expected": expected}
    finally:
        emu.stop()


@pytest.fixture(scope="module")
def rate_limited(rate_limited_in_background: Dict[Any, Future]) -> Dict[str, Dict[str, Any]]:
    return {case: rate_limited_in_background[case].result() for case in ("thirty", "thirty-one", "window")}


class TestLongRateLimits:
    """Contract: a 429 waits its Retry-After (+1 s, the CDK's margin) and tries again, up to the error
    handler's `max_retries: 30`; the sync neither fails nor loses a page while the streak lasts.

    Real Freshdesk answers `Retry-After` with the seconds left in its one-minute window (at most 60), so
    thirty retries outlast about thirty minutes of an account kept at its limit by other apps (the
    handler's `max_time: 1800` lets one request wait that long; the CDK's default stops at 600 s). The emulator's window is shortened to 3 s here, and the
    scripted streaks use Retry-After 1, so the same arithmetic runs in seconds.
    """

    def test_given_thirty_429s_in_a_row_on_one_page_when_read_then_each_waits_retry_after_and_nothing_is_lost(
        self, rate_limited
    ):
        case = rate_limited["thirty"]
        assert case["run"].returncode == 0, case["run"].stderr[-3000:]
        assert [c["id"] for c in case["run"].records["contacts"]] == case["expected"]
        assert [c.status for c in case["calls"]] == [429] * 30 + [200] * 6
        # Retry-After 1 plus the CDK's 1 s margin each time; exponential backoff would wait 5, 9, 17... s.
        waits = [later.t - earlier.t for earlier, later in zip(case["calls"][:30], case["calls"][1:31])]
        assert [2.0 <= wait < 4.0 for wait in waits] == [True] * 30, waits

    def test_given_thirty_one_429s_in_a_row_when_read_then_the_stream_fails_as_rate_limited_after_thirty_retries(
        self, rate_limited
    ):
        case = rate_limited["thirty-one"]
        assert case["run"].returncode == 1
        assert [c.status for c in case["calls"]] == [429] * 31
        assert case["run"].stream_statuses() == {"contacts": "INCOMPLETE"}
        assert [e["message"] for e in case["run"].trace_errors()][0] == "API rate limit exceeded."

    def test_given_a_limit_of_one_contacts_page_per_window_when_read_then_every_page_waits_for_the_next_window(
        self, rate_limited
    ):
        case = rate_limited["window"]
        assert case["run"].returncode == 0, case["run"].stderr[-3000:]
        assert [c["id"] for c in case["run"].records["contacts"]] == case["expected"]
        assert [c.status for c in case["calls"]] == [200] + [429, 200] * 5
        assert [(c.query.get("page"), c.query.get("state")) for c in case["calls"]] == [
            (None, None), ("2", None), ("2", None), ("3", None), ("3", None), ("4", None), ("4", None),
            (None, "deleted"), (None, "deleted"), (None, "blocked"), (None, "blocked"),
        ]

# --- Retry-After within reason ----------------------------------------------------------------------------


# Each case: the stream read, the Retry-After of its first answer (a 429), the wait it must get (the CDK
# adds 1 s), and the one warning.
RETRY_AFTER_CASES = {
    "a day": (
        "groups", "86400", 61.0,
        "Freshdesk asked to wait 86400 s before retrying (Retry-After); waiting 60 s instead, the longest its "
        "per-minute rate limits need.",
    ),
    "negative": ("agents", "-5", 11.0, "Freshdesk sent a Retry-After the connector cannot use ('-5'); waiting 10 s before retrying."),
}

RETRY_AFTER_JOBS = [(case, runtime) for case in RETRY_AFTER_CASES for runtime in RUNTIMES]


def retry_after_sync(case: str, runtime: str) -> Dict[str, Any]:
    stream, retry_after, _, _ = RETRY_AFTER_CASES[case]
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
def retry_after_synced(rate_limited_in_background: Dict[Any, Future]) -> Dict[Tuple[str, str], Dict[str, Any]]:
    """Each case in both runtimes (started in the background with the rate-limit syncs)."""
    return {job: rate_limited_in_background[job].result() for job in RETRY_AFTER_JOBS}


class TestRetryAfterWithinReason:
    """Contract: `Retry-After: 86400` waits 60 s (Freshdesk's limits are per minute; the CDK adds 1 s), not
    a day; `Retry-After: -5` waits 10 s (+1), not a crash; one warning each says so; every record comes
    out, in both runtimes."""

    @pytest.mark.parametrize("case", RETRY_AFTER_CASES)
    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_an_unreasonable_retry_after_when_read_then_every_record_comes_out(self, retry_after_synced, case, runtime):
        outcome = retry_after_synced[(case, runtime)]
        run = outcome["run"]
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.trace_errors() == []
        assert sorted(r["id"] for r in run.records[RETRY_AFTER_CASES[case][0]]) == outcome["expected"]

    @pytest.mark.parametrize("case", RETRY_AFTER_CASES)
    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_an_unreasonable_retry_after_when_read_then_the_retry_waits_a_bounded_time(self, retry_after_synced, case, runtime):
        calls = retry_after_synced[(case, runtime)]["calls"]
        assert [c.status for c in calls] == [429, 200]
        wait = RETRY_AFTER_CASES[case][2]
        assert wait <= calls[1].t - calls[0].t < wait + 5, calls[1].t - calls[0].t
        assert retry_after_synced[(case, runtime)]["run"].seconds < wait + 30

    @pytest.mark.parametrize("case", RETRY_AFTER_CASES)
    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_an_unreasonable_retry_after_when_read_then_one_warning_says_what_was_done(self, retry_after_synced, case, runtime):
        assert retry_after_synced[(case, runtime)]["run"].logs("WARN") == [RETRY_AFTER_CASES[case][3]]
