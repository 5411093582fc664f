"""Mock-server tests of the typed custom fields of tickets, contacts and companies.

The three streams' schemas come from FreshdeskCustomFieldsSchemaLoader (components.py): the static schema
file, with each custom field of the account declared under `custom_fields` with its type, read from
GET /api/v2/ticket_fields, contact_fields and company_fields; with `custom_fields_as_columns`, also as a
top-level property, whose values FreshdeskCustomFieldColumns copies there.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping

import pytest
from airbyte_cdk.models import Level
from airbyte_cdk.test.entrypoint_wrapper import discover, read
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest

from config_builder import API_KEY, ConfigBuilder
from request_builder import FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, a_record, error_response, fixture, mock_empty_contact_lists
from source_runner import (
    all_output_text,
    catalog,
    discover_streams,
    error_messages,
    log_messages,
    read_streams,
    stream_statuses,
)
from unit_tests.source_runner import manifest_source
from test_schemas import load_schema

FIELDS_ENDPOINTS = {"tickets": "ticket_fields", "contacts": "contact_fields", "companies": "company_fields"}
STRING = {"type": ["null", "string"]}
DATE = {"type": ["null", "string"], "format": "date"}
DATE_TIME = {"type": ["null", "string"], "format": "date-time", "airbyte_type": "timestamp_with_timezone"}
INTEGER = {"type": ["null", "integer"]}
NUMBER = {"type": ["null", "number"]}
BOOLEAN = {"type": ["null", "boolean"]}


# GET /api/v2/<ticket|contact|company>_fields: no query (the endpoints are not paginated). One object per
# endpoint: HttpMocker.assert_number_of_calls finds a mock by the identity of its request.
FIELDS_REQUESTS = {
    stream: FreshdeskRequestBuilder(path, paginated=False).build() for stream, path in FIELDS_ENDPOINTS.items()
}


def fields_request(stream: str) -> HttpRequest:
    return FIELDS_REQUESTS[stream]


def serve_fields(http_mocker: HttpMocker, **answers: Any) -> None:
    """Mocks the three fields endpoints: `answers[stream]` (a response or a list of them), else an empty list."""
    for stream in FIELDS_ENDPOINTS:
        http_mocker.get(fields_request(stream), answers.get(stream, FreshdeskResponseBuilder.empty_list().build()))


def custom_fields_schema(output: Any, stream: str) -> Dict[str, Any]:
    """The `custom_fields` property of `stream` in the catalog `discover` printed."""
    streams = {s.name: s.json_schema for s in output.catalog.catalog.streams}
    return streams[stream]["properties"]["custom_fields"]


def warning(stream: str, reason: str) -> str:
    return (
        f"Stream '{stream}': custom fields are not typed because GET /api/v2/{FIELDS_ENDPOINTS[stream]} {reason}. "
        "`custom_fields` keeps its static schema, an open object whose values come out as Freshdesk sends them."
    )


def custom_field(name: str, kind: str) -> Dict[str, Any]:
    """A custom field definition as contact_fields lists it."""
    return {**fixture("contact_fields")[1], "name": name, "label": name, "type": kind}


@pytest.mark.custom_fields_lookup
class TestCustomFieldTypes:
    """Contract: `discover` declares each custom field (`default: false`) of the account under the stream's
    `custom_fields.properties`, keyed by its `name`, with a nullable JSON type from its Freshdesk type:
    text, paragraph, dropdown, URL, phone number and nested fields (each level under its own name) are
    strings, date a `format: date` string, date-time a `format: date-time` string of Airbyte type
    timestamp_with_timezone, number an integer, decimal a number, checkbox a boolean, multi-select
    dropdown an array of strings; a type the connector does not know takes any JSON value. The `custom_` prefix is
    optional (contact and company fields of some accounts go without). Default fields are not declared
    there. The rest of the schema is the static one."""

    def test_given_ticket_fields_of_every_type_when_discover_then_each_custom_field_has_its_json_type(self):
        with HttpMocker() as http_mocker:
            serve_fields(http_mocker, tickets=FreshdeskResponseBuilder.of("ticket_fields_of_every_type").build())

            output = discover_streams(ConfigBuilder().build())

        assert custom_fields_schema(output, "tickets")["properties"] == {
            "cf_order_number": STRING,
            "cf_internal_note": STRING,
            "cf_vip_customer": {"type": ["null", "boolean"]},
            "cf_seats": {"type": ["null", "integer"]},
            "cf_refund_amount": {"type": ["null", "number"]},
            "cf_follow_up_date": DATE,
            "cf_callback_at": DATE_TIME,
            "cf_category": STRING,
            "cf_region": STRING,
            "cf_country": STRING,
            "cf_city": STRING,
            "cf_order_page": STRING,
            "cf_callback_phone": STRING,
            "cf_products": {"type": ["null", "array"], "items": STRING},
            "cf_account_manager": {"type": ["null", "string", "number", "boolean", "object", "array"]},
        }
        assert log_messages(output, Level.WARN) == []

    def test_given_typed_custom_fields_when_discover_then_the_rest_of_the_schema_is_the_static_one(self):
        with HttpMocker() as http_mocker:
            serve_fields(http_mocker, tickets=FreshdeskResponseBuilder.of("ticket_fields_of_every_type").build())

            output = discover_streams(ConfigBuilder().build())

        schema = next(s.json_schema for s in output.catalog.catalog.streams if s.name == "tickets")
        static = load_schema("tickets")
        custom_fields = schema["properties"]["custom_fields"]
        assert {**schema, "properties": {**schema["properties"], "custom_fields": static["properties"]["custom_fields"]}} == static
        assert custom_fields["type"] == ["null", "object"]
        assert custom_fields["additionalProperties"] is True
        assert custom_fields["description"] == (
            "Values of the account's custom fields, keyed by field name, typed from GET /api/v2/ticket_fields; a "
            "field created since the catalog was discovered comes out as sent."
        )

    def test_given_contact_fields_without_custom_prefix_when_discover_then_they_are_typed_as_with_it(self):
        with HttpMocker() as http_mocker:
            serve_fields(
                http_mocker,
                contacts=FreshdeskResponseBuilder.of("contact_fields_without_custom_prefix").build(),
                companies=FreshdeskResponseBuilder.records(
                    [custom_field("cf_revenue", "custom_decimal"), custom_field("cf_employees", "number")]
                ).build(),
            )

            output = discover_streams(ConfigBuilder().build())

        assert custom_fields_schema(output, "contacts")["properties"] == {
            "department": STRING,
            "seats": {"type": ["null", "integer"]},
            "newsletter": {"type": ["null", "boolean"]},
            "budget": {"type": ["null", "number"]},
            "customer_since": DATE,
            "tier": STRING,
        }
        assert custom_fields_schema(output, "companies")["properties"] == {
            "cf_revenue": {"type": ["null", "number"]},
            "cf_employees": {"type": ["null", "integer"]},
        }

    def test_given_no_custom_field_when_discover_then_custom_fields_is_the_static_open_object(self):
        with HttpMocker() as http_mocker:
            serve_fields(http_mocker, contacts=FreshdeskResponseBuilder.records([fixture("contact_fields")[0]]).build())

            output = discover_streams(ConfigBuilder().build())

        for stream in FIELDS_ENDPOINTS:
            assert custom_fields_schema(output, stream) == load_schema(stream)["properties"]["custom_fields"]
        assert log_messages(output, Level.WARN) == []

    def test_given_fields_on_two_pages_when_discover_then_the_link_header_is_followed(self):
        page_2 = FreshdeskRequestBuilder("company_fields", paginated=False).with_page(2)
        with HttpMocker() as http_mocker:
            serve_fields(
                http_mocker,
                companies=FreshdeskResponseBuilder.records([custom_field("cf_revenue", "custom_decimal")])
                .with_next_page(page_2)
                .build(),
            )
            http_mocker.get(page_2.build(), FreshdeskResponseBuilder.records([custom_field("cf_vip", "custom_checkbox")]).build())

            output = discover_streams(ConfigBuilder().build())

        assert custom_fields_schema(output, "companies")["properties"] == {
            "cf_revenue": {"type": ["null", "number"]},
            "cf_vip": {"type": ["null", "boolean"]},
        }


@pytest.mark.custom_fields_lookup
class TestTypedValues:
    """Contract: `read` emits custom field values cast to their declared type by the record selector's
    schema normalisation (numbers Freshdesk sends as strings come out as numbers, "true" as true, a
    date-time in ISO 8601 UTC, a date as YYYY-MM-DD); a field the schema does not declare, or a value that
    cannot be cast, comes out as sent."""

    def test_given_dates_and_date_times_in_several_forms_when_read_then_dates_are_dates_and_date_times_utc(self):
        fields = [custom_field("cf_since", "custom_date"), custom_field("cf_callback_at", "custom_date_time")]
        sent = [
            {"cf_since": "2024-01-31", "cf_callback_at": "2024-01-31T10:30:00Z"},
            {"cf_since": "2024-01-31T00:00:00+05:30", "cf_callback_at": "2024-01-31T10:30:00+05:30"},
            {"cf_since": "2024-01-31T23:00:00Z", "cf_callback_at": "2024-01-31 10:30:00"},
            {"cf_since": None, "cf_callback_at": "2024-01-31T10:30:00.250-0100"},
            {"cf_since": "31/01/2024", "cf_callback_at": "next week"},
        ]
        with HttpMocker() as http_mocker:
            http_mocker.get(fields_request("contacts"), FreshdeskResponseBuilder.records(fields).build())
            http_mocker.get(
                FreshdeskRequestBuilder.contacts().build(),
                FreshdeskResponseBuilder.records(
                    [a_record("contacts", id=n, custom_fields=values) for n, values in enumerate(sent, 1)]
                ).build(),
            )
            mock_empty_contact_lists(http_mocker)

            output = read_streams(ConfigBuilder().build(), "contacts")

        assert [record.record.data["custom_fields"] for record in output.records] == [
            {"cf_since": "2024-01-31", "cf_callback_at": "2024-01-31T10:30:00Z"},
            {"cf_since": "2024-01-31", "cf_callback_at": "2024-01-31T05:00:00Z"},
            {"cf_since": "2024-01-31", "cf_callback_at": "2024-01-31T10:30:00Z"},
            {"cf_since": None, "cf_callback_at": "2024-01-31T11:30:00.25Z"},
            {"cf_since": "31/01/2024", "cf_callback_at": "next week"},
        ]
        assert log_messages(output, Level.WARN) == []

    def test_given_values_sent_as_strings_when_read_then_they_come_out_typed(self):
        fields = [
            custom_field("cf_seats", "custom_number"),
            custom_field("cf_budget", "custom_decimal"),
            custom_field("cf_vip", "custom_checkbox"),
            custom_field("cf_account", "custom_text"),
        ]
        sent = {"cf_seats": "42", "cf_budget": "49.90", "cf_vip": "true", "cf_account": 8841, "cf_new": "7"}
        with HttpMocker() as http_mocker:
            http_mocker.get(fields_request("contacts"), FreshdeskResponseBuilder.records(fields).build())
            http_mocker.get(
                FreshdeskRequestBuilder.contacts().build(),
                FreshdeskResponseBuilder.records(
                    [a_record("contacts", id=1, custom_fields=sent), a_record("contacts", id=2, custom_fields={"cf_seats": "many"})]
                ).build(),
            )
            mock_empty_contact_lists(http_mocker)

            output = read_streams(ConfigBuilder().build(), "contacts")

        assert [record.record.data["custom_fields"] for record in output.records] == [
            {"cf_seats": 42, "cf_budget": 49.9, "cf_vip": True, "cf_account": "8841", "cf_new": "7"},
            {"cf_seats": "many"},
        ]
        assert log_messages(output, Level.WARN) == [
            "Failed to transform value from type 'string' to type '['null', 'integer']' at path: 'custom_fields.cf_seats'"
        ]

    def test_given_schema_asked_for_by_two_discovers_and_a_read_when_run_then_each_fields_endpoint_is_called_once(self):
        config = ConfigBuilder().build()
        configured_catalog = catalog("contacts", "companies")
        source = manifest_source(catalog=configured_catalog, config=config)
        with HttpMocker() as http_mocker:
            serve_fields(http_mocker, contacts=FreshdeskResponseBuilder.records([custom_field("cf_seats", "custom_number")]).build())
            http_mocker.get(
                FreshdeskRequestBuilder.contacts().build(),
                FreshdeskResponseBuilder.records([a_record("contacts", id=1, custom_fields={"cf_seats": "3"})]).build(),
            )
            mock_empty_contact_lists(http_mocker)
            http_mocker.get(FreshdeskRequestBuilder.companies().build(), FreshdeskResponseBuilder.of("companies").build())

            discovered = [discover(source, config), discover(source, config)]
            output = read(source, config, configured_catalog)

            for stream in FIELDS_ENDPOINTS:
                http_mocker.assert_number_of_calls(fields_request(stream), 1)
        assert [custom_fields_schema(d, "contacts")["properties"] for d in discovered] == [
            {"cf_seats": {"type": ["null", "integer"]}}
        ] * 2
        assert [r.record.data["custom_fields"] for r in output.records if r.record.stream == "contacts"] == [{"cf_seats": 3}]


@pytest.mark.custom_fields_lookup
class TestFallback:
    """Contract: when a fields endpoint cannot be read (401, 403, 5xx after 3 retries, a body that is not a
    list), the stream keeps its static schema and one warning names the stream and the reason; `discover`
    and `read` succeed, with no error logged, and the API key appears nowhere in the output."""

    def test_given_403_when_discover_then_static_schema_and_one_warning_naming_the_stream(self):
        with HttpMocker() as http_mocker:
            serve_fields(
                http_mocker,
                tickets=error_response(403, "error_403_access_denied"),
                contacts=FreshdeskResponseBuilder.records([custom_field("cf_seats", "custom_number")]).build(),
            )

            output = discover_streams(ConfigBuilder().build())

            http_mocker.assert_number_of_calls(fields_request("tickets"), 1)
        assert custom_fields_schema(output, "tickets") == load_schema("tickets")["properties"]["custom_fields"]
        assert custom_fields_schema(output, "contacts")["properties"] == {"cf_seats": {"type": ["null", "integer"]}}
        assert log_messages(output, Level.WARN) == [
            warning("tickets", 'answered 403 ("You are not authorized to perform this action.")')
        ]
        assert log_messages(output, Level.ERROR) == []
        assert API_KEY not in all_output_text(output)

    def test_given_500_on_every_attempt_when_discover_then_retried_3_times_and_static_schema_with_one_warning(
        self, virtual_clock
    ):
        with HttpMocker() as http_mocker:
            serve_fields(http_mocker, companies=[error_response(500)] * 4)

            output = discover_streams(ConfigBuilder().build())

            http_mocker.assert_number_of_calls(fields_request("companies"), 4)
        assert custom_fields_schema(output, "companies") == load_schema("companies")["properties"]["custom_fields"]
        assert log_messages(output, Level.WARN) == [warning("companies", "answered 500 until the retries ran out")]
        # The CDK's own ERROR lines about the exhausted retries are held back: the warning says it all.
        assert log_messages(output, Level.ERROR) == []
        assert virtual_clock.retry_sleeps == [3.0, 5.0, 9.0]
        assert API_KEY not in all_output_text(output)

    def test_given_500_then_200_when_discover_then_the_retry_types_the_fields(self, virtual_clock):
        with HttpMocker() as http_mocker:
            serve_fields(
                http_mocker,
                companies=[error_response(500), FreshdeskResponseBuilder.records([custom_field("cf_vip", "custom_checkbox")]).build()],
            )

            output = discover_streams(ConfigBuilder().build())

        assert custom_fields_schema(output, "companies")["properties"] == {"cf_vip": {"type": ["null", "boolean"]}}
        assert log_messages(output, Level.WARN) == []
        assert virtual_clock.retry_sleeps == [3.0]

    def test_given_401_when_read_then_values_come_out_as_sent_with_one_warning_and_the_stream_completes(self):
        with HttpMocker() as http_mocker:
            http_mocker.get(fields_request("contacts"), error_response(401, "error_401_invalid_credentials"))
            http_mocker.get(
                FreshdeskRequestBuilder.contacts().build(),
                FreshdeskResponseBuilder.records([a_record("contacts", id=1, custom_fields={"cf_seats": "42"})]).build(),
            )
            mock_empty_contact_lists(http_mocker)

            output = read_streams(ConfigBuilder().build(), "contacts")

            http_mocker.assert_number_of_calls(fields_request("contacts"), 1)
        assert [record.record.data["custom_fields"] for record in output.records] == [{"cf_seats": "42"}]
        assert log_messages(output, Level.WARN) == [
            warning("contacts", 'answered 401 ("You have to be logged in to perform this action.")')
        ]
        assert stream_statuses(output, "contacts")[-1] == "COMPLETE"
        assert error_messages(output) == []
        assert API_KEY not in all_output_text(output)

    def test_given_an_object_instead_of_a_list_when_discover_then_static_schema_with_one_warning(self):
        with HttpMocker() as http_mocker:
            serve_fields(http_mocker, tickets=FreshdeskResponseBuilder(custom_field("cf_seats", "custom_number")).build())

            output = discover_streams(ConfigBuilder().build())

        assert custom_fields_schema(output, "tickets") == load_schema("tickets")["properties"]["custom_fields"]
        assert log_messages(output, Level.WARN) == [
            warning("tickets", "answered with something other than a list of fields")
        ]


def column(name: str, schema: Mapping[str, Any]) -> Dict[str, Any]:
    """The top-level property `custom_fields_as_columns` adds for custom field `name`."""
    return {**schema, "description": f"Custom field `{name}` (the value of `custom_fields.{name}`)."}


def added_properties(output: Any, stream: str) -> Dict[str, Any]:
    """The top-level properties of `stream` in the catalog `discover` printed that its static schema lacks."""
    schema = next(s.json_schema for s in output.catalog.catalog.streams if s.name == stream)
    static = load_schema(stream)["properties"]
    return {key: value for key, value in schema["properties"].items() if key not in static}


COLUMNS_ON = ConfigBuilder().with_field("custom_fields_as_columns", True)


@pytest.mark.custom_fields_lookup
class TestCustomFieldsAsColumns:
    """Contract: with `custom_fields_as_columns` true, `discover` also declares each custom field of
    tickets, contacts and companies as a top-level property with the type it has under `custom_fields`:
    `cf_<name>`, or the name itself when it already starts with `cf_` (every ticket field's does); of
    fields `x` and `cf_x`, the column `cf_x` is the latter's and one warning names the other. `read` copies
    each value there, cast like the one under `custom_fields` (which stays as it is). Without the option
    (absent or false) no property is added. When the field definitions cannot be read, no column is
    added, and the warning says so."""

    def test_given_the_option_when_discover_then_each_custom_field_is_also_a_typed_column(self):
        with HttpMocker() as http_mocker:
            serve_fields(
                http_mocker,
                tickets=FreshdeskResponseBuilder.of("ticket_fields_of_every_type").build(),
                contacts=FreshdeskResponseBuilder.of("contact_fields_without_custom_prefix").build(),
                companies=FreshdeskResponseBuilder.records(
                    [custom_field("cf_revenue", "custom_decimal"), custom_field("renewal", "custom_date")]
                ).build(),
            )

            output = discover_streams(COLUMNS_ON.build())

        assert added_properties(output, "tickets") == {
            name: column(name, schema) for name, schema in custom_fields_schema(output, "tickets")["properties"].items()
        }
        assert sorted(added_properties(output, "tickets")) == sorted(custom_fields_schema(output, "tickets")["properties"])
        assert added_properties(output, "contacts") == {
            "cf_department": column("department", STRING),
            "cf_seats": column("seats", INTEGER),
            "cf_newsletter": column("newsletter", BOOLEAN),
            "cf_budget": column("budget", NUMBER),
            "cf_customer_since": column("customer_since", DATE),
            "cf_tier": column("tier", STRING),
        }
        assert added_properties(output, "companies") == {
            "cf_revenue": column("cf_revenue", NUMBER),
            "cf_renewal": column("renewal", DATE),
        }
        assert added_properties(output, "tickets")["cf_callback_at"] == column("cf_callback_at", DATE_TIME)
        assert log_messages(output, Level.WARN) == []

    @pytest.mark.parametrize("option", [None, False])
    def test_given_the_option_absent_or_false_when_discover_then_no_property_is_added(self, option):
        config = ConfigBuilder().build() if option is None else ConfigBuilder().with_field("custom_fields_as_columns", option).build()
        with HttpMocker() as http_mocker:
            serve_fields(
                http_mocker,
                tickets=FreshdeskResponseBuilder.of("ticket_fields_of_every_type").build(),
                contacts=FreshdeskResponseBuilder.of("contact_fields_without_custom_prefix").build(),
            )

            output = discover_streams(config)

        assert {stream: added_properties(output, stream) for stream in FIELDS_ENDPOINTS} == {
            "tickets": {}, "contacts": {}, "companies": {},
        }
        assert custom_fields_schema(output, "contacts")["properties"]["seats"] == INTEGER

    def test_given_fields_x_and_cf_x_when_discover_then_the_column_is_cf_xs_and_one_warning_names_x(self):
        with HttpMocker() as http_mocker:
            serve_fields(
                http_mocker,
                contacts=FreshdeskResponseBuilder.records(
                    [custom_field("region", "custom_text"), custom_field("cf_region", "custom_dropdown"), custom_field("seats", "custom_number")]
                ).build(),
            )

            output = discover_streams(COLUMNS_ON.build())

        assert added_properties(output, "contacts") == {
            "cf_region": column("cf_region", STRING),
            "cf_seats": column("seats", INTEGER),
        }
        assert sorted(custom_fields_schema(output, "contacts")["properties"]) == ["cf_region", "region", "seats"]
        assert log_messages(output, Level.WARN) == [
            "Stream 'contacts': custom field 'region' is not added as column 'cf_region', which is custom field "
            "'cf_region'; its value is in `custom_fields` only."
        ]

    def test_given_the_option_when_read_then_each_column_holds_the_typed_value_and_custom_fields_is_kept(self):
        fields = [
            custom_field("department", "custom_text"),
            custom_field("seats", "custom_number"),
            custom_field("budget", "custom_decimal"),
            custom_field("vip", "custom_checkbox"),
            custom_field("since", "custom_date"),
            custom_field("callback_at", "custom_date_time"),
            custom_field("products", "custom_multi_select_dropdown"),
            custom_field("cf_tier", "custom_dropdown"),
        ]
        sent = {
            "department": "Sales", "seats": "42", "budget": "49.90", "vip": "true", "since": "2024-01-31",
            "callback_at": "2024-01-31T10:30:00+05:30", "products": ["Widget", "Gadget"], "cf_tier": "Gold",
        }
        typed = {
            "department": "Sales", "seats": 42, "budget": 49.9, "vip": True, "since": "2024-01-31",
            "callback_at": "2024-01-31T05:00:00Z", "products": ["Widget", "Gadget"], "cf_tier": "Gold",
        }
        with HttpMocker() as http_mocker:
            http_mocker.get(fields_request("contacts"), FreshdeskResponseBuilder.records(fields).build())
            http_mocker.get(
                FreshdeskRequestBuilder.contacts().build(),
                FreshdeskResponseBuilder.records(
                    [a_record("contacts", id=1, custom_fields=sent), a_record("contacts", id=2, custom_fields={"seats": "7"})]
                ).build(),
            )
            mock_empty_contact_lists(http_mocker)

            output = read_streams(COLUMNS_ON.build(), "contacts")

            http_mocker.assert_number_of_calls(fields_request("contacts"), 1)
        first, second = (record.record.data for record in output.records)
        assert first["custom_fields"] == typed
        assert {key: first[key] for key in first if key.startswith("cf_")} == {
            "cf_department": "Sales", "cf_seats": 42, "cf_budget": 49.9, "cf_vip": True, "cf_since": "2024-01-31",
            "cf_callback_at": "2024-01-31T05:00:00Z", "cf_products": ["Widget", "Gadget"], "cf_tier": "Gold",
        }
        assert {key: second[key] for key in second if key.startswith("cf_")} == {"cf_seats": 7}
        assert second["custom_fields"] == {"seats": 7}
        assert log_messages(output, Level.WARN) == []

    def test_given_the_option_off_when_read_then_records_carry_custom_fields_only(self):
        with HttpMocker() as http_mocker:
            http_mocker.get(fields_request("contacts"), FreshdeskResponseBuilder.records([custom_field("seats", "custom_number")]).build())
            http_mocker.get(
                FreshdeskRequestBuilder.contacts().build(),
                FreshdeskResponseBuilder.records([a_record("contacts", id=1, custom_fields={"seats": "3"})]).build(),
            )
            mock_empty_contact_lists(http_mocker)

            output = read_streams(ConfigBuilder().build(), "contacts")

        [record] = [r.record.data for r in output.records]
        assert [key for key in record if key.startswith("cf_")] == []
        assert record["custom_fields"] == {"seats": 3}

    def test_given_the_option_and_unreadable_fields_when_read_then_no_column_is_added_with_one_warning(self):
        with HttpMocker() as http_mocker:
            http_mocker.get(fields_request("contacts"), error_response(403, "error_403_access_denied"))
            http_mocker.get(
                FreshdeskRequestBuilder.contacts().build(),
                FreshdeskResponseBuilder.records([a_record("contacts", id=1, custom_fields={"seats": "42"})]).build(),
            )
            mock_empty_contact_lists(http_mocker)

            output = read_streams(COLUMNS_ON.build(), "contacts")

        [record] = [r.record.data for r in output.records]
        assert [key for key in record if key.startswith("cf_")] == []
        assert record["custom_fields"] == {"seats": "42"}
        assert log_messages(output, Level.WARN) == [
            warning("contacts", 'answered 403 ("You are not authorized to perform this action.")')
            + " No custom field is added as a column."
        ]
        assert stream_statuses(output, "contacts")[-1] == "COMPLETE"
        assert error_messages(output) == []

    def test_given_the_option_and_unreadable_fields_when_discover_then_the_static_schema(self):
        with HttpMocker() as http_mocker:
            serve_fields(http_mocker, tickets=[error_response(500)] * 4)

            output = discover_streams(COLUMNS_ON.build())

        assert added_properties(output, "tickets") == {}
        assert custom_fields_schema(output, "tickets") == load_schema("tickets")["properties"]["custom_fields"]


def test_given_the_manifest_when_resolved_then_only_tickets_contacts_and_companies_type_their_custom_fields():
    """Which streams use the loader, and with which fields endpoint: nothing else pays for the lookup."""
    manifest = manifest_source(config=ConfigBuilder().build()).resolved_manifest
    loaders: Mapping[str, Any] = {stream["name"]: stream["schema_loader"] for stream in manifest["streams"]}
    custom: List[str] = sorted(name for name, loader in loaders.items() if loader["type"] == "CustomSchemaLoader")
    assert custom == ["companies", "contacts", "tickets"]
    assert {name: loaders[name]["$parameters"]["fields_path"] for name in custom} == FIELDS_ENDPOINTS
    assert {json.dumps(loaders[name]["schema_loader"]["type"]) for name in custom} == {'"JsonFileSchemaLoader"'}
    assert {name: loaders[name]["as_columns"] for name in custom} == {
        name: "{{ config.get('custom_fields_as_columns') }}" for name in custom
    }
    # The columns' transformation: on these three streams only, with the stream's own loader.
    columns = {
        stream["name"]: [t["schema_loader"]["$parameters"]["fields_path"] for t in stream.get("transformations", []) if t["type"] == "CustomTransformation"]
        for stream in manifest["streams"]
    }
    assert {name: paths for name, paths in columns.items() if paths} == {name: [path] for name, path in FIELDS_ENDPOINTS.items()}
