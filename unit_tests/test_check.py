"""`check` through the real command line (source_freshdesk.run.run)."""

from __future__ import annotations

import json
from typing import List, Tuple

import pytest
import requests
import requests_mock
from airbyte_cdk.models import Status, Type
from airbyte_cdk.test.mock_http import HttpMocker

from config_builder import ConfigBuilder
from request_builder import FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, error_response
from source_runner import run_entrypoint

_TICKET_FIELDS_URL = "https://acme.freshdesk.com/api/v2/ticket_fields?per_page=100"


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(ConfigBuilder().build()))
    return str(path)


def _connection_statuses(messages) -> List[Tuple[Status, str]]:
    return [
        (message.connectionStatus.status, message.connectionStatus.message)
        for message in messages
        if message.type == Type.CONNECTION_STATUS
    ]


class TestCheck:
    """`check` reads one page of ticket_fields (readable by every agent on every plan, so a valid
    non-admin key passes): 200 -> SUCCEEDED; 401 -> FAILED with the message naming api_key and domain; a
    host that cannot be reached (wrong domain, refused port, unverifiable certificate) -> FAILED at once,
    without retries, with a message saying what to fix."""

    def test_given_ticket_fields_answers_200_when_check_then_succeeded_after_one_call(self, config_path, capsys):
        with HttpMocker() as http_mocker:
            request = FreshdeskRequestBuilder.endpoint("ticket_fields").build()
            http_mocker.get(request, FreshdeskResponseBuilder.of("ticket_fields").build())

            messages = run_entrypoint(["check", "--config", config_path], capsys)

            http_mocker.assert_number_of_calls(request, 1)
        assert _connection_statuses(messages) == [(Status.SUCCEEDED, None)]

    def test_given_401_when_check_then_failed_with_the_message_naming_api_key_and_domain(self, config_path, capsys):
        with HttpMocker() as http_mocker:
            http_mocker.get(
                FreshdeskRequestBuilder.endpoint("ticket_fields").build(),
                error_response(401, "error_401_invalid_credentials"),
            )

            messages = run_entrypoint(["check", "--config", config_path], capsys)

        assert _connection_statuses(messages) == [
            (
                Status.FAILED,
                "'Stream ticket_fields is not available: Freshdesk rejected the API key for acme.freshdesk.com "
                "(401). Check that `api_key` is the key shown under Profile settings > View API key, and that "
                "`domain` is the account it belongs to.'",
            )
        ]

    def test_given_pasted_url_as_domain_and_401_when_check_then_message_names_the_bare_host(self, tmp_path, capsys):
        path = tmp_path / "config.json"
        path.write_text(json.dumps(ConfigBuilder().with_domain("https://Acme.freshdesk.com/a/tickets/12").build()))
        with HttpMocker() as http_mocker:
            http_mocker.get(
                FreshdeskRequestBuilder.endpoint("ticket_fields").build(),
                error_response(401, "error_401_invalid_credentials"),
            )

            messages = run_entrypoint(["check", "--config", str(path)], capsys)

        assert _connection_statuses(messages) == [
            (
                Status.FAILED,
                "'Stream ticket_fields is not available: Freshdesk rejected the API key for acme.freshdesk.com "
                "(401). Check that `api_key` is the key shown under Profile settings > View API key, and that "
                "`domain` is the account it belongs to.'",
            )
        ]

    def test_given_404_when_check_then_failed_with_the_message_naming_the_domain(self, config_path, capsys):
        with HttpMocker() as http_mocker:
            http_mocker.get(FreshdeskRequestBuilder.endpoint("ticket_fields").build(), error_response(404))

            messages = run_entrypoint(["check", "--config", config_path], capsys)

        assert _connection_statuses(messages) == [
            (
                Status.FAILED,
                "'Stream ticket_fields is not available: acme.freshdesk.com is not a Freshdesk account: it answered "
                "404 for GET https://acme.freshdesk.com/api/v2/ticket_fields?per_page=100, a list every account has. "
                "Check that `domain` is your Freshdesk domain (for example acme.freshdesk.com).'",
            )
        ]

    @pytest.mark.parametrize(
        "exception, message",
        [
            pytest.param(
                requests.exceptions.ConnectionError(
                    "HTTPSConnectionPool(host='acme.freshdesk.com', port=443): Max retries exceeded with url: "
                    '/api/v2/ticket_fields?per_page=100 (Caused by NameResolutionError("<urllib3.connection.'
                    "HTTPSConnection object at 0x7f3a>: Failed to resolve 'acme.freshdesk.com' ([Errno -2] Name or "
                    'service not known)"))'
                ),
                "The host in `domain` (acme.freshdesk.com) does not resolve. Check the spelling: it should look "
                "like acme.freshdesk.com.",
                id="unknown-host",
            ),
            pytest.param(
                requests.exceptions.ConnectionError(
                    "HTTPSConnectionPool(host='acme.freshdesk.com', port=443): Max retries exceeded with url: "
                    "/api/v2/ticket_fields?per_page=100 (Caused by NewConnectionError('<urllib3.connection."
                    "HTTPSConnection object at 0x7f3a>: Failed to establish a new connection: [Errno 111] "
                    "Connection refused'))"
                ),
                "acme.freshdesk.com refused the connection. Check the host and port in `domain` (Freshdesk "
                "itself answers on acme.freshdesk.com, port 443).",
                id="connection-refused",
            ),
            pytest.param(
                requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
                "The TLS certificate of acme.freshdesk.com could not be verified. Check that `domain` is your "
                "Freshdesk domain (for example acme.freshdesk.com, not a vanity help-desk domain); for a "
                "Freshdesk-compatible test server, point REQUESTS_CA_BUNDLE at its CA file.",
                id="certificate",
            ),
        ],
    )
    def test_given_unreachable_host_when_check_then_failed_at_once_with_what_to_fix(
        self, exception, message, config_path, capsys, virtual_clock
    ):
        # HttpMocker can only answer; requests-mock can raise what `requests` raises for a dead host.
        with requests_mock.Mocker() as mocker:
            mocker.get(_TICKET_FIELDS_URL, complete_qs=True, exc=exception)

            messages = run_entrypoint(["check", "--config", config_path], capsys)

            assert len(mocker.request_history) == 1
        assert _connection_statuses(messages) == [
            (Status.FAILED, f"'Stream ticket_fields is not available: {message}'")
        ]
        assert virtual_clock.retry_sleeps == []
