"""Serve the emulator until SIGINT or SIGTERM.

    python -m integration_tests.emulator --port 8443 --seed 7 --tickets 2000

The first line on stdout is JSON: {"config": {...}, "ca_file": ..., "env": {...}}: the connector
config to use and the environment (REQUESTS_CA_BUNDLE) that makes the client trust the certificate.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from dataclasses import fields

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
    )
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with emulator:
        sys.stdout.write(json.dumps({"config": emulator.config(), "ca_file": emulator.ca_file, "env": emulator.env()}) + "\n")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
