"""Where a large unthrottled sync spends its CPU: a profile, not a test.

    .venv/bin/python -m integration_tests.bench_profile [--tickets 20000] [--top 25]

Serves the emulator in a process of its own, runs the real `source-freshdesk read` of every stream under
cProfile (in the connector's process), and prints the records read, the connector's CPU seconds, records
per CPU second, and the functions with the most CPU time of their own (each thread's CPU clock), over all threads. cProfile slows the
connector down, so compare records per CPU second between two profiles, not with the benchmark's.
"""

from __future__ import annotations

import argparse
import pstats
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from integration_tests.harness import configured_catalog, emulator_process, read_counting_records, run_connector  # noqa: E402

SEED = 101

# The connector's `run()` with one profiler per thread (the CDK reads partitions on worker threads, which
# cProfile alone would miss), merged into one file when it returns.
PROFILED_RUN = """
import cProfile, pstats, sys, threading, time
from source_freshdesk.run import run
out, profiles, thread_run = sys.argv.pop(1), [], threading.Thread.run
def profiled(self):
    profile = cProfile.Profile(time.thread_time)
    profiles.append(profile)
    profile.runcall(thread_run, self)
threading.Thread.run = profiled
main = cProfile.Profile(time.thread_time)
try:
    main.runcall(run)
finally:
    stats = pstats.Stats(main)
    for profile in profiles:
        stats.add(profile)
    stats.dump_stats(out)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    arguments = ["--seed", str(SEED), "--tickets", str(args.tickets), "--contacts", str(args.tickets // 4),
                 "--companies", str(args.tickets // 40)]
    with tempfile.TemporaryDirectory() as tmp, emulator_process(*arguments) as served:
        profile = str(Path(tmp) / "read.prof")
        config = {**served["config"], "requests_per_minute": 1_000_000}
        discovered = run_connector("discover", config, env=served["env"]).one("CATALOG")["catalog"]["streams"]
        argv = [sys.executable, "-c", PROFILED_RUN, profile]
        run, counted = read_counting_records(config, configured_catalog(discovered), served["env"], argv=argv)
        if run.returncode != 0:
            print(run.stderr[-3000:])
            return 1
        records = sum(counted.values())
        print(f"records: {records}, wall: {run.seconds:.1f} s, connector CPU: {run.cpu_seconds:.1f} s, "
              f"records per CPU second (under cProfile): {records / run.cpu_seconds:.0f}")
        stats = pstats.Stats(profile)
        stats.sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
