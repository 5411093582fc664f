"""The demo: a real sync against a seeded Freshdesk emulator, through the `source-freshdesk` command.

    python3 dev.py demo [--tickets N] [--seed N] [--output DIR]

Runs check, discover, a full read of every stream, a few changes in the account (updated tickets, new
replies, new contacts, companies and ratings), then an incremental read from the state the first read
left. Prints a table per read and writes the records to <output>/<read>/<stream>.jsonl.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List

from integration_tests.emulator import Emulator, Sizes
from integration_tests.emulator.log import LogEntry
from integration_tests.harness import Run, configured_catalog, run_connector, stream_connector

ROOT = Path(__file__).resolve().parent.parent

# Which API paths each stream calls (its own and its parents'), to attribute requests to streams.
STREAM_ENDPOINTS: Dict[str, List[str]] = {
    "tickets": ["tickets"],
    "conversations": ["tickets/{id}/conversations"],
    "canned_responses": ["canned_response_folders/{id}/responses"],
    "discussion_categories": ["discussions/categories"],
    "discussion_forums": ["discussions/categories/{id}/forums"],
    "discussion_topics": ["discussions/forums/{id}/topics"],
    "discussion_comments": ["discussions/topics/{id}/comments"],
    "email_mailboxes": ["email/mailboxes"],
    "satisfaction_ratings": ["surveys/satisfaction_ratings"],
    "settings": ["settings/helpdesk"],
    "ticket_forms": ["ticket-forms"],
    "automation_rules": ["automations/{id}/rules"],
    "ticket_field_sections": ["admin/ticket_fields/{id}/sections"],
    "solution_categories": ["solutions/categories"],
    "solution_folders": ["solutions/categories/{id}/folders"],
    "solution_articles": ["solutions/folders/{id}/articles"],
    "ticket_activities": ["export/ticket_activities", "exports/ticket_activities/{day}.json"],
}


def requests_per_stream(entries: List[LogEntry]) -> Dict[str, int]:
    """Requests by stream; a parent list read for a child is counted under the parent's name."""
    owner = {endpoint: stream for stream, endpoints in STREAM_ENDPOINTS.items() for endpoint in endpoints}
    counts: Dict[str, int] = defaultdict(int)
    for entry in entries:
        counts[owner.get(entry.endpoint, entry.endpoint)] += 1
    return counts


def seconds_per_stream(entries: List[LogEntry]) -> Dict[str, float]:
    """From a stream's first request to its last (streams run concurrently, so these overlap)."""
    owner = {endpoint: stream for stream, endpoints in STREAM_ENDPOINTS.items() for endpoint in endpoints}
    spans: Dict[str, List[float]] = {}
    for entry in entries:
        span = spans.setdefault(owner.get(entry.endpoint, entry.endpoint), [entry.t, entry.t])
        span[0], span[1] = min(span[0], entry.t), max(span[1], entry.t)
    return {stream: end - start for stream, (start, end) in spans.items()}


def print_table(title: str, run: Run, entries: List[LogEntry], streams: List[str]) -> None:
    requests = requests_per_stream(entries)
    seconds = seconds_per_stream(entries)
    states = run.last_state_per_stream()
    print(f"\n{title}: exit {run.returncode}, {run.seconds:.1f} s wall, {run.cpu_seconds:.1f} s CPU, "
          f"{run.peak_rss_mb:.0f} MB peak, {len(entries)} requests")
    print(f"{'stream':<24} {'records':>8} {'requests':>9} {'seconds':>8}  state")
    for stream in streams:
        state = states.get(stream) or {}
        if "ticket_activity_files" in state.get("parent_state", {}):  # the newest activity, the next day to read
            days = state["parent_state"]["ticket_activity_files"].get("states") or [{"cursor": {}}]
            state = {**state.get("state", {}), **days[0]["cursor"]}
        elif "parent_state" in state:
            state = {"parent_state": state["parent_state"]}
        elif "states" in state:  # one cursor per partition (the tickets stream's three lists)
            state = {s["partition"]["list"]: s["cursor"]["updated_at"] for s in state["states"]}
        shown = "full refresh" if state.get("__ab_no_cursor_state_message") else json.dumps(state)
        print(f"{stream:<24} {len(run.records.get(stream, [])):>8} {requests.get(stream, 0):>9} "
              f"{seconds.get(stream, 0.0):>8.2f}  {shown}")
    total = sum(len(records) for records in run.records.values())
    print(f"{'total':<24} {total:>8} {len(entries):>9}")


def write_records(run: Run, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stream, records in run.records.items():
        with (folder / f"{stream}.jsonl").open("w", encoding="utf-8") as out:
            for record in records:
                out.write(json.dumps(record) + "\n")


def show_progress(message: Dict[str, Any]) -> bool:
    """Prints the connector's progress lines (and each stream's end) while it reads; never stops it."""
    text = message.get("log", {}).get("message", "") if message.get("type") == "LOG" else ""
    if text.startswith("Progress at ") or (text.startswith("Read ") and text.endswith(" stream")):
        print("  " + text, flush=True)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=ROOT / "output")
    args = parser.parse_args()

    # The account's clock is today's midnight: its ticket activity export then holds the 30 days the
    # connector asks for (it counts them on the real clock).
    today = datetime.now(timezone.utc).strftime("%Y-%m-%dT00:00:00Z")
    sizes = Sizes(tickets=args.tickets, contacts=max(50, args.tickets // 2))
    with Emulator(seed=args.seed, sizes=sizes, now=today) as emu:
        config, env = emu.config(), emu.env()
        print(f"Freshdesk emulator on https://localhost:{emu.port} (seed {args.seed}, {args.tickets} tickets)")
        print("config: " + json.dumps({**config, "api_key": "********"}))

        checked = run_connector("check", config, env=env)
        print("check: " + json.dumps(checked.one("CONNECTION_STATUS")["connectionStatus"]))

        discovered = run_connector("discover", config, env=env).one("CATALOG")["catalog"]["streams"]
        streams = sorted(stream["name"] for stream in discovered)
        incremental = sorted(s["name"] for s in discovered if "incremental" in s["supported_sync_modes"])
        print(f"discover: {len(streams)} streams, incremental: {', '.join(incremental)}")
        catalog = configured_catalog(discovered)

        emu.log.clear()
        print("read: every stream (the connector's progress lines as they come)")
        first = stream_connector("read", config, catalog, env=env, kill_when=show_progress)
        print_table("Full read", first, emu.log.entries, streams)

        emu.data.advance(3600)
        tickets = [t["id"] for t in emu.data.expected("tickets")]
        changed = emu.data.update_tickets(tickets[:: max(1, len(tickets) // 10)])
        replied = tickets[1:4]
        for ticket_id in replied:
            emu.data.add_conversation(ticket_id)
        contacts = emu.data.add_contacts(5)
        companies = emu.data.add_companies(2)
        ratings = emu.data.add_satisfaction_ratings(3)
        print(f"\nChanges: {len(changed)} tickets updated, replies on tickets {replied}, "
              f"{len(contacts)} contacts, {len(companies)} companies, {len(ratings)} ratings added")

        emu.log.clear()
        second = run_connector("read", config, catalog, state=first.state_messages_for_next_sync(), env=env)
        print_table("Incremental read", second, emu.log.entries, streams)

    if args.output.exists():
        shutil.rmtree(args.output)
    write_records(first, args.output / "full")
    write_records(second, args.output / "incremental")
    print(f"\nRecords written to {args.output}/full/<stream>.jsonl and {args.output}/incremental/<stream>.jsonl")
    return 0 if first.returncode == 0 and second.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
