"""The Freshdesk API v2 read endpoints over a ``Dataset``: routing, plan and role gating,
parameter validation, pagination with ``link`` headers, and a cache of serialized answers.

This layer knows nothing of HTTP transport, credentials, rate limits or faults (see ``server``).
It turns ``(path, query)`` into a ``Reply`` (status, headers, JSON bytes).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from . import activities, timeutil
from .codec import dumps
from .data import TICKET_INCLUDES, Dataset
from .log import API_PREFIX, endpoint_template

JSON_TYPE = "application/json; charset=utf-8"
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 30
FEATURE_NAMES = {"surveys": "Surveys", "forums": "Forums", "timesheets": "Timesheets", "skills": "Skills"}
# Account settings an endpoint needs, and the feature name Freshdesk's 403 `require_feature` gives.
SETTING_NAMES = {"activities_export": "Activity Export"}
ACCESS_DENIED = {"code": "access_denied", "message": "You are not authorized to perform this action."}
TICKET_PARAMS = frozenset({"filter", "updated_since", "order_by", "order_type", "include", "page", "per_page"})
TICKET_ORDER_BY = ("created_at", "due_by", "updated_at", "status")
CONTACT_STATES = ("blocked", "deleted", "unverified", "verified")
_DIGITS = re.compile(r"[0-9]+")


@dataclass
class AccountSettings:
    """What the emulated account allows. ``plan_features`` None means every feature;
    ``activities_export``: the (deprecated) scheduled ticket activity export is turned on."""

    plan_features: frozenset[str] | None = None
    admin: bool = True
    page_cap: int = 300
    base_url: str = "https://localhost"
    activities_export: bool = True

    def snapshot(self) -> tuple:
        return self.plan_features, self.admin, self.page_cap, self.base_url, self.activities_export


@dataclass
class Reply:
    """An answer, ready to send."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_TYPE


@dataclass(frozen=True)
class Route:
    """An endpoint: ``handler`` names a FreshdeskAPI method; ``source`` the data it lists;
    ``bucket`` the rate-limit sub-limit it counts against; ``setting`` the AccountSettings flag it needs."""

    template: str
    handler: str
    source: str | None = None
    feature: str | None = None
    admin: bool = False
    bucket: str | None = None
    setting: str | None = None


ROUTES = {
    route.template: route
    for route in (
        Route("tickets", "tickets", bucket="tickets_list"),
        Route("tickets/{id}/conversations", "conversations"),
        Route("contacts", "contacts", bucket="contacts_list"),
        Route("companies", "companies"),
        Route("agents", "listing", "agents"),
        Route("agents/me", "me"),
        Route("groups", "listing", "groups"),
        Route("roles", "listing", "roles", admin=True),
        Route("skills", "listing", "skills", feature="skills", admin=True),
        Route("admin/skills", "listing", "skills", feature="skills", admin=True),
        Route("products", "listing", "products"),
        Route("business_hours", "listing", "business_hours", admin=True),
        Route("email_configs", "listing", "email_configs", admin=True),
        Route("email/mailboxes", "listing", "email_mailboxes", admin=True),
        Route("scenario_automations", "listing", "scenario_automations", admin=True),
        Route("sla_policies", "listing", "sla_policies", admin=True),
        Route("ticket_fields", "unpaged", "ticket_fields"),
        Route("contact_fields", "unpaged", "contact_fields"),
        Route("company_fields", "unpaged", "company_fields"),
        Route("settings/helpdesk", "settings", admin=True),
        Route("account", "account", admin=True),
        Route("ticket-forms", "listing", "ticket_forms", admin=True),
        Route("automations/{id}/rules", "children", "automation_rules", admin=True),
        Route("admin/ticket_fields/{id}/sections", "children", "ticket_field_sections", admin=True),
        Route("surveys", "listing", "surveys", feature="surveys"),
        Route("surveys/satisfaction_ratings", "satisfaction_ratings", feature="surveys"),
        Route("time_entries", "time_entries", feature="timesheets"),
        Route("export/ticket_activities", "activities_export", admin=True, setting="activities_export"),
        Route("canned_response_folders", "listing", "canned_response_folders", admin=True),
        Route("canned_response_folders/{id}/responses", "children", "canned_responses", admin=True),
        Route("discussions/categories", "listing", "discussion_categories", feature="forums"),
        Route("discussions/categories/{id}/forums", "children", "discussion_forums", feature="forums"),
        Route("discussions/forums/{id}/topics", "children", "discussion_topics", feature="forums"),
        Route("discussions/topics/{id}/comments", "children", "discussion_comments", feature="forums"),
        Route("solutions/categories", "listing", "solution_categories"),
        Route("solutions/categories/{id}/folders", "children", "solution_folders"),
        Route("solutions/folders/{id}/articles", "children", "solution_articles"),
    )
}


# The endpoint each connector stream reads (the child route for nested streams; parents share its gating).
STREAM_ROUTES = {
    "agents": "agents", "business_hours": "business_hours", "canned_response_folders": "canned_response_folders",
    "canned_responses": "canned_response_folders/{id}/responses", "companies": "companies",
    "company_fields": "company_fields", "contact_fields": "contact_fields", "contacts": "contacts",
    "conversations": "tickets/{id}/conversations", "discussion_categories": "discussions/categories",
    "discussion_comments": "discussions/topics/{id}/comments", "discussion_forums": "discussions/categories/{id}/forums",
    "discussion_topics": "discussions/forums/{id}/topics", "email_configs": "email_configs",
    "email_mailboxes": "email/mailboxes", "groups": "groups", "products": "products", "roles": "roles",
    "satisfaction_ratings": "surveys/satisfaction_ratings", "scenario_automations": "scenario_automations",
    "settings": "settings/helpdesk", "skills": "admin/skills", "sla_policies": "sla_policies",
    "solution_articles": "solutions/folders/{id}/articles", "solution_categories": "solutions/categories",
    "solution_folders": "solutions/categories/{id}/folders", "surveys": "surveys", "ticket_fields": "ticket_fields",
    "tickets": "tickets", "time_entries": "time_entries", "ticket_activities": "export/ticket_activities",
    "account": "account", "ticket_forms": "ticket-forms", "automation_rules": "automations/{id}/rules",
    "ticket_field_sections": "admin/ticket_fields/{id}/sections",
}


@dataclass(frozen=True)
class Call:
    """One GET call as an endpoint method sees it: ``query`` is ``pairs`` as a dict (last value wins)."""

    route: Route
    ids: list[int]
    query: dict[str, str]
    pairs: list[tuple[str, str]]
    path: str


# What an endpoint method returns: the payload to serialize and extra response headers.
Answer = tuple[Any, dict[str, str]]


class ApiError(Exception):
    """An error answer; ``body`` None means an empty body."""

    def __init__(self, status: int, body: Any = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def invalid(field_name: str, message: str, code: str = "invalid_value") -> dict[str, str]:
    return {"field": field_name, "message": message, "code": code}


def validation_failed(errors: list[dict[str, str]]) -> ApiError:
    return ApiError(400, {"description": "Validation failed", "errors": errors})


def _require_feature(name: str) -> dict[str, str]:
    return {
        "code": "require_feature",
        "message": f"The {name} feature(s) is/are not supported in your plan. Please upgrade your account to use it.",
    }


def _positive_int(value: str) -> int | None:
    return int(value) if _DIGITS.fullmatch(value) and int(value) >= 1 else None


class FreshdeskAPI:
    """Answers GET requests for one emulated account. Thread-safe (it holds the data set's lock)."""

    CACHE_SIZE = 256

    def __init__(self, data: Dataset, account: AccountSettings) -> None:
        self.data = data
        self.account = account
        self._cache: OrderedDict[tuple, Reply] = OrderedDict()
        self._cache_lock = threading.Lock()

    @staticmethod
    def route(path: str) -> tuple[Route, list[int]] | None:
        """The route of an API path and the ids in it, or None (a 404)."""
        if not path.startswith(API_PREFIX):
            return None
        route = ROUTES.get(endpoint_template(path))
        if route is None:
            return None
        ids = [int(part) for part in path[len(API_PREFIX):].strip("/").split("/") if _DIGITS.fullmatch(part)]
        return route, ids

    @staticmethod
    def credits(route: Route | None, pairs: list[tuple[str, str]]) -> int:
        """Credits a call costs: 1, plus 2 per valid include item on the tickets list."""
        if route is None or route.handler != "tickets":
            return 1
        items = {item for name, value in pairs if name == "include" for item in value.split(",")}
        return 1 + 2 * len(items.intersection(TICKET_INCLUDES))

    def respond(self, path: str, raw_query: str, pairs: list[tuple[str, str]]) -> Reply:
        """The answer to ``GET path?raw_query`` (``pairs`` is the parsed query)."""
        found = self.route(path)
        if found is None:
            return Reply(404, b"")
        route, ids = found
        with self.data.lock:
            key = (self.data.version, self.account.snapshot(), path, raw_query)
            with self._cache_lock:
                cached = self._cache.get(key)
            if cached is not None:
                return cached
            try:
                self._gate(route)
                payload, headers = getattr(self, "_" + route.handler)(Call(route, ids, dict(pairs), pairs, path))
            except ApiError as error:
                return Reply(error.status, b"" if error.body is None else dumps(error.body))
            reply = Reply(200, dumps(payload), headers)
        with self._cache_lock:
            self._cache[key] = reply
            if len(self._cache) > self.CACHE_SIZE:
                self._cache.popitem(last=False)
        return reply

    # --- shared checks -------------------------------------------------------------------------------

    def allows(self, route: Route) -> bool:
        """Whether this account's plan and role may call ``route``."""
        try:
            self._gate(route)
        except ApiError:
            return False
        return True

    def _gate(self, route: Route) -> None:
        """Freshdesk's order: the plan's features, the account's settings, then the key's privileges."""
        features = self.account.plan_features
        if route.feature and features is not None and route.feature not in features:
            raise ApiError(403, _require_feature(FEATURE_NAMES[route.feature]))
        if route.setting and not getattr(self.account, route.setting):
            raise ApiError(403, _require_feature(SETTING_NAMES[route.setting]))
        if route.admin and not self.account.admin:
            raise ApiError(403, ACCESS_DENIED)

    @staticmethod
    def _page_params(query: dict[str, str], errors: list[dict[str, str]]) -> tuple[int, int]:
        page = _positive_int(query.get("page", "1"))
        per_page = _positive_int(query.get("per_page", str(DEFAULT_PER_PAGE)))
        if page is None:
            errors.append(invalid("page", "It should be a Positive Integer"))
        if per_page is None or per_page > MAX_PER_PAGE:
            errors.append(invalid("per_page", f"It should be a Positive Integer less than or equal to {MAX_PER_PAGE}"))
        return page or 1, per_page or DEFAULT_PER_PAGE

    @staticmethod
    def _timestamp(query: dict[str, str], name: str, errors: list[dict[str, str]]) -> int | None:
        if name not in query:
            return None
        try:
            return timeutil.parse(query[name])
        except ValueError:
            errors.append(invalid(name, "It should be in the 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM:SSZ' format"))
            return None

    def _page(self, call: Call, rows: list, errors: list[dict[str, str]] | None = None) -> Answer:
        """One page of ``rows`` with its link header; 400 for bad page parameters or earlier ``errors``."""
        errors = list(errors or [])
        page, per_page = self._page_params(call.query, errors)
        if errors:
            raise validation_failed(errors)
        return self._slice(call, rows, page, per_page)

    def _slice(self, call: Call, rows: list, page: int, per_page: int) -> Answer:
        start = (page - 1) * per_page
        headers = {}
        if len(rows) > start + per_page:
            kept = [(name, value) for name, value in call.pairs if name != "page"] + [("page", str(page + 1))]
            headers["link"] = f'<{self.account.base_url}{call.path}?{urlencode(kept, safe=",:")}>; rel="next"'
        return rows[start : start + per_page], headers

    # --- endpoints -----------------------------------------------------------------------------------

    def _tickets(self, call: Call) -> Answer:
        query = call.query
        errors = [invalid(name, "Unexpected/invalid field in request", "invalid_field") for name in query if name not in TICKET_PARAMS]
        kind = query.get("filter", "default")
        if kind not in ("default", "deleted", "spam"):
            errors.append(invalid("filter", "It should be one of these values: 'deleted,spam'"))
        updated_since = self._timestamp(query, "updated_since", errors)
        order_by = query.get("order_by", "created_at")
        if order_by not in TICKET_ORDER_BY:
            errors.append(invalid("order_by", f"It should be one of these values: '{','.join(TICKET_ORDER_BY)}'"))
        order_type = query.get("order_type", "desc")
        if order_type not in ("asc", "desc"):
            errors.append(invalid("order_type", "It should be one of these values: 'asc,desc'"))
        includes = query["include"].split(",") if "include" in query else []
        if any(item not in TICKET_INCLUDES for item in includes):
            errors.append(invalid("include", f"It should be one of these values: '{','.join(TICKET_INCLUDES)}'"))
        page, per_page = self._page_params(query, errors)
        if errors:
            raise validation_failed(errors)
        cap = self.account.page_cap
        if page > cap:
            raise validation_failed([invalid(
                "page", f"You cannot access tickets beyond the {cap}th page. Please provide a smaller page number.")])
        states, headers = self._slice(call, self.data.ticket_query(kind, updated_since, order_by, order_type), page, per_page)
        return self.data.ticket_records(states, includes), headers

    def _conversations(self, call: Call) -> Answer:
        rows = self.data.conversations(call.ids[0])
        if rows is None:
            raise ApiError(404)
        return self._page(call, rows)

    def _contacts(self, call: Call) -> Answer:
        errors: list[dict[str, str]] = []
        state = call.query.get("state")
        if state is not None and state not in CONTACT_STATES:
            errors.append(invalid("state", f"It should be one of these values: '{','.join(CONTACT_STATES)}'"))
            state = None
        since = self._timestamp(call.query, "_updated_since" if "_updated_since" in call.query else "updated_since", errors)
        return self._page(call, self.data.contact_query(state, since), errors)

    def _companies(self, call: Call) -> Answer:
        errors: list[dict[str, str]] = []
        since = self._timestamp(call.query, "updated_since", errors)
        return self._page(call, self.data.company_query(since), errors)

    def _satisfaction_ratings(self, call: Call) -> Answer:
        errors: list[dict[str, str]] = []
        since = self._timestamp(call.query, "created_since", errors)
        return self._page(call, self.data.rating_query(since), errors)

    def _time_entries(self, call: Call) -> Answer:
        errors: list[dict[str, str]] = []
        after = self._timestamp(call.query, "executed_after", errors)
        before = self._timestamp(call.query, "executed_before", errors)
        return self._page(call, self.data.time_entry_query(after, before), errors)

    def _listing(self, call: Call) -> Answer:
        return self._page(call, getattr(self.data, call.route.source))

    def _unpaged(self, call: Call) -> Answer:
        return getattr(self.data, call.route.source), {}

    def _children(self, call: Call) -> Answer:
        rows = self.data.children(call.route.source, call.ids[0])
        if rows is None:
            raise ApiError(404)
        return self._page(call, rows)

    def _settings(self, call: Call) -> Answer:
        return self.data.settings, {}

    def _account(self, call: Call) -> Answer:
        return self.data.account, {}

    def _me(self, call: Call) -> Answer:
        """The key's agent: the account administrator, or a plain agent when admin=False."""
        agents = self.data.agents
        return (agents[0] if self.account.admin or len(agents) == 1 else agents[1]), {}

    def _activities_export(self, call: Call) -> Answer:
        """Links to the ticket activities file of `created_at` (a date; without it, the latest file)."""
        days = self.data.activity_export_days()
        day = days[-1]
        if "created_at" in call.query:
            try:
                day = timeutil.fmt_date(timeutil.parse(call.query["created_at"]))
            except ValueError:
                raise validation_failed([invalid(
                    "created_at", "Value set is of type String.It should be a/an DateTime", "datatype_mismatch")]) from None
        if self.data.activity_file(day) is None:
            raise ApiError(404, activities.FILE_NOT_FOUND)
        url = activities.signed_url(self.account.base_url, self.storage_secret, day, self.data.now_ts)
        return {"export": [{"created_at": activities.date_label(day), "url": url}]}, {}

    # --- the storage host of the export's files --------------------------------------------------------

    @property
    def storage_secret(self) -> str:
        return f"emulator-storage-{self.data.seed}"

    def download(self, path: str, query: dict[str, str]) -> Reply:
        """A file of the ticket activities export, as its storage host serves it: no credentials, but a
        link whose signature matches and has not expired; S3's XML errors otherwise."""
        day = path[len(activities.FILES_PREFIX):].removesuffix(".json")
        problem = activities.link_problem(self.storage_secret, day, query, self.data.now_ts)
        if problem:
            return Reply(403, activities.storage_error(problem), content_type="application/xml")
        body = self.data.activity_file(day)
        if body is None:
            return Reply(404, activities.storage_error("NoSuchKey"), content_type="application/xml")
        return Reply(200, dumps(body), content_type="application/json")
