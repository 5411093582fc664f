"""`python -m integration_tests.emulator`: prints its config as JSON first, then the commands that read it with
the files it wrote (config, catalog, CA), serves on the real clock, stops on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serves_with_the_given_options_until_signalled(stop_signal):
    command = [sys.executable, "-m", "integration_tests.emulator", "--port", "0", "--seed", "3", "--tickets", "40",
               "--plan-features", "surveys,timesheets", "--non-admin", "--no-activities-export", "--per-minute", "50",
               "--api-key", "cli-key"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        announced = json.loads(process.stdout.readline())
        port = int(announced["config"]["domain"].split(":")[1])
        assert announced == {"config": {"api_key": "cli-key", "domain": f"localhost:{port}"},
                             "ca_file": announced["ca_file"], "env": {"REQUESTS_CA_BUNDLE": announced["ca_file"]},
                             "folder": announced["folder"]}
        session = requests.Session()

        def get(path: str) -> requests.Response:
            return session.get(f"https://localhost:{port}/api/v2/{path}", auth=("cli-key", "X"),
                               verify=announced["ca_file"], timeout=10)

        response = get("tickets?updated_since=2020-01-01&per_page=100")
        assert (response.status_code, len(response.json()), response.headers["X-Ratelimit-Total"]) == (200, 35, "50")
        assert get("surveys").status_code == 200
        assert get("discussions/categories").json()["code"] == "require_feature"
        assert get("roles").json()["code"] == "access_denied"
        assert get("export/ticket_activities").json()["message"].startswith("The Activity Export feature(s)")
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
        assert not Path(announced["ca_file"]).exists()
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_writes_config_catalog_and_ca_and_prints_the_commands_that_read_it(tmp_path):
    folder = tmp_path / "emulated"
    command = [sys.executable, "-m", "integration_tests.emulator", "--port", "0", "--tickets", "20", "--out", str(folder)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        announced = json.loads(process.stdout.readline())
        printed = [process.stdout.readline().rstrip("\n") for _ in range(5)]
        assert announced["folder"] == str(folder)
        assert printed == [
            "# In another shell, with source-freshdesk installed (pip install .):",
            f"export REQUESTS_CA_BUNDLE={folder}/ca.pem",
            f"source-freshdesk check --config {folder}/config.json",
            f"source-freshdesk discover --config {folder}/config.json",
            f"source-freshdesk read --config {folder}/config.json --catalog {folder}/catalog.json > {folder}/messages.jsonl",
        ]
        assert json.loads((folder / "config.json").read_text()) == announced["config"]
        catalog = json.loads((folder / "catalog.json").read_text())
        assert len(catalog["streams"]) == 35 and {s["sync_mode"] for s in catalog["streams"]} == {"full_refresh"}
        # The printed read, as printed (the console script beside this interpreter), of tickets only.
        tickets = {"streams": [s for s in catalog["streams"] if s["stream"]["name"] == "tickets"]}
        (folder / "catalog.json").write_text(json.dumps(tickets))
        read = printed[4].replace("source-freshdesk", str(Path(sys.executable).parent / "source-freshdesk"), 1)
        done = subprocess.run(read, shell=True, env={**os.environ, "REQUESTS_CA_BUNDLE": str(folder / "ca.pem")},
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        messages = [json.loads(line) for line in (folder / "messages.jsonl").read_text().splitlines()]
        updated = [m["record"]["data"]["updated_at"] for m in messages if m["type"] == "RECORD"]
        assert len(updated) == 20
        # The real clock: the records end before now, and after the fixed clock the tests use (2025-07-01).
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert "2025-07-01T00:00:00Z" < max(updated) <= now
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
