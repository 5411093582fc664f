"""Runs any Airbyte-protocol command line (not only `source-freshdesk`) and parses what it prints.

The end-to-end tests of the other ways to run the connector use it: Airbyte's `source-declarative-manifest`
with the bundle, the Connector Builder's back end, the console script of an installed wheel. The
output is parsed into the same `Run` as `harness.run_connector` returns.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

from integration_tests.harness import Run, stream_connector


def beside_python(script: str) -> str:
    """The console script `script` installed beside this interpreter (the test venv's)."""
    path = Path(sys.executable).with_name(script)
    if not path.exists():
        raise RuntimeError(f"{script} is not installed beside {sys.executable}")
    return str(path)


def parse_messages(stdout: str) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip().startswith("{")]


def run_command(
    argv: Sequence[str],
    command: str,
    config: Optional[Mapping[str, Any]] = None,
    catalog: Optional[Mapping[str, Any]] = None,
    state: Optional[Any] = None,
    extra_args: Sequence[str] = (),
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 600,
    cwd: Optional[Path] = None,
) -> Run:
    """Runs `argv command --config … --catalog … --state … extra_args`, inputs written to files as a platform does."""
    return stream_connector(
        command, config, catalog, state, env=env, extra_args=extra_args, timeout=timeout, argv=argv, cwd=cwd
    )


def canonical_records(run: Run) -> Dict[str, List[str]]:
    """Each stream's records as sorted canonical JSON: comparable across runs whatever the thread order."""
    return {
        stream: sorted(json.dumps(record, sort_keys=True) for record in records)
        for stream, records in run.records.items()
    }
