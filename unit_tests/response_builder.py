"""Freshdesk-shaped responses built from the JSON fixtures in resource/http/response/.

Each fixture is the body of one real API answer: a JSON list for list endpoints, one object for
settings/helpdesk, Freshdesk's error objects for the error_* files. Tests take the fixture's records
as they are, or use one as a template and set the fields the test is about (id, updated_at, ...).
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse

from request_builder import DEFAULT_START, FreshdeskRequestBuilder

RESPONSE_DIR = Path(__file__).parent / "resource" / "http" / "response"

# Every Freshdesk answer carries the account's rate-limit figures; these say "plenty left".
RATE_LIMIT_HEADERS = {
    "X-Ratelimit-Total": "700",
    "X-Ratelimit-Remaining": "650",
    "X-Ratelimit-Used-CurrentRequest": "1",
}


@lru_cache(maxsize=None)
def _fixture_text(name: str) -> str:
    return (RESPONSE_DIR / f"{name}.json").read_text()


def fixture(name: str) -> Any:
    """A fresh copy of resource/http/response/<name>.json."""
    return json.loads(_fixture_text(name))


def a_record(name: str, **fields: Any) -> Dict[str, Any]:
    """The first record of the <name> fixture, with `fields` set."""
    return {**fixture(name)[0], **fields}


def ids(records: List[Mapping[str, Any]]) -> List[Any]:
    return [record["id"] for record in records]


class FreshdeskResponseBuilder:
    """A 200 answer with a JSON body, and optionally the `link: <next page URL>; rel="next"` header."""

    def __init__(self, body: Any) -> None:
        self._body = body
        self._status = 200
        self._headers: Dict[str, str] = dict(RATE_LIMIT_HEADERS)

    @classmethod
    def of(cls, fixture_name: str) -> "FreshdeskResponseBuilder":
        return cls(fixture(fixture_name))

    @classmethod
    def records(cls, records: List[Mapping[str, Any]]) -> "FreshdeskResponseBuilder":
        return cls(copy.deepcopy(list(records)))

    @classmethod
    def empty_list(cls) -> "FreshdeskResponseBuilder":
        return cls([])

    def with_next_page(self, next_request: FreshdeskRequestBuilder) -> "FreshdeskResponseBuilder":
        return self.with_link(next_request.url)

    def with_link(self, next_url: str) -> "FreshdeskResponseBuilder":
        self._headers["link"] = f'<{next_url}>; rel="next"'
        return self

    def with_header(self, name: str, value: str) -> "FreshdeskResponseBuilder":
        self._headers[name] = value
        return self

    def build(self) -> HttpResponse:
        return HttpResponse(body=json.dumps(self._body), status_code=self._status, headers=self._headers)


def error_response(
    status: int, fixture_name: Optional[str] = None, headers: Optional[Mapping[str, str]] = None
) -> HttpResponse:
    """An error answer: Freshdesk's JSON error object from an error_* fixture, or an empty body."""
    body = _fixture_text(fixture_name) if fixture_name else ""
    return HttpResponse(body=body, status_code=status, headers={**RATE_LIMIT_HEADERS, **(headers or {})})


def rate_limited(retry_after_seconds: int) -> HttpResponse:
    """Freshdesk's 429: an empty body and the seconds to wait in Retry-After."""
    return HttpResponse(
        body="",
        status_code=429,
        headers={"Retry-After": str(retry_after_seconds), "X-Ratelimit-Total": "700", "X-Ratelimit-Remaining": "0"},
    )


def mock_empty_contact_lists(http_mocker: HttpMocker, updated_since: str = DEFAULT_START) -> None:
    """The contacts stream's deleted and blocked lists, read after the default one, with no contact."""
    for contact_list in ("deleted", "blocked"):
        http_mocker.get(
            FreshdeskRequestBuilder.contacts(updated_since, contact_list).build(), FreshdeskResponseBuilder.empty_list().build()
        )
