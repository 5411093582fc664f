"""Connector configs for the tests.

The API key is long and distinctive on purpose: the CDK masks every occurrence of a secret in its
output, so a short key would mangle ordinary words in the logs, and a distinctive one lets the tests
prove that the key itself never leaks.
"""

from __future__ import annotations

import copy
from typing import Any, Dict

API_KEY = "fdtest-7Qm2Xv9Lk4Pz8Rw1Ty6Un3Bh5Jc0Gs-api-key"
DOMAIN = "acme.freshdesk.com"


class ConfigBuilder:
    """A valid minimal config (api_key + domain), plus whatever a test adds or removes."""

    def __init__(self) -> None:
        self._config: Dict[str, Any] = {"api_key": API_KEY, "domain": DOMAIN}

    def with_domain(self, domain: str) -> "ConfigBuilder":
        return self.with_field("domain", domain)

    def with_api_key(self, api_key: str) -> "ConfigBuilder":
        return self.with_field("api_key", api_key)

    def with_start_date(self, start_date: str) -> "ConfigBuilder":
        return self.with_field("start_date", start_date)

    def with_plan(self, plan: str) -> "ConfigBuilder":
        return self.with_field("plan", plan)

    def with_requests_per_minute(self, requests_per_minute: int) -> "ConfigBuilder":
        return self.with_field("requests_per_minute", requests_per_minute)

    def with_lookback_window_in_days(self, days: int) -> "ConfigBuilder":
        return self.with_field("lookback_window_in_days", days)

    def with_field(self, name: str, value: Any) -> "ConfigBuilder":
        self._config[name] = value
        return self

    def without(self, name: str) -> "ConfigBuilder":
        self._config.pop(name, None)
        return self

    def build(self) -> Dict[str, Any]:
        return copy.deepcopy(self._config)
