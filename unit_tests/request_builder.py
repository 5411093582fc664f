"""The exact requests the connector must send, as the CDK's HttpMocker matches them.

HttpMocker compares scheme, host, path and the *whole* query string (as a multi-dict, order ignored),
so every builder states every query parameter a request carries: a missing or extra parameter is a
failed match, which is the point.
"""

from __future__ import annotations

from typing import Dict
from urllib.parse import urlencode

from airbyte_cdk.test.mock_http import HttpRequest

from config_builder import DOMAIN

# Without start_date, incremental lists start at Freshdesk's launch year (no record is older).
DEFAULT_START = "2010-01-01T00:00:00Z"
PAGE_SIZE = "100"
TICKET_INCLUDES = "requester,stats,description"


class FreshdeskRequestBuilder:
    """`GET https://<domain>/api/v2/<path>?<query>`; list endpoints carry `per_page=100` by default."""

    def __init__(self, path: str, paginated: bool = True) -> None:
        self._domain = DOMAIN
        self._path = path
        self._query: Dict[str, str] = {"per_page": PAGE_SIZE} if paginated else {}

    # --------------------------------------------------------------------------------------- streams
    @classmethod
    def endpoint(cls, path: str) -> "FreshdeskRequestBuilder":
        """A plain list endpoint: only `per_page`."""
        return cls(path)

    @classmethod
    def tickets(cls, updated_since: str = DEFAULT_START, ticket_list: str = "default") -> "FreshdeskRequestBuilder":
        """The tickets stream's list: sorted by updated_at ascending, with the paid-for includes; the deleted
        and spam lists add `filter=deleted` / `filter=spam`."""
        request = cls.ticket_ids(updated_since).with_query(include=TICKET_INCLUDES)
        return request if ticket_list == "default" else request.with_query(filter=ticket_list)

    @classmethod
    def ticket_ids(cls, updated_since: str = DEFAULT_START) -> "FreshdeskRequestBuilder":
        """The tickets list as the parent of conversations: the same filter and sort, no includes."""
        return cls("tickets").with_query(order_by="updated_at", order_type="asc", updated_since=updated_since)

    @classmethod
    def conversations(cls, ticket_id: int) -> "FreshdeskRequestBuilder":
        return cls(f"tickets/{ticket_id}/conversations")

    @classmethod
    def contacts(cls, updated_since: str = DEFAULT_START, contact_list: str = "default") -> "FreshdeskRequestBuilder":
        """The contacts list; the deleted and blocked lists add `state=deleted` / `state=blocked`."""
        request = cls("contacts").with_query(_updated_since=updated_since)
        return request if contact_list == "default" else request.with_query(state=contact_list)

    @classmethod
    def companies(cls, updated_since: str = DEFAULT_START) -> "FreshdeskRequestBuilder":
        return cls("companies").with_query(updated_since=updated_since)

    @classmethod
    def satisfaction_ratings(cls, created_since: str = DEFAULT_START) -> "FreshdeskRequestBuilder":
        return cls("surveys/satisfaction_ratings").with_query(created_since=created_since)

    @classmethod
    def settings(cls) -> "FreshdeskRequestBuilder":
        """settings/helpdesk is a single object: no pagination, so no query at all."""
        return cls("settings/helpdesk", paginated=False)

    # --------------------------------------------------------------------------------------- modifiers
    def with_domain(self, domain: str) -> "FreshdeskRequestBuilder":
        self._domain = domain
        return self

    def with_query(self, **params: str) -> "FreshdeskRequestBuilder":
        self._query.update(params)
        return self

    def with_page(self, page: int) -> "FreshdeskRequestBuilder":
        return self.with_query(page=str(page))

    @property
    def query(self) -> Dict[str, str]:
        """The query parameters, one value each (to compare with the requests sent, in order)."""
        return dict(self._query)

    @property
    def url(self) -> str:
        """The full URL with its query, as Freshdesk writes it in a `link` header."""
        query = urlencode(self._query)
        return f"https://{self._domain}/api/v2/{self._path}" + (f"?{query}" if query else "")

    def build(self) -> HttpRequest:
        return HttpRequest(url=f"https://{self._domain}/api/v2/{self._path}", query_params=dict(self._query))
