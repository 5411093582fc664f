"""Serve the emulator until SIGINT or SIGTERM.

    python -m integration_tests.emulator --port 8443 --seed 7 --tickets 2000 --out emulated

The first line on stdout is JSON: {"config": {...}, "ca_file": ..., "env": {...}, "folder": ...}: the
connector config to use and the environment (REQUESTS_CA_BUNDLE) that makes the client trust the
certificate. The folder (`--out`, else a new temporary one) receives config.json, catalog.json (every
stream the account serves, full refresh) and ca.pem; the lines after the JSON are the commands that
read the account with them. The account's clock is the real one (its records end now, and the ticket
activity export holds the last 30 days), unless `--now` sets it.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import signal
import sys
import tempfile
import threading
from dataclasses import fields
from datetime import datetime, timezone
from pathlib import Path

from .api import STREAM_ROUTES
from .data import Sizes
from .faults import Faults
from .limits import RateLimits
from .server import DEFAULT_API_KEY, Emulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m integration_tests.emulator", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8443, help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--now", default=None,
                        help="the account's clock, e.g. 2025-07-01T00:00:00Z (default: the real time)")
    parser.add_argument("--out", default=None, help="folder for config.json, catalog.json and ca.pem (default: a new temporary one)")
    parser.add_argument("--page-cap", type=int, default=300, help="last page of the tickets list")
    parser.add_argument("--plan-features", default=None,
                        help="comma-separated subset of surveys,forums,timesheets,skills (default: all)")
    parser.add_argument("--non-admin", action="store_true", help="the key's agent is not an administrator")
    parser.add_argument("--no-activities-export", action="store_true",
                        help="the account has not turned on the scheduled ticket activity export")
    limits = parser.add_argument_group("rate limits (none unless --per-minute is given)")
    limits.add_argument("--per-minute", type=int)
    limits.add_argument("--tickets-list", type=int, default=None)
    limits.add_argument("--contacts-list", type=int, default=None)
    limits.add_argument("--window-seconds", type=float, default=60)
    faults = parser.add_argument_group("random faults")
    for field in fields(Faults):
        faults.add_argument(f"--fault-{field.name.replace('_', '-')}", type=type(field.default), default=field.default)
    sizes = parser.add_argument_group("sizes")
    for field in fields(Sizes):
        sizes.add_argument(f"--{field.name.replace('_', '-')}", type=int, default=field.default)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    features = None if args.plan_features is None else [f for f in args.plan_features.split(",") if f]
    rate_limits = None
    if args.per_minute is not None:
        rate_limits = RateLimits(args.per_minute, args.tickets_list, args.contacts_list, args.window_seconds)
    emulator = Emulator(
        seed=args.seed,
        sizes=Sizes(**{field.name: getattr(args, field.name) for field in fields(Sizes)}),
        plan_features=features,
        admin=not args.non_admin,
        activities_export=not args.no_activities_export,
        rate_limits=rate_limits,
        faults=Faults(**{field.name: getattr(args, f"fault_{field.name}") for field in fields(Faults)}),
        page_cap=args.page_cap,
        port=args.port,
        api_key=args.api_key,
        now=args.now or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with emulator:
        folder = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="freshdesk-emulated-"))
        folder.mkdir(parents=True, exist_ok=True)
        write_files(emulator, folder)
        announced = {"config": emulator.config(), "ca_file": emulator.ca_file, "env": emulator.env(), "folder": str(folder)}
        sys.stdout.write(json.dumps(announced) + "\n" + commands(folder) + "\n")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    return 0


def write_files(emulator: Emulator, folder: Path) -> None:
    """config.json, catalog.json (every stream the account serves, full refresh) and ca.pem into `folder`."""
    (folder / "config.json").write_text(json.dumps(emulator.config(), indent=2) + "\n")
    streams = [
        {"stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
         "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
        for name in sorted(STREAM_ROUTES)
    ]
    (folder / "catalog.json").write_text(json.dumps({"streams": streams}, indent=2) + "\n")
    shutil.copyfile(str(emulator.ca_file), folder / "ca.pem")


def commands(folder: Path) -> str:
    """The commands that check and read the emulated account with the files in `folder`."""
    at = shlex.quote(str(folder))
    return "\n".join([
        "# In another shell, with source-freshdesk installed (pip install .):",
        f"export REQUESTS_CA_BUNDLE={at}/ca.pem",
        f"source-freshdesk check --config {at}/config.json",
        f"source-freshdesk discover --config {at}/config.json",
        f"source-freshdesk read --config {at}/config.json --catalog {at}/catalog.json > {at}/messages.jsonl",
    ])


if __name__ == "__main__":
    sys.exit(main())
