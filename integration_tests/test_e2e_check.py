"""`check` through the real command line: a clear answer within seconds for each common mistake."""

from __future__ import annotations

import socket
from typing import Any, Dict, Mapping

import pytest

from integration_tests.conftest import connector
from integration_tests.emulator import Emulator

PREFIX = "'Stream ticket_fields is not available: "


def check(config: Mapping[str, Any], env: Mapping[str, str]) -> Dict[str, Any]:
    run = connector("check", config, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.seconds < 15
    assert "Traceback" not in run.stderr
    return run.one("CONNECTION_STATUS")["connectionStatus"]


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.fixture(scope="module")
def emu(seeded: Emulator) -> Emulator:
    return seeded


class TestCheck:
    """Contract: `check` reads ticket_fields (every agent on every plan can) and answers within 15 s;
    a failure names the field to fix."""

    def test_given_valid_config_when_check_then_succeeded(self, emu):
        assert check(emu.config(), emu.env()) == {"status": "SUCCEEDED"}

    def test_given_pasted_url_as_domain_when_check_then_succeeded(self, emu):
        config = emu.config(domain=f"  HTTPS://LOCALHOST:{emu.port}/a/tickets/12 ")
        assert check(config, emu.env()) == {"status": "SUCCEEDED"}

    def test_given_wrong_key_when_check_then_failed_naming_key_and_domain(self, emu):
        status = check(emu.config(api_key="not-the-right-key-000000000000"), emu.env())
        assert status == {
            "status": "FAILED",
            "message": PREFIX + f"Freshdesk rejected the API key for localhost:{emu.port} (401). Check that "
            "`api_key` is the key shown under Profile settings > View API key, and that `domain` is the "
            "account it belongs to.'",
        }

    def test_given_unknown_host_when_check_then_failed_quickly_naming_domain(self, emu):
        status = check(emu.config(domain="no-such-account.invalid"), emu.env())
        assert status == {
            "status": "FAILED",
            "message": PREFIX + "The host in `domain` (no-such-account.invalid) does not resolve. Check the "
            "spelling: it should look like acme.freshdesk.com.'",
        }

    def test_given_refused_connection_when_check_then_failed_quickly_naming_host_and_port(self, emu):
        port = closed_port()
        status = check(emu.config(domain=f"localhost:{port}"), emu.env())
        assert status == {
            "status": "FAILED",
            "message": PREFIX + f"localhost:{port} refused the connection. Check the host and port in `domain` "
            "(Freshdesk itself answers on acme.freshdesk.com, port 443).'",
        }

    def test_given_untrusted_certificate_when_check_then_failed_quickly_naming_tls(self, emu):
        status = check(emu.config(), {"REQUESTS_CA_BUNDLE": ""})
        assert status == {
            "status": "FAILED",
            "message": PREFIX + f"The TLS certificate of localhost:{emu.port} could not be verified. Check "
            "that `domain` is your Freshdesk domain (for example acme.freshdesk.com, not a vanity help-desk "
            "domain); for a Freshdesk-compatible test server, point REQUESTS_CA_BUNDLE at its CA file.'",
        }
