"""A container engine and a base image for the image test, set up by the test itself.

The Airbyte platform runs the connector as its Docker image, so the suite builds that image from the
project's `Dockerfile` and runs it. What that needs, on a machine that has only Python:

- **An engine.** If `docker info` answers, that engine is used and left alone. Otherwise, as root, Debian's
  `docker.io` is installed if `dockerd` is missing, and a `dockerd` is started for the test and stopped
  after it. Where none of that is possible the test fails with `EngineUnavailable`'s message: it never
  skips.
- **A base image.** The `Dockerfile` builds `FROM` its `BASE_IMAGE` argument, by default the official
  `python:3.11-slim-bookworm`. Where that image is not in the engine (no registry is reachable from CI),
  a stand-in of the same Debian release and Python minor version is made locally: `debootstrap` of
  bookworm with python3, venv and pip, imported with `docker import`. It is kept in the engine under
  `LOCAL_BASE`, so a machine that keeps its engine's images builds it once. Only the stand-in carries this
  machine's trust store and package-index settings (the package registry is reached through them); the
  `Dockerfile`, so the published image, has nothing test-specific.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Sequence

OFFICIAL_BASE = "python:3.11-slim-bookworm"
LOCAL_BASE = "source-freshdesk-test-base:bookworm-python3.11"
DEBIAN_RELEASE = "bookworm"  # the official base's release, whose python3 is 3.11 too
ENGINE_START_SECONDS = 60


class EngineUnavailable(RuntimeError):
    """No container engine can run here; the message says what was tried and what to do."""


def docker(*args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess:
    """`docker <args>`, its output captured as text; a failure raises with the end of its stderr."""
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"`docker {' '.join(args[:3])} ...` failed ({done.returncode}): {done.stderr[-3000:]}")
    return done


def _engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20, check=False).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def _apt_install(packages: Sequence[str]) -> None:
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise EngineUnavailable(
            f"the image test needs the Debian package {' '.join(packages)}, which only root can install here "
            f"(`apt-get install {' '.join(packages)}`): install it, or start a Docker engine, and run the tests again"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", *packages],
        capture_output=True, text=True, env=env, timeout=900, check=False,
    )
    if done.returncode != 0:  # the package lists may be missing on a fresh machine
        subprocess.run(["apt-get", "update"], capture_output=True, env=env, timeout=900, check=False)
        done = subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", *packages],
            capture_output=True, text=True, env=env, timeout=900, check=False,
        )
    if done.returncode != 0:
        raise EngineUnavailable(f"`apt-get install {' '.join(packages)}` failed: {done.stderr[-2000:]}")


class Engine:
    """The engine the test uses: one already running, or a `dockerd` started here (and stopped by `stop`)."""

    def __init__(self) -> None:
        self.started: Optional[subprocess.Popen] = None
        self._folder: Optional[Path] = None

    def start(self) -> "Engine":
        if _engine_answers():
            return self
        if shutil.which("dockerd") is None or shutil.which("docker") is None:
            _apt_install(["docker.io"])
        if os.geteuid() != 0:
            raise EngineUnavailable("no Docker engine answers `docker info`, and only root can start one here")
        self._folder = Path(tempfile.mkdtemp(prefix="freshdesk-dockerd-"))
        log = open(self._folder / "dockerd.log", "wb")
        self.started = subprocess.Popen(
            ["dockerd", "--pidfile", str(self._folder / "dockerd.pid")], stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + ENGINE_START_SECONDS
        while time.monotonic() < deadline:
            if self.started.poll() is not None:
                break
            if _engine_answers():
                return self
            time.sleep(0.5)
        tail = (self._folder / "dockerd.log").read_text(errors="replace")[-2000:]
        self.stop()
        raise EngineUnavailable(f"dockerd did not come up within {ENGINE_START_SECONDS} s; its log ends:\n{tail}")

    def stop(self) -> None:
        if self.started is not None and self.started.poll() is None:
            self.started.terminate()
            try:
                self.started.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.started.kill()
                self.started.wait()
        self.started = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def _has_image(name: str) -> bool:
    return docker("image", "inspect", name, check=False, timeout=60).returncode == 0


def _debian_mirror() -> str:
    """The Debian mirror this machine's apt uses, so that debootstrap goes where apt is allowed to."""
    sources: List[Path] = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for path in sources:
        try:
            lines = path.read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            words = line.split()
            if words[:1] == ["URIs:"] and len(words) > 1 and "security" not in words[1]:
                return words[1]
            if words[:1] == ["deb"]:
                url = next((w for w in words[1:] if "://" in w), "")
                if url and "security" not in url:
                    return url
    return "http://deb.debian.org/debian"


def _pip_settings() -> str:
    """A pip.conf for the stand-in base: Debian's Python lets pip install outside a venv only when told,
    and pip must trust what this machine trusts and use its package index, if it names a network one."""
    lines = ["[global]", "break-system-packages = true", "cert = /etc/ssl/certs/ca-certificates.crt"]
    found = subprocess.run(["pip", "config", "list"], capture_output=True, text=True, check=False).stdout
    for entry in found.splitlines():
        key, _, value = entry.partition("=")
        name = key.split(".")[-1]
        urls = [u for u in value.strip("'\"").split() if u.startswith(("http://", "https://"))]
        if name in ("index-url", "extra-index-url") and urls:
            lines.append(f"{name} = {' '.join(urls)}")
    parsed = configparser.ConfigParser()
    parsed.read_string("\n".join(lines))  # fails here, not inside the build, if a value is malformed
    return "\n".join(lines) + "\n"


def base_image() -> str:
    """The image to build `FROM`: the official base where the engine has it, else the local stand-in,
    made once per engine (about a minute)."""
    if _has_image(OFFICIAL_BASE):
        return OFFICIAL_BASE
    if _has_image(LOCAL_BASE):
        return LOCAL_BASE
    if shutil.which("debootstrap") is None:
        _apt_install(["debootstrap"])
    with tempfile.TemporaryDirectory(prefix="freshdesk-base-") as folder:
        rootfs = Path(folder) / "rootfs"
        done = subprocess.run(
            ["debootstrap", "--variant=minbase", "--include=python3,python3-venv,python3-pip,ca-certificates",
             DEBIAN_RELEASE, str(rootfs), _debian_mirror()],
            capture_output=True, text=True, timeout=900, check=False,
        )
        if done.returncode != 0:
            raise EngineUnavailable(f"debootstrap of {DEBIAN_RELEASE} failed: {(done.stdout + done.stderr)[-2000:]}")
        host_bundle = Path("/etc/ssl/certs/ca-certificates.crt")
        if host_bundle.exists():
            shutil.copyfile(host_bundle, rootfs / "etc/ssl/certs/ca-certificates.crt")
        (rootfs / "etc/pip.conf").write_text(_pip_settings())
        shutil.rmtree(rootfs / "var/cache/apt/archives", ignore_errors=True)
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(
            ["docker", "import",
             "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
             "--change", "ENV LANG=C.UTF-8",
             "-", LOCAL_BASE],
            stdin=tar.stdout, capture_output=True, text=True, timeout=600, check=False,
        )
        tar.stdout.close()
        tar.wait()
        if imported.returncode != 0 or tar.returncode != 0:
            raise EngineUnavailable(f"`docker import` of the {DEBIAN_RELEASE} base failed: {imported.stderr[-2000:]}")
    return LOCAL_BASE
