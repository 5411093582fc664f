"""The benchmark: full and incremental syncs through the real command line against the emulator.

    .venv/bin/python -m integration_tests.benchmark [--tickets 20000] [--throttled-tickets 600]
        [--history-tickets 5000] [--only NAME] [--runtime package|manifest-only|both]

Prints one table: scenario, records, requests, the minimum number of requests the data needs, 429s
served, wall seconds, the floor (minimum credits / the emulated per-minute limit, for throttled
scenarios), records per second, the connector's CPU seconds and its peak resident memory.
`history` is a first sync, without `start_date`, of an account whose tickets span five years. Each
scenario runs through the `source-freshdesk` command, through `source-declarative-manifest` with the
bundle, or both (`--runtime`, default both; the throttled scenarios of both runtimes run side by side,
each against its own emulator). `--only interrupted` runs instead a sync under Growth limits killed just before a conversations state
is due, resumes it from its last states, and prints how many conversations calls the resumed sync
made again.

The minimum is what a connector that knows nothing in advance must request: for every list, one call
per 100 rows (at least one), the deleted and spam tickets' and the deleted and blocked contacts' lists
included; one conversations call per ticket of the default list (Freshdesk says
nothing of a ticket's conversation count); one call per parent of the nested lists that report
children (canned response folders, forums, topics); settings one call; ticket_activities one call per
day of the export's window and one per file, or the one call that finds nothing to read (see
`ticket_activities_minimum`). Not in it: the connector's
3 calls for the custom field definitions behind the typed tickets, contacts and companies schemas
(ticket_fields, contact_fields, company_fields, which their own streams read again): a connector could
reuse one answer for both, so they are counted as extra.
"""

from __future__ import annotations

import argparse
import math
import platform
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional

from integration_tests.emulator import Emulator, RateLimits, Sizes
from integration_tests.emulator.records import AUTOMATION_TYPES
from integration_tests.harness import RUNTIMES, Run, configured_catalog, run_connector, stream_connector

PAGE = 100


def account_clock() -> str:
    """The emulated account's clock: two hours ago, real time. The connector's windows end at the real
    clock, as Freshdesk's does; an account clock in the past would cost a call per list for every month in
    between, which no real account pays, and the incremental scenario moves the clock one hour on."""
    return (datetime.now(timezone.utc) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")


def pages(rows: int) -> int:
    return max(1, math.ceil(rows / PAGE))


def ticket_activities_minimum(emu: Emulator, since_day: Optional[str] = None) -> int:
    """The activity export's calls: when the account holds yesterday's file (real clock: the connector counts
    days on it), one call per day of the 30 before today (from `since_day` on) and one per file, yesterday's
    first call doubling as its day's; else the one call that finds there is nothing to read."""
    today = datetime.now(timezone.utc).date()
    yesterday = (today - timedelta(days=1)).isoformat()
    if not (emu.activities_export and emu.admin and emu.data.activity_file(yesterday)):
        return 1
    days = [(today - timedelta(days=back)).isoformat() for back in range(30, 0, -1)]
    days = [day for day in days if since_day is None or day >= since_day]
    return max(1, len(days) + sum(1 for day in days if emu.data.activity_file(day) is not None))


def minimum_requests(emu: Emulator, start_date: Optional[str] = None, activities_since: Optional[str] = None) -> int:
    """The fewest requests that read every record of every stream (see the module docstring), or those
    updated from `start_date` and the activity export's days from `activities_since` on."""
    data = emu.data
    lists = [
        "agents", "business_hours", "canned_response_folders", "companies", "company_fields",
        "contact_fields", "contacts", "discussion_categories", "email_configs", "email_mailboxes",
        "groups", "products", "roles", "satisfaction_ratings", "scenario_automations", "skills",
        "sla_policies", "solution_categories", "surveys", "ticket_fields", "time_entries", "ticket_forms",
    ]
    total = sum(pages(len(data.expected(name, start_date=start_date))) for name in lists)
    tickets = data.expected("tickets", start_date=start_date)
    total += pages(len(tickets)) + pages(len(data.deleted_ticket_ids)) + pages(len(data.spam_ticket_ids))
    total += sum(pages(len(data.conversations(t["id"]) or [])) for t in tickets)
    for removed in (data.deleted_contact_ids, data.blocked_contact_ids):  # contacts' state=deleted / blocked
        total += pages(sum(1 for i in removed if start_date is None or data.contact(i)["updated_at"] >= start_date))
    total += 1  # settings/helpdesk
    total += 1  # account
    total += sum(pages(len(data.children("automation_rules", t) or [])) for t in AUTOMATION_TYPES)  # automations/{type}/rules
    total += sum(1 for field in data.ticket_fields if field["has_section"])  # admin/ticket_fields/{id}/sections
    total += ticket_activities_minimum(emu, activities_since)
    for child, parent in (
        ("canned_responses", "canned_response_folders"),
        ("discussion_forums", "discussion_categories"),
        ("discussion_topics", "discussion_forums"),
        ("discussion_comments", "discussion_topics"),
        ("solution_folders", "solution_categories"),
        ("solution_articles", "solution_folders"),
    ):
        total += len(data.expected(parent))
    return total


@dataclass
class Row:
    scenario: str
    run: Run
    requests: int
    minimum: int
    throttled_429: int
    floor_seconds: Optional[float]

    def cells(self) -> List[str]:
        records = sum(len(r) for r in self.run.records.values())
        return [
            self.scenario,
            f"{records}",
            f"{self.requests}",
            f"{self.minimum}",
            f"{self.requests / self.minimum - 1:+.1%}",
            f"{self.throttled_429}",
            f"{self.run.seconds:.1f}",
            "-" if self.floor_seconds is None else f"{self.floor_seconds:.1f}",
            f"{records / self.run.seconds:.0f}",
            f"{self.run.cpu_seconds:.1f}",
            f"{records / max(self.run.cpu_seconds, 0.001):.0f}",
            f"{self.run.peak_rss_mb:.0f}",
        ]


HEADER = ["scenario", "records", "requests", "minimum", "extra", "429s", "wall s", "floor s", "rec/s", "CPU s", "rec/CPU s", "peak MB"]


def sync(emu: Emulator, config: Dict[str, Any], state: Optional[List[Dict[str, Any]]] = None, runtime: str = "package") -> Run:
    discovered = run_connector("discover", config, env=emu.env()).one("CATALOG")["catalog"]["streams"]
    emu.log.clear()
    if hasattr(emu, "limiter"):
        emu.limiter.reset()
    run = run_connector("read", config, configured_catalog(discovered), state=state, env=emu.env(), timeout=7200, runtime=runtime)
    if run.returncode != 0:
        raise SystemExit(f"the sync failed:\n{run.stderr[-3000:]}")
    return run


def unthrottled(tickets: int, runtime: str) -> List[Row]:
    rows = []
    sizes = Sizes(tickets=tickets, contacts=tickets // 4, companies=tickets // 40)
    with Emulator(seed=101, sizes=sizes, now=account_clock()) as emu:
        config = emu.config()
        full = sync(emu, config, runtime=runtime)
        rows.append(Row(f"{runtime}: full, unthrottled, {tickets} tickets", full, len(emu.log.entries), minimum_requests(emu), emu.log.count_429(), None))

        newest = full.last_state_per_stream()["tickets"]["updated_at"]
        emu.data.advance(3600)
        ids = [t["id"] for t in emu.data.expected("tickets")]
        changed = ids[:: 100]  # 1% of the tickets
        for ticket_id in changed[::2]:
            emu.data.add_conversation(ticket_id)
        emu.data.update_tickets(changed[1::2])
        incremental = sync(emu, config, full.state_messages_for_next_sync(), runtime=runtime)
        # The full sync read the export's days up to yesterday: the next has only today's to look for.
        floor = minimum_requests(emu, start_date=newest, activities_since=datetime.now(timezone.utc).date().isoformat())
        rows.append(Row(f"{runtime}: incremental after 1% changed ({len(changed)} tickets)", incremental, len(emu.log.entries), floor, emu.log.count_429(), None))
    return rows


def history(tickets: int, runtime: str) -> Row:
    """A first sync without `start_date` of an account whose tickets span five years."""
    sizes = Sizes(tickets=tickets, contacts=tickets // 4, companies=tickets // 40, history_days=5 * 365)
    with Emulator(seed=404, sizes=sizes, now=account_clock()) as emu:
        run = sync(emu, emu.config(), runtime=runtime)
        return Row(f"{runtime}: full, {tickets} tickets over 5 years, no start_date", run, len(emu.log.entries), minimum_requests(emu), emu.log.count_429(), None)


def throttled(tickets: int, configured: bool, runtime: str) -> Row:
    limits = RateLimits(per_minute=200, tickets_list=20, contacts_list=20)
    sizes = Sizes(tickets=tickets, contacts=tickets // 4, companies=tickets // 40, history_days=300)
    with Emulator(seed=202, sizes=sizes, rate_limits=limits, now=account_clock()) as emu:
        config = emu.config(plan="growth") if configured else emu.config()
        run = sync(emu, config, runtime=runtime)
        minimum = minimum_requests(emu)
        credits = minimum + 6 * (pages(len(emu.data.expected("tickets"))) + 2)  # includes on tickets pages
        label = "configured plan: growth" if configured else "no limit configured"
        return Row(f"{runtime}: full, Growth limits (200/min), {label}", run, len(emu.log.entries), minimum, emu.log.count_429(), credits / 200 * 60)


def interrupted(tickets: int, kill_after_state_seconds: float) -> str:
    """A sync under Growth limits, killed `kill_after_state_seconds` after its second conversations state
    (just before the next one is due), then resumed from the last states: how many conversations calls the
    second sync makes again, for tickets whose conversations the first had already read."""
    limits = RateLimits(per_minute=200, tickets_list=20, contacts_list=20)
    sizes = Sizes(tickets=tickets, contacts=tickets // 4, companies=tickets // 40, history_days=300)
    with Emulator(seed=303, sizes=sizes, rate_limits=limits, now=account_clock()) as emu:
        config = emu.config(plan="growth")
        catalog = configured_catalog(run_connector("discover", config, env=emu.env()).one("CATALOG")["catalog"]["streams"])
        emu.log.clear()
        states_seen: List[float] = []

        def kill_when(message: Dict[str, Any]) -> bool:
            now = time.monotonic()
            if message["type"] == "STATE" and message["state"]["stream"]["stream_descriptor"]["name"] == "conversations":
                states_seen.append(now)
            return len(states_seen) >= 2 and now - states_seen[-1] >= kill_after_state_seconds

        first = stream_connector("read", config, catalog, env=emu.env(), kill_when=kill_when, timeout=7200)
        read_before = {e.path for e in emu.log.entries if e.path.endswith("/conversations") and e.status == 200}
        emu.log.clear()
        second = sync(emu, config, first.state_messages_for_next_sync())
        again = [e.path for e in emu.log.entries if e.path.endswith("/conversations") and e.status == 200 and e.path in read_before]
        expected = {t["id"] for t in emu.data.expected("tickets")}
        missing = expected - {r["id"] for r in first.records["tickets"] + second.records["tickets"]}
        if first.returncode != -9:
            raise SystemExit(f"the first sync ended (exit {first.returncode}) before the kill: use more tickets")
        return (
            f"killed after {first.seconds:.0f} s ({len(states_seen)} conversations states, the last "
            f"{kill_after_state_seconds:.0f} s before the kill); the resumed sync read the conversations of "
            f"{len(set(again))} tickets again ({len(again)} calls, {len(again) / 200 * 60:.0f} s at 200 calls a minute); "
            f"tickets missing from the union: {len(missing)}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--throttled-tickets", type=int, default=600)
    parser.add_argument("--history-tickets", type=int, default=5_000)
    parser.add_argument("--only", choices=["unthrottled", "history", "throttled", "unconfigured", "interrupted"])
    parser.add_argument("--runtime", choices=[*RUNTIMES, "both"], default="both")
    args = parser.parse_args()
    runtimes = list(RUNTIMES) if args.runtime == "both" else [args.runtime]

    if args.only == "interrupted":
        print(interrupted(args.throttled_tickets, kill_after_state_seconds=55))
        return 0
    rows: List[Row] = []
    for runtime in runtimes:  # one at a time: their CPU figures would disturb each other
        if args.only in (None, "unthrottled"):
            rows += unthrottled(args.tickets, runtime)
        if args.only in (None, "history"):
            rows.append(history(args.history_tickets, runtime))
    paced = [(configured, runtime) for configured in (True, False) for runtime in runtimes
             if args.only in (None, "throttled" if configured else "unconfigured")]
    with ThreadPoolExecutor(max_workers=max(1, len(paced))) as pool:  # they mostly wait
        rows += list(pool.map(lambda job: throttled(args.throttled_tickets, *job), paced))

    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    widths = [max(len(h), *(len(r.cells()[i]) for r in rows)) for i, h in enumerate(HEADER)]
    print(" | ".join(h.ljust(w) for h, w in zip(HEADER, widths)))
    print("-|-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row.cells(), widths)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
