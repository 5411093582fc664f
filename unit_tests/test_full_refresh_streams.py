"""Mock-server tests of the flat full-refresh streams: one list endpoint each, read whole every sync."""

from __future__ import annotations

import pytest
from airbyte_cdk.test.mock_http import HttpMocker

from config_builder import ConfigBuilder
from request_builder import FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, a_record, fixture, ids
from source_runner import discover_streams, error_messages, read_streams, record_ids

# stream -> its path under /api/v2/ (the fixture of each is resource/http/response/<stream>.json)
FLAT_STREAM_PATHS = {
    "agents": "agents",
    "business_hours": "business_hours",
    "canned_response_folders": "canned_response_folders",
    "company_fields": "company_fields",
    "contact_fields": "contact_fields",
    "discussion_categories": "discussions/categories",
    "email_configs": "email_configs",
    "email_mailboxes": "email/mailboxes",
    "groups": "groups",
    "products": "products",
    "roles": "roles",
    "scenario_automations": "scenario_automations",
    "skills": "skills",
    "sla_policies": "sla_policies",
    "solution_categories": "solutions/categories",
    "surveys": "surveys",
    "ticket_fields": "ticket_fields",
    "time_entries": "time_entries",
}


class TestFlatListStreams:
    """GET /api/v2/<path>?per_page=100 for each stream, following `link: <...>; rel="next"` headers.

    Contract: the path is the Freshdesk one (email_mailboxes -> email/mailboxes, discussion_categories ->
    discussions/categories, solution_categories -> solutions/categories); no filter and no cursor; every
    record of every page comes out once.
    """

    @pytest.mark.parametrize("stream, path", sorted(FLAT_STREAM_PATHS.items()))
    def test_given_stream_when_read_then_its_path_is_requested_and_its_records_come_out(self, stream, path):
        with HttpMocker() as http_mocker:
            request = FreshdeskRequestBuilder.endpoint(path).build()
            http_mocker.get(request, FreshdeskResponseBuilder.of(stream).build())

            output = read_streams(ConfigBuilder().build(), stream)

            http_mocker.assert_number_of_calls(request, 1)
        assert record_ids(output, stream) == ids(fixture(stream))
        assert error_messages(output) == []

    def test_given_time_entries_when_read_then_they_are_not_filtered_by_executed_at(self):
        # time_entries has no cursor: the list's only filter is executed_at, which users backdate.
        with HttpMocker() as http_mocker:
            http_mocker.get(
                FreshdeskRequestBuilder.endpoint("time_entries").build(),
                FreshdeskResponseBuilder.records(
                    [a_record("time_entries", id=1, executed_at="2019-01-01T00:00:00Z"), a_record("time_entries", id=2)]
                ).build(),
            )

            output = read_streams(ConfigBuilder().with_start_date("2025-01-01").build(), "time_entries")

        assert record_ids(output) == [1, 2]

    def test_given_two_pages_of_agents_when_read_then_both_pages_are_read(self):
        with HttpMocker() as http_mocker:
            page_2 = FreshdeskRequestBuilder.endpoint("agents").with_page(2)
            http_mocker.get(
                FreshdeskRequestBuilder.endpoint("agents").build(),
                FreshdeskResponseBuilder.records([a_record("agents", id=1), a_record("agents", id=2)])
                .with_next_page(page_2)
                .build(),
            )
            http_mocker.get(page_2.build(), FreshdeskResponseBuilder.records([a_record("agents", id=3)]).build())

            output = read_streams(ConfigBuilder().build(), "agents")

        assert record_ids(output) == [1, 2, 3]

    def test_given_all_flat_streams_when_read_together_then_each_stream_gets_its_own_records(self):
        with HttpMocker() as http_mocker:
            for stream, path in FLAT_STREAM_PATHS.items():
                http_mocker.get(
                    FreshdeskRequestBuilder.endpoint(path).build(), FreshdeskResponseBuilder.of(stream).build()
                )

            output = read_streams(ConfigBuilder().build(), *FLAT_STREAM_PATHS)

        for stream in FLAT_STREAM_PATHS:
            assert record_ids(output, stream) == ids(fixture(stream)), stream
        assert len(output.records) == sum(len(fixture(stream)) for stream in FLAT_STREAM_PATHS)
        assert error_messages(output) == []


class TestSettings:
    """GET /api/v2/settings/helpdesk (no query: not a list, so no pagination) returns one object, which
    comes out as one record keyed by primary_language."""

    def test_given_helpdesk_settings_when_read_then_one_record_is_the_whole_object(self):
        with HttpMocker() as http_mocker:
            request = FreshdeskRequestBuilder.settings().build()
            http_mocker.get(request, FreshdeskResponseBuilder.of("settings").build())

            output = read_streams(ConfigBuilder().build(), "settings")

            http_mocker.assert_number_of_calls(request, 1)
        assert [message.record.data for message in output.records] == [fixture("settings")]

    def test_given_settings_in_discover_then_primary_key_is_primary_language(self):
        streams = {stream.name: stream for stream in discover_streams(ConfigBuilder().build()).catalog.catalog.streams}

        assert streams["settings"].source_defined_primary_key == [["primary_language"]]
