"""Runs the real `source-freshdesk` command in a subprocess and collects what it says.

Shared by the end-to-end tests, the demo and the benchmark: the connector is exercised exactly as the
Airbyte platform and PyAirbyte run it, through its console script, talking HTTPS to the emulator.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple


class PeakMemory:
    """Follows a child's peak resident memory (VmHWM in /proc) while it runs.

    wait4's ru_maxrss is no good here: Linux carries the forking process's resident size over into the
    child's high-water mark at exec, so a child of a big test process would look as big as its parent.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self._path = Path(f"/proc/{pid}/status")
        self._interval = interval
        self._stop = threading.Event()
        self.peak_kib = 0
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._thread.start()

    def _follow(self) -> None:
        while not self._stop.is_set():
            try:
                for line in self._path.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_kib = max(self.peak_kib, int(line.split()[1]))
            except (OSError, ValueError, IndexError):
                return  # the process is gone (or this is not Linux)
            self._stop.wait(self._interval)

    def stop(self) -> float:
        """Stops following (call before reaping the child) and returns the peak in MB."""
        self._stop.set()
        self._thread.join()
        return self.peak_kib / 1024


ROOT = Path(__file__).resolve().parents[1]
# The two ways the connector runs: the `source-freshdesk` command, and Airbyte's `source-declarative-manifest`
# with the bundle (manifest.yaml and components.py, what the Connector Builder and the manifest-only
# image load), in a process where the `source_freshdesk` package cannot be imported.
RUNTIMES = ("package", "manifest-only")


@functools.lru_cache(maxsize=None)
def manifest_only() -> Dict[str, Any]:
    """The bundle, written once per test process by the real command, and how to run it: the command line,
    and the environment and working directory in which `import source_freshdesk` fails."""
    folder = Path(tempfile.mkdtemp(prefix="freshdesk-manifest-only-"))
    atexit.register(shutil.rmtree, folder, True)
    bundle = folder / "bundle"
    done = subprocess.run(
        [sys.executable, "-m", "source_freshdesk.bundle", "--output", str(bundle)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the bundle could not be written: {done.stderr[-2000:]}")
    shadow = folder / "no-package"
    (shadow / "source_freshdesk").mkdir(parents=True)
    (shadow / "source_freshdesk" / "__init__.py").write_text(
        'raise ImportError("a manifest-only run must not need the source_freshdesk package")\n'
    )
    sdm = Path(sys.executable).with_name("source-declarative-manifest")
    if not sdm.exists():
        raise RuntimeError(f"source-declarative-manifest is not installed beside {sys.executable}")
    return {
        "argv": [str(sdm)],
        "extra_args": ["--manifest-path", str(bundle / "manifest.yaml"), "--components-path", str(bundle / "components.py")],
        "env": {"PYTHONPATH": str(shadow), "AIRBYTE_ENABLE_UNSAFE_CODE": "true"},
        "cwd": shadow,
    }


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

    def statuses(self) -> Dict[str, str]:
        """Each stream's last status (STARTED, RUNNING, COMPLETE, INCOMPLETE), by stream name."""
        return {
            m["trace"]["stream_status"]["stream_descriptor"]["name"]: m["trace"]["stream_status"]["status"]
            for m in self.messages
            if m["type"] == "TRACE" and m["trace"]["type"] == "STREAM_STATUS"
        }

    def trace_errors(self) -> List[Dict[str, Any]]:
        return [m["trace"]["error"] for m in self.messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]

    def stream_statuses(self) -> Dict[str, str]:
        """The last status each stream reported (STARTED, RUNNING, COMPLETE, INCOMPLETE).

        A RUNNING status with a reason (RATE_LIMITED) is left out: the CDK prints it straight to stdout
        from the thread that waits, so one from a parent read for a child can land after the stream's
        COMPLETE."""
        statuses: Dict[str, str] = {}
        for m in self.messages:
            if m["type"] == "TRACE" and m["trace"]["type"] == "STREAM_STATUS":
                status = m["trace"]["stream_status"]
                if status["status"] == "RUNNING" and status.get("reasons"):
                    continue
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
    runtime: str = "package",
) -> Run:
    """Runs `source-freshdesk <command>` (or, with `runtime="manifest-only"`, the bundle in
    `source-declarative-manifest`) with the given inputs written to files, like the platform does."""
    return stream_connector(command, config, catalog, state, env=env, timeout=timeout, workdir=workdir, runtime=runtime)


def stream_connector(
    command: str,
    config: Optional[Mapping[str, Any]] = None,
    catalog: Optional[Mapping[str, Any]] = None,
    state: Optional[Sequence[Mapping[str, Any]]] = None,
    env: Optional[Mapping[str, str]] = None,
    kill_when: Optional[Callable[[Dict[str, Any]], bool]] = None,
    extra_args: Sequence[str] = (),
    timeout: float = 600,
    workdir: Optional[Path] = None,
    keep: Optional[Callable[[Dict[str, Any]], bool]] = None,
    argv: Optional[Sequence[str]] = None,
    cwd: Optional[Path] = None,
    runtime: str = "package",
) -> Run:
    """Runs `<argv> <command>` (by default `source-freshdesk`), reading stdout line by line as it runs.

    `kill_when` sees every message as it arrives; the first time it answers True the process is killed
    with SIGKILL, as a crashed or preempted worker would be. Whatever the process had already written
    to its stdout is still read to the end, as the platform would, so `Run.messages` holds every message
    emitted before the kill (the returncode is then -9). `extra_args` are appended to the command line
    (for example `--debug`). With `keep`, only the messages it answers True for are kept, and stdout is
    not (for syncs too big to hold in memory: `kill_when` still sees every message). `argv` runs another
    Airbyte-protocol command line instead (`source-declarative-manifest`, the Builder's back end);
    `runtime="manifest-only"` runs the bundle in `source-declarative-manifest` (see `manifest_only`).
    """
    if runtime == "manifest-only":
        how = manifest_only()
        argv, extra_args = how["argv"], [*how["extra_args"], *extra_args]
        env, cwd = {**(env or {}), **how["env"]}, how["cwd"]
    elif runtime != "package":
        raise ValueError(f"unknown runtime {runtime!r}: one of {RUNTIMES}")
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        args = (list(argv) if argv else connector_command()) + [command]
        for name, value in (("config", config), ("catalog", catalog), ("state", state)):
            if value is not None:
                path = Path(tmp) / f"{name}.json"
                path.write_text(json.dumps(value))
                args += [f"--{name}", str(path)]
        args += list(extra_args)
        started = time.monotonic()
        process = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
        memory = PeakMemory(process.pid)
        stderr: List[str] = []
        stderr_reader = threading.Thread(target=lambda: stderr.append(process.stderr.read()))
        stderr_reader.start()
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        lines: List[str] = []
        messages: List[Dict[str, Any]] = []
        killed = False
        try:
            for line in process.stdout:
                if keep is None:
                    lines.append(line)
                stripped = line.strip()
                if not stripped.startswith("{"):
                    continue
                try:
                    message = json.loads(stripped)
                except ValueError:
                    if killed:  # the line the process was writing when it was killed: never complete
                        continue
                    raise
                if keep is None or keep(message):
                    messages.append(message)
                if not killed and kill_when is not None and kill_when(message):
                    process.kill()
                    killed = True
        except BaseException:
            process.kill()
            raise
        finally:
            timer.cancel()
            os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
            peak_mb = memory.stop()
            _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr_reader.join()
        seconds = time.monotonic() - started
    return Run(
        returncode=process.returncode,
        messages=messages,
        stdout="".join(lines),
        stderr="".join(stderr),
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=peak_mb,
    )


@contextmanager
def emulator_process(*arguments: str) -> Iterator[Dict[str, Any]]:
    """The emulator in a process of its own, so that serving does not compete with the caller for the GIL,
    started with the command-line `arguments`; yields what it prints once serving (`config`, `env`)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "integration_tests.emulator", "--port", "0", *arguments],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1],
    )
    try:
        yield json.loads(process.stdout.readline())  # type: ignore[union-attr]
    finally:
        process.terminate()
        process.wait()


def read_counting_records(
    config: Mapping[str, Any], catalog: Mapping[str, Any], env: Mapping[str, str], argv: Optional[Sequence[str]] = None
) -> Tuple[Run, Counter]:
    """A `read` too big to hold here: its records are counted per stream as they stream by, never kept."""
    counted: Counter = Counter()

    def count(message: Dict[str, Any]) -> bool:
        if message["type"] == "RECORD":
            counted[message["record"]["stream"]] += 1
        return False

    run = stream_connector("read", config, catalog, env=env, kill_when=count, timeout=7200,
                           keep=lambda message: message["type"] != "RECORD", argv=argv)
    return run, counted
