"""Fixtures for the end-to-end tests: a seeded emulator and the real `source-freshdesk` command."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import pytest

from integration_tests.emulator import Emulator, Sizes
from integration_tests.harness import Run, configured_catalog, run_connector

# Long and distinctive, so that a leak is unmistakable and the CDK's masking cannot hide it by accident.
SECRET_KEY = "e2e-secret-key-7Qx9Zr2Lm4Vb8Nw1Kp6Ty3Hd5Gf0Js-freshdesk"


def today_midnight() -> str:
    """Midnight UTC today: an emulator clock at which the ticket activities export holds the files of the
    30 days the connector asks for (it counts days on the real clock)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT00:00:00Z")


def assert_no_secret(run: Run, secret: str = SECRET_KEY) -> None:
    """The API key must never appear in anything the connector prints, not even in an error or a URL."""
    assert secret not in run.stdout, "the API key leaked to stdout"
    assert secret not in run.stderr, "the API key leaked to stderr"


def connector(
    command: str,
    config: Optional[Mapping[str, Any]] = None,
    catalog: Optional[Mapping[str, Any]] = None,
    state: Optional[Sequence[Mapping[str, Any]]] = None,
    env: Optional[Mapping[str, str]] = None,
    runtime: str = "package",
) -> Run:
    """Runs the real command line (or the bundle in `source-declarative-manifest`, see `harness.RUNTIMES`)
    and checks, on every run of the suite, that the key did not leak."""
    run = run_connector(command, config, catalog, state, env=env, runtime=runtime)
    assert_no_secret(run)
    return run


def catalog_for(emu: Emulator, streams: Optional[List[str]] = None, incremental: bool = True) -> Dict[str, Any]:
    """A configured catalog from the connector's own `discover`, limited to `streams` if given."""
    discovered = connector("discover", emu.config(), env=emu.env()).one("CATALOG")["catalog"]["streams"]
    chosen = [s for s in discovered if streams is None or s["name"] in streams]
    return configured_catalog(chosen, incremental=incremental)


def record_key(stream: str, record: Mapping[str, Any]) -> Any:
    """What identifies a record: its primary key; for ticket_activities, which has none, the whole record."""
    if stream == "ticket_activities":
        return json.dumps(record, sort_keys=True)
    keys = {"settings": "primary_language", "account": "account_id"}
    return record[keys.get(stream, "id")]


def expected_ids(emu: Emulator, stream: str, start_date: Optional[str] = None) -> List[Any]:
    """The primary keys a sync should emit for `stream` (see `record_key`): what the emulator's API lists,
    and for tickets also the deleted and spam lists, for contacts the deleted and blocked lists, which the
    connector reads too."""
    ids = [record_key(stream, record) for record in emu.data.expected(stream, start_date=start_date)]
    if stream == "tickets":
        ids += [
            ticket_id
            for ticket_id in emu.data.deleted_ticket_ids + emu.data.spam_ticket_ids
            if start_date is None or emu.data.ticket(ticket_id)["updated_at"] >= start_date
        ]
    if stream == "contacts":
        ids += [
            contact_id
            for contact_id in emu.data.deleted_contact_ids + emu.data.blocked_contact_ids
            if start_date is None or emu.data.contact(contact_id)["updated_at"] >= start_date
        ]
    return sorted(ids)


@pytest.fixture
def make_emulator() -> Callable[..., Emulator]:
    """Starts emulators holding the suite's secret key; all are stopped at the end of the test."""
    started: List[Emulator] = []

    def start(**kwargs: Any) -> Emulator:
        kwargs.setdefault("api_key", SECRET_KEY)
        emu = Emulator(**kwargs).start()
        started.append(emu)
        return emu

    yield start
    for emu in started:
        emu.stop()


@pytest.fixture(scope="module")
def seeded() -> Emulator:
    """One seeded account for a whole module (modules that mutate it start their own). Its clock is today's
    midnight, so that the ticket activities export holds the days the connector reads."""
    emu = Emulator(seed=11, sizes=Sizes(tickets=320, contacts=150), api_key=SECRET_KEY, now=today_midnight()).start()
    yield emu
    emu.stop()


# The command each of the CDK standard suite's scenario tests runs; a scenario whose config is not
# listed under that command's section in acceptance-test-config.yml would only be skipped by the suite.
_SUITE_TEST_COMMANDS = {
    "test_check": "check",
    "test_config_matches_spec": "spec",
    "test_discover": "discover",
    "test_basic_read": "read",
    "test_fail_read_with_bad_catalog": "read",
}


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    """Leaves out, rather than skips, the standard suite's tests that do not apply to a scenario."""
    kept, left_out = [], []
    for item in items:
        scenario = getattr(item, "callspec", None) and item.callspec.params.get("scenario")
        command = _SUITE_TEST_COMMANDS.get(getattr(item, "originalname", ""))
        if scenario is not None and command is not None and not scenario.runs(command):
            left_out.append(item)
        else:
            kept.append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def pytest_collection_finish(session: pytest.Session) -> None:
    """Starts building the Docker image in the background as soon as the run is known to include the
    image test, so that setting up the engine and the base overlaps the tests before it."""
    if any(getattr(getattr(item, "module", None), "__name__", "").endswith("test_docker_image") for item in session.items):
        from integration_tests.test_docker_image import start_image_build

        start_image_build()
