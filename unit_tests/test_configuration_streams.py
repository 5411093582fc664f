"""Mock-server tests of the configuration streams analysts join against: the account, ticket forms,
automation rules (three types, one stream) and the sections of ticket fields. All four are admin only."""

from __future__ import annotations

from airbyte_cdk.models import Level
from airbyte_cdk.test.mock_http import HttpMocker

from config_builder import ConfigBuilder
from request_builder import FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, a_record, error_response, fixture, ids
from source_runner import discover_streams, error_messages, log_messages, read_streams, record_ids

NOT_ADMIN = (
    "Skipping stream '{}': Freshdesk says \"You are not authorized to perform this action.\" The API key's "
    "agent lacks the privilege for it; use an admin's API key to read it, or deselect the stream."
)


class TestAccount:
    """GET /api/v2/account (no query: one object) comes out as one record keyed by account_id."""

    def test_given_account_when_read_then_one_record_is_the_whole_object(self):
        with HttpMocker() as http_mocker:
            request = FreshdeskRequestBuilder("account", paginated=False).build()
            http_mocker.get(request, FreshdeskResponseBuilder.of("account").build())

            output = read_streams(ConfigBuilder().build(), "account")

            http_mocker.assert_number_of_calls(request, 1)
        # The CDK's message serializer leaves out null values (here `bundle_id`).
        assert [message.record.data for message in output.records] == [
            {k: v for k, v in fixture("account").items() if v is not None}
        ]

    def test_given_discover_then_account_is_keyed_by_account_id(self):
        streams = {stream.name: stream for stream in discover_streams(ConfigBuilder().build()).catalog.catalog.streams}

        assert streams["account"].source_defined_primary_key == [["account_id"]]

    def test_given_a_plain_agents_key_when_read_then_the_stream_is_skipped_with_one_warning(self):
        with HttpMocker() as http_mocker:
            http_mocker.get(
                FreshdeskRequestBuilder("account", paginated=False).build(), error_response(403, "error_403_access_denied")
            )

            output = read_streams(ConfigBuilder().build(), "account")

        assert output.records == []
        assert log_messages(output, Level.WARN) == [NOT_ADMIN.format("account")]
        assert error_messages(output) == []


class TestTicketForms:
    """GET /api/v2/ticket-forms?per_page=100: the path has a hyphen, unlike every other list."""

    def test_given_forms_when_read_then_every_form_comes_out(self):
        with HttpMocker() as http_mocker:
            request = FreshdeskRequestBuilder.endpoint("ticket-forms").build()
            http_mocker.get(request, FreshdeskResponseBuilder.of("ticket_forms").build())

            output = read_streams(ConfigBuilder().build(), "ticket_forms")

            http_mocker.assert_number_of_calls(request, 1)
        assert record_ids(output, "ticket_forms") == ids(fixture("ticket_forms")) == [81000000001, 81000000002]
        assert error_messages(output) == []


class TestAutomationRules:
    """GET /api/v2/automations/{type}/rules?per_page=100 for types 1, 3 and 4 (there is no type 2); each
    record carries its type, even where Freshdesk's answer leaves it out."""

    def test_given_three_types_when_read_then_each_list_is_read_once_and_records_carry_their_type(self):
        without_type = [{k: v for k, v in rule.items() if k != "automation_type_id"} for rule in fixture("automation_rules_ticket_updates")]
        with HttpMocker() as http_mocker:
            requests = {t: FreshdeskRequestBuilder.endpoint(f"automations/{t}/rules").build() for t in (1, 3, 4)}
            http_mocker.get(requests[1], FreshdeskResponseBuilder.of("automation_rules").build())
            http_mocker.get(requests[3], FreshdeskResponseBuilder.empty_list().build())
            http_mocker.get(requests[4], FreshdeskResponseBuilder.records(without_type).build())

            output = read_streams(ConfigBuilder().build(), "automation_rules")

            for request in requests.values():
                http_mocker.assert_number_of_calls(request, 1)
        types = sorted((m.record.data["id"], m.record.data["automation_type_id"]) for m in output.records)
        assert types == [(82000000001, 1), (82000000002, 1), (82000000004, 4), (82000000005, 4)]
        assert error_messages(output) == []

    def test_given_a_plain_agents_key_when_read_then_one_warning_for_the_stream(self):
        with HttpMocker() as http_mocker:
            for t in (1, 3, 4):
                http_mocker.get(
                    FreshdeskRequestBuilder.endpoint(f"automations/{t}/rules").build(),
                    error_response(403, "error_403_access_denied"),
                )

            output = read_streams(ConfigBuilder().build(), "automation_rules")

        assert output.records == []
        assert log_messages(output, Level.WARN) == [NOT_ADMIN.format("automation_rules")]


class TestTicketFieldSections:
    """GET /api/v2/admin/ticket_fields/{id}/sections?per_page=100 for each ticket field with
    `has_section: true`, and for each dropdown (default_ticket_type, custom_dropdown) where the field does
    not say: no call for the others."""

    FIELDS = [
        a_record("ticket_fields", id=1, type="default_ticket_type", has_section=True),
        a_record("ticket_fields", id=2, type="custom_dropdown", has_section=False),
        a_record("ticket_fields", id=3, type="custom_dropdown"),
        a_record("ticket_fields", id=4, type="custom_text"),
        a_record("ticket_fields", id=5, type="default_status"),
    ]

    def test_given_fields_when_read_then_sections_are_asked_only_of_fields_that_can_have_them(self):
        sections = fixture("ticket_field_sections")
        with HttpMocker() as http_mocker:
            http_mocker.get(
                FreshdeskRequestBuilder.endpoint("ticket_fields").build(), FreshdeskResponseBuilder.records(self.FIELDS).build()
            )
            asked = {i: FreshdeskRequestBuilder.endpoint(f"admin/ticket_fields/{i}/sections").build() for i in (1, 3)}
            http_mocker.get(asked[1], FreshdeskResponseBuilder.records(sections).build())
            http_mocker.get(asked[3], FreshdeskResponseBuilder.empty_list().build())

            output = read_streams(ConfigBuilder().build(), "ticket_field_sections")

            for request in asked.values():
                http_mocker.assert_number_of_calls(request, 1)
        assert record_ids(output, "ticket_field_sections") == ids(sections) == [83000000001, 83000000002]
        assert error_messages(output) == []

    def test_given_a_plain_agents_key_when_read_then_the_stream_is_skipped_with_one_warning(self):
        with HttpMocker() as http_mocker:
            http_mocker.get(
                FreshdeskRequestBuilder.endpoint("ticket_fields").build(), FreshdeskResponseBuilder.records(self.FIELDS[:1]).build()
            )
            http_mocker.get(
                FreshdeskRequestBuilder.endpoint("admin/ticket_fields/1/sections").build(),
                error_response(403, "error_403_access_denied"),
            )

            output = read_streams(ConfigBuilder().build(), "ticket_field_sections")

        assert output.records == []
        assert log_messages(output, Level.WARN) == [NOT_ADMIN.format("ticket_field_sections")]
