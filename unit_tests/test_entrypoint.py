"""The real command line: `source_freshdesk.run.run([...])` with config, catalog and state files.

In airbyte-cdk 7 the concurrent declarative source reads with the config, catalog and state given to its
constructor; run.py builds it from the files the arguments name. These tests prove each one arrives.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest
from airbyte_cdk.models import (
    AirbyteStateMessageSerializer,
    ConfiguredAirbyteCatalogSerializer,
    SyncMode,
    Type,
)
from airbyte_cdk.test.mock_http import HttpMocker

from config_builder import API_KEY, ConfigBuilder
from request_builder import FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, a_record, fixture, ids, mock_empty_contact_lists
from source_runner import catalog, run_and_capture, run_entrypoint, state

from source_freshdesk.run import USAGE, SourceFreshdesk, create_source, run

ALL_STREAMS = [
    "account", "agents", "automation_rules", "business_hours", "canned_response_folders", "canned_responses",
    "companies", "company_fields",
    "contact_fields", "contacts", "conversations", "discussion_categories", "discussion_comments",
    "discussion_forums", "discussion_topics", "email_configs", "email_mailboxes", "groups", "products", "roles",
    "satisfaction_ratings", "scenario_automations", "settings", "skills", "sla_policies", "solution_articles",
    "solution_categories", "solution_folders", "surveys", "ticket_activities", "ticket_field_sections",
    "ticket_fields", "ticket_forms", "tickets", "time_entries",
]  # fmt: skip
INCREMENTAL_STREAMS = {
    "tickets": "updated_at",
    "conversations": "updated_at",
    "contacts": "updated_at",
    "companies": "updated_at",
    "satisfaction_ratings": "created_at",
    "ticket_activities": "performed_at",
}


@pytest.fixture
def files(tmp_path):
    """Writes config / catalog / state files the way the platform does and returns their paths."""

    def write(name: str, content: Any) -> str:
        path = tmp_path / name
        path.write_text(json.dumps(content))
        return str(path)

    class Files:
        @staticmethod
        def config(config: Dict[str, Any]) -> str:
            return write("config.json", config)

        @staticmethod
        def catalog(*streams: str) -> str:
            return write("catalog.json", ConfiguredAirbyteCatalogSerializer.dump(catalog(*streams)))

        @staticmethod
        def state(messages) -> str:
            return write("state.json", [AirbyteStateMessageSerializer.dump(message) for message in messages])

    return Files


def _records(messages) -> List[Any]:
    return [message.record for message in messages if message.type == Type.RECORD]


class TestCommandLine:
    """spec / discover / read through run.py: each command prints Airbyte messages on stdout; `read` uses
    the catalog and state files (no stream is read that the catalog does not select, and an incremental
    list starts from the state file's cursor, whichever of the state file forms the platform passes)."""

    def test_given_spec_command_when_run_then_the_spec_is_printed(self, capsys):
        messages = run_entrypoint(["spec"], capsys)

        [spec] = [message.spec for message in messages if message.type == Type.SPEC]
        assert spec.connectionSpecification["required"] == ["api_key", "domain"]
        assert spec.documentationUrl == "https://developers.freshdesk.com/api/"

    def test_given_discover_command_when_run_then_every_stream_is_listed_with_its_sync_modes_and_cursor(
        self, files, capsys
    ):
        messages = run_entrypoint(["discover", "--config", files.config(ConfigBuilder().build())], capsys)

        [catalog_message] = [message.catalog for message in messages if message.type == Type.CATALOG]
        streams = {stream.name: stream for stream in catalog_message.streams}
        assert sorted(streams) == ALL_STREAMS
        for name, stream in streams.items():
            if name in INCREMENTAL_STREAMS:
                assert stream.supported_sync_modes == [SyncMode.full_refresh, SyncMode.incremental], name
                assert stream.default_cursor_field == [INCREMENTAL_STREAMS[name]], name
            else:
                assert stream.supported_sync_modes == [SyncMode.full_refresh], name
            # An activity has no id: ticket_activities has no primary key.
            expected_key = {"settings": [["primary_language"]], "account": [["account_id"]], "ticket_activities": None}.get(name, [["id"]])
            assert stream.source_defined_primary_key == expected_key, name

    def test_given_config_and_catalog_files_when_read_then_the_selected_stream_records_are_printed(self, files, capsys):
        args = [
            "read",
            "--config", files.config(ConfigBuilder().build()),
            "--catalog", files.catalog("agents"),
        ]  # fmt: skip
        with HttpMocker() as http_mocker:
            http_mocker.get(
                FreshdeskRequestBuilder.endpoint("agents").build(), FreshdeskResponseBuilder.of("agents").build()
            )

            messages = run_entrypoint(args, capsys)

        records = _records(messages)
        assert [record.stream for record in records] == ["agents", "agents"]
        assert [record.data["id"] for record in records] == ids(fixture("agents"))

    def test_given_state_file_when_read_then_the_list_starts_from_its_cursor(self, files, capsys):
        args = [
            "read",
            "--config", files.config(ConfigBuilder().build()),
            "--catalog", files.catalog("contacts"),
            "--state", files.state(state("contacts", {"updated_at": "2025-05-01T00:00:00Z"})),
        ]  # fmt: skip
        with HttpMocker() as http_mocker:
            http_mocker.get(
                FreshdeskRequestBuilder.contacts(updated_since="2025-05-01T00:00:00Z").build(),
                FreshdeskResponseBuilder.records(
                    [a_record("contacts", id=9, updated_at="2025-05-02T00:00:00Z")]
                ).build(),
            )
            mock_empty_contact_lists(http_mocker, "2025-05-01T00:00:00Z")

            messages = run_entrypoint(args, capsys)

        assert [record.data["id"] for record in _records(messages)] == [9]
        states = [message.state.stream.stream_state.__dict__ for message in messages if message.type == Type.STATE]
        assert states[-1] == {"updated_at": "2025-05-02T00:00:00Z"}

    @pytest.mark.parametrize(
        "legacy_state",
        [
            pytest.param({"contacts": {"updated_at": "2025-05-01T00:00:00Z"}}, id="object-keyed-by-stream"),
            pytest.param(
                [{"type": "LEGACY", "data": {"contacts": {"updated_at": "2025-05-01T00:00:00Z"}}}], id="legacy-message"
            ),
        ],
    )
    def test_given_legacy_state_file_when_read_then_the_list_starts_from_its_cursor(
        self, legacy_state, files, tmp_path, capsys
    ):
        state_path = tmp_path / "legacy_state.json"
        state_path.write_text(json.dumps(legacy_state))
        args = [
            "read",
            "--config", files.config(ConfigBuilder().build()),
            "--catalog", files.catalog("contacts"),
            "--state", str(state_path),
        ]  # fmt: skip
        with HttpMocker() as http_mocker:
            request = FreshdeskRequestBuilder.contacts(updated_since="2025-05-01T00:00:00Z").build()
            http_mocker.get(
                request,
                FreshdeskResponseBuilder.records(
                    [a_record("contacts", id=9, updated_at="2025-05-02T00:00:00Z")]
                ).build(),
            )
            mock_empty_contact_lists(http_mocker, "2025-05-01T00:00:00Z")

            messages = run_entrypoint(args, capsys)

            http_mocker.assert_number_of_calls(request, 1)
        assert [record.data["id"] for record in _records(messages)] == [9]

    def test_given_read_when_run_then_the_api_key_is_not_printed(self, files, capsys):
        args = ["read", "--config", files.config(ConfigBuilder().build()), "--catalog", files.catalog("agents")]
        with HttpMocker() as http_mocker:
            http_mocker.get(
                FreshdeskRequestBuilder.endpoint("agents").build(), FreshdeskResponseBuilder.of("agents").build()
            )

            printed = run_and_capture(args, capsys)

        assert printed.count('"type":"RECORD"') == 2
        assert API_KEY not in printed


class TestBareCommand:
    """Contract: `source-freshdesk` without a command prints its usage to stderr, nothing to stdout, and
    exits 2, with no traceback."""

    def test_given_no_command_when_run_then_the_usage_is_printed_and_exit_2(self, capsys):
        with pytest.raises(SystemExit) as exit_:
            run([])
        printed = capsys.readouterr()
        assert exit_.value.code == 2
        assert printed.out == ""
        assert printed.err == USAGE
        assert printed.err.splitlines()[0] == (
            "usage: source-freshdesk COMMAND [--config config.json] [--catalog catalog.json] [--state state.json]"
        )


class TestCreateSource:
    """create_source builds the source from the files the arguments name, each of which may be absent."""

    def test_given_config_file_when_created_then_the_source_holds_the_normalised_config(self, files):
        config_path = files.config(ConfigBuilder().with_domain("https://Acme.freshdesk.com/").build())

        source = create_source(["read", "--config", config_path, "--catalog", files.catalog("contacts")])

        assert isinstance(source, SourceFreshdesk)
        # configure() answers with the config the source was built with, normalised by the manifest.
        assert source.configure({}, str(Path(config_path).parent))["domain"] == "acme.freshdesk.com"

    def test_given_spec_args_when_created_then_a_source_without_config_is_built(self):
        source = create_source(["spec"])

        assert isinstance(source, SourceFreshdesk)

    def test_given_module_run_as_a_program_when_spec_then_the_spec_is_printed(self):
        completed = subprocess.run(
            [sys.executable, "-m", "source_freshdesk.run", "spec"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

        specs = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith('{"type":"SPEC"')]
        assert len(specs) == 1
        assert specs[0]["spec"]["connectionSpecification"]["title"] == "Freshdesk Source Spec"
