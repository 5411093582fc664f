"""FreshdeskSchemaNormalization against the CDK's TypeTransformer it replaces.

Contract: for every stream's schema (and the typed custom fields' schema), any record comes out of
FreshdeskSchemaNormalization exactly as it comes out of the CDK's default normalization with
`cast_format` as its custom normalization (dates as YYYY-MM-DD, date-times in ISO 8601 UTC), with the
same warnings. The records are the Freshdesk-shaped samples of test_schemas.py, and seeded random records that
put values of every JSON type (numbers as strings, booleans as strings, objects where strings belong,
scalars where lists belong, ...) under every property the schemas declare, at every depth.
"""

from __future__ import annotations

import copy
import logging
import random
from typing import Any, Dict, List, Mapping, Tuple

import pytest

from airbyte_cdk.sources.utils.transform import TransformConfig, TypeTransformer
from source_freshdesk.components import FreshdeskSchemaNormalization, cast_format, custom_field_properties
from test_schemas import SAMPLE_RECORDS, STREAMS, load_schema

RECORDS_PER_STREAM = 300

# Values a record may carry where the schema declares each type, the wrong ones included.
VALUES: List[Any] = [
    None, "", "42", "-7", "4.5", "1e3", "abc", "true", "False", "yes", "0", " 1 ", 42, 0, -3, 4.5, 2.0, True, False,
    [], [1, "a"], ["x"], {}, {"a": 1}, {"nested": {"b": "2"}},
    "2024-01-31", "2024-01-31T10:30:00Z", "2024-01-31T10:30:00+05:30", "2024-01-31 10:30", "2024-02-30", "31-01-2024",
]


def value_for(schema: Mapping[str, Any], rng: random.Random, depth: int = 0) -> Any:
    """A value for `schema`: most often one shaped by it (so that deeper levels are reached), else any."""
    if depth < 4 and rng.random() < 0.6:
        if "properties" in schema:
            return record_for(schema, rng, depth + 1)
        if "items" in schema:
            return [value_for(schema["items"], rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return copy.deepcopy(rng.choice(VALUES))


def record_for(schema: Mapping[str, Any], rng: random.Random, depth: int = 0) -> Dict[str, Any]:
    record = {key: value_for(sub, rng, depth) for key, sub in schema.get("properties", {}).items() if rng.random() < 0.8}
    if rng.random() < 0.2:
        record["undeclared"] = copy.deepcopy(rng.choice(VALUES))
    return record


def typed_tickets_schema() -> Dict[str, Any]:
    """The tickets schema with typed custom fields, as FreshdeskCustomFieldsSchemaLoader builds it."""
    schema = load_schema("tickets")
    fields = [
        {"name": f"cf_{kind}", "type": f"custom_{kind}"}
        for kind in ("text", "number", "decimal", "checkbox", "multi_select_dropdown", "date", "date_time", "unknown_kind")
    ]
    schema["properties"]["custom_fields"]["properties"] = custom_field_properties(fields)
    return schema


def cdk_normalization() -> TypeTransformer:
    """The CDK's own walk: its default casts, then `cast_format`."""
    transformer = TypeTransformer(TransformConfig.DefaultSchemaNormalization | TransformConfig.CustomSchemaNormalization)
    transformer.registerCustomTransform(cast_format)
    return transformer


SCHEMAS: Dict[str, Any] = {stream: load_schema(stream) for stream in STREAMS}
SCHEMAS["tickets with typed custom fields"] = typed_tickets_schema()


def normalise(transformer: TypeTransformer, record: Dict[str, Any], schema: Mapping[str, Any], caplog: Any) -> Tuple[Any, List[str]]:
    caplog.clear()
    copied = copy.deepcopy(record)
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        transformer.transform(copied, schema)
    return copied, sorted(r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_given_any_record_when_normalised_then_records_and_warnings_equal_the_cdk_ones(name, caplog):
    schema = SCHEMAS[name]
    rng = random.Random(name)
    records = [record_for(schema, rng) for _ in range(RECORDS_PER_STREAM)]
    sample = SAMPLE_RECORDS.get(name.split(" ")[0])
    if sample is not None:
        records.append(copy.deepcopy(sample))
    ours, cdk = FreshdeskSchemaNormalization(), cdk_normalization()

    differences = []
    for record in records:
        expected = normalise(cdk, record, schema, caplog)
        if normalise(ours, record, schema, caplog) != expected:
            differences.append(record)

    assert differences == []


def test_given_values_of_the_wrong_type_when_normalised_then_they_are_cast_and_the_rest_warned(caplog):
    schema = SCHEMAS["tickets with typed custom fields"]
    record = {
        "id": "385660",
        "spam": "false",
        "tags": "refund",
        "custom_fields": {
            "cf_number": "12", "cf_decimal": "49.90", "cf_checkbox": "yes", "cf_multi_select_dropdown": ["a"],
            "cf_date": "2024-01-31T00:00:00+05:30", "cf_date_time": "2024-01-31T10:30:00+05:30",
        },
        "priority": "high",
        "due_by": "2024-01-31 10:30:00",
    }

    normalised, warnings = normalise(FreshdeskSchemaNormalization(), record, schema, caplog)

    assert normalised == {
        "id": 385660,
        "spam": False,
        "tags": ["refund"],
        "custom_fields": {
            "cf_number": 12, "cf_decimal": 49.9, "cf_checkbox": True, "cf_multi_select_dropdown": ["a"],
            "cf_date": "2024-01-31", "cf_date_time": "2024-01-31T05:00:00Z",
        },
        "priority": "high",
        "due_by": "2024-01-31T10:30:00Z",
    }
    assert warnings == ["Failed to transform value from type 'string' to type '['null', 'integer']' at path: 'priority'"]


def test_given_a_schema_with_a_ref_left_when_normalised_then_the_cdk_walk_does_it():
    # Only the CDK's walk follows a `$ref` (ours stops there): the referenced properties are still cast.
    schema = {
        "type": "object",
        "definitions": {
            "stats": {
                "type": "object",
                "properties": {"n": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}},
            }
        },
        "properties": {"stats": {"$ref": "#/definitions/stats"}},
    }
    record = {"stats": {"n": "5", "at": "2024-01-31T10:30:00-02:00"}}

    FreshdeskSchemaNormalization().transform(record, schema)

    assert record == {"stats": {"n": 5, "at": "2024-01-31T12:30:00Z"}}
