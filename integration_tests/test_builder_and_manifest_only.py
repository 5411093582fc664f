"""The bundle (`python -m source_freshdesk.bundle`) run the two ways Airbyte runs a manifest-only connector.

- Airbyte's `source-declarative-manifest` (the CDK's console script, what the manifest-only image runs)
  with `--manifest-path` and `--components-path`.
- The Connector Builder's back end (`python -m airbyte_cdk.connector_builder.main read`), with the
  manifest, the components code and its checksum injected into the config as the Builder sends them.

Both run in a process where the `source_freshdesk` package cannot be imported, so a bundle that still
leaned on the package would fail here rather than in the Builder.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from airbyte_cdk.sources.declarative.concurrent_declarative_source import (
    get_declarative_component_schema,
    validate_manifest,
)
from airbyte_cdk.sources.declarative.parsers.manifest_component_transformer import ManifestComponentTransformer
from airbyte_cdk.sources.declarative.parsers.manifest_reference_resolver import ManifestReferenceResolver

from integration_tests.commands import beside_python, canonical_records, run_command
from integration_tests.conftest import SECRET_KEY, assert_no_secret, catalog_for, connector, expected_ids
from integration_tests.emulator import Emulator, Sizes
from integration_tests.harness import Run
from source_freshdesk.bundle import md5

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_MANIFEST = ROOT / "source_freshdesk" / "manifest.yaml"
PACKAGE_COMPONENTS = ROOT / "source_freshdesk" / "components.py"
CONTACTS = 150  # 147 in the default list, in two pages of at most 100; then 2 deleted and 1 blocked
UNSAFE = {"AIRBYTE_ENABLE_UNSAFE_CODE": "true"}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Dict[str, Any]:
    """The bundle, written by the real command into a fresh folder."""
    output = tmp_path_factory.mktemp("bundle")
    done = subprocess.run(
        [sys.executable, "-m", "source_freshdesk.bundle", "--output", str(output)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert done.returncode == 0, done.stderr
    manifest_path, components_path = output / "manifest.yaml", output / "components.py"
    return {
        "dir": output,
        "manifest_path": manifest_path,
        "components_path": components_path,
        "manifest": yaml.safe_load(manifest_path.read_text()),
        "components": components_path.read_text(),
    }


@pytest.fixture(scope="module")
def without_package(tmp_path_factory) -> Dict[str, Any]:
    """A working directory and environment in which `import source_freshdesk` fails."""
    shadow = tmp_path_factory.mktemp("no-package")
    (shadow / "source_freshdesk").mkdir()
    (shadow / "source_freshdesk" / "__init__.py").write_text(
        'raise ImportError("the bundle must not need the source_freshdesk package")\n'
    )
    return {"cwd": shadow, "env": {"PYTHONPATH": str(shadow), **UNSAFE}}


@pytest.fixture(scope="module")
def account() -> Emulator:
    emu = Emulator(seed=23, sizes=Sizes(tickets=40, contacts=CONTACTS, companies=12), api_key=SECRET_KEY).start()
    yield emu
    emu.stop()


def sdm(bundle: Dict[str, Any], without_package: Dict[str, Any], command: str, emu: Emulator, **inputs: Any) -> Run:
    """Runs Airbyte's `source-declarative-manifest` on the bundle, with the package out of reach."""
    run = run_command(
        [beside_python("source-declarative-manifest")],
        command,
        extra_args=["--manifest-path", str(bundle["manifest_path"]), "--components-path", str(bundle["components_path"])],
        env={**emu.env(), **without_package["env"]},
        cwd=without_package["cwd"],
        **inputs,
    )
    assert_no_secret(run)
    return run


def builder_read(bundle: Dict[str, Any], without_package: Dict[str, Any], emu: Emulator, stream: str,
                 env_overrides: Dict[str, str] | None = None, options: Dict[str, Any] | None = None,
                 **test_read_config: int) -> Run:
    """One `test_read` of the Connector Builder's back end, with the request the Builder sends."""
    manifest = copy.deepcopy(bundle["manifest"])
    config = {
        **emu.config(**(options or {})),
        "__injected_declarative_manifest": manifest,
        "__command": "test_read",
        "__injected_components_py": bundle["components"],
        "__injected_components_py_checksums": {"md5": md5(bundle["components"])},
        "__test_read_config": {"max_records": 1000, "max_pages_per_slice": 5, "max_slices": 5, **test_read_config},
    }
    catalog = {
        "streams": [
            {
                "stream": {"name": stream, "json_schema": manifest["schemas"][stream], "supported_sync_modes": ["full_refresh"]},
                "sync_mode": "full_refresh",
                "destination_sync_mode": "overwrite",
            }
        ]
    }
    env = {**emu.env(), **without_package["env"], **(env_overrides or {})}
    return run_command(
        [sys.executable, "-m", "airbyte_cdk.connector_builder.main"], "read",
        config=config, catalog=catalog, env=env, cwd=without_package["cwd"],
    )


@pytest.fixture(scope="module")
def reads(bundle, without_package, account) -> Dict[str, Run]:
    """Every stream read by the package and by source-declarative-manifest with the bundle."""
    config = account.config(start_date="2024-01-01")
    catalog = catalog_for(account)
    return {
        "package": connector("read", config, catalog, env=account.env()),
        "bundle": sdm(bundle, without_package, "read", account, config=config, catalog=catalog),
    }


@pytest.fixture(scope="module")
def contacts(bundle, without_package, account) -> Dict[str, Any]:
    """The Builder's answer to a test read of contacts (the StreamRead object)."""
    run = builder_read(bundle, without_package, account, "contacts", env_overrides=UNSAFE)
    assert run.returncode == 0, run.stderr[-3000:]
    assert [e["message"] for e in run.trace_errors()] == []
    return run.one("RECORD")["record"]["data"]


def _resolved(manifest: Dict[str, Any]) -> Dict[str, Any]:
    resolved = ManifestReferenceResolver().preprocess_manifest(copy.deepcopy(manifest))
    return ManifestComponentTransformer().propagate_types_and_parameters("", resolved, {})


def _strings(node: Any):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def _class_names(node: Any):
    if isinstance(node, dict):
        if isinstance(node.get("class_name"), str):
            yield node["class_name"]
        for value in node.values():
            yield from _class_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _class_names(value)


class TestBundleFiles:
    """Contract: `python -m source_freshdesk.bundle --output DIR` writes a manifest.yaml that the CDK's
    declarative component schema accepts, whose every stream has an inline schema (a top-level
    `schemas:` map, shared `$ref`s expanded), whose custom classes are named
    `source_declarative_manifest.components.X`, and a components.py identical to the package's. The
    custom-fields loader of tickets, contacts and companies wraps the inline schema of its stream."""

    def test_given_bundle_when_resolved_then_it_validates_against_the_declarative_component_schema(self, bundle):
        validate_manifest(_resolved(bundle["manifest"]), get_declarative_component_schema())

    def test_given_bundle_when_streams_listed_then_each_has_an_inline_schema_without_refs(self, bundle):
        streams = _resolved(bundle["manifest"])["streams"]
        # tickets, contacts and companies keep the custom-fields loader, around their inline static schema
        custom = {s["name"]: s["schema_loader"]["schema_loader"] for s in streams if s["schema_loader"]["type"] == "CustomSchemaLoader"}
        assert sorted(custom) == ["companies", "contacts", "tickets"]
        assert [loader["type"] for loader in custom.values()] == ["InlineSchemaLoader"] * 3
        assert [s["schema_loader"]["type"] for s in streams if s["name"] not in custom] == ["InlineSchemaLoader"] * (len(streams) - 3)
        assert sorted(bundle["manifest"]["schemas"]) == sorted(s["name"] for s in streams)
        assert [value for value in _strings(bundle["manifest"]["schemas"]) if value.endswith(".json")] == []
        assert "$ref" not in json.dumps(bundle["manifest"]["schemas"])

    def test_given_bundle_when_searched_then_nothing_names_the_package(self, bundle):
        class_names = sorted(set(_class_names(bundle["manifest"])))
        defined = re.findall(r"^class (\w+)\(", bundle["components"], re.M)
        assert "source_declarative_manifest.components.FreshdeskErrorHandler" in class_names
        assert [n for n in class_names if n.rpartition(".")[0] != "source_declarative_manifest.components"] == []
        assert [n for n in class_names if n.rpartition(".")[2] not in defined] == []
        assert [v for v in _strings(bundle["manifest"]) if "source_freshdesk" in v] == []
        assert bundle["components"] == PACKAGE_COMPONENTS.read_text()

    def test_given_package_manifest_when_compared_then_the_bundle_keeps_its_definitions(self, bundle):
        package = yaml.safe_load(PACKAGE_MANIFEST.read_text())
        assert set(bundle["manifest"]["definitions"]) == set(package["definitions"])
        # The shared file-based loader, which no stream uses any more, becomes an empty inline one.
        assert bundle["manifest"]["definitions"]["schema_loader"] == {"type": "InlineSchemaLoader", "schema": {}}
        assert set(bundle["manifest"]) == set(package) | {"schemas"}
        for key in ("spec", "check", "concurrency_level", "streams", "version"):
            assert json.dumps(bundle["manifest"][key], sort_keys=True).replace(
                "source_declarative_manifest.components.", "source_freshdesk.components."
            ) == json.dumps(package[key], sort_keys=True)


class TestManifestOnlyRunner:
    """Contract: Airbyte's `source-declarative-manifest --manifest-path manifest.yaml --components-path
    components.py` (with AIRBYTE_ENABLE_UNSAFE_CODE=true) answers `check`, `discover` and `read` against
    the emulator exactly as the `source-freshdesk` package does: the same catalog, the same records of
    every stream, the same final state."""

    def test_given_bundle_when_check_then_succeeded(self, bundle, without_package, account):
        run = sdm(bundle, without_package, "check", account, config=account.config())
        assert run.one("CONNECTION_STATUS")["connectionStatus"]["status"] == "SUCCEEDED", run.stderr[-2000:]

    def test_given_bundle_when_discover_then_the_catalog_equals_the_packages(self, bundle, without_package, account):
        bundle_catalog = sdm(bundle, without_package, "discover", account, config=account.config()).one("CATALOG")
        package_catalog = connector("discover", account.config(), env=account.env()).one("CATALOG")
        assert bundle_catalog == package_catalog
        assert len(bundle_catalog["catalog"]["streams"]) == 35

    def test_given_every_stream_when_read_then_exit_0_and_no_error(self, reads):
        for run in reads.values():
            assert run.returncode == 0, run.stderr[-3000:]
            assert run.trace_errors() == []

    def test_given_every_stream_when_read_then_the_records_equal_the_packages(self, reads, account):
        package, bundle = canonical_records(reads["package"]), canonical_records(reads["bundle"])
        assert sorted(bundle) == sorted(package)
        assert {stream: len(rows) for stream, rows in bundle.items()} == {s: len(r) for s, r in package.items()}
        assert bundle == package
        assert len(bundle["contacts"]) == len(expected_ids(account, "contacts", "2024-01-01"))

    def test_given_every_stream_when_read_then_the_final_states_equal_the_packages(self, reads):
        assert _without_lookback(reads["bundle"].last_state_per_stream()) == _without_lookback(
            reads["package"].last_state_per_stream()
        )


def _without_lookback(states: Dict[str, Any]) -> Dict[str, Any]:
    """The states without `lookback_window`: the CDK's per-partition cursors record there how long the
    sync ran, in seconds, which differs from one run to the next."""
    return {name: {k: v for k, v in state.items() if k != "lookback_window"} for name, state in states.items()}


class TestConnectorBuilder:
    """Contract: the Connector Builder's back end (`airbyte_cdk.connector_builder.main read` with
    `__command: test_read`, the bundle in `__injected_declarative_manifest`, its components in
    `__injected_components_py` with their md5 in `__injected_components_py_checksums`) reads the
    emulator and returns its pages: for contacts, one slice of four pages (100 and 47 records of the
    default list, then the 2 deleted and the 1 blocked contacts) with the requests that fetched them, and no
    deprecation warning among its logs (the Builder lists there each deprecated manifest field it parsed).
    Without AIRBYTE_ENABLE_UNSAFE_CODE it refuses the custom code."""

    def test_given_contacts_when_test_read_then_one_slice_of_four_pages(self, contacts):
        assert [[len(page["records"]) for page in s["pages"]] for s in contacts["slices"]] == [[100, CONTACTS - 3 - 100, 2, 1]]
        assert contacts["test_read_limit_reached"] is False

    def test_given_contacts_when_test_read_then_the_records_are_the_accounts_contacts(self, contacts, account):
        ids = [record["id"] for s in contacts["slices"] for page in s["pages"] for record in page["records"]]
        with account.data.lock:
            listed = [row["id"] for state in (None, "deleted", "blocked") for row in account.data.contact_query(state, None)]
        assert ids == listed

    def test_given_contacts_when_test_read_then_each_page_shows_its_request_and_response(self, contacts, account):
        pages = contacts["slices"][0]["pages"]
        assert [page["response"]["status"] for page in pages] == [200] * 4
        urls = [urlsplit(page["request"]["url"]) for page in pages]
        assert [(u.scheme, u.netloc, u.path) for u in urls] == [("https", f"localhost:{account.port}", "/api/v2/contacts")] * 4
        first, second, deleted, blocked = (parse_qs(u.query) for u in urls)
        assert sorted(first) == ["_updated_since", "per_page"] and first["per_page"] == ["100"]
        assert second == {**first, "page": ["2"]}
        assert (deleted, blocked) == ({**first, "state": ["deleted"]}, {**first, "state": ["blocked"]})

    def test_given_contacts_when_test_read_then_no_deprecation_warning_is_logged(self, contacts):
        assert [log["message"] for log in contacts["logs"] if "is deprecated" in log["message"]] == []

    def test_given_tickets_without_start_date_when_test_read_then_the_accounts_tickets_come_out(
        self, bundle, without_package, account
    ):
        # Not five empty months of 2010: the account's history is looked up first (40 tickets: one window).
        run = builder_read(bundle, without_package, account, "tickets", env_overrides=UNSAFE)
        assert run.returncode == 0, run.stderr[-3000:]
        read = run.one("RECORD")["record"]["data"]
        ids = sorted(record["id"] for s in read["slices"] for page in s["pages"] for record in page["records"])
        assert ids == expected_ids(account, "tickets")
        assert len(read["slices"]) == 1

    def test_given_custom_fields_as_columns_when_test_read_then_each_company_has_its_custom_fields_as_columns(
        self, bundle, without_package, account
    ):
        run = builder_read(bundle, without_package, account, "companies", env_overrides=UNSAFE, options={"custom_fields_as_columns": True})
        assert run.returncode == 0, run.stderr[-3000:]
        read = run.one("RECORD")["record"]["data"]
        records = [record for s in read["slices"] for page in s["pages"] for record in page["records"]]
        expected = {c["id"]: c for c in account.data.expected("companies")}
        assert sorted(r["id"] for r in records) == sorted(expected)
        revenue = lambda value: None if value is None else float(value)  # noqa: E731 - Freshdesk's decimal strings
        assert {r["id"]: (r.get("cf_annual_revenue"), r.get("cf_key_account"), r.get("cf_onboarded_on")) for r in records} == {
            id_: (revenue(c["custom_fields"]["cf_annual_revenue"]), c["custom_fields"]["key_account"], c["custom_fields"]["onboarded_on"])
            for id_, c in expected.items()
        }

    def test_given_no_unsafe_code_flag_when_test_read_then_the_custom_code_is_refused(self, bundle, without_package, account):
        run = builder_read(bundle, without_package, account, "contacts", env_overrides={"AIRBYTE_ENABLE_UNSAFE_CODE": ""})
        errors = run.trace_errors()
        assert len(errors) == 1
        assert "Custom connector code is not permitted" in errors[0]["message"]
        assert run.records == {}
