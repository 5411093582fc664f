"""source-freshdesk under PyAirbyte (`airbyte` on PyPI), as a local executable, into a local DuckDB cache.

PyAirbyte is not a dependency of the connector, not even of its test extras: it requires Python < 3.13
(the connector supports 3.10 to 3.13) and brings about 95 packages of its own (DuckDB, pyarrow,
Snowflake, BigQuery, an MCP server). This test keeps it in a separate virtual environment,
`.venv-pyairbyte/` at the repository root (git-ignored), created on first use with pip from PyPI and
reused while `PYAIRBYTE_REQUIREMENT` is unchanged. The sync itself is offline: PyAirbyte runs the test
venv's `source-freshdesk` console script against the emulator, with AIRBYTE_OFFLINE_MODE=1 (no
registry look-up, no telemetry).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

from integration_tests import acceptance

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "integration_tests"
PYAIRBYTE_VENV = ROOT / ".venv-pyairbyte"
PYAIRBYTE_REQUIREMENT = "airbyte==0.71.3"
SYNC_SCRIPT = FOLDER / "pyairbyte_sync.py"


def _interpreter_for_pyairbyte() -> Optional[str]:
    """This interpreter if PyAirbyte supports it (3.10 to 3.12), else a supported one on PATH."""
    if (3, 10) <= sys.version_info[:2] <= (3, 12):
        return sys.executable
    for name in ("python3.12", "python3.11", "python3.10"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _venv_python() -> Path:
    return PYAIRBYTE_VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_pyairbyte_venv() -> Path:
    """Creates .venv-pyairbyte with PyAirbyte installed, unless it already holds PYAIRBYTE_REQUIREMENT."""
    stamp = PYAIRBYTE_VENV / ".installed"
    if stamp.exists() and stamp.read_text() == PYAIRBYTE_REQUIREMENT and _venv_python().exists():
        return _venv_python()
    interpreter = _interpreter_for_pyairbyte()
    if interpreter is None:
        pytest.fail("PyAirbyte needs Python 3.10 to 3.12 and none is installed")
    shutil.rmtree(PYAIRBYTE_VENV, ignore_errors=True)
    subprocess.run([interpreter, "-m", "venv", str(PYAIRBYTE_VENV)], check=True)
    subprocess.run(
        [str(_venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", PYAIRBYTE_REQUIREMENT],
        check=True,
        timeout=900,
    )
    stamp.write_text(PYAIRBYTE_REQUIREMENT)
    return _venv_python()


@pytest.fixture(scope="module")
def pyairbyte_python() -> Path:
    return ensure_pyairbyte_venv()


@pytest.fixture(scope="module")
def account():
    """The acceptance account, served once for both syncs of this module."""
    with acceptance.emulator() as emu:
        yield emu


def _sync(
    pyairbyte_python: Path, emu: Any, work: Path, options: Dict[str, Any], streams: str, queries: Dict[str, str]
) -> Dict[str, Any]:
    """One PyAirbyte sync of `streams` with the acceptance config and `options`; what DuckDB holds afterwards
    (and the rows of each of `queries`, values DuckDB returns in Python form printed with str())."""
    config_path = work / "config.json"
    config_path.write_text(json.dumps({**acceptance.sample_config(), "domain": f"localhost:{emu.port}", **options}))
    done = subprocess.run(
        [
            str(pyairbyte_python), str(SYNC_SCRIPT),
            "--executable", str(Path(sys.executable).with_name("source-freshdesk")),
            "--config", str(config_path),
            "--cache-dir", str(work / "cache"),
            "--streams", streams,
            *(f"--query={name}={sql}" for name, sql in queries.items()),
        ],
        capture_output=True,
        text=True,
        cwd=work,
        timeout=600,
        env={
            **os.environ,
            **emu.env(),
            "AIRBYTE_OFFLINE_MODE": "1",
            "DO_NOT_TRACK": "1",
            "HOME": str(work),  # PyAirbyte writes its logs and settings under the home folder
        },
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def landed(pyairbyte_python, account, tmp_path_factory) -> Dict[str, Any]:
    """One PyAirbyte sync of every stream of the acceptance account, custom_fields_as_columns left out."""
    return _sync(pyairbyte_python, account, tmp_path_factory.mktemp("pyairbyte"), {}, "*", STATIC_QUERIES)


@pytest.fixture(scope="module")
def landed_as_columns(pyairbyte_python, account, tmp_path_factory) -> Dict[str, Any]:
    """A PyAirbyte sync of tickets, contacts and companies with custom_fields_as_columns on."""
    options = {"custom_fields_as_columns": True}
    return _sync(
        pyairbyte_python, account, tmp_path_factory.mktemp("pyairbyte"), options, "tickets,contacts,companies",
        {**STATIC_QUERIES, **COLUMN_QUERIES},
    )


# Typed values read back from DuckDB (a timestamp as epoch seconds, so that DuckDB's session time zone
# does not matter), from records of expected_records.jsonl: ticket 4's callback at 2024-02-12T07:53:59Z
# and refund of "451.61", ticket 8's follow-up date, contact 48000000004's, company 47000000001's.
STATIC_QUERIES = {
    "ticket_4": "SELECT CAST(epoch(created_at) AS BIGINT), priority, spam, json_extract(custom_fields, '$.cf_refund_amount') "
                "FROM freshdesk.tickets WHERE id = 4",
    "company_47000000003": "SELECT CAST(renewal_date AS VARCHAR) FROM freshdesk.companies WHERE id = 47000000003",
}
COLUMN_QUERIES = {
    "ticket_4_columns": "SELECT CAST(epoch(cf_callback_at) AS BIGINT), cf_refund_amount, cf_units_affected, cf_vip_customer, "
                        "cf_affected_products, cf_follow_up_date FROM freshdesk.tickets WHERE id = 4",
    "ticket_8_columns": "SELECT CAST(cf_follow_up_date AS VARCHAR) FROM freshdesk.tickets WHERE id = 8",
    "contact_48000000004_columns": "SELECT CAST(cf_member_since AS VARCHAR), cf_loyalty_points, cf_newsletter, cf_department "
                                   "FROM freshdesk.contacts WHERE id = 48000000004",
    "company_47000000001_columns": "SELECT CAST(cf_onboarded_on AS VARCHAR), cf_annual_revenue, cf_key_account, cf_seats "
                                   "FROM freshdesk.companies WHERE id = 47000000001",
}  # fmt: skip


def _expected_counts() -> Dict[str, int]:
    """Rows per stream: expected_records.jsonl's, and 0 for a stream of the catalog without any
    (ticket_activities: the account's export holds no file the connector reaches)."""
    streams = json.loads((FOLDER / "configured_catalog.json").read_text())["streams"]
    lines = (FOLDER / "expected_records.jsonl").read_text().splitlines()
    return {**{s["stream"]["name"]: 0 for s in streams}, **Counter(json.loads(line)["stream"] for line in lines)}


class TestPyAirbyte:
    """Contract: `ab.get_source("source-freshdesk", config=..., local_executable=<console script>,
    streams="*")` then `source.read(cache=DuckDBCache(...))` lands every one of the 35 streams in
    DuckDB with exactly the account's records (the counts of expected_records.jsonl), each record's
    fields as columns. (Both syncs of this module read one emulator.)"""

    def test_given_every_stream_when_synced_then_each_has_a_duckdb_table(self, landed):
        assert len(landed["streams"]) == 35
        assert sorted(landed["rows"]) == sorted(_expected_counts())

    def test_given_every_stream_when_synced_then_each_table_holds_exactly_the_accounts_records(self, landed):
        assert landed["rows"] == _expected_counts()

    def test_given_tickets_and_contacts_when_synced_then_schema_fields_are_columns(self, landed):
        tickets, contacts = landed["columns"]["tickets"], landed["columns"]["contacts"]
        assert {"id", "subject", "updated_at", "requester", "stats", "_airbyte_raw_id"} <= set(tickets)
        assert {"id", "email", "updated_at", "custom_fields", "_airbyte_extracted_at"} <= set(contacts)


# The DuckDB types of the typed top-level fields, the same with and without custom_fields_as_columns.
# PyAirbyte 0.71.3 maps `format: date-time` / timestamp_with_timezone to SQLAlchemy's TIMESTAMP(timezone=True)
# but writes its CREATE TABLE with the type's generic name, so DuckDB reports TIMESTAMP (the UTC instant,
# as the epoch seconds below show); a string column would be VARCHAR.
TIMESTAMP = "TIMESTAMP"
STATIC_TYPES = {
    "tickets": {
        "id": "BIGINT", "created_at": TIMESTAMP, "updated_at": TIMESTAMP, "due_by": TIMESTAMP, "spam": "BOOLEAN",
        "priority": "BIGINT", "subject": "VARCHAR", "custom_fields": "JSON",
    },
    "contacts": {"id": "BIGINT", "created_at": TIMESTAMP, "updated_at": TIMESTAMP, "active": "BOOLEAN", "custom_fields": "JSON"},
    "companies": {"id": "BIGINT", "created_at": TIMESTAMP, "updated_at": TIMESTAMP, "renewal_date": "DATE", "custom_fields": "JSON"},
}  # fmt: skip
DECIMAL = "DECIMAL(38,9)"
# Every custom field of the acceptance account, as the column custom_fields_as_columns adds.
CUSTOM_FIELD_COLUMNS = {
    "tickets": {
        "cf_order_number": "VARCHAR", "cf_units_affected": "BIGINT", "cf_vip_customer": "BOOLEAN",
        "cf_follow_up_date": "DATE", "cf_category": "VARCHAR", "cf_refund_amount": DECIMAL,
        "cf_internal_note": "VARCHAR", "cf_callback_at": TIMESTAMP, "cf_region": "VARCHAR", "cf_country": "VARCHAR",
        "cf_city": "VARCHAR", "cf_order_page": "VARCHAR", "cf_callback_phone": "VARCHAR", "cf_affected_products": "JSON",
    },
    "contacts": {
        "cf_customer_tier": "VARCHAR", "cf_newsletter": "BOOLEAN", "cf_loyalty_points": "BIGINT",
        "cf_member_since": "DATE", "cf_department": "VARCHAR", "cf_backup_phone": "VARCHAR",
    },
    "companies": {
        "cf_contract_id": "VARCHAR", "cf_annual_revenue": DECIMAL, "cf_seats": "BIGINT", "cf_website": "VARCHAR",
        "cf_key_account": "BOOLEAN", "cf_onboarded_on": "DATE", "cf_account_notes": "VARCHAR",
    },
}  # fmt: skip


def _epoch(timestamp: str) -> int:
    return int(datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


# The rows of the queries above. DECIMAL(38,9) and JSON values come back as Python Decimal and str.
STATIC_VALUES = {
    # created_at, priority, spam; the refund inside the JSON custom_fields, a number (Freshdesk sent "451.61")
    "ticket_4": [[_epoch("2024-02-10T20:53:59Z"), 1, False, "451.61"]],
    "company_47000000003": [["2025-07-11"]],
}
COLUMN_VALUES = {
    "ticket_4_columns": [[_epoch("2024-02-12T07:53:59Z"), "451.610000000", 28, False, '["Gadget","Widget"]', None]],
    "ticket_8_columns": [["2024-11-28"]],
    "contact_48000000004_columns": [["2021-08-31", 3615, False, "Finance"]],
    "company_47000000001_columns": [["2023-11-18", "225002.350000000", False, None]],
}


def _typed(columns: Dict[str, str], names: Any) -> Dict[str, str]:
    return {name: columns[name] for name in names if name in columns}


class TestTypedColumnsInDuckDB:
    """Contract: in DuckDB, timestamps are TIMESTAMP (UTC instants; see TIMESTAMP above), dates DATE, integers BIGINT, booleans
    BOOLEAN, decimals DECIMAL(38,9), objects and arrays JSON. Without custom_fields_as_columns, no table
    has a `cf_` column and custom fields live in the JSON `custom_fields`; with it, each custom field of
    tickets, contacts and companies is a column of its own type, and `custom_fields` stays."""

    @pytest.mark.parametrize("stream", sorted(STATIC_TYPES))
    def test_given_the_option_off_when_synced_then_typed_fields_have_their_duckdb_types_and_no_cf_column(self, landed, stream):
        columns = landed["columns"][stream]
        assert _typed(columns, STATIC_TYPES[stream]) == STATIC_TYPES[stream]
        assert [name for name in columns if name.startswith("cf_")] == []

    @pytest.mark.parametrize("stream", sorted(STATIC_TYPES))
    def test_given_the_option_on_when_synced_then_each_custom_field_is_a_column_of_its_duckdb_type(self, landed_as_columns, stream):
        columns = landed_as_columns["columns"][stream]
        assert {name: kind for name, kind in columns.items() if name.startswith("cf_")} == CUSTOM_FIELD_COLUMNS[stream]
        assert _typed(columns, STATIC_TYPES[stream]) == STATIC_TYPES[stream]

    def test_given_the_option_on_when_synced_then_the_three_tables_hold_exactly_the_accounts_records(self, landed_as_columns):
        assert landed_as_columns["rows"] == {stream: count for stream, count in _expected_counts().items() if stream in STATIC_TYPES}

    def test_given_the_option_off_when_synced_then_timestamps_dates_integers_and_booleans_hold_their_values(self, landed):
        assert landed["values"] == STATIC_VALUES

    def test_given_the_option_on_when_synced_then_the_columns_hold_the_typed_values(self, landed_as_columns):
        assert landed_as_columns["values"] == {**STATIC_VALUES, **COLUMN_VALUES}
