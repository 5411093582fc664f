"""Typed custom fields through the real command line: `discover` types them, `read` casts them, and a key
that may not read the field definitions falls back to the static schema with one warning per stream."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from integration_tests.conftest import SECRET_KEY, catalog_for, connector
from integration_tests.emulator import Emulator, Sizes

STREAMS = ["companies", "contacts", "tickets"]
FIELDS_OF = {"tickets": "ticket_fields", "contacts": "contact_fields", "companies": "company_fields"}
STRING = {"type": ["null", "string"]}
INTEGER = {"type": ["null", "integer"]}
NUMBER = {"type": ["null", "number"]}
BOOLEAN = {"type": ["null", "boolean"]}
DATE = {"type": ["null", "string"], "format": "date"}
DATE_TIME = {"type": ["null", "string"], "format": "date-time", "airbyte_type": "timestamp_with_timezone"}
STRINGS = {"type": ["null", "array"], "items": STRING}
# Every custom field of the emulated account, by stream, with the type `discover` declares for it.
CUSTOM_FIELD_TYPES = {
    "tickets": {
        "cf_order_number": STRING, "cf_units_affected": INTEGER, "cf_vip_customer": BOOLEAN,
        "cf_follow_up_date": DATE, "cf_category": STRING, "cf_refund_amount": NUMBER,
        "cf_internal_note": STRING, "cf_callback_at": DATE_TIME, "cf_region": STRING, "cf_country": STRING,
        "cf_city": STRING, "cf_order_page": STRING, "cf_callback_phone": STRING, "cf_affected_products": STRINGS,
    },
    "contacts": {
        "cf_customer_tier": STRING, "cf_newsletter": BOOLEAN, "cf_loyalty_points": INTEGER,
        "cf_member_since": DATE, "department": STRING, "backup_phone": STRING,
    },
    "companies": {
        "cf_contract_id": STRING, "cf_annual_revenue": NUMBER, "cf_seats": INTEGER, "cf_website": STRING,
        "key_account": BOOLEAN, "onboarded_on": DATE, "account_notes": STRING,
    },
}  # fmt: skip
DECIMALS = {"tickets": ["cf_refund_amount"], "companies": ["cf_annual_revenue"], "contacts": []}
ACCESS_DENIED = {"code": "access_denied", "message": "You are not authorized to perform this action."}


@pytest.fixture(scope="module")
def account() -> Emulator:
    emu = Emulator(seed=29, sizes=Sizes(tickets=30, contacts=20, companies=6), api_key=SECRET_KEY).start()
    yield emu
    emu.stop()


def custom_fields_schemas(catalog: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {
        s["name"]: s["json_schema"]["properties"]["custom_fields"]
        for s in catalog["catalog"]["streams"]
        if s["name"] in STREAMS
    }


@pytest.fixture(scope="module")
def typed(account: Emulator) -> Dict[str, Any]:
    account.log.clear()
    discovered = connector("discover", account.config(), env=account.env())
    discover_requests = account.log.by_endpoint()
    catalog = catalog_for(account, STREAMS)
    account.log.clear()
    run = connector("read", account.config(), catalog, env=account.env())
    read_requests = account.log.by_endpoint()
    return {"discover": discovered, "discover_requests": discover_requests, "run": run, "read_requests": read_requests}


@pytest.fixture(scope="module")
def restricted(account: Emulator) -> Dict[str, Any]:
    """discover and read while the three fields endpoints answer 403 (as for an agent without the privilege)."""
    catalog = catalog_for(account, STREAMS)
    account.faults.script(r"^/api/v2/(ticket|contact|company)_fields$", status=403, body=ACCESS_DENIED, times=3)
    discovered = connector("discover", account.config(), env=account.env())
    account.faults.script(r"^/api/v2/(ticket|contact|company)_fields$", status=403, body=ACCESS_DENIED, times=3)
    run = connector("read", account.config(), catalog, env=account.env())
    return {"discover": discovered, "run": run}


def cast(stream: str, values: Dict[str, Any]) -> Dict[str, Any]:
    """A record's custom field values as `read` emits them: the emulator sends dates, date-times and
    multi-selects as the schema declares them already, decimals as strings."""
    return {**values, **{name: None if values[name] is None else float(values[name]) for name in DECIMALS[stream]}}


def column_of(name: str) -> str:
    return name if name.startswith("cf_") else f"cf_{name}"


@pytest.fixture(scope="module")
def as_columns(account: Emulator) -> Dict[str, Any]:
    config = {**account.config(), "custom_fields_as_columns": True}
    discovered = connector("discover", config, env=account.env())
    run = connector("read", config, catalog_for(account, STREAMS), env=account.env())
    return {"discover": discovered, "run": run}


class TestCustomFieldsAsColumns:
    """Contract: with `custom_fields_as_columns`, `discover` also declares each custom field as a top-level
    property of its type: tickets' under their own `cf_` names, contacts' and companies' bare names with
    `cf_` in front (`department` as `cf_department`); `read` emits each value there too, cast, and
    `custom_fields` as without the option."""

    def test_given_the_option_when_discover_then_each_custom_field_is_a_typed_column(self, as_columns):
        streams = {s["name"]: s["json_schema"]["properties"] for s in as_columns["discover"].one("CATALOG")["catalog"]["streams"]}
        assert {
            stream: {key: {k: v for k, v in sub.items() if k != "description"} for key, sub in streams[stream].items() if key.startswith("cf_")}
            for stream in STREAMS
        } == {stream: {column_of(name): schema for name, schema in fields.items()} for stream, fields in CUSTOM_FIELD_TYPES.items()}
        assert streams["contacts"]["cf_department"]["description"] == "Custom field `department` (the value of `custom_fields.department`)."
        assert as_columns["discover"].logs("WARN") == []

    @pytest.mark.parametrize("stream", STREAMS)
    def test_given_the_option_when_read_then_each_column_holds_the_cast_value(self, as_columns, account, stream):
        run = as_columns["run"]
        expected = {r["id"]: cast(stream, r["custom_fields"]) for r in account.data.expected(stream)}
        # A null column is left out of the record, as every null top-level value.
        columns = {
            r["id"]: {key: value for key, value in r.items() if key.startswith("cf_")} for r in run.records[stream] if r["id"] in expected
        }
        assert columns == {
            id_: {column_of(name): value for name, value in values.items() if value is not None} for id_, values in expected.items()
        }
        assert {r["id"]: r["custom_fields"] for r in run.records[stream] if r["id"] in expected} == expected
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.logs("WARN") == []


def fallback_warning(stream: str) -> str:
    return (
        f"Stream '{stream}': custom fields are not typed because GET /api/v2/{FIELDS_OF[stream]} answered 403 "
        '("You are not authorized to perform this action."). `custom_fields` keeps its static schema, an open '
        "object whose values come out as Freshdesk sends them."
    )


class TestTypedCustomFields:
    """Contract: `discover` with a config declares every custom field of the account (GET ticket_fields,
    contact_fields, company_fields, one call each) under `custom_fields.properties` of tickets, contacts and
    companies, with its JSON type; `read` calls each fields endpoint once more and emits the values cast to
    those types (Freshdesk's decimal strings as numbers)."""

    def test_given_account_when_discover_then_custom_fields_are_listed_with_exact_types(self, typed):
        schemas = custom_fields_schemas(typed["discover"].one("CATALOG"))
        assert {stream: schema["properties"] for stream, schema in schemas.items()} == CUSTOM_FIELD_TYPES
        assert typed["discover"].logs("WARN") == []

    def test_given_no_option_when_discover_then_no_custom_field_is_a_top_level_property(self, typed):
        streams = {s["name"]: s["json_schema"]["properties"] for s in typed["discover"].one("CATALOG")["catalog"]["streams"]}
        assert {stream: sorted(set(streams[stream]) & set(CUSTOM_FIELD_TYPES[stream]) | {
            key for key in streams[stream] if key.startswith("cf_")}) for stream in STREAMS} == dict.fromkeys(STREAMS, [])

    def test_given_discover_when_requests_counted_then_one_call_per_fields_endpoint(self, typed):
        assert typed["discover_requests"] == {"ticket_fields": 1, "contact_fields": 1, "company_fields": 1}

    def test_given_read_when_requests_counted_then_one_call_per_fields_endpoint(self, typed):
        assert {name: typed["read_requests"][name] for name in FIELDS_OF.values()} == {
            "ticket_fields": 1, "contact_fields": 1, "company_fields": 1,
        }

    def test_given_decimal_sent_as_string_when_read_then_it_comes_out_a_number(self, typed, account):
        company = next(c for c in account.data.expected("companies") if c["custom_fields"]["cf_annual_revenue"])
        emitted = next(c for c in typed["run"].records["companies"] if c["id"] == company["id"])
        assert (company["id"], company["custom_fields"]["cf_annual_revenue"]) == (47000000006, "268565.29")
        assert emitted["custom_fields"]["cf_annual_revenue"] == 268565.29

    @pytest.mark.parametrize("stream", STREAMS)
    def test_given_every_record_when_read_then_its_custom_fields_are_the_accounts_values_cast(self, typed, account, stream):
        # expected() leaves out deleted and blocked contacts, deleted and spam tickets, which are read too.
        expected = {r["id"]: cast(stream, r["custom_fields"]) for r in account.data.expected(stream)}
        emitted = {r["id"]: r["custom_fields"] for r in typed["run"].records[stream] if r["id"] in expected}
        assert emitted == expected
        assert [key for r in typed["run"].records[stream] for key in r if key.startswith("cf_")] == []

    def test_given_every_ticket_when_read_then_checkboxes_are_booleans_and_decimals_floats(self, typed):
        emitted = [t["custom_fields"] for t in typed["run"].records["tickets"]]
        assert {type(v["cf_vip_customer"]) for v in emitted} == {bool}
        assert {type(v["cf_refund_amount"]) for v in emitted} == {float, type(None)}

    def test_given_read_when_done_then_exit_0_without_warning(self, typed):
        assert typed["run"].returncode == 0, typed["run"].stderr[-3000:]
        assert typed["run"].trace_errors() == []
        assert typed["run"].logs("WARN") == []


class TestFieldsNotReadable:
    """Contract: when the fields endpoints answer 403, `discover` declares the static `custom_fields` (an
    open object without properties) and logs one warning per stream naming it and Freshdesk's reason;
    `read` succeeds, with the same warnings, and emits the values as Freshdesk sent them."""

    def test_given_403_when_discover_then_static_custom_fields_and_one_warning_per_stream(self, restricted):
        run = restricted["discover"]
        assert run.returncode == 0, run.stderr[-3000:]
        for schema in custom_fields_schemas(run.one("CATALOG")).values():
            assert schema["type"] == ["null", "object"] and schema["additionalProperties"] is True
            assert "properties" not in schema
        assert sorted(run.logs("WARN")) == [fallback_warning(stream) for stream in STREAMS]
        assert run.logs("ERROR") == []

    def test_given_403_when_read_then_sync_succeeds_with_values_as_sent(self, restricted, account):
        run = restricted["run"]
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.trace_errors() == []
        assert run.stream_statuses() == dict.fromkeys(STREAMS, "COMPLETE")
        assert sorted(run.logs("WARN")) == [fallback_warning(stream) for stream in STREAMS]
        emitted = next(c for c in run.records["companies"] if c["id"] == 47000000006)
        assert emitted["custom_fields"]["cf_annual_revenue"] == "268565.29"
