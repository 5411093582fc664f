"""The connector's config: its spec, how it is normalised, and the fields of older Freshdesk connectors."""

from __future__ import annotations

import json
import logging
from typing import Any, Dict

import jsonschema
import pytest
import requests_mock
from airbyte_cdk.models import Status, Type
from airbyte_cdk.test.mock_http import HttpMocker
from jsonschema import Draft7Validator

from config_builder import ConfigBuilder
from request_builder import FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, a_record, fixture, ids
from source_runner import read_streams, record_ids, run_entrypoint

from unit_tests.source_runner import manifest_source


def _spec() -> Dict[str, Any]:
    return manifest_source().spec(logging.getLogger("airbyte")).connectionSpecification


def _normalised(config: Dict[str, Any], tmp_path) -> Dict[str, Any]:
    """The config the streams see: migrated and transformed by the manifest's config_normalization_rules."""
    return dict(manifest_source(config=config).configure(config, str(tmp_path)))


class TestSpec:
    """The spec is draft-07; api_key and domain are required and the key is a secret; configs of other
    Freshdesk connectors (extra fields) are not rejected; values are checked (start_date format, plan
    names, num_workers range)."""

    def test_given_spec_when_checked_then_it_is_a_valid_draft_07_schema(self):
        spec = _spec()

        Draft7Validator.check_schema(spec)
        assert spec["$schema"] == "http://json-schema.org/draft-07/schema#"

    def test_given_spec_then_api_key_and_domain_are_required_and_the_key_is_secret(self):
        spec = _spec()

        assert spec["required"] == ["api_key", "domain"]
        assert spec["properties"]["api_key"]["airbyte_secret"] is True
        assert sorted(spec["properties"]) == [
            "api_key",
            "custom_fields_as_columns",
            "domain",
            "lookback_window_in_days",
            "num_workers",
            "plan",
            "requests_per_minute",
            "start_date",
        ]

    def test_given_spec_then_custom_fields_as_columns_is_an_optional_boolean_off_by_default(self):
        spec = _spec()

        assert spec["properties"]["custom_fields_as_columns"]["type"] == "boolean"
        assert spec["properties"]["custom_fields_as_columns"]["default"] is False
        assert spec["properties"]["custom_fields_as_columns"]["title"] == "Custom Fields as Columns"
        assert "custom_fields_as_columns" not in spec["required"]

    def test_given_custom_fields_as_columns_not_a_boolean_when_validated_then_it_fails_naming_it(self):
        with pytest.raises(jsonschema.ValidationError) as error:
            jsonschema.validate(ConfigBuilder().with_field("custom_fields_as_columns", "yes").build(), _spec())

        assert (list(error.value.path), error.value.message) == (["custom_fields_as_columns"], "'yes' is not of type 'boolean'")

    def test_given_config_without_api_key_when_validated_then_it_fails_naming_api_key(self):
        with pytest.raises(jsonschema.ValidationError) as error:
            jsonschema.validate(ConfigBuilder().without("api_key").build(), _spec())

        assert error.value.message == "'api_key' is a required property"

    def test_given_config_without_domain_when_validated_then_it_fails_naming_domain(self):
        with pytest.raises(jsonschema.ValidationError) as error:
            jsonschema.validate(ConfigBuilder().without("domain").build(), _spec())

        assert error.value.message == "'domain' is a required property"

    @pytest.mark.parametrize(
        "config",
        [
            pytest.param(ConfigBuilder().build(), id="minimal"),
            pytest.param(
                ConfigBuilder()
                .with_start_date("2024-01-31")
                .with_plan("pro")
                .with_requests_per_minute(300)
                .with_field("num_workers", 40)
                .with_lookback_window_in_days(0)
                .build(),
                id="every-field",
            ),
            pytest.param(ConfigBuilder().with_start_date("2024-01-31T00:00:00Z").build(), id="start-date-with-time"),
            pytest.param(
                ConfigBuilder().with_field("subscription_tier", "growth").build(), id="legacy-subscription-tier"
            ),
            pytest.param(
                ConfigBuilder().with_field("rate_limit_plan", {"plan_type": "pro"}).build(), id="legacy-rate-limit-plan"
            ),
        ],
    )
    def test_given_valid_config_when_validated_then_it_passes(self, config):
        jsonschema.validate(config, _spec())

    @pytest.mark.parametrize(
        "field, value, message",
        [
            ("start_date", "31/01/2024", "'31/01/2024' does not match"),
            ("plan", "platinum", "'platinum' is not one of ['trial', 'growth', 'pro', 'enterprise']"),
            ("num_workers", 41, "41 is greater than the maximum of 40"),
            ("requests_per_minute", 0, "0 is less than the minimum of 1"),
            ("lookback_window_in_days", -1, "-1 is less than the minimum of 0"),
        ],
    )
    def test_given_invalid_value_when_validated_then_it_fails_with_jsonschemas_message(self, field, value, message):
        with pytest.raises(jsonschema.ValidationError) as error:
            jsonschema.validate(ConfigBuilder().with_field(field, value).build(), _spec())

        assert error.value.message.startswith(message)

    def test_given_config_without_api_key_when_check_runs_then_connection_fails_with_the_validation_message(
        self, tmp_path, capsys
    ):
        config_path = tmp_path / "config.json"
        config_path.write_text(json.dumps(ConfigBuilder().without("api_key").build()))

        messages = run_entrypoint(["check", "--config", str(config_path)], capsys)

        statuses = [message.connectionStatus for message in messages if message.type == Type.CONNECTION_STATUS]
        assert [(status.status, status.message) for status in statuses] == [
            (
                Status.FAILED,
                "Config validation error: `api_key` is missing. Your Freshdesk API key: in Freshdesk, open your "
                'profile picture > Profile settings > "View API key".',
            )
        ]


class TestDomainNormalisation:
    """`domain` is reduced to the bare host (and port): scheme, path, query, fragment, spaces and capitals
    pasted with it are dropped, and every request goes to https://<that host>/api/v2/."""

    @pytest.mark.parametrize(
        "domain",
        [
            "acme.freshdesk.com",
            "https://acme.freshdesk.com/",
            " Acme.Freshdesk.com ",
            "acme.freshdesk.com/a/tickets/12",
            "https://acme.freshdesk.com/a/tickets/12?filter=all#note",
            "HTTP://ACME.freshdesk.com",
        ],
    )
    def test_given_domain_form_when_read_then_requests_go_to_the_bare_host(self, domain, tmp_path):
        config = ConfigBuilder().with_domain(domain).build()
        with HttpMocker() as http_mocker:
            request = FreshdeskRequestBuilder.endpoint("agents").build()
            http_mocker.get(request, FreshdeskResponseBuilder.of("agents").build())

            output = read_streams(config, "agents")

            http_mocker.assert_number_of_calls(request, 1)
        assert record_ids(output) == ids(fixture("agents"))
        assert _normalised(config, tmp_path)["domain"] == "acme.freshdesk.com"

    def test_given_host_with_port_when_read_then_requests_keep_the_port(self, tmp_path):
        # HttpMocker matches the host name only, so requests-mock itself checks the port here.
        config = ConfigBuilder().with_domain("localhost:8443").build()
        with requests_mock.Mocker() as mocker:
            mocker.get(
                "https://localhost:8443/api/v2/agents?per_page=100",
                complete_qs=True,
                json=[a_record("agents", id=1)],
            )

            output = read_streams(config, "agents")

            assert [request.url for request in mocker.request_history] == [
                "https://localhost:8443/api/v2/agents?per_page=100"
            ]
        assert record_ids(output) == [1]
        assert _normalised(config, tmp_path)["domain"] == "localhost:8443"


class TestRateLimitSettings:
    """`plan` (or `requests_per_minute`) sets the API budget: calls per minute for the whole account and
    the lower limits of the tickets and contacts lists (`_rate_limits`, derived by the manifest)."""

    @pytest.mark.parametrize(
        "extra, rate_limits",
        [
            ({}, {"account": 100000, "tickets_list": 20000, "contacts_list": 20000}),
            ({"plan": "trial"}, {"account": 50, "tickets_list": 50, "contacts_list": 50}),
            ({"plan": "growth"}, {"account": 200, "tickets_list": 20, "contacts_list": 20}),
            ({"plan": "pro"}, {"account": 400, "tickets_list": 100, "contacts_list": 100}),
            ({"plan": "enterprise"}, {"account": 700, "tickets_list": 200, "contacts_list": 200}),
            ({"requests_per_minute": 100}, {"account": 100, "tickets_list": 10, "contacts_list": 10}),
            ({"plan": "growth", "requests_per_minute": 100}, {"account": 100, "tickets_list": 20, "contacts_list": 20}),
        ],
    )
    def test_given_plan_or_requests_per_minute_when_normalised_then_rate_limits_follow(
        self, extra, rate_limits, tmp_path
    ):
        config = {**ConfigBuilder().build(), **extra}

        assert _normalised(config, tmp_path)["_rate_limits"] == rate_limits

    @staticmethod
    def read_21_contact_pages(config: Dict[str, Any]):
        """19 pages of the default list, then one each of the deleted and blocked lists (ids 20 and 21)."""
        with HttpMocker() as http_mocker:
            for page in range(1, 20):
                request = FreshdeskRequestBuilder.contacts()
                if page > 1:
                    request = request.with_page(page)
                response = FreshdeskResponseBuilder.records([a_record("contacts", id=page)])
                if page < 19:
                    response = response.with_next_page(FreshdeskRequestBuilder.contacts().with_page(page + 1))
                http_mocker.get(request.build(), response.build())
            for contact_id, contact_list in ((20, "deleted"), (21, "blocked")):
                http_mocker.get(
                    FreshdeskRequestBuilder.contacts(contact_list=contact_list).build(),
                    FreshdeskResponseBuilder.records([a_record("contacts", id=contact_id)]).build(),
                )
            return read_streams(config, "contacts")

    def test_given_growth_plan_when_21_contact_pages_are_read_then_the_21st_waits_for_the_minute_to_pass(
        self, virtual_clock
    ):
        # Growth: 20 contacts-list calls a minute. The budget's minute is 61 s (see FreshdeskAPIBudget).
        output = self.read_21_contact_pages(ConfigBuilder().with_plan("growth").build())

        assert record_ids(output) == list(range(1, 22))
        assert [round(wait) for wait in virtual_clock.budget_waits] == [61]

    def test_given_enterprise_plan_when_21_contact_pages_are_read_then_nothing_waits(self, virtual_clock):
        # Enterprise: 700 credits and 200 contacts-list calls a minute.
        output = self.read_21_contact_pages(ConfigBuilder().with_plan("enterprise").build())

        assert record_ids(output) == list(range(1, 22))
        assert virtual_clock.budget_waits == []


class TestLegacyConfig:
    """Configs written for Airbyte's official Freshdesk connector keep working: `subscription_tier` or
    `rate_limit_plan` (a name, or an object holding one; Freshdesk's old plan names included) become `plan`;
    an explicit `plan` wins; a name the connector does not know leaves `plan` unset rather than invalid.
    `requests_per_minute`, `num_workers` and `lookback_window_in_days` have the same names and meaning."""

    @pytest.mark.parametrize(
        "legacy, modern",
        [
            ({"subscription_tier": "growth"}, {"plan": "growth"}),
            ({"rate_limit_plan": "Enterprise"}, {"plan": "enterprise"}),
            ({"rate_limit_plan": " pro "}, {"plan": "pro"}),
            ({"rate_limit_plan": {"plan_type": "pro"}}, {"plan": "pro"}),
            ({"rate_limit_plan": {"plan_type": "estate"}}, {"plan": "enterprise"}),
            ({"subscription_tier": "forest"}, {"plan": "enterprise"}),
            ({"subscription_tier": "blossom"}, {"plan": "growth"}),
            ({"subscription_tier": "garden"}, {"plan": "growth"}),
            ({"plan": "pro", "subscription_tier": "growth"}, {"plan": "pro"}),
            ({"subscription_tier": "custom"}, {}),
        ],
    )
    def test_given_legacy_plan_field_when_normalised_then_config_equals_the_modern_one(self, legacy, modern, tmp_path):
        legacy_config = {**ConfigBuilder().build(), **legacy}
        modern_config = {**ConfigBuilder().build(), **modern}

        normalised = _normalised(legacy_config, tmp_path)

        assert normalised == _normalised(modern_config, tmp_path)
        assert "subscription_tier" not in normalised and "rate_limit_plan" not in normalised

    def test_given_legacy_tier_when_read_then_the_budget_is_the_plans(self, virtual_clock):
        output = TestRateLimitSettings.read_21_contact_pages(
            ConfigBuilder().with_field("subscription_tier", "growth").build()
        )

        assert record_ids(output) == list(range(1, 22))
        assert [round(wait) for wait in virtual_clock.budget_waits] == [61]

    @pytest.mark.parametrize("tier", ["growth", "custom"])
    def test_given_legacy_config_file_when_check_runs_then_file_is_migrated_and_check_succeeds(
        self, tier, tmp_path, capsys
    ):
        config_path = tmp_path / "config.json"
        config_path.write_text(json.dumps({**ConfigBuilder().build(), "subscription_tier": tier}))
        with HttpMocker() as http_mocker:
            http_mocker.get(
                FreshdeskRequestBuilder.endpoint("ticket_fields").build(),
                FreshdeskResponseBuilder.of("ticket_fields").build(),
            )

            messages = run_entrypoint(["check", "--config", str(config_path)], capsys)

        migrated = {**ConfigBuilder().build(), **({"plan": "growth"} if tier == "growth" else {})}
        assert json.loads(config_path.read_text()) == migrated
        controls = [message.control.connectorConfig.config for message in messages if message.type == Type.CONTROL]
        assert controls == [migrated]
        statuses = [message.connectionStatus.status for message in messages if message.type == Type.CONNECTION_STATUS]
        assert statuses == [Status.SUCCEEDED]

    def test_given_num_workers_and_requests_per_minute_of_the_official_connector_when_read_then_sync_works(
        self, tmp_path
    ):
        config = ConfigBuilder().with_field("num_workers", 3).with_requests_per_minute(120).build()
        with HttpMocker() as http_mocker:
            http_mocker.get(
                FreshdeskRequestBuilder.endpoint("groups").build(), FreshdeskResponseBuilder.of("groups").build()
            )

            output = read_streams(config, "groups")

        assert record_ids(output) == ids(fixture("groups"))
        assert _normalised(config, tmp_path)["_rate_limits"] == {
            "account": 120,
            "tickets_list": 12,
            "contacts_list": 12,
        }
