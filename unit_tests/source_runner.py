"""Runs the connector in-process through the CDK's entrypoint, as the platform would, and reads its output."""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import parse_qs, urlsplit

import orjson
import yaml
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import AirbyteMessage, AirbyteMessageSerializer, AirbyteStateMessage, Level, SyncMode
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, discover, read
from airbyte_cdk.test.mock_http import HttpMocker
from airbyte_cdk.test.models.scenario import ExpectedOutcome
from airbyte_cdk.test.state_builder import StateBuilder

from source_freshdesk.run import MANIFEST_PATH, run

MANIFEST = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))


def manifest_source(catalog: Any = None, config: Optional[Mapping[str, Any]] = None, state: Any = None) -> ConcurrentDeclarativeSource:
    """The source as the Connector Builder and source-declarative-manifest build it: the CDK's declarative
    source, from the manifest and components.py alone (here the package's own copy of both)."""
    return ConcurrentDeclarativeSource(catalog=catalog, config=config, state=state, source_config=copy.deepcopy(MANIFEST))

INCREMENTAL_STREAMS = {"tickets", "conversations", "contacts", "companies", "satisfaction_ratings", "ticket_activities"}


def catalog(*streams: str):
    """A configured catalog: incremental for the streams with a cursor, full refresh for the others."""
    builder = CatalogBuilder()
    for stream in streams:
        builder.with_stream(stream, SyncMode.incremental if stream in INCREMENTAL_STREAMS else SyncMode.full_refresh)
    return builder.build()


def state(stream: str, stream_state: Mapping[str, Any]) -> List[AirbyteStateMessage]:
    return StateBuilder().with_stream_state(stream, dict(stream_state)).build()


def read_streams(
    config: Mapping[str, Any],
    *streams: str,
    stream_state: Optional[List[AirbyteStateMessage]] = None,
    expect_failure: Optional[bool] = False,
    debug: bool = False,
) -> EntrypointOutput:
    """`read` of `streams`, with the source built as the Builder and source-declarative-manifest build it
    (`manifest_source`): config, catalog and state given to the constructor (the CDK 7 concurrent source
    reads with those, not with read()'s arguments).

    `expect_failure` only keeps the CDK from printing an expected traceback (None: either outcome)."""
    configured_catalog = catalog(*streams)
    source = manifest_source(catalog=configured_catalog, config=config, state=stream_state)
    outcomes = {
        True: ExpectedOutcome.EXPECT_EXCEPTION,
        False: ExpectedOutcome.EXPECT_SUCCESS,
        None: ExpectedOutcome.ALLOW_ANY,
    }
    return read(
        source, config, configured_catalog, stream_state, expected_outcome=outcomes[expect_failure], debug=debug
    )


def discover_streams(config: Mapping[str, Any]) -> EntrypointOutput:
    return discover(manifest_source(config=config), config)


def record_ids(output: EntrypointOutput, stream: Optional[str] = None) -> List[Any]:
    return [message.record.data["id"] for message in output.records if stream in (None, message.record.stream)]


def records_by_stream(output: EntrypointOutput) -> Dict[str, List[Any]]:
    by_stream: Dict[str, List[Any]] = {}
    for message in output.records:
        by_stream.setdefault(message.record.stream, []).append(message.record.data.get("id"))
    return by_stream


def final_state(output: EntrypointOutput, stream: str) -> Dict[str, Any]:
    """The stream's state in the last state message the sync emitted for it."""
    states = [
        message.state.stream.stream_state
        for message in output.state_messages
        if message.state.stream.stream_descriptor.name == stream
    ]
    assert states, f"no state emitted for {stream}"
    return states[-1].__dict__


def log_messages(output: EntrypointOutput, level: Level) -> List[str]:
    return [message.log.message for message in output.logs if message.log.level == level]


def error_messages(output: EntrypointOutput) -> List[str]:
    """What the user sees: the `message` of each error trace."""
    return [message.trace.error.message for message in output.errors]


def stream_statuses(output: EntrypointOutput, stream: str) -> List[str]:
    return [status.name for status in output.get_stream_statuses(stream)]


def all_output_text(output: EntrypointOutput) -> str:
    """Every message the sync printed (records, logs, traces, state), serialised as the platform gets them."""
    return "\n".join(AirbyteEntrypoint.airbyte_message_to_string(message) for message in output.get_message_iterator())


def run_entrypoint(args: List[str], capsys: Any) -> List[AirbyteMessage]:
    """Runs `source_freshdesk.run.run(args)`, the real command line, and parses what it printed."""
    printed = run_and_capture(args, capsys)
    return [AirbyteMessageSerializer.load(orjson.loads(line)) for line in printed.splitlines() if line.startswith("{")]


def run_and_capture(args: List[str], capsys: Any) -> str:
    """Runs `source_freshdesk.run.run(args)` and returns everything it printed (stdout, then stderr)."""
    run(args)
    printed = capsys.readouterr()
    return printed.out + printed.err


def queries_sent(http_mocker: HttpMocker, path: str) -> List[Dict[str, str]]:
    """The query of each request to `path` (e.g. "/api/v2/tickets"), in the order sent. HttpMocker checks
    each request's exact query but not the order; the requests-mock Mocker it wraps keeps the history."""
    return [
        {name: values[0] for name, values in parse_qs(urlsplit(request.url).query).items()}
        for request in http_mocker._mocker.request_history
        if urlsplit(request.url).path == path
    ]
