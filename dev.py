#!/usr/bin/env python3
"""The project's two commands, on any machine with Python 3.10+ and nothing else.

    python3 dev.py demo   # a real sync against the bundled Freshdesk emulator, with a summary table
    python3 dev.py test   # the whole test suite

Each creates (once) a virtual environment in .venv with the connector and its test extras installed.
Extra arguments are passed on: `python3 dev.py test -k tickets`, `python3 dev.py demo --tickets 5000`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def _requirements_digest() -> str:
    return hashlib.sha256((ROOT / "setup.py").read_bytes()).hexdigest()


def ensure_environment() -> None:
    """Creates .venv and installs the package with its test extras, unless setup.py is unchanged since."""
    if STAMP.exists() and STAMP.read_text() == _requirements_digest():
        return
    if sys.version_info < (3, 10):
        sys.exit(f"Python 3.10 or newer is needed; this is {sys.version.split()[0]}.")
    print(f"Setting up {VENV.name} (first run only)...", flush=True)
    venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + ["-e", f"{ROOT}[tests]"], check=True)
    STAMP.write_text(_requirements_digest())


def main() -> int:
    commands = {
        "demo": [str(PYTHON), "-m", "integration_tests.demo"],
        "test": [str(PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", "unit_tests", "integration_tests"],
    }
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    ensure_environment()
    return subprocess.run(commands[sys.argv[1]] + sys.argv[2:], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
