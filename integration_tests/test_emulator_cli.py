"""`python -m integration_tests.emulator`: prints its config as JSON first, serves, stops on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
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
                             "ca_file": announced["ca_file"], "env": {"REQUESTS_CA_BUNDLE": announced["ca_file"]}}
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
