"""Peak memory of a full sync of 100,000 tickets with their conversations: a benchmark, not a test.

    .venv/bin/python -m integration_tests.bench_memory [--tickets 100000] [--budget-mb 300]

Serves the emulator in a process of its own (so that serving does not compete with this script for the
GIL), runs the real `source-freshdesk read` of tickets and conversations through the harness, and
prints the connector's peak resident memory as the harness measures it (`Run.peak_rss_mb`: that
process's own high-water mark), with the records read and the time taken. Exits 1 if a record is missing or the peak is
over the budget. Records are counted as they stream by, never kept: the sync is too big to hold here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from integration_tests.emulator.data import Dataset, Sizes  # noqa: E402
from integration_tests.harness import configured_catalog, emulator_process, read_counting_records, run_connector  # noqa: E402

SEED = 7
START_DATE = "2023-01-01T00:00:00Z"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--budget-mb", type=float, default=300)
    args = parser.parse_args()

    arguments = ["--seed", str(SEED), "--tickets", str(args.tickets), "--deleted-tickets", "0", "--spam-tickets", "0"]
    with emulator_process(*arguments) as served:
        # The API budget is lifted: this measures memory, not pacing (the emulator has no rate limit).
        config = {**served["config"], "start_date": START_DATE, "requests_per_minute": 1_000_000}
        discovered = run_connector("discover", config, env=served["env"]).one("CATALOG")["catalog"]["streams"]
        catalog = configured_catalog([s for s in discovered if s["name"] in ("tickets", "conversations")])
        run, counted = read_counting_records(config, catalog, served["env"])

    dataset = Dataset(SEED, Sizes(tickets=args.tickets, deleted_tickets=0, spam_tickets=0))
    expected = {stream: len(dataset.expected(stream, START_DATE)) for stream in ("tickets", "conversations")}
    print(json.dumps({
        "tickets": args.tickets,
        "returncode": run.returncode,
        "records": dict(counted),
        "expected_at_least": expected,
        "seconds": round(run.seconds, 1),
        "cpu_seconds": round(run.cpu_seconds, 1),
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        "errors": [error["message"][:300] for error in run.trace_errors()],
    }, indent=2))
    complete = run.returncode == 0 and all(counted[s] >= n for s, n in expected.items())
    return 0 if complete and run.peak_rss_mb < args.budget_mb else 1


if __name__ == "__main__":
    sys.exit(main())
