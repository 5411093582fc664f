"""Contract of the stream schemas in source_freshdesk/schemas/.

Every stream has one draft-07 schema file. Sub-objects used in several places (requester, stats,
attachments, custom_fields, lists of ids or strings, ...) live once in schemas/shared/ and are referenced as
{"$ref": "<name>.json"}; the CDK's schema loader (JsonFileSchemaLoader, which the manifest's streams use)
expands those references from schemas/shared/. These tests load every schema through that loader, so they
check what the connector will actually emit in its catalog:

- exactly one schema per stream, valid draft-07 after expansion, no "$ref" left;
- top level: type object, additionalProperties true, a description naming the endpoint;
- every property at every level is nullable; every *_at / *due_by property is a date-time string;
- "id" is the integer primary key everywhere except settings and account (one object each) and ticket_activities (no id);
- child records carry their parent's id;
- hand-made records shaped like the Freshdesk API v2 reference validate (with date-time formats checked),
  declare every key they carry, and pass the CDK's type normalisation unchanged.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, List, Mapping, Tuple

import pytest
from jsonschema import Draft7Validator, FormatChecker

from airbyte_cdk.sources.declarative.schema import JsonFileSchemaLoader
from airbyte_cdk.sources.utils.transform import TransformConfig, TypeTransformer

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    # The loader imports the package "source_freshdesk" to find its files; no install needed.
    sys.path.insert(0, str(PROJECT_ROOT))

SCHEMAS_DIR = PROJECT_ROOT / "source_freshdesk" / "schemas"
SHARED_DIR = SCHEMAS_DIR / "shared"
DRAFT_07 = "http://json-schema.org/draft-07/schema#"

# stream -> the endpoint its schema's description must name
STREAM_ENDPOINTS = {
    "account": "/api/v2/account",
    "agents": "/api/v2/agents",
    "automation_rules": "/api/v2/automations/{type}/rules",
    "business_hours": "/api/v2/business_hours",
    "canned_response_folders": "/api/v2/canned_response_folders",
    "canned_responses": "/api/v2/canned_response_folders/{folder_id}/responses",
    "companies": "/api/v2/companies",
    "company_fields": "/api/v2/company_fields",
    "contact_fields": "/api/v2/contact_fields",
    "contacts": "/api/v2/contacts",
    "conversations": "/api/v2/tickets/{ticket_id}/conversations",
    "discussion_categories": "/api/v2/discussions/categories",
    "discussion_comments": "/api/v2/discussions/topics/{topic_id}/comments",
    "discussion_forums": "/api/v2/discussions/categories/{category_id}/forums",
    "discussion_topics": "/api/v2/discussions/forums/{forum_id}/topics",
    "email_configs": "/api/v2/email_configs",
    "email_mailboxes": "/api/v2/email/mailboxes",
    "groups": "/api/v2/groups",
    "products": "/api/v2/products",
    "roles": "/api/v2/roles",
    "satisfaction_ratings": "/api/v2/surveys/satisfaction_ratings",
    "scenario_automations": "/api/v2/scenario_automations",
    "settings": "/api/v2/settings/helpdesk",
    "skills": "/api/v2/skills",
    "sla_policies": "/api/v2/sla_policies",
    "solution_articles": "/api/v2/solutions/folders/{folder_id}/articles",
    "solution_categories": "/api/v2/solutions/categories",
    "solution_folders": "/api/v2/solutions/categories/{category_id}/folders",
    "surveys": "/api/v2/surveys",
    "ticket_activities": "/api/v2/export/ticket_activities",
    "ticket_field_sections": "/api/v2/admin/ticket_fields/{id}/sections",
    "ticket_fields": "/api/v2/ticket_fields",
    "ticket_forms": "/api/v2/ticket-forms",
    "tickets": "/api/v2/tickets",
    "time_entries": "/api/v2/time_entries",
}
STREAMS = sorted(STREAM_ENDPOINTS)
STREAMS_WITHOUT_ID = {"account", "settings", "ticket_activities"}

NULLABLE_INTEGER = {"type": ["null", "integer"]}


# ----------------------------------------------------------------------------------------------- helpers
@lru_cache(maxsize=None)
def _load_frozen(stream: str) -> str:
    loader = JsonFileSchemaLoader(
        config={},
        parameters={"name": stream},
        file_path="./source_freshdesk/schemas/{{ parameters['name'] }}.json",
    )
    return json.dumps(loader.get_json_schema())


def load_schema(stream: str) -> dict:
    """The stream's schema as the CDK loads it (shared $refs expanded); a fresh copy per call."""
    return json.loads(_load_frozen(stream))


def raw_schema(path: Path) -> dict:
    return json.loads(path.read_text())


def iter_subschemas(schema: Mapping[str, Any], path: str = "") -> Iterator[Tuple[str, str, Mapping[str, Any]]]:
    """Yield (path, property name or "", schema) for every nested property, array item and typed map value."""
    for name, sub in schema.get("properties", {}).items():
        yield f"{path}.{name}", name, sub
        yield from iter_subschemas(sub, f"{path}.{name}")
    items = schema.get("items")
    if isinstance(items, dict):
        yield f"{path}[]", "", items
        yield from iter_subschemas(items, f"{path}[]")
    additional = schema.get("additionalProperties")
    if isinstance(additional, dict):
        yield f"{path}.*", "", additional
        yield from iter_subschemas(additional, f"{path}.*")


def iter_refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from iter_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from iter_refs(value)


def is_timestamp_name(name: str) -> bool:
    return name.endswith("_at") or name == "due_by" or name.endswith("_due_by")


def undeclared_keys(record: Any, schema: Mapping[str, Any], path: str = "") -> Iterator[str]:
    """Keys of the record that the schema does not name (free-form maps such as custom_fields are skipped)."""
    if isinstance(record, dict) and "properties" in schema:
        for key, value in record.items():
            if key not in schema["properties"]:
                yield f"{path}{key}"
            else:
                yield from undeclared_keys(value, schema["properties"][key], f"{path}{key}.")
    elif isinstance(record, dict) and isinstance(schema.get("additionalProperties"), dict):
        for key, value in record.items():
            yield from undeclared_keys(value, schema["additionalProperties"], f"{path}{key}.")
    elif isinstance(record, list) and isinstance(schema.get("items"), dict):
        for index, value in enumerate(record):
            yield from undeclared_keys(value, schema["items"], f"{path}{index}.")


# jsonschema only checks "date-time" when an optional RFC 3339 package is installed; check it here instead.
FORMAT_CHECKER = FormatChecker(formats=())
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_rfc3339(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        raise ValueError(f"{value!r} is not an RFC 3339 timestamp")
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def validation_errors(stream: str, record: Mapping[str, Any]) -> List[str]:
    validator = Draft7Validator(load_schema(stream), format_checker=FORMAT_CHECKER)
    errors = validator.iter_errors(record)
    return sorted(f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in errors)


# ----------------------------------------------------------------------------------------------- sample records
# Shaped like the examples of the Freshdesk API v2 reference (ids in the long 43000xxxxxx form of real accounts).
ATTACHMENTS_URL = "https://s3.amazonaws.com/cdn.freshdesk.com/data/helpdesk/attachments/production"
TICKET = {
    "id": 385660,
    "subject": "Refund for order #8841 not received",
    "description": "<div>Hello, I returned order #8841 two weeks ago and have not had the refund yet.</div>",
    "description_text": "Hello, I returned order #8841 two weeks ago and have not had the refund yet.",
    "structured_description": None,
    "status": 5,
    "priority": 2,
    "source": 1,
    "type": "Refund",
    "requester_id": 43256742939,
    "responder_id": 43028290928,
    "company_id": 43000596607,
    "group_id": 43000623702,
    "product_id": None,
    "email_config_id": 43000134781,
    "form_id": 43000012345,
    "internal_agent_id": None,
    "internal_group_id": None,
    "support_email": "support@acme.freshdesk.com",
    "tags": ["refund", "billing"],
    "cc_emails": ["accounts@example.com"],
    "fwd_emails": [],
    "reply_cc_emails": ["accounts@example.com"],
    "ticket_cc_emails": ["accounts@example.com"],
    "ticket_bcc_emails": [],
    "to_emails": ["support@acme.com"],
    "fr_escalated": False,
    "nr_escalated": False,
    "is_escalated": False,
    "spam": False,
    "deleted": False,
    "due_by": "2025-06-11T23:00:00Z",
    "fr_due_by": "2025-06-05T23:00:00Z",
    "nr_due_by": None,
    "association_type": None,
    "associated_tickets_count": None,
    "associated_tickets_list": None,
    "source_additional_info": None,
    "custom_fields": {
        "cf_order_number": "8841",
        "cf_refund_amount": 49.9,
        "cf_seats": 3,
        "cf_vip_customer": True,
        "cf_store_id": None,
    },
    "attachments": [
        {
            "id": 43012345678,
            "name": "receipt.png",
            "content_type": "image/png",
            "size": 48213,
            "attachment_url": f"{ATTACHMENTS_URL}/43012345678/original/receipt.png?X-Amz-Expires=300",
            "thumb_url": None,
            "created_at": "2025-06-05T13:47:55Z",
            "updated_at": "2025-06-05T13:47:56Z",
        }
    ],
    "requester": {
        "id": 43256742939,
        "name": "Anna Brown",
        "email": "anna.brown@example.com",
        "mobile": None,
        "phone": "+44 131 496 0000",
    },
    "stats": {
        "agent_responded_at": "2025-06-05T13:48:16Z",
        "requester_responded_at": None,
        "first_responded_at": "2025-06-05T13:48:07Z",
        "status_updated_at": "2025-06-08T14:20:23Z",
        "reopened_at": None,
        "resolved_at": "2025-06-08T14:20:23Z",
        "closed_at": "2025-06-08T14:20:23Z",
        "pending_since": None,
    },
    "created_at": "2025-06-05T13:47:56Z",
    "updated_at": "2025-06-08T14:20:23Z",
}

CONVERSATION = {
    "id": 43254900123,
    "ticket_id": 385660,
    "user_id": 43028290928,
    "body": "<div>Hi Anna, the refund was issued today and should reach you within 5 days.</div>",
    "body_text": "Hi Anna, the refund was issued today and should reach you within 5 days.",
    "incoming": False,
    "private": False,
    "source": 0,
    "category": 3,
    "support_email": "support@acme.freshdesk.com",
    "from_email": "Acme Support <support@acme.freshdesk.com>",
    "to_emails": ["anna.brown@example.com"],
    "cc_emails": ["accounts@example.com"],
    "bcc_emails": [],
    "email_failure_count": None,
    "outgoing_failures": None,
    "last_edited_at": None,
    "last_edited_user_id": None,
    "source_additional_info": None,
    "attachments": [],
    "created_at": "2025-06-05T13:48:16Z",
    "updated_at": "2025-06-05T13:48:16Z",
}

CONTACT = {
    "id": 43256742939,
    "name": "Anna Brown",
    "first_name": "Anna",
    "last_name": "Brown",
    "email": "anna.brown@example.com",
    "other_emails": ["anna@brownfamily.example"],
    "phone": "+44 131 496 0000",
    "mobile": None,
    "other_phone_numbers": [],
    "address": "12 Harbour Road, Leith",
    "description": None,
    "job_title": "Office manager",
    "language": "en",
    "time_zone": "Edinburgh",
    "company_id": 43000596607,
    "view_all_tickets": False,
    "other_companies": [{"company_id": 43000596608, "view_all_tickets": True}],
    "active": True,
    "deleted": False,
    "twitter_id": None,
    "facebook_id": None,
    "unique_external_id": "crm-000812",
    "csat_rating": 103,
    "preferred_source": "email",
    "avatar": {
        "id": 43099887766,
        "name": "anna.jpg",
        "content_type": "image/jpeg",
        "size": 10240,
        "avatar_url": f"{ATTACHMENTS_URL}/43099887766/original/anna.jpg",
        "created_at": "2024-02-01T09:12:00Z",
        "updated_at": "2024-02-01T09:12:00Z",
    },
    "tags": ["vip"],
    "custom_fields": {"cf_customer_since": "2019-03-01", "cf_loyalty_points": 1200, "cf_newsletter": False},
    "created_at": "2019-03-01T10:00:00Z",
    "updated_at": "2025-06-05T13:47:56Z",
}

COMPANY = {
    "id": 43000596607,
    "name": "Acme Retail Ltd",
    "description": "Online retailer of outdoor gear",
    "note": "Escalate billing issues to the account manager",
    "domains": ["acme.com", "acme.co.uk"],
    "health_score": "Happy",
    "account_tier": "Premium",
    "renewal_date": "2026-01-31",
    "industry": "Retail",
    "custom_fields": {"cf_region": "EMEA", "cf_seats": 40, "cf_enterprise": True, "cf_churn_risk": None},
    "created_at": "2018-11-20T08:30:00Z",
    "updated_at": "2025-05-30T16:02:11Z",
}

SATISFACTION_RATING = {
    "id": 43006810853,
    "survey_id": 43000089898,
    "ticket_id": 385660,
    "user_id": 43256742939,
    "agent_id": 43028290928,
    "group_id": 43000623702,
    "feedback": "Quick and friendly, thank you.",
    "ratings": {"default_question": 103, "question_43000112233": 102},
    "created_at": "2025-06-08T16:20:30Z",
    "updated_at": "2025-06-08T16:20:30Z",
}

TIME_ENTRY = {
    "id": 43000998877,
    "ticket_id": 385660,
    "agent_id": 43028290928,
    "company_id": 43000596607,
    "billable": True,
    "note": "Checked the payment gateway logs",
    "timer_running": False,
    "time_spent": "01:30",
    "executed_at": "2025-06-06T10:00:00Z",
    "start_time": "2025-06-06T08:30:00Z",
    "created_at": "2025-06-06T10:01:12Z",
    "updated_at": "2025-06-06T10:01:12Z",
}

SLA_POLICY = {
    "id": 43000088326,
    "name": "Premium customers",
    "description": "Faster targets for premium accounts",
    "active": True,
    "is_default": False,
    "position": 2,
    "sla_target": {
        "priority_4": {
            "respond_within": 900,
            "resolve_within": 3600,
            "business_hours": False,
            "escalation_enabled": True,
        },
        "priority_1": {
            "respond_within": 86400,
            "resolve_within": 259200,
            "business_hours": True,
            "escalation_enabled": False,
        },
    },
    "applicable_to": {"company_ids": [43000596607], "sources": [1, 2], "ticket_types": ["Refund"]},
    "escalation": {
        "response": {"escalation_time": 1800, "agent_ids": [-1]},
        "resolution": {"level_1": {"escalation_time": 0, "agent_ids": [43028290928]}},
    },
    "created_at": "2020-01-15T09:00:00Z",
    "updated_at": "2024-10-02T12:45:00Z",
}

SKILL = {
    "id": 1,
    "name": "German travel experts",
    "rank": 1,
    "match_type": "all",
    "agents": [{"id": 43028290928}],
    "conditions": [
        {"resource_type": "contact", "field_name": "language", "operator": "in", "value": ["de"]},
        {
            "resource_type": "ticket",
            "field_name": "cf_issue_type",
            "operator": "is",
            "value": "Booking",
            "nested_fields": {"level2": {"field_name": "cf_issue_detail", "value": "Itinerary change"}},
        },
    ],
    "created_at": "2019-11-20T07:18:57Z",
    "updated_at": "2019-12-18T13:06:29Z",
}

SOLUTION_ARTICLE = {
    "id": 43000555001,
    "folder_id": 43000222004,
    "category_id": 43000111003,
    "agent_id": 43028290928,
    "title": "How refunds work",
    "description": "<p>Refunds are issued within <b>5 days</b>.</p>",
    "description_text": "Refunds are issued within 5 days.",
    "status": 2,
    "type": 1,
    "thumbs_up": 12,
    "thumbs_down": 1,
    "hits": 340,
    "tags": ["refund"],
    "seo_data": {"meta_title": "Refunds", "meta_description": None, "meta_keywords": "refund, returns"},
    "hierarchy": [
        {"level": 0, "type": "category", "data": {"id": 43000111003, "name": "Billing", "language": "en"}},
        {"level": 1, "type": "folder", "data": {"id": 43000222004, "name": "Refunds", "language": "en"}},
    ],
    "created_at": "2023-04-01T08:00:00Z",
    "updated_at": "2025-01-10T11:30:00Z",
}

BUSINESS_HOURS = {
    "id": 43000012001,
    "name": "UK office",
    "description": "Weekdays",
    "is_default": True,
    "time_zone": "London",
    "business_hours": {
        "monday": {"start_time": "8:00 am", "end_time": "5:00 pm"},
        "friday": {"start_time": "8:00 am", "end_time": "3:00 pm"},
    },
    "created_at": "2018-11-20T08:30:00Z",
    "updated_at": "2023-02-14T10:00:00Z",
}

# A ticket_activities record as the connector emits it: an entry of the export's activities_data, its
# performed_at ("01-06-2025 11:02:51 +0000" in the file) in UTC.
TICKET_ACTIVITY = {
    "performed_at": "2025-06-01T11:02:51Z",
    "ticket_id": 704,
    "performer_type": "user",
    "performer_id": 43005512390,
    "activity": {"status": "Resolved", "note": {"id": 43112208131, "type": 2}, "added_tags": ["billing"]},
}

SAMPLE_RECORDS = {
    "tickets": TICKET,
    "ticket_activities": TICKET_ACTIVITY,
    "conversations": CONVERSATION,
    "contacts": CONTACT,
    "companies": COMPANY,
    "satisfaction_ratings": SATISFACTION_RATING,
    "time_entries": TIME_ENTRY,
    "sla_policies": SLA_POLICY,
    "skills": SKILL,
    "solution_articles": SOLUTION_ARTICLE,
    "business_hours": BUSINESS_HOURS,
}


# ----------------------------------------------------------------------------------------------- files and $refs
class TestSchemaFiles:
    """One file per stream; shared sub-objects are referenced, exist, are all used, and the CDK expands them."""

    def test_given_schemas_directory_when_listing_then_exactly_one_file_per_stream(self):
        assert sorted(path.stem for path in SCHEMAS_DIR.glob("*.json")) == STREAMS

    def test_given_stream_and_shared_files_when_collecting_refs_then_every_ref_names_an_existing_shared_file(self):
        files = list(SCHEMAS_DIR.glob("*.json")) + list(SHARED_DIR.glob("*.json"))
        refs = {ref for path in files for ref in iter_refs(raw_schema(path))}
        shared = {path.name for path in SHARED_DIR.glob("*.json")}
        assert refs == shared  # no dangling reference, no unused shared file

    def test_given_raw_tickets_schema_when_read_then_its_sub_objects_are_refs_to_shared_files(self):
        properties = raw_schema(SCHEMAS_DIR / "tickets.json")["properties"]
        assert properties["requester"] == {"$ref": "requester.json"}
        assert properties["stats"] == {"$ref": "ticket_stats.json"}
        assert properties["attachments"] == {"$ref": "attachments.json"}
        assert properties["custom_fields"] == {"$ref": "custom_fields.json"}

    @pytest.mark.parametrize("stream", STREAMS)
    def test_given_stream_when_loaded_by_cdk_then_no_ref_is_left(self, stream):
        assert list(iter_refs(load_schema(stream))) == []

    def test_given_tickets_when_loaded_by_cdk_then_shared_sub_objects_are_expanded(self):
        properties = load_schema("tickets")["properties"]
        assert list(properties["requester"]["properties"]) == ["id", "name", "email", "mobile", "phone"]
        assert list(properties["stats"]["properties"]) == [
            "agent_responded_at",
            "requester_responded_at",
            "first_responded_at",
            "status_updated_at",
            "reopened_at",
            "resolved_at",
            "closed_at",
            "pending_since",
        ]
        assert properties["attachments"]["type"] == ["null", "array"]
        assert properties["attachments"]["items"]["properties"]["attachment_url"]["type"] == ["null", "string"]
        assert properties["cc_emails"] == raw_schema(SHARED_DIR / "string_array.json")

    def test_given_sla_policies_when_loaded_by_cdk_then_refs_inside_shared_files_are_expanded_too(self):
        escalation = load_schema("sla_policies")["properties"]["escalation"]["properties"]
        rule = escalation["resolution"]["additionalProperties"]
        assert rule["properties"]["agent_ids"] == raw_schema(SHARED_DIR / "integer_array.json")
        assert escalation["response"] == rule


# ----------------------------------------------------------------------------------------------- shape rules
class TestSchemaRules:
    """Draft-07, open at the top level, described, nullable everywhere, timestamps typed as date-time."""

    @pytest.mark.parametrize("stream", STREAMS)
    def test_given_stream_when_loaded_then_it_is_a_valid_draft7_schema(self, stream):
        schema = load_schema(stream)
        Draft7Validator.check_schema(schema)
        assert schema["$schema"] == DRAFT_07

    @pytest.mark.parametrize("stream", STREAMS)
    def test_given_stream_when_loaded_then_top_level_is_an_open_object_described_by_its_endpoint(self, stream):
        schema = load_schema(stream)
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is True
        assert STREAM_ENDPOINTS[stream] in schema["description"]

    @pytest.mark.parametrize("stream", STREAMS)
    def test_given_stream_when_walking_every_level_then_every_property_is_nullable(self, stream):
        not_nullable = [
            path
            for path, _, sub in iter_subschemas(load_schema(stream))
            if not (isinstance(sub.get("type"), list) and "null" in sub["type"])
        ]
        assert not_nullable == []

    @pytest.mark.parametrize("stream", STREAMS)
    def test_given_stream_when_walking_every_level_then_timestamps_are_nullable_date_time_strings(self, stream):
        wrong = [
            path
            for path, name, sub in iter_subschemas(load_schema(stream))
            if (is_timestamp_name(name) or sub.get("format") == "date-time")
            and sub != {"type": ["null", "string"], "format": "date-time", "airbyte_type": "timestamp_with_timezone"}
        ]
        assert wrong == []

    def test_given_every_stream_when_listing_dates_then_only_the_companies_renewal_date_is_one(self):
        dates = [
            (stream, path, sub)
            for stream in STREAMS
            for path, name, sub in iter_subschemas(load_schema(stream))
            if name.endswith("_date") or sub.get("format") == "date"
        ]
        assert dates == [
            (
                "companies",
                ".renewal_date",
                {"type": ["null", "string"], "format": "date", "description": "Contract renewal date as entered on the company (YYYY-MM-DD)."},
            )
        ]

    @pytest.mark.parametrize("stream", STREAMS)
    def test_given_stream_when_loaded_then_no_enum_or_required_list_constrains_records(self, stream):
        text = json.dumps(load_schema(stream))
        assert '"enum"' not in text
        assert '"required"' not in text

    def test_given_tickets_when_listing_date_time_fields_then_they_are_exactly_the_ticket_timestamps(self):
        subschemas = iter_subschemas(load_schema("tickets"))
        date_times = {path for path, _, sub in subschemas if sub.get("format") == "date-time"}
        assert date_times == {
            ".due_by",
            ".fr_due_by",
            ".nr_due_by",
            ".created_at",
            ".updated_at",
            ".attachments[].created_at",
            ".attachments[].updated_at",
            ".stats.agent_responded_at",
            ".stats.requester_responded_at",
            ".stats.first_responded_at",
            ".stats.status_updated_at",
            ".stats.reopened_at",
            ".stats.resolved_at",
            ".stats.closed_at",
            ".stats.pending_since",
        }


# ----------------------------------------------------------------------------------------------- keys and fields
class TestKeysAndFields:
    """Primary keys, parent ids, free-form custom fields, and the fields the API is known to return."""

    @pytest.mark.parametrize("stream", sorted(set(STREAMS) - STREAMS_WITHOUT_ID))
    def test_given_stream_with_records_keyed_by_id_when_loaded_then_id_is_a_nullable_integer(self, stream):
        assert load_schema(stream)["properties"]["id"] == NULLABLE_INTEGER

    @pytest.mark.parametrize("stream", sorted(STREAMS_WITHOUT_ID))
    def test_given_settings_account_or_ticket_activities_when_loaded_then_there_is_no_id(self, stream):
        assert "id" not in load_schema(stream)["properties"]

    @pytest.mark.parametrize(
        "stream, parent_field",
        [
            ("conversations", "ticket_id"),
            ("time_entries", "ticket_id"),
            ("satisfaction_ratings", "ticket_id"),
            ("ticket_activities", "ticket_id"),
            ("canned_responses", "folder_id"),
            ("discussion_forums", "forum_category_id"),
            ("discussion_topics", "forum_id"),
            ("discussion_comments", "topic_id"),
            ("solution_folders", "category_id"),
            ("solution_articles", "folder_id"),
            ("solution_articles", "category_id"),
        ],
    )
    def test_given_child_stream_when_loaded_then_it_carries_its_parent_id(self, stream, parent_field):
        parent = load_schema(stream)["properties"][parent_field]
        assert parent["type"] == ["null", "integer"]

    @pytest.mark.parametrize("stream", ["tickets", "contacts", "companies"])
    def test_given_stream_with_custom_fields_when_loaded_then_custom_fields_is_an_untyped_open_object(self, stream):
        custom_fields = load_schema(stream)["properties"]["custom_fields"]
        assert custom_fields["type"] == ["null", "object"]
        assert custom_fields["additionalProperties"] is True
        assert "properties" not in custom_fields

    def test_given_tickets_when_loaded_then_every_documented_ticket_field_is_declared(self):
        documented = {
            "id", "subject", "description", "description_text", "status", "priority", "source", "type",
            "requester_id", "responder_id", "company_id", "group_id", "product_id", "email_config_id", "tags",
            "cc_emails", "fwd_emails", "reply_cc_emails", "ticket_cc_emails", "to_emails", "fr_escalated", "spam",
            "deleted", "is_escalated", "due_by", "fr_due_by", "nr_due_by", "nr_escalated", "created_at",
            "updated_at", "custom_fields", "requester", "stats", "attachments", "association_type",
            "source_additional_info", "structured_description", "form_id", "support_email",
        }  # fmt: skip
        assert documented - set(load_schema("tickets")["properties"]) == set()

    def test_given_settings_when_loaded_then_it_declares_the_helpdesk_language_settings(self):
        properties = load_schema("settings")["properties"]
        assert sorted(properties) == [
            "help_widget_languages",
            "portal_languages",
            "primary_language",
            "supported_languages",
        ]
        assert properties["primary_language"] == {"type": ["null", "string"]}
        assert properties["supported_languages"]["items"] == {"type": ["null", "string"]}

    def test_given_ticket_activities_when_loaded_then_activity_is_an_open_object_beside_its_performer(self):
        schema = load_schema("ticket_activities")
        assert sorted(schema["properties"]) == [
            "activity",
            "performed_at",
            "performer_id",
            "performer_type",
            "ticket_id",
        ]
        assert schema["properties"]["activity"]["type"] == ["null", "object"]
        assert schema["properties"]["activity"]["additionalProperties"] is True
        assert schema["properties"]["performer_id"] == NULLABLE_INTEGER


# ----------------------------------------------------------------------------------------------- sample records
class TestSampleRecords:
    """Records shaped like the API's answers validate, are fully declared, and survive CDK normalisation as-is."""

    @pytest.mark.parametrize("stream", sorted(SAMPLE_RECORDS))
    def test_given_realistic_record_when_validated_then_there_is_no_error(self, stream):
        assert validation_errors(stream, SAMPLE_RECORDS[stream]) == []

    @pytest.mark.parametrize("stream", sorted(SAMPLE_RECORDS))
    def test_given_realistic_record_when_compared_to_schema_then_every_key_is_declared(self, stream):
        assert list(undeclared_keys(SAMPLE_RECORDS[stream], load_schema(stream))) == []

    @pytest.mark.parametrize("stream", sorted(SAMPLE_RECORDS))
    def test_given_realistic_record_when_normalised_by_cdk_then_it_is_unchanged(self, stream):
        record = copy.deepcopy(SAMPLE_RECORDS[stream])
        TypeTransformer(TransformConfig.DefaultSchemaNormalization).transform(record, load_schema(stream))
        assert record == SAMPLE_RECORDS[stream]

    def test_given_ticket_with_a_field_unknown_to_the_schema_when_validated_then_it_is_accepted(self):
        record = {**TICKET, "sentiment_score": 42, "custom_fields": {"cf_new_dropdown": "Gold"}}
        assert validation_errors("tickets", record) == []

    def test_given_ticket_with_all_values_null_when_validated_then_it_is_accepted(self):
        record = {key: None for key in load_schema("tickets")["properties"]}
        assert validation_errors("tickets", record) == []

    def test_given_ticket_with_wrong_types_when_validated_then_each_error_is_reported(self):
        record = {
            **TICKET,
            "id": "385660",
            "updated_at": "08/06/2025 14:20",
            "requester": {**TICKET["requester"], "id": "43256742939"},
            "stats": {**TICKET["stats"], "closed_at": "2025-06-08"},
        }
        assert validation_errors("tickets", record) == [
            "id: '385660' is not of type 'null', 'integer'",
            "requester/id: '43256742939' is not of type 'null', 'integer'",
            "stats/closed_at: '2025-06-08' is not a 'date-time'",
            "updated_at: '08/06/2025 14:20' is not a 'date-time'",
        ]
