"""Runs the real `source-freshdesk` command in a subprocess and collects what it says.

Shared by the end-to-end tests, the demo and the benchmark: the connector is exercised exactly as the
Airbyte platform and PyAirbyte run it, through its console script, talking HTTPS to the emulator.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence


def connector_command() -> List[str]:
    """The installed console script beside this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("source-freshdesk")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("source-freshdesk")
    if not found:
        raise RuntimeError("source-freshdesk is not installed: run `pip install -e .` first")
    return [found]


@dataclass
class Run:
    """What one connector command printed, parsed."""

    returncode: int
    messages: List[Dict[str, Any]]
    stdout: str
    stderr: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    records: Dict[str, List[Dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for message in self.messages:
            if message["type"] == "RECORD":
                self.records[message["record"]["stream"]].append(message["record"]["data"])

    @property
    def states(self) -> List[Dict[str, Any]]:
        """Every STATE message's `state` object, in order."""
        return [m["state"] for m in self.messages if m["type"] == "STATE"]

    def last_state_per_stream(self) -> Dict[str, Dict[str, Any]]:
        """The last emitted state of each stream, as {stream: stream_state}."""
        last: Dict[str, Dict[str, Any]] = {}
        for state in self.states:
            if state.get("type") == "STREAM":
                last[state["stream"]["stream_descriptor"]["name"]] = state["stream"]["stream_state"]
        return last

    def state_messages_for_next_sync(self) -> List[Dict[str, Any]]:
        """The state file content a platform would pass to the next sync: the last state of each stream."""
        last: Dict[str, Dict[str, Any]] = {}
        for state in self.states:
            if state.get("type") == "STREAM":
                last[state["stream"]["stream_descriptor"]["name"]] = state
        return list(last.values())

    def logs(self, level: Optional[str] = None) -> List[str]:
        return [
            m["log"]["message"]
            for m in self.messages
            if m["type"] == "LOG" and (level is None or m["log"]["level"] == level)
        ]

    def trace_errors(self) -> List[Dict[str, Any]]:
        return [m["trace"]["error"] for m in self.messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]

    def stream_statuses(self) -> Dict[str, str]:
        """The last status each stream reported (STARTED, RUNNING, COMPLETE, INCOMPLETE)."""
        statuses: Dict[str, str] = {}
        for m in self.messages:
            if m["type"] == "TRACE" and m["trace"]["type"] == "STREAM_STATUS":
                status = m["trace"]["stream_status"]
                statuses[status["stream_descriptor"]["name"]] = status["status"]
        return statuses

    def one(self, message_type: str) -> Dict[str, Any]:
        found = [m for m in self.messages if m["type"] == message_type]
        if len(found) != 1:
            raise AssertionError(f"expected one {message_type} message, got {len(found)}: {self.stderr[-2000:]}")
        return found[0]


def configured_catalog(streams: Sequence[Mapping[str, Any]], incremental: bool = True) -> Dict[str, Any]:
    """A configured catalog selecting every stream given (from `discover`), incremental where supported."""
    configured = []
    for stream in streams:
        is_incremental = incremental and "incremental" in stream["supported_sync_modes"]
        configured.append(
            {
                "stream": stream,
                "sync_mode": "incremental" if is_incremental else "full_refresh",
                "destination_sync_mode": "append_dedup" if is_incremental else "overwrite",
                "cursor_field": stream.get("default_cursor_field") or [],
                "primary_key": stream.get("source_defined_primary_key") or [],
            }
        )
    return {"streams": configured}


def run_connector(
    command: str,
    config: Optional[Mapping[str, Any]] = None,
    catalog: Optional[Mapping[str, Any]] = None,
    state: Optional[Sequence[Mapping[str, Any]]] = None,
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 600,
    workdir: Optional[Path] = None,
) -> Run:
    """Runs `source-freshdesk <command>` with the given inputs written to files, like the platform does."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        args = connector_command() + [command]
        for name, value in (("config", config), ("catalog", catalog), ("state", state)):
            if value is not None:
                path = Path(tmp) / f"{name}.json"
                path.write_text(json.dumps(value))
                args += [f"--{name}", str(path)]
        started = time.monotonic()
        process = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {})},
        )
        outputs: Dict[str, str] = {}
        readers = [
            threading.Thread(target=lambda name=name, pipe=pipe: outputs.__setitem__(name, pipe.read()))
            for name, pipe in (("stdout", process.stdout), ("stderr", process.stderr))
        ]
        for reader in readers:
            reader.start()
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            # wait4 reports this child's own CPU time and peak memory (not the sum over all children).
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        for reader in readers:
            reader.join()
        seconds = time.monotonic() - started
    messages = []
    for line in outputs["stdout"].splitlines():
        line = line.strip()
        if line.startswith("{"):
            messages.append(json.loads(line))
    return Run(
        returncode=process.returncode,
        messages=messages,
        stdout=outputs["stdout"],
        stderr=outputs["stderr"],
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,  # KiB on Linux
    )
