"""Airbyte's acceptance-test files, generated from one small emulated Freshdesk account.

    python -m integration_tests.acceptance write   # (re)write the files below from the data set
    python -m integration_tests.acceptance check   # exit 1 if a committed file differs from what `write` makes
    python -m integration_tests.acceptance serve   # serve that account on https://localhost:8443 (CA file printed)

Files (read by airbyte-cdk's standard tests through acceptance-test-config.yml, and by
integration_tests/test_standard_suite.py):

- integration_tests/sample_config.json: the emulator's API key and `domain: localhost:8443`, the port
  `serve` (and `python -m integration_tests.emulator`) listens on. In pytest the emulator takes a free
  port instead and test_standard_suite.py rewrites that one value as the standard tests read a config.
- integration_tests/invalid_config.json: the same domain with a key the emulator rejects (401).
- integration_tests/official_connector_config.json: a config written for Airbyte's official Freshdesk
  connector (`rate_limit_plan`, `subscription_tier`, `requests_per_minute`, `num_workers`, ...), which
  the spec must accept and `check` must pass with.
- integration_tests/configured_catalog.json: every stream, incremental where the connector supports it.
- integration_tests/expected_records.jsonl: every record the account holds, as the connector must
  emit it (the emulator's `expected()`, plus the deleted and spam tickets; serialized by the CDK's own message serializer, which leaves
  out top-level null fields), one `{"stream", "data", "emitted_at"}` per line.
- integration_tests/abnormal_state.json: a state far in the future for every incremental stream:
  CAT expects a read from it to emit no record; this connector sets each such state aside with one
  warning and reads the stream again (see the bypass_reason in acceptance-test-config.yml).

The catalog's streams, sync modes, cursors and primary keys come from the connector's `discover`, run
against the account (the tickets, contacts and companies schemas read its custom fields). Everything
else comes from the emulator's data set, so the files test the connector rather than describe it.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Mapping

from integration_tests.emulator import Emulator, Sizes
from integration_tests.emulator.server import DEFAULT_API_KEY

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "integration_tests"
SERVE_PORT = 8443
PLACEHOLDER_DOMAIN = f"localhost:{SERVE_PORT}"
START_DATE = "2023-01-01T00:00:00Z"  # before the account's first record: every record is in scope
INVALID_API_KEY = "invalid-freshdesk-api-key-for-acceptance-tests-00000000"
FUTURE = "2099-01-01T00:00:00Z"
EMITTED_AT = 1751328000000  # the account's clock, 2025-07-01T00:00:00Z, in epoch milliseconds

SEED = 101
# Small enough for files a reviewer can read, large enough that every stream has records, every
# list has a deleted/blocked/spam entry to leave out, and tickets share an updated_at second.
SIZES = Sizes(
    tickets=12, conversations_per_ticket_max=2, deleted_tickets=1, spam_tickets=1, same_second_cluster=2,
    contacts=8, deleted_contacts=1, blocked_contacts=1, companies=4, agents=3, groups=2, roles=2, skills=2,
    products=1, business_hours=1, sla_policies=1, scenario_automations=1, surveys=1, satisfaction_ratings=5,
    time_entries=4, canned_response_folders=2, canned_responses_per_folder=1, discussion_categories=1,
    discussion_forums_per_category=1, discussion_topics_per_forum=1, discussion_comments_per_topic=2,
    solution_categories=1, solution_folders_per_category=1, solution_articles_per_folder=2,
)

FILES = (
    "sample_config.json",
    "invalid_config.json",
    "official_connector_config.json",
    "configured_catalog.json",
    "expected_records.jsonl",
    "abnormal_state.json",
)


def emulator(port: int = 0) -> Emulator:
    """The acceptance account (not started)."""
    return Emulator(seed=SEED, sizes=SIZES, port=port, api_key=DEFAULT_API_KEY)


def sample_config() -> Dict[str, Any]:
    return {"api_key": DEFAULT_API_KEY, "domain": PLACEHOLDER_DOMAIN, "start_date": START_DATE}


def invalid_config() -> Dict[str, Any]:
    return {**sample_config(), "api_key": INVALID_API_KEY}


def official_connector_config() -> Dict[str, Any]:
    """Every field of the official connector's spec, with values it accepts."""
    return {
        "api_key": DEFAULT_API_KEY,
        "domain": PLACEHOLDER_DOMAIN,
        "requests_per_minute": 1000,
        "start_date": "2020-12-01T00:00:00Z",
        "lookback_window_in_days": 14,
        "rate_limit_plan": {"plan_type": "enterprise", "general_rate_limit": 700, "tickets_rate_limit": 200,
                            "contacts_rate_limit": 200},
        "subscription_tier": "enterprise",
        "num_workers": 5,
    }


def discovered_streams() -> List[Dict[str, Any]]:
    """The connector's catalog, from the real command's `discover` against the account on a free port."""
    from integration_tests.harness import run_connector

    with emulator() as emu:
        run = run_connector("discover", {**sample_config(), "domain": f"localhost:{emu.port}"}, env=emu.env())
    return run.one("CATALOG")["catalog"]["streams"]


def configured_catalog(streams: List[Mapping[str, Any]]) -> Dict[str, Any]:
    configured = []
    for stream in sorted(streams, key=lambda s: s["name"]):
        incremental = "incremental" in stream["supported_sync_modes"]
        primary_key = stream.get("source_defined_primary_key")  # ticket_activities has none: appended
        configured.append(
            {
                "stream": {
                    "name": stream["name"],
                    "json_schema": {},
                    "supported_sync_modes": stream["supported_sync_modes"],
                    **({"source_defined_cursor": True, "default_cursor_field": stream["default_cursor_field"]}
                       if incremental else {}),
                    **({"source_defined_primary_key": primary_key} if primary_key else {}),
                },
                "sync_mode": "incremental" if incremental else "full_refresh",
                "cursor_field": stream.get("default_cursor_field") or [] if incremental else [],
                "destination_sync_mode": ("append_dedup" if primary_key else "append") if incremental else "overwrite",
                "primary_key": primary_key or [],
            }
        )
    return {"streams": configured}


def as_emitted(stream: str, record: Mapping[str, Any]) -> Dict[str, Any]:
    """A record as it leaves the connector: through the CDK's AirbyteMessage serializer."""
    from airbyte_cdk.models import AirbyteMessage, AirbyteMessageSerializer, AirbyteRecordMessage, Type

    message = AirbyteMessage(type=Type.RECORD, record=AirbyteRecordMessage(stream=stream, data=dict(record), emitted_at=0))
    return AirbyteMessageSerializer.dump(message)["record"]["data"]


# The connector types custom fields from the account's field definitions (docs/internals.md, "Typed custom
# fields"); of this account's values, only numbers change: decimals arrive as strings ("49.90").
FIELDS_OF_STREAM = {"tickets": "ticket_fields", "contacts": "contact_fields", "companies": "company_fields"}
CUSTOM_FIELD_CASTS = {"custom_number": int, "custom_decimal": float}


def with_typed_custom_fields(emu: Emulator, stream: str, record: Dict[str, Any]) -> Dict[str, Any]:
    """The record with its custom field values as the connector emits them."""
    if stream not in FIELDS_OF_STREAM:
        return record
    casts = {
        field["name"]: CUSTOM_FIELD_CASTS[field["type"]]
        for field in getattr(emu.data, FIELDS_OF_STREAM[stream])
        if not field["default"] and field["type"] in CUSTOM_FIELD_CASTS
    }
    values = record["custom_fields"]
    return {**record, "custom_fields": {k: casts[k](v) if k in casts and v is not None else v for k, v in values.items()}}


def account_records(emu: Emulator, stream: str) -> List[Dict[str, Any]]:
    """What the connector must emit for `stream`: the emulator's `expected()`, and for tickets also the
    `filter=deleted` and `filter=spam` lists, for contacts the `state=deleted` and `state=blocked` lists,
    which the connector reads besides the default list.

    ticket_activities: none. The connector asks for the export's files of the 30 days before the real
    date, and this account's clock stays at 2025-07-01 (so that these files never change): none of its
    files is in reach (acceptance-test-config.yml lists the stream in `empty_streams`)."""
    if stream == "ticket_activities":
        return []
    records = emu.expected(stream, START_DATE)
    if stream == "tickets":
        records += [
            emu.data.ticket(ticket_id)
            for ticket_id in emu.data.deleted_ticket_ids + emu.data.spam_ticket_ids
            if emu.data.ticket(ticket_id)["updated_at"] >= START_DATE
        ]
    if stream == "contacts":
        with emu.data.lock:
            removed = [row for state in ("deleted", "blocked") for row in emu.data.contact_query(state, None)]
        records += [json.loads(json.dumps(row)) for row in removed if row["updated_at"] >= START_DATE]
    return records


def expected_records(emu: Emulator, stream_names: List[str]) -> List[Dict[str, Any]]:
    return [
        {"stream": name, "data": as_emitted(name, with_typed_custom_fields(emu, name, record)), "emitted_at": EMITTED_AT}
        for name in sorted(stream_names)
        for record in account_records(emu, name)
    ]


def abnormal_state(streams: List[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    return [
        {
            "type": "STREAM",
            "stream": {
                "stream_descriptor": {"name": stream["name"]},
                "stream_state": {stream["default_cursor_field"][0]: FUTURE},
            },
        }
        for stream in sorted(streams, key=lambda s: s["name"])
        if "incremental" in stream["supported_sync_modes"]
    ]


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=False) + "\n"


def render() -> Dict[str, str]:
    """Every file's name and the exact text `write` puts in it."""
    streams = discovered_streams()
    emu = emulator()
    return {
        "sample_config.json": _json(sample_config()),
        "invalid_config.json": _json(invalid_config()),
        "official_connector_config.json": _json(official_connector_config()),
        "configured_catalog.json": _json(configured_catalog(streams)),
        "expected_records.jsonl": "".join(
            json.dumps(line, sort_keys=True) + "\n" for line in expected_records(emu, [s["name"] for s in streams])
        ),
        "abnormal_state.json": _json(abnormal_state(streams)),
    }


def stale_files(folder: Path = FOLDER) -> List[str]:
    """The files whose committed text differs from what `write` would write now."""
    return [
        name for name, text in render().items()
        if not (folder / name).exists() or (folder / name).read_text(encoding="utf-8") != text
    ]


def write(folder: Path = FOLDER) -> List[Path]:
    written = []
    for name, text in render().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def serve(port: int = SERVE_PORT) -> None:
    """Serves the acceptance account until interrupted, for running the standard tests by hand."""
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with emulator(port) as emu:
        print(json.dumps({"domain": f"localhost:{emu.port}", "env": emu.env()}), flush=True)
        while not stop.wait(0.5):
            pass


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m integration_tests.acceptance", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["write", "check", "serve"])
    parser.add_argument("--port", type=int, default=SERVE_PORT, help="for serve (default 8443)")
    args = parser.parse_args(argv)
    if args.action == "write":
        for path in write():
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    if args.action == "check":
        stale = stale_files()
        for name in stale:
            print(f"integration_tests/{name} is out of date: run `python -m integration_tests.acceptance write`")
        return 1 if stale else 0
    serve(args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
