"""The checks the manifest names, run as the Connector Builder and source-declarative-manifest run them
(the source built from the manifest and components.py, no `source-freshdesk` command around it).

- `spec.config_normalization_rules.validations`: `start_date` is a real moment, not in the future.
- `state_migrations` (FreshdeskStateCheck): a saved cursor that is not a timestamp stops the sync.
- the authenticator (FreshdeskAuthenticator): the API key goes to `https://<domain>` only.
"""

from __future__ import annotations

import pytest
from airbyte_cdk.test.mock_http import HttpMocker

from config_builder import API_KEY, DOMAIN, ConfigBuilder
from request_builder import FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, a_record
from source_runner import all_output_text, error_messages, read_streams, record_ids, state

VALIDATION = "Config validation error: "


class TestStartDateValidation:
    """Contract: a `start_date` that is no real date, or is in the future, fails the read before any
    request, with one message saying what to use."""

    @pytest.mark.parametrize(
        "start_date, problem",
        [
            ("2024-02-30", "`start_date` is not a real date: '2024-02-30'. Use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ."),
            (
                "2999-01-01T00:00:00Z",
                "`start_date` is in the future: '2999-01-01T00:00:00Z'. Use a past date, or leave it empty to read "
                "the whole history.",
            ),
        ],
    )
    def test_given_a_start_date_that_cannot_be_read_from_when_read_then_failed_before_any_request(self, start_date, problem):
        with HttpMocker():  # any request would fail the test: none is mocked
            output = read_streams(ConfigBuilder().with_start_date(start_date).build(), "groups", expect_failure=True)

        assert error_messages(output) == [VALIDATION + problem]
        assert output.records == []

    def test_given_a_past_start_date_when_read_then_the_stream_is_read(self):
        with HttpMocker() as http_mocker:
            http_mocker.get(
                FreshdeskRequestBuilder.endpoint("groups").build(),
                FreshdeskResponseBuilder.records([a_record("groups", id=4)]).build(),
            )
            output = read_streams(ConfigBuilder().with_start_date("2024-02-29").build(), "groups")

        assert record_ids(output) == [4]
        assert error_messages(output) == []


class TestStateCheck:
    """Contract: a saved state whose cursor is not a timestamp stops the sync with one message naming the
    stream and what to do, before any request."""

    @pytest.mark.parametrize("stream", ["tickets", "contacts", "companies", "satisfaction_ratings"])
    def test_given_a_cursor_that_is_no_timestamp_when_read_then_the_stream_is_named(self, stream):
        cursor = "created_at" if stream == "satisfaction_ratings" else "updated_at"
        with HttpMocker():
            output = read_streams(
                ConfigBuilder().build(), stream, stream_state=state(stream, {cursor: "yesterday"}), expect_failure=True
            )

        assert error_messages(output) == [
            f"The saved state of stream '{stream}' cannot be resumed: `{cursor}` is 'yesterday', not a UTC timestamp "
            "such as 2024-01-31T00:00:00Z. Correct the state, or clear the stream's data so that it is read again "
            "from `start_date`."
        ]
        assert output.records == []


class TestKeyOnlyToTheDomain:
    """Contract: a next-page link to another origin (another host, another port, or plain http) is refused
    before the request is sent: the stream fails with a message naming the address, and the key is sent
    nowhere but https://<domain>."""

    @pytest.mark.parametrize(
        "link, shown",
        [
            ("https://collector.example.com/api/v2/agents?page=2", "https://collector.example.com"),
            (f"http://{DOMAIN}/api/v2/agents?page=2", f"http://{DOMAIN}"),
            (f"https://{DOMAIN}:8443/api/v2/agents?page=2", f"https://{DOMAIN}:8443"),
        ],
    )
    def test_given_a_next_link_to_another_origin_when_read_then_refused_without_sending_the_key(self, link, shown):
        with HttpMocker() as http_mocker:  # the linked page is not mocked: requesting it would fail the test
            first = FreshdeskRequestBuilder.endpoint("agents").build()
            http_mocker.get(first, FreshdeskResponseBuilder.records([a_record("agents", id=1)]).with_link(link).build())

            output = read_streams(ConfigBuilder().build(), "agents", expect_failure=True)

            http_mocker.assert_number_of_calls(first, 1)
        assert record_ids(output) == [1]
        refused = (
            f"Refused to send the API key to {shown}: the connector only talks to https://{DOMAIN}, the configured "
            "`domain`. Freshdesk answered with a link to another address; please report it to the connector's "
            "maintainers."
        )
        assert error_messages(output) == [
            refused,
            f'During the sync, the following streams did not sync successfully: agents: AirbyteTracedException("{refused}")',
        ]
        assert API_KEY not in all_output_text(output)
