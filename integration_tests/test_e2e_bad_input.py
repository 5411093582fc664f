"""Bad input through the real command line: every mistake gets a message that says what to fix.

A catalogue of bad configs for `check`, each answered within 15 seconds, without a Python traceback on
stdout or stderr; configs that only look wrong (a pasted URL, capitals, spaces) are normalised and
succeed; unknown fields are accepted with a warning. A catalog naming an unknown stream and a state
whose cursor is not a timestamp stop `read` with a clear error.
"""

from __future__ import annotations

import copy
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Mapping, Optional

import pytest

from integration_tests.conftest import catalog_for, connector, expected_ids
from integration_tests.emulator import Emulator
from integration_tests.harness import RUNTIMES, Run
from integration_tests.test_e2e_check import closed_port

PREFIX = "Config validation error: "
UNAVAILABLE = "'Stream ticket_fields is not available: "
# The first sentence of each field's description in the spec, which every config error repeats.
HINT = {
    "api_key": 'Your Freshdesk API key: in Freshdesk, open your profile picture > Profile settings > "View API key".',
    "domain": "Your Freshdesk domain, for example acme.freshdesk.com (a pasted URL such as "
    "https://acme.freshdesk.com/a/tickets/12 works too).",
    "start_date": "Only records created or updated on or after this UTC date are read (YYYY-MM-DD or "
    "YYYY-MM-DDTHH:MM:SSZ).",
    "plan": "Your Freshdesk plan.",
    "num_workers": "How many requests run at once (streams and tickets' conversations are read in parallel).",
    "requests_per_minute": "How many API credits per minute this connector may use.",
    "lookback_window_in_days": "Satisfaction ratings are read again from this many days before the last sync, to "
    "catch ratings whose creation was recorded late.",
}


CLOSED_PORT = closed_port()  # one port for the module: the cases are built more than once


def without(config: Mapping[str, Any], *fields: str) -> Dict[str, Any]:
    return {key: value for key, value in config.items() if key not in fields}


def bad_configs(emu: Emulator) -> Dict[str, Any]:
    """Each case: (config, the exact message `check` must answer)."""
    host, port = f"localhost:{emu.port}", CLOSED_PORT
    good = emu.config()
    return {
        "empty key": ({**good, "api_key": ""}, PREFIX + f"`api_key` is missing. {HINT['api_key']}"),
        "blank key": ({**good, "api_key": "   "}, PREFIX + f"`api_key` is missing. {HINT['api_key']}"),
        "no key": (without(good, "api_key"), PREFIX + f"`api_key` is missing. {HINT['api_key']}"),
        "key of the wrong type": ({**good, "api_key": 12345}, PREFIX + f"`api_key` must be text, not the value given. {HINT['api_key']}"),
        "wrong key": (
            {**good, "api_key": "not-the-right-key-000000000000"},
            UNAVAILABLE + f"Freshdesk rejected the API key for {host} (401). Check that `api_key` is the key shown under "
            "Profile settings > View API key, and that `domain` is the account it belongs to.'",
        ),
        "no domain": (without(good, "domain"), PREFIX + f"`domain` is missing. {HINT['domain']}"),
        "empty domain": ({**good, "domain": " "}, PREFIX + f"`domain` is missing. {HINT['domain']}"),
        "domain with a space inside": (
            {**good, "domain": f"local host:{emu.port}"},
            PREFIX + f"`domain` must look like acme.freshdesk.com, not 'local host:{emu.port}'. {HINT['domain']}",
        ),
        "domain of the wrong type": ({**good, "domain": 42}, PREFIX + f"`domain` must be text, not 42. {HINT['domain']}"),
        "nothing listening on the port": (
            {**good, "domain": f"localhost:{port}"},
            UNAVAILABLE + f"localhost:{port} refused the connection. Check the host and port in `domain` (Freshdesk "
            "itself answers on acme.freshdesk.com, port 443).'",
        ),
        "host that does not resolve": (
            {**good, "domain": "acme.freshdesk.invalid"},
            UNAVAILABLE + "The host in `domain` (acme.freshdesk.invalid) does not resolve. Check the spelling: it should "
            "look like acme.freshdesk.com.'",
        ),
        "certificate for another host": (
            # 127.1 is 127.0.0.1, but the emulator's certificate names only localhost and 127.0.0.1.
            {**good, "domain": f"127.1:{emu.port}"},
            UNAVAILABLE + f"The TLS certificate of 127.1:{emu.port} could not be verified. Check that `domain` is your "
            "Freshdesk domain (for example acme.freshdesk.com, not a vanity help-desk domain); for a "
            "Freshdesk-compatible test server, point REQUESTS_CA_BUNDLE at its CA file.'",
        ),
        "start_date with slashes": (
            {**good, "start_date": "2024/01/31"},
            PREFIX + f"`start_date` must look like YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not '2024/01/31'. {HINT['start_date']}",
        ),
        "start_date that is no date": (
            {**good, "start_date": "2024-13-45"},
            PREFIX + "`start_date` is not a real date: '2024-13-45'. Use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ.",
        ),
        "start_date in the future": (
            {**good, "start_date": "2999-01-01T00:00:00Z"},
            PREFIX + "`start_date` is in the future: '2999-01-01T00:00:00Z'. Use a past date, or leave it empty to "
            "read the whole history.",
        ),
        "start_date of the wrong type": (
            {**good, "start_date": 20240131},
            PREFIX + f"`start_date` must be text, not 20240131. {HINT['start_date']}",
        ),
        "unknown plan": (
            {**good, "plan": "platinum"},
            PREFIX + f"`plan` must be one of trial, growth, pro, enterprise, not 'platinum'. {HINT['plan']}",
        ),
        "num_workers of the wrong type": (
            {**good, "num_workers": "eight"},
            PREFIX + f"`num_workers` must be a whole number, not 'eight'. {HINT['num_workers']}",
        ),
        "too many num_workers": ({**good, "num_workers": 100}, PREFIX + f"`num_workers` must be at most 40, not 100. {HINT['num_workers']}"),
        "zero requests_per_minute": (
            {**good, "requests_per_minute": 0},
            PREFIX + f"`requests_per_minute` must be at least 1, not 0. {HINT['requests_per_minute']}",
        ),
        "negative lookback": (
            {**good, "lookback_window_in_days": -1},
            PREFIX + f"`lookback_window_in_days` must be at least 0, not -1. {HINT['lookback_window_in_days']}",
        ),
        "empty config": ({}, PREFIX + f"`api_key` is missing. {HINT['api_key']} `domain` is missing. {HINT['domain']}"),
    }


# Configs that look wrong but are normalised to the bare host (and port) the API answers on.
NORMALISED = {
    "scheme": "https://{host}",
    "path": "{host}/a/tickets/12",
    "spaces and capitals": "  LOCALHOST:{port} ",
    "a whole pasted URL": " HTTPS://LocalHost:{port}/a/tickets?x=1#top ",
    "credentials in the URL": "https://SOMEONE:X@{host}/",
}


def check(config: Mapping[str, Any], env: Mapping[str, str]) -> Run:
    run = connector("check", config, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.seconds < 15
    assert "Traceback" not in run.stdout and "Traceback" not in run.stderr
    return run


@pytest.fixture(scope="module")
def emu(seeded: Emulator) -> Emulator:
    return seeded


@pytest.fixture(scope="module")
def catalogs(emu: Emulator) -> Dict[str, Any]:
    """One configured catalog per stream, from a single `discover`."""
    full = catalog_for(emu)
    return {entry["stream"]["name"]: {"streams": [entry]} for entry in full["streams"]}


@pytest.fixture(scope="module")
def checked(emu: Emulator) -> Dict[str, Run]:
    """`check` of every config of this module, four at a time (each still has to answer within 15 s)."""
    configs = {case: config for case, (config, _) in bad_configs(emu).items()}
    for case, domain in NORMALISED.items():
        configs[f"normalised: {case}"] = emu.config(domain=domain.format(host=f"localhost:{emu.port}", port=emu.port))
    configs["unknown fields"] = emu.config(start_time="2020-01-01", page_size=50, zz_custom_flag=True)
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(configs, pool.map(lambda config: check(config, emu.env()), configs.values())))


CASES = list(bad_configs(Emulator()).keys())


class TestBadConfigs:
    """Contract: `check` with a bad config answers FAILED within 15 seconds, with one message that names the
    field and says what it should be (or, for a config that is valid but cannot reach Freshdesk, what to
    check); no Python traceback is printed, on stdout or stderr. `read` and `discover` refuse the same
    configs with the same message.
    """

    @pytest.mark.parametrize("case", CASES)
    def test_given_a_bad_config_when_check_then_failed_within_15_s_saying_what_to_fix(self, emu, checked, case):
        _, message = bad_configs(emu)[case]
        assert checked[case].one("CONNECTION_STATUS")["connectionStatus"] == {"status": "FAILED", "message": message}

    @pytest.mark.parametrize("case", ["no key", "start_date in the future", "num_workers of the wrong type"])
    def test_given_a_bad_config_when_read_then_exit_1_with_the_same_message_and_no_traceback(self, emu, catalogs, case):
        config, message = bad_configs(emu)[case]
        run = connector("read", config, catalogs["groups"], env=emu.env())
        assert run.returncode == 1
        assert [error["message"] for error in run.trace_errors()] == [message]
        assert "Traceback" not in run.stdout and "Traceback" not in run.stderr
        assert run.records == {}

    @pytest.mark.parametrize("case", ["start_date in the future", "num_workers of the wrong type", "zero requests_per_minute"])
    def test_given_a_bad_config_when_tickets_read_from_scratch_then_it_fails_before_any_request(self, emu, catalogs, case):
        # A first sync of tickets asks the account for its ticket history before its first window: not with
        # a config the read is going to refuse.
        config, message = bad_configs(emu)[case]
        emu.log.clear()
        run = connector("read", config, catalogs["tickets"], env=emu.env())
        assert run.returncode == 1
        assert [error["message"] for error in run.trace_errors()] == [message]
        assert "Traceback" not in run.stdout and "Traceback" not in run.stderr
        assert len(emu.log) == 0

    @pytest.mark.parametrize("case", list(NORMALISED))
    def test_given_a_domain_that_only_looks_wrong_when_check_then_succeeded(self, checked, case):
        run = checked[f"normalised: {case}"]
        assert run.one("CONNECTION_STATUS")["connectionStatus"] == {"status": "SUCCEEDED"}
        assert run.logs("WARN") == []

    def test_given_unknown_fields_when_check_then_succeeded_with_a_warning_naming_them(self, checked):
        run = checked["unknown fields"]
        assert run.one("CONNECTION_STATUS")["connectionStatus"] == {"status": "SUCCEEDED"}
        assert run.logs("WARN") == [
            "Ignoring config fields this connector does not use: page_size, start_time, zz_custom_flag. They may come "
            "from another version of the connector and can be removed."
        ]


def state_of(stream: str, stream_state: Any) -> List[Dict[str, Any]]:
    return [{"type": "STREAM", "stream": {"stream_descriptor": {"name": stream}, "stream_state": stream_state}}]


def read(emu: Emulator, catalog: Any, state: Optional[List[Dict[str, Any]]] = None, runtime: str = "package") -> Run:
    run = connector("read", emu.config(), catalog, state=state, env=emu.env(), runtime=runtime)
    assert "Traceback" not in run.stdout and "Traceback" not in run.stderr
    return run


RESET = " Correct the state, or clear the stream's data so that it is read again from `start_date`."


class TestBadCatalogAndState:
    """Contract: a catalog selecting a stream the connector does not have, or a state whose cursor is not a
    timestamp, stops `read` before any request: exit 1, one error naming the stream and what to do, no
    traceback. State saved for a stream the connector does not have is ignored with a warning; a state of a
    shape the connector never writes, or with its cursor far in the future, is set aside with one warning and
    the stream is read whole, in both runtimes.
    """

    def test_given_a_catalog_with_an_unknown_stream_when_read_then_it_fails_naming_it(self, emu, catalogs):
        catalog = copy.deepcopy(catalogs["groups"])
        unknown = copy.deepcopy(catalog["streams"][0])
        unknown["stream"]["name"] = "ticket_widgets"
        catalog["streams"].append(unknown)
        emu.log.clear()
        run = read(emu, catalog)
        assert run.returncode == 1
        assert [e["message"] for e in run.trace_errors()] == [
            "The catalog selects streams this connector does not have: ticket_widgets. Refresh the source schema in "
            "the connection's settings and deselect them."
        ]
        assert (run.records, len(emu.log)) == ({}, 0)

    @pytest.mark.parametrize(
        "cursor, shown",
        [(12345, "12345"), ("yesterday", "'yesterday'"), ("2024-01-31", "'2024-01-31'"), (None, "None")],
    )
    def test_given_a_cursor_that_is_no_timestamp_when_read_then_it_fails_naming_stream_and_field(
        self, emu, catalogs, cursor, shown
    ):
        emu.log.clear()
        run = read(emu, catalogs["contacts"], state_of("contacts", {"updated_at": cursor}))
        assert run.returncode == 1
        assert [e["message"] for e in run.trace_errors()] == [
            f"The saved state of stream 'contacts' cannot be resumed: `updated_at` is {shown}, not a UTC timestamp such "
            "as 2024-01-31T00:00:00Z." + RESET
        ]
        assert (run.records, len(emu.log)) == ({}, 0)

    def test_given_a_nested_cursor_that_is_no_timestamp_when_read_then_it_fails_naming_the_stream(self, emu, catalogs):
        state = state_of("conversations", {"state": {"updated_at": 17}, "parent_state": {"tickets": {"updated_at": "2024-01-01T00:00:00Z"}}})
        run = read(emu, catalogs["conversations"], state)
        assert run.returncode == 1
        assert [e["message"] for e in run.trace_errors()] == [
            "The saved state of stream 'conversations' cannot be resumed: `updated_at` is 17, not a UTC timestamp such "
            "as 2024-01-31T00:00:00Z." + RESET
        ]

    def test_given_a_state_that_is_not_an_object_when_read_then_it_fails_naming_the_state_file(self, emu, catalogs):
        run = read(emu, catalogs["contacts"], state_of("contacts", "2024-01-01"))
        assert run.returncode == 1
        [message] = [e["message"] for e in run.trace_errors()]
        assert re.fullmatch(r"The state file \S+/state\.json cannot be read: .*stream/stream_state.*", message, re.S), message

    def test_given_state_for_an_unknown_stream_when_read_then_it_is_ignored_with_a_warning(self, emu, catalogs):
        state = state_of("ticket_widgets", {"updated_at": "2024-01-01T00:00:00Z"})
        run = read(emu, catalogs["groups"], state)
        assert run.returncode == 0, run.stderr[-2000:]
        assert sorted(g["id"] for g in run.records["groups"]) == sorted(g["id"] for g in emu.data.expected("groups"))
        assert run.logs("WARN") == ["Ignoring the saved state of stream 'ticket_widgets': this connector has no such stream."]

    @pytest.mark.parametrize("runtime", RUNTIMES)
    @pytest.mark.parametrize(
        "stream_state, said",
        [
            ({"foo": 1}, 'is not one this connector writes ({"foo":1}: no cursor, and unknown keys [\'foo\'])'),
            ({"updated_at": "2999-01-01T00:00:00Z"}, "has its cursor in the future (2999-01-01T00:00:00Z)"),
        ],
    )
    def test_given_a_state_that_cannot_be_used_when_read_then_one_warning_and_every_record(
        self, emu, catalogs, stream_state, said, runtime
    ):
        run = read(emu, catalogs["companies"], state_of("companies", stream_state), runtime=runtime)
        assert run.returncode == 0, run.stderr[-2000:]
        assert sorted(c["id"] for c in run.records["companies"]) == expected_ids(emu, "companies")
        assert [w for w in run.logs("WARN") if "saved state" in w] == [
            f"The saved state of stream 'companies' {said}; it is set aside and the stream is read again from the "
            "beginning (no `start_date` is set)."
        ]
