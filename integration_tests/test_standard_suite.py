"""airbyte-cdk's own standard test suite for declarative sources, run on the emulator, plus the record
and state checks of Airbyte's acceptance tests that the suite no longer runs.

`TestStandardSuite` is the CDK's `DeclarativeSourceTestSuite`, unchanged: what `airbyte-cdk connector
test` runs. It reads its scenarios from acceptance-test-config.yml (`spec`, `check`, `discover`, a
full-refresh `read` of every stream with records validated against their schemas, a read with a
broken catalog) and builds the source from source_freshdesk/manifest.yaml with components.py
injected, as the manifest-only runtime does.

How the configs reach the emulator: the committed configs name `localhost:8443` (where
`python -m integration_tests.acceptance serve` listens); here the emulator takes a free port, and an
autouse fixture rewrites that one value whenever the suite reads a scenario's config. The suite's
The suite's Docker image tests are left out: no Docker engine runs on our machines.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List

import pytest
from airbyte_cdk.test.models import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import DeclarativeSourceTestSuite

# Parametrizes the suite's `scenario` argument from acceptance-test-config.yml, for this module only.
from airbyte_cdk.test.standard_tests.pytest_hooks import pytest_generate_tests  # noqa: F401

from integration_tests import acceptance
from integration_tests.commands import canonical_records
from integration_tests.emulator import Emulator
from integration_tests.harness import run_connector

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "integration_tests"


@pytest.fixture(scope="module", autouse=True)
def acceptance_account() -> Emulator:
    """The account the acceptance files describe, on a free port; configs are pointed at it as read."""
    emu = acceptance.emulator().start()
    read_config = ConnectorTestScenario.get_config_dict

    def get_config_dict(self: ConnectorTestScenario, *, connector_root: Path, empty_if_missing: bool) -> Dict[str, Any]:
        config = read_config(self, connector_root=connector_root, empty_if_missing=empty_if_missing)
        if config.get("domain") == acceptance.PLACEHOLDER_DOMAIN:
            config = {**config, "domain": f"localhost:{emu.port}"}
        return config

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ConnectorTestScenario, "get_config_dict", get_config_dict)
        patch.setenv("REQUESTS_CA_BUNDLE", str(emu.ca_file))
        yield emu
    emu.stop()


@pytest.fixture
def connector_image_override() -> None:
    """The suite's image tests build the image from the Dockerfile (no prebuilt image)."""
    return None


@pytest.fixture
def connector_base_image_override() -> None:
    return None


class TestStandardSuite(DeclarativeSourceTestSuite):
    """airbyte-cdk's DeclarativeSourceTestSuite on the packaged manifest and components."""

    manifest_yaml_path = ROOT / "source_freshdesk" / "manifest.yaml"
    components_py_path = ROOT / "source_freshdesk" / "components.py"

    # The suite's Docker image tests need a Docker engine, which our machines and CI do not have: they
    # are left out here rather than skipped. The image is covered by test_packaging.py (hadolint, and
    # the same `pip install .` the Dockerfile runs).
    test_docker_image_build_and_spec = None
    test_docker_image_spec_backward_compatibility = None
    test_docker_image_build_and_check = None
    test_docker_image_build_and_config_matches_spec = None
    test_docker_image_build_and_discover = None
    test_docker_image_build_and_read = None


def _expected_records() -> Dict[str, List[str]]:
    by_stream: Dict[str, List[str]] = defaultdict(list)
    for line in (FOLDER / "expected_records.jsonl").read_text().splitlines():
        message = json.loads(line)
        by_stream[message["stream"]].append(json.dumps(message["data"], sort_keys=True))
    return {stream: sorted(records) for stream, records in by_stream.items()}


def _read(emu: Emulator, state: Any = None):
    config = {**json.loads((FOLDER / "sample_config.json").read_text()), "domain": f"localhost:{emu.port}"}
    catalog = json.loads((FOLDER / "configured_catalog.json").read_text())
    return run_connector("read", config, catalog, state=state, env=emu.env())


class TestAcceptanceFiles:
    """Contract: the acceptance files are what `python -m integration_tests.acceptance write` makes from
    the emulator's data set now; a read with sample_config.json and configured_catalog.json emits
    exactly expected_records.jsonl (CAT's `expect_records`); a read from abnormal_state.json (CAT's `future_state`)
    sets each stream's state aside with one warning and emits every record again; the suite collects both configs."""

    def test_given_committed_files_when_regenerated_then_nothing_differs(self):
        assert acceptance.stale_files() == []

    def test_given_acceptance_test_config_when_collected_then_both_configs_are_scenarios(self):
        scenarios = {s.id: s for s in TestStandardSuite.get_scenarios()}
        assert sorted(scenarios) == ["invalid_config", "official_connector_config", "sample_config"]
        assert scenarios["sample_config"].sections == ("connection", "discovery", "basic_read", "full_refresh")
        assert scenarios["official_connector_config"].sections == ("spec", "connection")
        assert scenarios["sample_config"].test_strictness_level == "high"
        assert scenarios["invalid_config"].status == "failed"

    def test_given_sample_config_when_read_then_the_records_are_expected_records(self, acceptance_account):
        run = _read(acceptance_account)
        assert run.returncode == 0, run.stderr[-3000:]
        assert canonical_records(run) == _expected_records()

    def test_given_abnormal_state_when_read_then_each_incremental_stream_is_read_again_with_one_warning(
        self, acceptance_account
    ):
        # CAT's `future_state` expects no record from a far-future state; this connector sets such a state aside
        # and reads the stream again (bypass_reason in acceptance-test-config.yml): a cursor in the future says
        # nothing about what was read, and keeping it would read nothing, sync after sync.
        state = json.loads((FOLDER / "abnormal_state.json").read_text())
        incremental = sorted(s["stream"]["stream_descriptor"]["name"] for s in state)
        run = _read(acceptance_account, state=state)
        assert run.returncode == 0, run.stderr[-3000:]
        assert incremental == ["companies", "contacts", "conversations", "satisfaction_ratings", "ticket_activities",
                               "tickets"]
        assert sorted(w for w in run.logs("WARN") if "saved state" in w) == [
            f"The saved state of stream '{stream}' has its cursor in the future (2099-01-01T00:00:00Z); it is set "
            "aside and the stream is read again from `start_date`."
            for stream in incremental
        ]
        assert canonical_records(run) == _expected_records()
        assert sorted(s for s, v in run.last_state_per_stream().items() if "2099" in json.dumps(v)) == []
