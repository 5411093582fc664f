"""The image the Airbyte platform runs, built from the `Dockerfile` and run in a real engine.

The commands are the README's Docker section, line for line (its `$PWD` is the test's folder), and the
catalog and state between them are made by the README's two recipes. The test adds to each `docker run`
only what reaching the emulator needs: `--network host` (the emulator listens on 127.0.0.1) and its CA
file in the mounted folder. `container.py` sets up the engine and the base image.
"""

from __future__ import annotations

import atexit
import json
import re
import shlex
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import pytest
import yaml

from integration_tests.conftest import SECRET_KEY, assert_no_secret, connector, today_midnight
from integration_tests.container import OFFICIAL_BASE, Engine, base_image, docker
from integration_tests.emulator import Emulator, Sizes
from integration_tests.harness import Run

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
TEST_ONLY_RUN_OPTIONS = ["--network", "host", "-e", "REQUESTS_CA_BUNDLE=/data/ca.pem"]
WRONG_KEY = "not-the-right-key-000000000000"


def readme_docker_commands() -> List[str]:
    """The command lines of the README's Docker section, in order."""
    section = README.split("\n## Docker\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the README's Docker section has no bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def readme_recipe(writes: str) -> str:
    """The README's Python recipe that writes `writes` (catalog.json or state.json)."""
    recipes = [r for r in re.findall(r"python3 - <<'EOF'\n(.*?)\nEOF", README, re.S) if f'open("{writes}", "w")' in r]
    assert len(recipes) == 1, f"the README should hold one recipe writing {writes}, it holds {len(recipes)}"
    return recipes[0]


def readme_command(*words: str) -> str:
    """The one README Docker command line holding all of `words`, and no `--state` unless asked for."""
    found = [
        line for line in readme_docker_commands()
        if all(w in line.split() for w in words) and ("--state" in words or "--state" not in line)
    ]
    assert len(found) == 1, f"the README's Docker section should hold one command with {words}: {found}"
    return found[0]


class Folder:
    """The folder mounted at /data: what a user keeps beside `config.json`."""

    def __init__(self, path: Path, emu: Emulator, config: Mapping[str, Any]) -> None:
        self.path = path
        path.mkdir(parents=True)
        path.chmod(0o755)  # uid 1000 in the container reads what root wrote here
        shutil.copyfile(emu.ca_file, path / "ca.pem")
        self.write("config.json", config)

    def write(self, name: str, value: Any) -> None:
        (self.path / name).write_text(json.dumps(value))
        (self.path / name).chmod(0o644)

    def read_json(self, name: str) -> Any:
        return json.loads((self.path / name).read_text())

    def run(self, line: str) -> Run:
        """Runs one README command line here: `$PWD` is this folder, `> file` is written here."""
        words = shlex.split(line.replace('"$PWD"', shlex.quote(str(self.path))))
        output: Optional[str] = None
        if ">" in words:
            output = words[words.index(">") + 1]
            words = words[: words.index(">")]
        assert words[:3] == ["docker", "run", "--rm"], line
        words = words[:3] + TEST_ONLY_RUN_OPTIONS + words[3:]
        done = subprocess.run(words, capture_output=True, text=True, timeout=600, check=False)
        if output:
            (self.path / output).write_text(done.stdout)
            (self.path / output).chmod(0o644)
        messages = [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{")]
        run = Run(returncode=done.returncode, messages=messages, stdout=done.stdout, stderr=done.stderr,
                  seconds=0.0, cpu_seconds=0.0, peak_rss_mb=0.0)
        assert_no_secret(run)
        return run

    def recipe(self, writes: str) -> None:
        """Runs the README's recipe that writes `writes`, here, as a user would."""
        subprocess.run([sys.executable, "-"], input=readme_recipe(writes), text=True, cwd=self.path, check=True)
        (self.path / writes).chmod(0o644)


def records_by_stream(run: Run) -> Dict[str, List[str]]:
    """Each stream's records, each as canonical JSON, sorted: two runs that read the same compare equal."""
    return {stream: sorted(json.dumps(r, sort_keys=True) for r in rows) for stream, rows in run.records.items()}


def final_states(run: Run) -> Dict[str, Any]:
    """Each stream's last checkpoint (the order of streams and the record counts beside them vary)."""
    return {s["stream"]["stream_descriptor"]["name"]: s["stream"]["stream_state"] for s in run.state_messages_for_next_sync()}


def _build_image() -> Dict[str, Any]:
    """The engine, the base, and the image built by the README's `docker build` line."""
    ENGINE.start()
    base = base_image()
    words = shlex.split(readme_command("build"))
    if base != OFFICIAL_BASE:
        words = words[:2] + ["--build-arg", f"BASE_IMAGE={base}"] + words[2:]
    built = subprocess.run(words, capture_output=True, text=True, cwd=ROOT, timeout=900, check=False)
    if built.returncode != 0:
        raise RuntimeError(f"`{' '.join(words)}` failed:\n{(built.stdout + built.stderr)[-4000:]}")
    tag = words[words.index("-t") + 1]
    return {"tag": tag, "base": base, "inspect": json.loads(docker("image", "inspect", tag).stdout)[0]}


ENGINE = Engine()
_build: Dict[str, Any] = {}


def start_image_build() -> threading.Thread:
    """Starts `_build_image` in the background, once: the suite's conftest calls this as soon as it has
    collected this module, so that the minute or two of set-up and build overlaps the unit tests. The
    engine, if started here, is stopped by the `image` fixture, or at exit if the module never ran."""
    if "thread" not in _build:
        def run() -> None:
            try:
                _build["image"] = _build_image()
            except BaseException as error:  # re-raised by the fixture, in the test that needs the image
                _build["error"] = error

        _build["thread"] = threading.Thread(target=run, name="image-build", daemon=True)
        _build["thread"].start()
        atexit.register(ENGINE.stop)
    return _build["thread"]


@pytest.fixture(scope="module")
def image() -> Dict[str, Any]:
    """The built image (waiting for the background build); the engine, if started for it, is stopped after."""
    try:
        start_image_build().join(timeout=1800)
        if "error" in _build:
            raise _build["error"]
        assert "image" in _build, "the image build did not finish within 30 minutes"
        yield _build["image"]
    finally:
        ENGINE.stop()


@pytest.fixture(scope="module")
def syncs(image: Dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Any]:
    """The README's sequence through the image, and the same reads through the `source-freshdesk` command:
    discover, the catalog recipe, a first read, the state recipe, changes, a read from the state."""
    emu = Emulator(
        seed=5, sizes=Sizes(tickets=60, contacts=30, companies=8), api_key=SECRET_KEY, now=today_midnight()
    ).start()
    try:
        folder = Folder(tmp_path_factory.mktemp("docker") / "data", emu, emu.config())
        out: Dict[str, Any] = {"emu": emu, "folder": folder}
        out["discover"] = folder.run(readme_command("discover"))
        folder.recipe("catalog.json")
        catalog = folder.read_json("catalog.json")
        out["first"] = folder.run(readme_command("read"))
        out["package_first"] = connector("read", emu.config(), catalog, env=emu.env())
        folder.recipe("state.json")
        state = folder.read_json("state.json")
        emu.data.advance(3600)
        out["updated_tickets"] = emu.data.update_tickets([3, 41])
        out["second"] = folder.run(readme_command("read", "--state"))
        out["package_second"] = connector("read", emu.config(), catalog, state=state, env=emu.env())
        out["first_state"] = state
        folder.recipe("state.json")
        out["second_state"] = folder.read_json("state.json")
        out["package_discover"] = connector("discover", emu.config(), env=emu.env())
        yield out
    finally:
        emu.stop()


class TestImage:
    """Contract: the image is the package: same spec, check answers, catalog, records and state, as a
    non-root user, with the labels the platform reads."""

    def test_given_dockerfile_when_built_then_labels_match_metadata_and_setup(self, image):
        metadata = yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]
        version = re.search(r'version="([^"]+)"', (ROOT / "setup.py").read_text()).group(1)
        labels = image["inspect"]["Config"]["Labels"]
        assert labels == {"io.airbyte.name": metadata["dockerRepository"], "io.airbyte.version": version}
        assert version == metadata["dockerImageTag"]
        assert metadata["connectorBuildOptions"]["baseImage"].endswith(OFFICIAL_BASE)
        assert image["inspect"]["Config"]["Entrypoint"] == ["source-freshdesk"]

    def test_given_image_when_run_then_user_is_uid_1000_not_root(self, image):
        assert image["inspect"]["Config"]["User"] == "1000"
        who = docker("run", "--rm", "--entrypoint", "id", image["tag"]).stdout.strip()
        assert who == "uid=1000(airbyte) gid=1000(airbyte) groups=1000(airbyte)"

    def test_given_image_when_measured_then_size_is_reported_and_bounded(self, image):
        size_mb = image["inspect"]["Size"] / 1e6
        print(f"\nimage {image['tag']} on {image['base']}: {size_mb:.0f} MB")
        # The CDK and its dependencies are most of it; the bound catches a build that ships much more.
        assert size_mb < 650

    def test_given_spec_when_run_in_image_then_same_spec_as_package(self, image, tmp_path):
        done = subprocess.run(shlex.split(readme_command("spec")), capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        spec = [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{") and '"SPEC"' in x]
        assert spec == [connector("spec").one("SPEC")]

    def test_given_good_key_when_check_in_image_then_succeeded(self, syncs):
        run = syncs["folder"].run(readme_command("check"))
        assert (run.returncode, run.one("CONNECTION_STATUS")["connectionStatus"]) == (0, {"status": "SUCCEEDED"})

    def test_given_wrong_key_when_check_in_image_then_failed_with_the_package_message(self, syncs, tmp_path):
        emu = syncs["emu"]
        folder = Folder(tmp_path / "wrong-key", emu, emu.config(api_key=WRONG_KEY))
        run = folder.run(readme_command("check"))
        package = connector("check", emu.config(api_key=WRONG_KEY), env=emu.env())
        status = run.one("CONNECTION_STATUS")["connectionStatus"]
        assert status == package.one("CONNECTION_STATUS")["connectionStatus"]
        assert status["status"] == "FAILED"
        assert f"Freshdesk rejected the API key for localhost:{emu.port} (401)." in status["message"]
        assert "Traceback" not in run.stdout + run.stderr

    def test_given_discover_in_image_then_same_catalog_as_package(self, syncs):
        assert syncs["discover"].returncode == 0, syncs["discover"].stderr[-2000:]
        assert syncs["discover"].one("CATALOG") == syncs["package_discover"].one("CATALOG")

    def test_given_first_read_in_image_then_same_records_and_state_as_package(self, syncs):
        first, package = syncs["first"], syncs["package_first"]
        assert (first.returncode, package.returncode) == (0, 0), first.stderr[-3000:]
        assert records_by_stream(first) == records_by_stream(package)
        assert final_states(first) == final_states(package)
        emu = syncs["emu"]
        assert sorted(t["id"] for t in first.records["tickets"]) == sorted(
            [t["id"] for t in emu.data.expected("tickets")] + emu.data.deleted_ticket_ids + emu.data.spam_ticket_ids
        )

    def test_given_state_recipe_when_second_read_in_image_then_changes_and_same_state_as_package(self, syncs):
        second, package = syncs["second"], syncs["package_second"]
        assert (second.returncode, package.returncode) == (0, 0), second.stderr[-3000:]
        assert records_by_stream(second) == records_by_stream(package)
        assert final_states(second) == final_states(package)
        # The recipe keeps each stream's newest checkpoint: the second read's, else the first's.
        kept = {s["stream"]["stream_descriptor"]["name"]: s["stream"]["stream_state"] for s in syncs["first_state"]}
        kept.update(final_states(second))
        assert {s["stream"]["stream_descriptor"]["name"]: s["stream"]["stream_state"] for s in syncs["second_state"]} == kept
        first_newest = {s["stream"]["stream_descriptor"]["name"]: s["stream"]["stream_state"] for s in syncs["first_state"]}
        boundary = [t["id"] for t in syncs["first"].records["tickets"] if t["updated_at"] == first_newest["tickets"]["updated_at"]]
        assert sorted(t["id"] for t in second.records["tickets"]) == sorted(set(syncs["updated_tickets"] + boundary))


class TestEngineSetup:
    """Contract: where no engine can run, the image test fails with what to do; it never skips."""

    def test_given_no_engine_and_not_root_when_started_then_message_says_what_to_install(self, monkeypatch):
        from integration_tests import container

        monkeypatch.setattr(container, "_engine_answers", lambda: False)
        monkeypatch.setattr(container.shutil, "which", lambda name: None)
        monkeypatch.setattr(container.os, "geteuid", lambda: 1000)
        with pytest.raises(container.EngineUnavailable) as raised:
            container.Engine().start()
        assert str(raised.value) == (
            "the image test needs the Debian package docker.io, which only root can install here "
            "(`apt-get install docker.io`): install it, or start a Docker engine, and run the tests again"
        )
