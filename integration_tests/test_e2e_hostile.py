"""A hostile or broken network, through the real command line: nothing hangs, nothing leaks.

- The key goes to the configured origin only: a next-page link to another port or to plain http is not
  followed, and those servers receive nothing.
- Bounded waits: `check` against a host that accepts connections and never answers ends within 15 s,
  `discover` within a minute; a `read` whose page stalls retries it 3 times (30 s each), saying so, then
  ends with a clear error; a stall that clears is survived with every record out once.
- Pagination that does not progress (the same next link again, an empty page with a next link) ends its
  stream with a clear error, and no record comes out twice.
- An answer that echoes the credentials back leaves them in no output, with or without `--debug`.

The syncs that mostly wait (stalls) run in a background pool while the others run.
"""

from __future__ import annotations

import base64
import re
import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from integration_tests.conftest import SECRET_KEY, catalog_for, connector, expected_ids
from integration_tests.emulator import Emulator, Sizes
from integration_tests.harness import RUNTIMES, Run, stream_connector

SIZES = Sizes(tickets=10, contacts=5, companies=5)
BASIC = base64.b64encode(f"{SECRET_KEY}:X".encode()).decode()


def no_credentials_in(run: Run) -> None:
    text = run.stdout + run.stderr
    assert SECRET_KEY not in text and BASIC not in text, "a form of the API key was printed"


# --- servers that are not Freshdesk -------------------------------------------------------------------------


class Collector:
    """A plain-http server that records what it is sent (path, and whether an Authorization header came)."""

    def __init__(self) -> None:
        received: List[Tuple[str, bool]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                received.append((self.path, "Authorization" in self.headers))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"[]")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SilentHost:
    """Accepts every connection and never sends a byte (not even a TLS handshake)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        self.held: List[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.held.append(connection)

    def stop(self) -> None:
        self.socket.close()
        for connection in self.held:
            connection.close()


# --- the syncs that wait, in the background -----------------------------------------------------------------

# A stall longer than the 30 s read timeout, on the groups list's second page: 4 times (it never clears),
# or twice (it clears on the third attempt); or that page's body trickled, a byte every 2 s, 4 times.
STALLS = {"stays silent": ("stall", 4), "clears": ("stall", 2), "trickles": ("trickle", 4)}


def stalled_read(kind: str, times: int) -> Dict[str, Any]:
    emu = Emulator(seed=23, sizes=Sizes(tickets=10, groups=150), api_key=SECRET_KEY).start()
    try:
        catalog = catalog_for(emu, ["groups"])
        emu.log.clear()
        emu.faults.script(r"^/api/v2/groups$", kind="headers", headers={}, times=1)  # page 1 answers normally
        emu.faults.script(r"^/api/v2/groups$", kind=kind, seconds=45 if kind == "stall" else 2, times=times)
        run = connector("read", emu.config(), catalog, env=emu.env())
        return {"run": run, "calls": [(e.query.get("page"), e.status) for e in emu.log.entries], "expected": expected_ids(emu, "groups")}
    finally:
        emu.stop()


@pytest.fixture(scope="module")
def in_background() -> Iterator[Dict[str, Future]]:
    pool = ThreadPoolExecutor(max_workers=len(STALLS))
    yield {case: pool.submit(stalled_read, kind, times) for case, (kind, times) in STALLS.items()}
    pool.shutdown(wait=True)


@pytest.fixture(scope="module")
def stalled(in_background: Dict[str, Future]) -> Dict[str, Dict[str, Any]]:
    return {case: future.result() for case, future in in_background.items()}


class TestNextLinksElsewhere:
    """Contract: a next-page link to another port of the host, or to plain http, is not followed: the stream
    fails naming the stream and the link, the other servers receive no request at all, and page 1's records
    come out once. In both runtimes."""

    @pytest.fixture(scope="class")
    def outcomes(self, in_background) -> Dict[Tuple[str, str], Dict[str, Any]]:
        outcomes = {}
        emu = Emulator(seed=23, sizes=Sizes(tickets=10, groups=150), api_key=SECRET_KEY).start()
        other = Emulator(seed=23, sizes=SIZES, api_key=SECRET_KEY).start()
        collector = Collector()
        try:
            catalog = catalog_for(emu, ["groups"])
            links = {
                "another port": f"https://localhost:{other.port}/api/v2/groups?per_page=100&page=2",
                "plain http": f"http://localhost:{collector.port}/api/v2/groups?per_page=100&page=2",
            }
            for case, link in links.items():
                for runtime in RUNTIMES:
                    emu.log.clear()
                    emu.faults.script(r"^/api/v2/groups$", kind="headers", headers={"Link": f'<{link}>; rel="next"'})
                    run = connector("read", emu.config(), catalog, env=emu.env(), runtime=runtime)
                    outcomes[(case, runtime)] = {
                        "run": run, "link": link, "calls": [e.query.get("page") for e in emu.log.entries],
                        "first_page": expected_ids(emu, "groups")[:100],
                    }
            outcomes["received elsewhere"] = {"other": list(other.log.entries), "collector": list(collector.received)}
        finally:
            emu.stop()
            other.stop()
            collector.stop()
        return outcomes

    @pytest.mark.parametrize("case", ["another port", "plain http"])
    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_a_next_link_elsewhere_when_read_then_the_stream_fails_naming_it(self, outcomes, case, runtime):
        outcome = outcomes[(case, runtime)]
        run = outcome["run"]
        assert run.returncode == 1
        assert run.trace_errors()[0]["message"] == (
            f"Stream 'groups' stopped: Freshdesk's next-page link {outcome['link']} was not followed, because it "
            f"leads away from /api/v2/groups on https://localhost:{run_port(outcome)}. The pages before it were read "
            "once each. Please report this answer to the connector's maintainers."
        )
        assert sorted(r["id"] for r in run.records["groups"]) == outcome["first_page"]
        assert outcome["calls"] == [None]
        no_credentials_in(run)

    def test_given_next_links_elsewhere_when_read_then_no_request_reached_those_servers(self, outcomes):
        assert outcomes["received elsewhere"] == {"other": [], "collector": []}


def run_port(outcome: Dict[str, Any]) -> str:
    """The configured emulator's port, as the message names it."""
    first = next(m for m in outcome["run"].messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR")
    return first["trace"]["error"]["message"].split("on https://localhost:")[1].split(".")[0]


class TestBoundedWaits:
    """Contract: `check` against a host that accepts connections and never answers (at the TCP level, or at
    the HTTP level after the TLS handshake) fails within 15 s saying so; `discover` against a host whose every
    request stalls ends within a minute with the static schemas and one warning per lookup."""

    @pytest.fixture(scope="class")
    def outcomes(self, in_background) -> Dict[Any, Any]:
        outcomes: Dict[Any, Any] = {}
        silent = SilentHost()
        emu = Emulator(seed=23, sizes=SIZES, api_key=SECRET_KEY).start()
        try:
            for runtime in RUNTIMES:
                outcomes["domains"] = {"tcp": f"localhost:{silent.port}", "http": f"localhost:{emu.port}"}
                outcomes[("tcp", runtime)] = connector(
                    "check", {"api_key": SECRET_KEY, "domain": f"localhost:{silent.port}"}, env=emu.env(), runtime=runtime)
                emu.faults.script(r".*", kind="stall", seconds=90, times=1000)
                outcomes[("http", runtime)] = connector("check", emu.config(), env=emu.env(), runtime=runtime)
                outcomes[("discover", runtime)] = connector("discover", emu.config(), env=emu.env(), runtime=runtime)
                emu.faults.clear()
        finally:
            silent.stop()
            emu.stop()
        return outcomes

    @pytest.mark.parametrize("host", ["tcp", "http"])
    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_a_host_that_never_answers_when_check_then_it_fails_within_15_seconds(self, outcomes, host, runtime):
        run = outcomes[(host, runtime)]
        status = run.one("CONNECTION_STATUS")["connectionStatus"]
        domain = outcomes["domains"][host]
        assert (run.returncode, status["status"]) == (0, "FAILED")
        assert status["message"] == (
            f"'Stream ticket_fields is not available: {domain} accepted the connection but sent no answer: GET "
            f"https://{domain}/api/v2/ticket_fields?per_page=100 got no answer within {5 if host == 'tcp' else 8} s. Check "
            "that `domain` is your Freshdesk domain (acme.freshdesk.com); if it is, Freshdesk may be down "
            "(status.freshworks.com). Nothing was read from it.'"
        )
        assert run.seconds < 15

    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_a_host_whose_requests_all_stall_when_discover_then_static_schemas_within_a_minute(self, outcomes, runtime):
        run = outcomes[("discover", runtime)]
        assert run.returncode == 0
        assert len(run.one("CATALOG")["catalog"]["streams"]) == 35
        assert [w.split(" custom fields")[0] for w in run.logs("WARN")] == [
            "Stream 'companies':", "Stream 'contacts':", "Stream 'tickets':"]
        assert run.seconds < 60


class TestStalledRead:
    """Contract: a page that gets no answer within 30 s is asked again, 3 times at most, each retry logged as
    a timeout (never as a rate limit); if it clears, every record comes out once; if it does not, the stream
    ends with an error naming the host and the request, within minutes."""

    def test_given_a_page_that_stays_silent_when_read_then_four_attempts_and_a_clear_error(self, stalled):
        outcome = stalled["stays silent"]
        run = outcome["run"]
        assert run.returncode == 1
        assert outcome["calls"] == [(None, 200)] + [("2", 0)] * 4
        message = run.trace_errors()[0]["message"]
        assert message.startswith("localhost:") and message.endswith(
            "/api/v2/groups?per_page=100&page=2 got no answer within 30 s, 4 times in a row. The sync stops here; the "
            "state keeps what was read, so the next sync goes on from there.")
        assert [w.split(" got no answer")[1] for w in run.logs("WARN")] == [
            f" within 30 s (attempt {n} of 4); retrying." for n in (1, 2, 3)]
        assert "Rate limit exceeded" not in run.stdout + run.stderr
        assert sorted(r["id"] for r in run.records["groups"]) == outcome["expected"][:100]
        assert run.seconds < 4 * 30 + 30

    def test_given_a_page_that_clears_when_read_then_every_record_comes_out_once(self, stalled):
        outcome = stalled["clears"]
        run = outcome["run"]
        assert (run.returncode, run.trace_errors()) == (0, [])
        assert outcome["calls"] == [(None, 200), ("2", 0), ("2", 0), ("2", 200)]
        assert [r["id"] for r in run.records["groups"]] == outcome["expected"]
        assert len(run.logs("WARN")) == 2


    def test_given_a_page_whose_body_trickles_when_read_then_four_attempts_and_a_clear_error(self, stalled):
        # Each byte comes within the read timeout; the body as a whole does not (FreshdeskAuthenticator).
        outcome = stalled["trickles"]
        run = outcome["run"]
        assert run.returncode == 1
        assert outcome["calls"] == [(None, 200)] + [("2", 200)] * 4
        message = run.trace_errors()[0]["message"]
        assert message.startswith("localhost:") and message.endswith(
            "/api/v2/groups?per_page=100&page=2 sent a body that was not whole within 30 s, 4 times in a row. The sync "
            "stops here; the state keeps what was read, so the next sync goes on from there.")
        assert [w.split(" sent a body")[1] for w in run.logs("WARN")] == [
            f" that was not whole within 30 s (attempt {n} of 4); retrying." for n in (1, 2, 3)]
        assert sorted(r["id"] for r in run.records["groups"]) == outcome["expected"][:100]
        print(f"a trickled page: {run.seconds:.0f} s to the error")

class TestPaginationThatDoesNotProgress:
    """Contract: the same next link again, or an empty page with a next link, ends the stream with an error
    naming it; each page is requested once and no record comes out twice."""

    @pytest.fixture(scope="class")
    def outcomes(self, in_background) -> Dict[str, Dict[str, Any]]:
        outcomes = {}
        emu = Emulator(seed=23, sizes=Sizes(tickets=10, groups=150), api_key=SECRET_KEY).start()
        try:
            catalog = catalog_for(emu, ["groups"])
            page_1 = emu.url("groups") + "?per_page=100"
            page_3 = emu.url("groups") + "?per_page=100&page=3"
            cases = {
                "same link": [("headers", {"Link": f'<{page_1}>; rel="next"'})],
                "empty page": [(None, None), ("status", {"Link": f'<{page_3}>; rel="next"'})],
            }
            for case, script in cases.items():
                emu.log.clear()
                for kind, headers in script:
                    if kind is None:
                        emu.faults.script(r"^/api/v2/groups$", kind="headers", headers={})
                    elif kind == "status":
                        emu.faults.script(r"^/api/v2/groups$", status=200, body=[], headers=headers)
                    else:
                        emu.faults.script(r"^/api/v2/groups$", kind=kind, headers=headers)
                run = connector("read", emu.config(), catalog, env=emu.env())
                outcomes[case] = {"run": run, "calls": [e.query.get("page") for e in emu.log.entries],
                                  "expected": expected_ids(emu, "groups")[:100], "links": (page_1, page_3)}
        finally:
            emu.stop()
        return outcomes

    def test_given_the_same_next_link_again_when_read_then_the_stream_stops_after_one_page(self, outcomes):
        outcome = outcomes["same link"]
        run = outcome["run"]
        assert (run.returncode, outcome["calls"]) == (1, [None])
        assert run.trace_errors()[0]["message"] == (
            f"Stream 'groups' stopped: Freshdesk's next-page link {outcome['links'][0]} was not followed, because it "
            "does not lead past this page. The pages before it were read once each. Please report this answer to "
            "the connector's maintainers."
        )
        assert sorted(r["id"] for r in run.records["groups"]) == outcome["expected"]

    def test_given_an_empty_page_with_a_next_link_when_read_then_the_stream_stops_there(self, outcomes):
        outcome = outcomes["empty page"]
        run = outcome["run"]
        assert (run.returncode, outcome["calls"]) == (1, [None, "2"])
        assert run.trace_errors()[0]["message"] == (
            f"Stream 'groups' stopped: Freshdesk's next-page link {outcome['links'][1]} was not followed, because it "
            "came with an empty page. The pages before it were read once each. Please report this answer to the "
            "connector's maintainers."
        )
        assert sorted(r["id"] for r in run.records["groups"]) == outcome["expected"]


class TestEchoedCredentials:
    """Contract: a 400 whose body echoes the Authorization header (and the key decoded from it) fails its
    stream with Freshdesk's reason, the credentials masked, in every runtime, with and without `--debug`."""

    @pytest.fixture(scope="class")
    def outcomes(self, in_background) -> Dict[Tuple[str, bool], Run]:
        outcomes = {}
        emu = Emulator(seed=23, sizes=SIZES, api_key=SECRET_KEY).start()
        try:
            catalog = catalog_for(emu, ["groups"])
            for runtime in RUNTIMES:
                for debug in (False, True):
                    emu.faults.script(r"^/api/v2/groups$", kind="echo")
                    outcomes[(runtime, debug)] = stream_connector(
                        "read", emu.config(), catalog, env=emu.env(), runtime=runtime, extra_args=["--debug"] if debug else [])
            outcomes["port"] = emu.port
        finally:
            emu.stop()
        return outcomes

    @pytest.mark.parametrize("debug", [False, True])
    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_an_answer_echoing_the_credentials_when_read_then_they_are_in_no_output(self, outcomes, runtime, debug):
        run = outcomes[(runtime, debug)]
        no_credentials_in(run)
        assert run.returncode == 1
        assert run.trace_errors()[0]["message"] == (
            f"Freshdesk refused the request for stream 'groups' (https://localhost:{outcomes['port']}/api/v2/groups): "
            "Validation failed: [{'field': 'Authorization', 'message': 'Unexpected header Basic ****', 'code': "
            "'invalid_value'}, {'field': 'credentials', 'message': 'Could not use ****:X', 'code': 'invalid_value'}]"
        )


CLOSING = "During the sync, the following streams did not sync successfully: "
NOT_FOUND_PAGE = b"<html><body><h1>404 Not Found</h1></body></html>"


def stopped_read(emu: Emulator, config: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """A read of every stream in each runtime, with the requests the emulator saw."""
    outcomes = {}
    catalog = catalog_for(emu)
    for runtime in RUNTIMES:
        emu.log.clear()
        run = connector("read", config, catalog, env=emu.env(), runtime=runtime)
        outcomes[runtime] = {"run": run, "statuses": [e.status for e in emu.log.entries], "streams": len(catalog["streams"])}
    return outcomes


def check_one_stop(outcome: Dict[str, Any], runtime: str, message: str, not_read: str) -> None:
    """The contract of a read the account stopped: the stop's message is the first TRACE error, and the only
    one besides the CDK's closing list, which names each stream once as not read; every stream is INCOMPLETE;
    no traceback but the CDK's own for that closing list in `source-declarative-manifest`; kilobytes."""
    run = outcome["run"]
    output = run.stdout + run.stderr
    errors = [e["message"] for e in run.trace_errors()]
    assert run.returncode == 1
    assert errors[0] == message
    assert len(errors) == 2 and errors[1].startswith(CLOSING), errors
    lines = errors[1][len(CLOSING):].split("\n")
    assert set(lines) == {f"{stream}: SyncStopped('Not read: {not_read}.')" for stream in run.statuses()}, lines
    assert len(lines) <= outcome["streams"] + 8, lines  # tickets windows refused at once by the 8 workers may each be listed
    assert len(run.statuses()) == outcome["streams"] and set(run.statuses().values()) == {"INCOMPLETE"}
    assert output.count("Traceback") == (0 if runtime == "package" else 2)
    assert len(output) < 150_000
    print(f"{runtime}: {len(outcome['statuses'])} requests, {len(errors)} TRACE errors, {len(lines)} streams listed "
          f"in the closing one, {len(output):,} bytes of output")


class TestWrongKey:
    """Contract: a key Freshdesk rejects ends the sync after its first 401, whichever stream met it and in
    every runtime: the other streams' requests are refused before they are sent; the one TRACE error names
    the key and the domain (see check_one_stop)."""

    @pytest.fixture(scope="class")
    def outcomes(self, in_background) -> Dict[str, Dict[str, Any]]:
        emu = Emulator(seed=23, sizes=SIZES, api_key=SECRET_KEY).start()
        try:
            return stopped_read(emu, emu.config(api_key="a-key-freshdesk-rejects")) | {"port": emu.port}
        finally:
            emu.stop()

    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_a_rejected_key_when_read_then_a_handful_of_requests_and_one_error_that_says_why(self, outcomes, runtime):
        outcome, port = outcomes[runtime], outcomes["port"]
        assert set(outcome["statuses"]) == {401} and len(outcome["statuses"]) <= 5, outcome["statuses"]
        check_one_stop(
            outcome, runtime,
            f"Freshdesk rejected the API key for localhost:{port} (401). Check that `api_key` is the key shown under "
            "Profile settings > View API key, and that `domain` is the account it belongs to.",
            f"Freshdesk rejected the API key for localhost:{port} (401)",
        )
        # The tickets windows not read once the first failed closed without moving the state (FreshdeskTicketWindows).
        tickets = [s["stream"]["stream_state"] for s in outcome["run"].states if s["stream"]["stream_descriptor"]["name"] == "tickets"]
        assert len(tickets) > 150 and {str(state) for state in tickets} == {str({"updated_at": "2010-01-01T00:00:00Z"})}


class TestNotAFreshdeskAccount:
    """Contract: a domain that answers 404 on every path ends the sync after a handful of requests, with the
    one TRACE error saying it is no Freshdesk account (see check_one_stop), in every runtime."""

    @pytest.fixture(scope="class")
    def outcomes(self, in_background) -> Dict[str, Dict[str, Any]]:
        emu = Emulator(seed=23, sizes=SIZES, api_key=SECRET_KEY).start()
        emu.faults.script(r"", status=404, body=NOT_FOUND_PAGE, times=100_000)
        try:
            return stopped_read(emu, emu.config()) | {"port": emu.port}
        finally:
            emu.stop()

    @pytest.mark.parametrize("runtime", RUNTIMES)
    def test_given_404_everywhere_when_read_then_a_handful_of_requests_and_one_error_that_says_why(self, outcomes, runtime):
        outcome, port = outcomes[runtime], outcomes["port"]
        assert set(outcome["statuses"]) == {404} and len(outcome["statuses"]) <= 5, outcome["statuses"]
        # Whichever 404 came first stopped the sync; every one is a web page here.
        first = outcome["run"].trace_errors()[0]["message"]
        url = re.search(r"for GET (\S+?) with", first).group(1)
        stop = f"localhost:{port} is not a Freshdesk account: it answered 404 for GET {url} with a web page, where the API answers JSON"
        check_one_stop(outcome, runtime, stop + ". Check that `domain` is your Freshdesk domain (for example acme.freshdesk.com).", stop)
