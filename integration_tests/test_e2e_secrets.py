"""The API key never leaks through the real command line, least of all on the error paths.

Every run of the end-to-end suite already checks stdout and stderr for the key (conftest's
`connector()`); this module drives the paths where a leak would hide: a rejected key, a 400 whose
message carries the URL, retried requests, a failing stream with its traceback, debug logs that print
each request's headers, a config with credentials pasted into the domain. It looks for the key, for
the Basic credentials built from it (base64 of "<key>:X"), and for the key in any letter case.
"""

from __future__ import annotations

import base64
from typing import Any, Dict, List

import pytest

from integration_tests.conftest import SECRET_KEY, catalog_for, expected_ids
from integration_tests.emulator import Emulator, Faults, Sizes
from integration_tests.harness import Run, stream_connector

BASIC_CREDENTIALS = base64.b64encode(f"{SECRET_KEY}:X".encode()).decode()
BAD_REQUEST = {
    "description": "Validation failed",
    "errors": [{"field": "_updated_since", "message": "It should be a/an valid date", "code": "invalid_value"}],
}


def leaks(run: Run) -> List[str]:
    """The forms of the key found in what the command printed (the key, its Basic credentials, any case)."""
    printed = run.stdout + run.stderr
    forms = {"key": SECRET_KEY in printed, "basic credentials": BASIC_CREDENTIALS in printed,
             "key in another case": SECRET_KEY.lower() in printed.lower()}
    return [form for form, found in forms.items() if found]


@pytest.fixture(scope="module")
def runs() -> Dict[str, Any]:
    """Each error path once, with debug logs on (they print every request's URL and headers)."""
    results: Dict[str, Any] = {}
    debug = ["--debug"]
    # The emulator expects another key: every call with the suite's key answers 401.
    with Emulator(seed=5, sizes=Sizes(tickets=30), api_key="another-accounts-key-000000000000") as emu:
        results["port_401"] = emu.port
        results["check 401"] = stream_connector("check", emu.config(api_key=SECRET_KEY), env=emu.env(), extra_args=debug)
        catalog = catalog_for(emu, ["contacts"])
        results["read 401"] = stream_connector("read", emu.config(api_key=SECRET_KEY), catalog, env=emu.env(), extra_args=debug)
    with Emulator(seed=5, sizes=Sizes(tickets=30, contacts=250), api_key=SECRET_KEY) as emu:
        results["port"] = emu.port
        catalog = catalog_for(emu, ["contacts", "groups", "ticket_fields"])
        emu.faults.script(r"^/api/v2/contacts$", status=400, body=BAD_REQUEST)
        results["read 400"] = stream_connector("read", emu.config(), catalog, env=emu.env(), extra_args=debug)
        emu.set_faults(Faults(retry_after=1))
        emu.faults.script(r"^/api/v2/groups$", status=503)
        emu.faults.script(r"^/api/v2/contacts$", status=429)
        emu.faults.script(r"^/api/v2/ticket_fields$", kind="drop")
        emu.log.clear()
        results["read with retries"] = stream_connector("read", emu.config(), catalog, env=emu.env(), extra_args=debug)
        results["retried"] = [(e.path, e.status) for e in emu.log.entries if e.status != 200]
        results["expected contacts"] = len(expected_ids(emu, "contacts"))  # with the deleted and blocked lists
        emu.faults.script(r"^/api/v2/contacts$", kind="html")
        results["read malformed"] = stream_connector("read", emu.config(), catalog, env=emu.env(), extra_args=debug)
        pasted = emu.config(domain=f"https://{SECRET_KEY}:X@localhost:{emu.port}/a/tickets")
        results["check pasted credentials"] = stream_connector("check", pasted, env=emu.env(), extra_args=debug)
        broken_state = [{"type": "STREAM", "stream": {"stream_descriptor": {"name": "contacts"}, "stream_state": {"updated_at": SECRET_KEY}}}]
        results["read state holding the key"] = stream_connector("read", emu.config(), catalog, state=broken_state, env=emu.env())
    return results


RUNS = ["check 401", "read 401", "read 400", "read with retries", "read malformed", "check pasted credentials",
        "read state holding the key"]


class TestSecretsOnErrorPaths:
    """Contract: whatever fails, the key (a long, distinctive one here) appears in no output of the command,
    in no form: not in error messages, not in retried URLs, not in tracebacks, not in debug logs of the
    request headers. Each path below is really taken (the assertions after the first prove it).
    """

    @pytest.mark.parametrize("name", RUNS)
    def test_given_an_error_path_when_run_with_debug_logs_then_no_form_of_the_key_is_printed(self, runs, name):
        assert leaks(runs[name]) == []

    def test_given_a_rejected_key_when_check_then_the_message_names_the_fix_not_the_key(self, runs):
        status = runs["check 401"].one("CONNECTION_STATUS")["connectionStatus"]
        assert status["status"] == "FAILED"
        assert f"Freshdesk rejected the API key for localhost:{runs['port_401']} (401)" in status["message"]
        assert "Making outbound API request" in runs["check 401"].stdout  # the debug log of headers was printed

    def test_given_a_rejected_key_when_read_then_the_stream_fails_saying_so_without_a_traceback(self, runs):
        run = runs["read 401"]
        assert run.returncode == 1
        assert run.stream_statuses() == {"contacts": "INCOMPLETE"}
        assert [e["message"] for e in run.trace_errors()][:1] == [
            f"Freshdesk rejected the API key for localhost:{runs['port_401']} (401). Check that `api_key` is the key "
            "shown under Profile settings > View API key, and that `domain` is the account it belongs to."
        ]
        assert "Traceback" not in run.stdout + run.stderr

    def test_given_a_400_when_read_then_the_message_carries_the_url_and_freshdesks_reason(self, runs):
        run = runs["read 400"]
        assert run.returncode == 1
        messages = [e["message"] for e in run.trace_errors()]
        assert messages[0] == (
            f"Freshdesk refused the request for stream 'contacts' (https://localhost:{runs['port']}/api/v2/contacts): "
            f"Validation failed: {BAD_REQUEST['errors']}"
        )

    def test_given_503_429_and_a_dropped_connection_when_read_then_each_is_retried_and_the_sync_succeeds(self, runs):
        run = runs["read with retries"]
        assert run.returncode == 0, run.stderr[-2000:]
        assert sorted(runs["retried"]) == [("/api/v2/contacts", 429), ("/api/v2/groups", 503), ("/api/v2/ticket_fields", 0)]
        assert len(run.records["contacts"]) == runs["expected contacts"]

    def test_given_a_malformed_page_when_read_then_its_error_and_traceback_are_printed_without_the_key(self, runs):
        run = runs["read malformed"]
        assert run.returncode == 1
        assert run.trace_errors()[0]["message"].startswith(
            f"Stream 'contacts' stopped: Freshdesk answered GET https://localhost:{runs['port']}/api/v2/contacts?"
        )
        assert run.trace_errors()[0]["stack_trace"].startswith("Traceback (most recent call last)")

    def test_given_credentials_pasted_into_the_domain_when_check_then_they_are_dropped_and_check_succeeds(self, runs):
        assert runs["check pasted credentials"].one("CONNECTION_STATUS")["connectionStatus"] == {"status": "SUCCEEDED"}

    def test_given_a_state_holding_the_key_when_read_then_the_error_masks_it(self, runs):
        run = runs["read state holding the key"]
        assert run.returncode == 1
        assert [e["message"] for e in run.trace_errors()] == [
            "The saved state of stream 'contacts' cannot be resumed: `updated_at` is '****', not a UTC timestamp such "
            "as 2024-01-31T00:00:00Z. Correct the state, or clear the stream's data so that it is read again from "
            "`start_date`."
        ]
