"""A small HTTP client for the emulator's own tests and for poking at it by hand."""

from __future__ import annotations

from typing import Any

import requests

from .server import Emulator


class Client:
    """A keep-alive session that authenticates with the emulator's key and trusts its CA."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.session = requests.Session()

    def get(self, path: str, params: Any = None, auth: Any = True) -> requests.Response:
        credentials = (self.emu.api_key, "X") if auth is True else auth
        return self.session.get(self.emu.url(path), params=params, auth=credentials, verify=self.emu.ca_file, timeout=10)

    def ids(self, path: str, params: Any = None) -> list[int]:
        response = self.get(path, params)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()]
