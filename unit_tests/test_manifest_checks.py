"""The checks the manifest names, run as the Connector Builder and source-declarative-manifest run them
(the source built from the manifest and components.py, no `source-freshdesk` command around it).

- `spec.config_normalization_rules.validations`: `start_date` is a real moment, not in the future.
- `state_migrations` (FreshdeskStateCheck): a saved cursor that is not a timestamp stops the sync.
- the authenticator (FreshdeskAuthenticator): the API key goes to `https://<domain>` only.
- the link-header paginator (FreshdeskNextLink): next links are followed on that origin, forward only.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from airbyte_cdk.models import Level
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.utils import AirbyteTracedException

from source_freshdesk.components import FreshdeskAuthenticator

from config_builder import API_KEY, DOMAIN, ConfigBuilder
from request_builder import FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, a_record
from source_runner import all_output_text, error_messages, log_messages, read_streams, record_ids, state

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


class TestStateThatCannotBeUsed:
    """Contract: a saved state of a shape this connector never writes, or with its cursor more than a day in
    the future, is set aside with one warning saying so, and the stream is read from `start_date` (or 2010):
    never ignored silently, never a stream that requests nothing sync after sync."""

    @pytest.mark.parametrize(
        "stream_state, said",
        [
            ({"foo": 1}, 'is not one this connector writes ({"foo":1}: no cursor, and unknown keys [\'foo\'])'),
            ({"updated_at": "2999-01-01T00:00:00Z"}, "has its cursor in the future (2999-01-01T00:00:00Z)"),
        ],
    )
    def test_given_a_state_that_cannot_be_used_when_read_then_one_warning_and_a_read_from_the_start(self, stream_state, said):
        with HttpMocker() as http_mocker:
            http_mocker.get(FreshdeskRequestBuilder.companies().build(), FreshdeskResponseBuilder.records(
                [a_record("companies", id=8, updated_at="2025-03-01T00:00:00Z")]).build())

            output = read_streams(ConfigBuilder().build(), "companies", stream_state=state("companies", stream_state))

        assert record_ids(output) == [8]
        assert [m for m in log_messages(output, Level.WARN) if "saved state" in m] == [
            f"The saved state of stream 'companies' {said}; it is set aside and the stream is read again from the "
            "beginning (no `start_date` is set)."
        ]

    def test_given_a_cursor_a_few_minutes_ahead_when_read_then_it_is_resumed_as_it_is(self):
        ahead = (datetime.now(timezone.utc) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        with HttpMocker():  # from a cursor in the (near) future there is nothing to request
            output = read_streams(ConfigBuilder().build(), "companies", stream_state=state("companies", {"updated_at": ahead}))

        assert [m for m in log_messages(output, Level.WARN) if "saved state" in m] == []
        assert error_messages(output) == []


class TestKeyOnlyToTheDomain:
    """Contract: a next-page link to another origin (another host, another port, or plain http), or to another
    path of the account, is not followed: the stream fails with a message naming the stream and the link, the
    key is sent nowhere but https://<domain>, and the records before it come out once. The authenticator
    refuses any other origin itself too, whoever asks."""

    @pytest.mark.parametrize(
        "link, why",
        [
            ("https://collector.example.com/api/v2/agents?page=2", f"it leads away from /api/v2/agents on https://{DOMAIN}"),
            (f"http://{DOMAIN}/api/v2/agents?page=2", f"it leads away from /api/v2/agents on https://{DOMAIN}"),
            (f"https://{DOMAIN}:8443/api/v2/agents?page=2", f"it leads away from /api/v2/agents on https://{DOMAIN}"),
            (f"https://{DOMAIN}/api/v2/contacts?page=2", f"it leads away from /api/v2/agents on https://{DOMAIN}"),
        ],
    )
    def test_given_a_next_link_elsewhere_when_read_then_not_followed_and_the_stream_named(self, link, why):
        with HttpMocker() as http_mocker:  # the linked page is not mocked: requesting it would fail the test
            first = FreshdeskRequestBuilder.endpoint("agents").build()
            http_mocker.get(first, FreshdeskResponseBuilder.records([a_record("agents", id=1)]).with_link(link).build())

            output = read_streams(ConfigBuilder().build(), "agents", expect_failure=True)

            http_mocker.assert_number_of_calls(first, 1)
        assert record_ids(output) == [1]
        assert error_messages(output)[0] == unfollowed("agents", link, why)
        assert API_KEY not in all_output_text(output)

    @pytest.mark.parametrize(
        "url", ["https://collector.example.com/api/v2/agents", f"http://{DOMAIN}/api/v2/agents", f"https://{DOMAIN}:8443/x"]
    )
    def test_given_a_request_to_another_origin_when_signed_then_refused_before_the_key_is_added(self, url):
        authenticator = FreshdeskAuthenticator(username=API_KEY, password="X", config=ConfigBuilder().build(), parameters={})
        request = requests.Request("GET", url).prepare()

        with pytest.raises(AirbyteTracedException, match="^Refused to send the API key to ") as refused:
            authenticator(request)

        assert "Authorization" not in request.headers
        assert f"the connector only talks to https://{DOMAIN}, the configured `domain`" in refused.value.message


def unfollowed(stream: str, link: str, why: str) -> str:
    return (
        f"Stream '{stream}' stopped: Freshdesk's next-page link {link} was not followed, because {why}. The pages "
        "before it were read once each. Please report this answer to the connector's maintainers."
    )


class TestPaginationThatDoesNotProgress:
    """Contract: a next link that does not lead past the page it came with (the same page again, an earlier
    one), or that comes with an empty page, ends the stream with an error naming it: no page is read twice and
    the stream does not read forever."""

    @pytest.mark.parametrize("page, link_page", [(1, 1), (2, 2), (3, 2)])
    def test_given_a_next_link_that_does_not_move_forward_when_read_then_the_stream_stops(self, page, link_page):
        link = f"https://{DOMAIN}/api/v2/groups?per_page=100&page={link_page}"
        with HttpMocker() as http_mocker:
            requests_ = [FreshdeskRequestBuilder.endpoint("groups").build()] + [
                FreshdeskRequestBuilder.endpoint("groups").with_page(n).build() for n in range(2, page + 1)
            ]
            for n, request in enumerate(requests_, start=1):
                link_to = link if n == page else f"https://{DOMAIN}/api/v2/groups?per_page=100&page={n + 1}"
                http_mocker.get(request, FreshdeskResponseBuilder.records([a_record("groups", id=n)]).with_link(link_to).build())

            output = read_streams(ConfigBuilder().build(), "groups", expect_failure=True)

            for request in requests_:
                http_mocker.assert_number_of_calls(request, 1)
        assert record_ids(output) == list(range(1, page + 1))
        assert error_messages(output)[0] == unfollowed("groups", link, "it does not lead past this page")

    def test_given_an_empty_page_with_a_next_link_when_read_then_the_stream_stops(self):
        link = f"https://{DOMAIN}/api/v2/groups?per_page=100&page=3"
        with HttpMocker() as http_mocker:
            first = FreshdeskRequestBuilder.endpoint("groups").build()
            second = FreshdeskRequestBuilder.endpoint("groups").with_page(2).build()
            http_mocker.get(first, FreshdeskResponseBuilder.records([a_record("groups", id=1)]).with_link(
                f"https://{DOMAIN}/api/v2/groups?per_page=100&page=2").build())
            http_mocker.get(second, FreshdeskResponseBuilder.records([]).with_link(link).build())

            output = read_streams(ConfigBuilder().build(), "groups", expect_failure=True)

            http_mocker.assert_number_of_calls(second, 1)
        assert record_ids(output) == [1]
        assert error_messages(output)[0] == unfollowed("groups", link, "it came with an empty page")

    def test_given_an_empty_contacts_page_with_a_next_link_when_read_then_the_stream_stops(self):
        with HttpMocker() as http_mocker:
            first = FreshdeskRequestBuilder.contacts().build()
            http_mocker.get(first, FreshdeskResponseBuilder.records([]).with_link(f"https://{DOMAIN}/api/v2/contacts?page=2").build())

            output = read_streams(ConfigBuilder().build(), "contacts", expect_failure=True)

            http_mocker.assert_number_of_calls(first, 1)
        assert record_ids(output) == []
        assert error_messages(output)[0] == unfollowed(
            "contacts", f"https://{DOMAIN}/api/v2/contacts?page=2", "it came with an empty page")
