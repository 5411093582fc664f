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
def landed(pyairbyte_python, tmp_path_factory) -> Dict[str, Any]:
    """One PyAirbyte sync of every stream of the acceptance account; what DuckDB holds afterwards."""
    work = tmp_path_factory.mktemp("pyairbyte")
    with acceptance.emulator() as emu:
        config_path = work / "config.json"
        config_path.write_text(json.dumps({**acceptance.sample_config(), "domain": f"localhost:{emu.port}"}))
        done = subprocess.run(
            [
                str(pyairbyte_python), str(SYNC_SCRIPT),
                "--executable", str(Path(sys.executable).with_name("source-freshdesk")),
                "--config", str(config_path),
                "--cache-dir", str(work / "cache"),
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


def _expected_counts() -> Dict[str, int]:
    """Rows per stream: expected_records.jsonl's, and 0 for a stream of the catalog without any
    (ticket_activities: the account's export holds no file the connector reaches)."""
    streams = json.loads((FOLDER / "configured_catalog.json").read_text())["streams"]
    lines = (FOLDER / "expected_records.jsonl").read_text().splitlines()
    return {**{s["stream"]["name"]: 0 for s in streams}, **Counter(json.loads(line)["stream"] for line in lines)}


class TestPyAirbyte:
    """Contract: `ab.get_source("source-freshdesk", config=..., local_executable=<console script>,
    streams="*")` then `source.read(cache=DuckDBCache(...))` lands every one of the 31 streams in
    DuckDB with exactly the account's records (the counts of expected_records.jsonl), each record's
    fields as columns."""

    def test_given_every_stream_when_synced_then_each_has_a_duckdb_table(self, landed):
        assert len(landed["streams"]) == 31
        assert sorted(landed["rows"]) == sorted(_expected_counts())

    def test_given_every_stream_when_synced_then_each_table_holds_exactly_the_accounts_records(self, landed):
        assert landed["rows"] == _expected_counts()

    def test_given_tickets_and_contacts_when_synced_then_schema_fields_are_columns(self, landed):
        tickets, contacts = landed["columns"]["tickets"], landed["columns"]["contacts"]
        assert {"id", "subject", "updated_at", "requester", "stats", "_airbyte_raw_id"} <= set(tickets)
        assert {"id", "email", "updated_at", "custom_fields", "_airbyte_extracted_at"} <= set(contacts)
