"""The `source-freshdesk` command: builds the declarative source from what the command line names, then runs it.

In airbyte-cdk 7 the concurrent declarative source takes the config, catalog and state as constructor
arguments and `read` uses those, so the source is built after the arguments are parsed. The command runs
it through `FreshdeskEntrypoint`, the CDK's entrypoint with input mistakes reported field by field and
without a traceback (see its docstring).
"""

from __future__ import annotations

import logging
import math
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, NoReturn, Optional

import orjson
import requests
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteStateMessage,
    AirbyteStateMessageSerializer,
    AirbyteStateType,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    FailureType,
)
from airbyte_cdk.sources.declarative.models.declarative_component_schema import HTTPAPIBudget as HTTPAPIBudgetModel
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource
from airbyte_cdk.sources.streams.call_rate import LimiterSession
from airbyte_cdk.utils import AirbyteTracedException
from jsonschema import Draft7Validator

from source_freshdesk.components import FreshdeskAPIBudget

MANIFEST_PATH = Path(__file__).with_name("manifest.yaml")
LOGGER = logging.getLogger("airbyte")
# The cursor fields of this connector's incremental streams, and the timestamp forms their state holds.
CURSOR_KEYS = ("updated_at", "created_at")
CURSOR_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%S%z")


class SourceFreshdesk(YamlDeclarativeSource):
    """The packaged manifest, with its schemas and components, as an Airbyte source."""

    def __init__(
        self,
        catalog: Optional[Any] = None,
        config: Optional[Mapping[str, Any]] = None,
        state: Optional[Any] = None,
        config_path: Optional[str] = None,
        budget: Optional[FreshdeskAPIBudget] = None,
    ) -> None:
        super().__init__(
            path_to_yaml=str(MANIFEST_PATH),
            catalog=catalog,
            config=config,
            state=state,
            config_path=config_path,
        )
        # Every request goes through FreshdeskAPIBudget, not the HTTPAPIBudget the manifest declares for
        # manifest-only runs: the CDK's budget cannot charge a call to two limits (see its docstring).
        self._budget = budget
        self._constructor.PYDANTIC_MODEL_TO_CONSTRUCTOR[HTTPAPIBudgetModel] = self._create_api_budget  # type: ignore[index]

    def api_budget(self, config: Mapping[str, Any]) -> FreshdeskAPIBudget:
        """The command's one budget, built from the config's `_rate_limits` at first use: the CDK builds
        the streams (and asked for a budget) more than once, and each budget would count apart."""
        if self._budget is None:
            self._budget = FreshdeskAPIBudget(config["_rate_limits"])
        return self._budget

    def _create_api_budget(self, model: Any, config: Mapping[str, Any], **kwargs: Any) -> FreshdeskAPIBudget:
        return self.api_budget(config)

    @classmethod
    def read_state(cls, state_path: str) -> List[AirbyteStateMessage]:
        """Reads a state file, including the legacy form older Airbyte platforms still pass.

        The legacy form is one object keyed by stream name (`{"tickets": {"updated_at": ...},
        "contacts": {...}}`), or a list holding one `{"type": "LEGACY", "data": {...}}` message. The
        CDK no longer reads either (the first fails, the second is silently ignored, so every
        stream would start again from `start_date`): both become one STREAM state per stream.
        """
        state = cls._read_json_file(state_path) if state_path else None
        if isinstance(state, list) and len(state) == 1 and isinstance(state[0], dict) and state[0].get("type") == "LEGACY":
            state = state[0].get("data") or {}
        if isinstance(state, dict) and "type" not in state:
            return [
                AirbyteStateMessageSerializer.load(
                    {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": stream_state}}
                )
                for name, stream_state in state.items()
                if isinstance(stream_state, dict)
            ]
        return super().read_state(state_path)


class FreshdeskEntrypoint(AirbyteEntrypoint):
    """The CDK's entrypoint, with input errors that say what to fix, and without a traceback.

    - A config that breaks the spec is reported field by field ("`num_workers` must be at most 40, not
      100."): the CDK repeats jsonschema's bare message, which does not name the field. start_date is
      also checked for what JSON schema cannot see: a real date, not in the future. The manifest's
      `config_normalization_rules.validations` cannot do this: in airbyte-cdk 7.39.1 a PredicateValidator
      fails there with a TypeError, and a failing validation reaches the user with a traceback.
    - Config fields the spec does not know are accepted (configs of older versions carry them), with a
      warning that names them.
    - A catalog naming a stream this connector does not have, or a state whose cursor is not a timestamp,
      stops `read` before any request, naming the stream: the CDK marks the first INCOMPLETE without a
      word and crashes with a traceback on the second. State for an unknown stream is ignored, with a
      warning.
    """

    def validate_connection(self, source_spec: ConnectorSpecification, config: Mapping[str, Any]) -> None:  # type: ignore[override]
        spec = source_spec.connectionSpecification
        problems = config_problems(config, spec)
        if problems:
            raise AirbyteTracedException(
                message="Config validation error: " + " ".join(problems), failure_type=FailureType.config_error
            )
        unknown = sorted(key for key in config if key not in spec.get("properties", {}) and not key.startswith("_"))
        if unknown:
            LOGGER.warning(
                f"Ignoring config fields this connector does not use: {', '.join(unknown)}. They may come from "
                "another version of the connector and can be removed."
            )

    def read(  # type: ignore[override]
        self, source_spec: ConnectorSpecification, config: Mapping[str, Any], catalog: ConfiguredAirbyteCatalog,
        state: List[AirbyteStateMessage],
    ) -> Iterable[AirbyteMessage]:
        self.set_up_secret_filter(config, source_spec.connectionSpecification)  # before any message is built
        known = {stream["name"] for stream in self.source.resolved_manifest["streams"]}  # type: ignore[attr-defined]
        unknown = sorted({configured.stream.name for configured in catalog.streams} - known)
        if unknown:
            raise AirbyteTracedException(
                message=f"The catalog selects streams this connector does not have: {', '.join(unknown)}. "
                "Refresh the source schema in the connection's settings and deselect them.",
                failure_type=FailureType.config_error,
            )
        for message in state or []:
            if message.type != AirbyteStateType.STREAM or message.stream is None:
                continue
            name = message.stream.stream_descriptor.name
            if name not in known:
                LOGGER.warning(f"Ignoring the saved state of stream '{name}': this connector has no such stream.")
                continue
            problem = cursor_problem(vars(message.stream.stream_state) if message.stream.stream_state else {})
            if problem:
                raise AirbyteTracedException(
                    message=f"The saved state of stream '{name}' cannot be resumed: {problem} Correct the state, "
                    "or clear the stream's data so that it is read again from `start_date`.",
                    failure_type=FailureType.config_error,
                )
        yield from super().read(source_spec, config, catalog, state)


def config_problems(config: Mapping[str, Any], spec: Mapping[str, Any]) -> List[str]:
    """One sentence per wrong field of `config`, naming the field and what it should be, in the spec's order."""
    properties: Mapping[str, Any] = spec.get("properties", {})
    problems: Dict[str, str] = {}
    for error in Draft7Validator(spec).iter_errors(config):
        required = re.match(r"'(.+)' is a required property", error.message) if error.validator == "required" else None
        name = required.group(1) if required else ".".join(str(part) for part in error.path)
        prop = properties.get(name, {})
        shown = "the value given" if prop.get("airbyte_secret") else repr(error.instance)
        if required or (error.validator in ("minLength", "pattern") and not str(error.instance).strip()):
            problem = f"`{name}` is {'missing' if name in spec.get('required', []) else 'empty'}."
        elif error.validator == "type":
            problem = f"`{name}` must be {_TYPE_NAMES.get(str(error.validator_value), error.validator_value)}, not {shown}."
        elif error.validator == "enum":
            problem = f"`{name}` must be one of {', '.join(map(str, error.validator_value))}, not {shown}."
        elif error.validator in ("minimum", "maximum"):
            bound = "at least" if error.validator == "minimum" else "at most"
            problem = f"`{name}` must be {bound} {error.validator_value}, not {shown}."
        elif error.validator == "pattern":
            problem = f"`{name}` must look like {prop.get('pattern_descriptor') or error.validator_value}, not {shown}."
        else:
            problem = f"`{name}`: {error.message}."
        description = str(prop.get("description", "")).split(". ")[0].rstrip(".")
        problems.setdefault(name, f"{problem} {description}." if description else problem)
    start_date = config.get("start_date")
    if "start_date" not in problems and isinstance(start_date, str) and start_date.strip():
        try:
            moment = datetime.fromisoformat(start_date.strip().replace("Z", "+00:00"))
        except ValueError:
            problems["start_date"] = f"`start_date` is not a real date: {start_date!r}. Use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ."
        else:
            if (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)) > datetime.now(timezone.utc):
                problems["start_date"] = (
                    f"`start_date` is in the future: {start_date!r}. Use a past date, or leave it empty to read the "
                    "whole history."
                )
    order = list(properties)
    return [problems[name] for name in sorted(problems, key=lambda n: order.index(n) if n in order else len(order))]


_TYPE_NAMES = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false"}


def cursor_problem(stream_state: Any) -> Optional[str]:
    """What makes a stream state unusable (a cursor that is not a timestamp, at any depth), or None."""
    if isinstance(stream_state, Mapping):
        for key, value in stream_state.items():
            if key in CURSOR_KEYS and not _is_timestamp(value):
                return f"`{key}` is {value!r}, not a UTC timestamp such as 2024-01-31T00:00:00Z."
            problem = cursor_problem(value) if isinstance(value, (Mapping, list)) else None
            if problem:
                return problem
    elif isinstance(stream_state, list):
        return next((problem for problem in map(cursor_problem, stream_state) if problem), None)
    return None


def _is_timestamp(value: Any) -> bool:
    for form in CURSOR_FORMATS:
        try:
            datetime.strptime(value, form)
            return True
        except (TypeError, ValueError):
            continue
    return False


def _read_input(what: str, read: Callable[[str], Any], path: Optional[str]) -> Any:
    """`read(path)`, or a config error naming the file when it cannot be read (not JSON, wrong shape)."""
    if not path:
        return None
    try:
        return read(path)
    except Exception as error:  # noqa: BLE001 - any failure to read an input file is the user's to fix
        raise AirbyteTracedException(
            message=f"The {what} file {path} cannot be read: {error}", failure_type=FailureType.config_error
        ) from None


def create_source(args: List[str]) -> SourceFreshdesk:
    """Builds the source from the config, catalog and state files that `args` name (each may be absent).

    For a `read` that starts the tickets from scratch, the source is built a second time with the
    start of the account's ticket history and the length of its windows (see `tickets_history`), and
    the same API budget, which the probe's calls went through.
    """
    config_path = AirbyteEntrypoint.extract_config(args)
    catalog = _read_input("catalog", SourceFreshdesk.read_catalog, AirbyteEntrypoint.extract_catalog(args))
    config = _read_input("config", SourceFreshdesk.read_config, config_path)
    state = _read_input("state", SourceFreshdesk.read_state, AirbyteEntrypoint.extract_state(args))
    source = SourceFreshdesk(catalog=catalog, config=config, state=state, config_path=config_path)
    if args[:1] == ["read"] and isinstance(config, dict) and _reads_tickets_from_scratch(catalog, state):
        normalised = source._config  # migrated (already announced, if it changed) and transformed
        if config_problems(normalised, source.spec(LOGGER).connectionSpecification):
            return source  # the read stops on them at once (FreshdeskEntrypoint): no call before that
        budget = source.api_budget(normalised)
        history = tickets_history(normalised, budget)
        if history:
            source = SourceFreshdesk(catalog=catalog, config={**normalised, **history}, state=state, budget=budget)
    return source


FLAGGED_TICKET_LISTS = ("deleted", "spam")  # the lists the default one leaves out
PACE_SAMPLE = 100  # the newest tickets whose span gives the account's pace: one page
WINDOW_TICKETS = 1_000  # what a tickets window should hold, at least, at that pace


def _reads_tickets_from_scratch(catalog: Optional[ConfiguredAirbyteCatalog], state: Optional[List[AirbyteStateMessage]]) -> bool:
    """Whether the catalog selects tickets or conversations (read through the tickets list) without a state."""
    selected = {configured.stream.name for configured in (catalog.streams if catalog else [])} & {"tickets", "conversations"}
    saved = {
        message.stream.stream_descriptor.name
        for message in state or []
        if message.type == AirbyteStateType.STREAM and message.stream is not None and message.stream.stream_state
    }
    return bool(selected - saved)


def tickets_history(config: Mapping[str, Any], budget: Optional[FreshdeskAPIBudget] = None) -> Optional[Dict[str, str]]:
    """Where the account's ticket history starts (`_tickets_start`), and how long its windows are (`_tickets_step`).

    The tickets stream reads monthly windows from start_date, or from 2010 without one, and every
    window costs a call per list (default, deleted, spam) even where it holds no ticket:
    - A first sync of an account opened in 2022 would spend some 600 calls on the empty years before.
      The oldest `updated_at` of the three lists (one ticket each, sorted ascending) tells where to start.
    - An account with few tickets a month would spend more on the windows than on its tickets. The
      newest 100 tickets of the default list (one page, sorted descending) tell the account's pace; a
      window lasts as long as 1,000 tickets take at that pace, and at least a month. Fewer than 100
      tickets: one window. A quieter past only makes the older windows smaller than that.
    Three or four calls (no includes: one credit each), through the sync's own budget when given.

    A rate limit, a server error or a dropped connection is tried again (see `_get_with_retries`):
    giving up costs those calls. Any other failure, or one that lasts, gives no answer, and the windows
    are the manifest's; the read then reports the failure itself.
    """
    since = config.get("start_date") or "2010-01-01T00:00:00Z"
    url = f"https://{config['domain']}/api/v2/tickets" if isinstance(config.get("domain"), str) else ""
    try:
        with (LimiterSession(api_budget=budget) if budget else requests.Session()) as session:  # one connection
            session.auth = (str(config["api_key"]), "X")
            newest = _tickets(session, url, {"order_type": "desc", "per_page": PACE_SAMPLE, "updated_since": since})
            oldest = newest[-1:] if len(newest) < PACE_SAMPLE else _tickets(session, url, {"order_type": "asc", "per_page": 1, "updated_since": since})
            for name in FLAGGED_TICKET_LISTS:
                oldest += _tickets(session, url, {"order_type": "asc", "per_page": 1, "updated_since": since, "filter": name})
        now = _now()
        start = min(oldest) if oldest else now.strftime("%Y-%m-%dT%H:%M:%SZ")
        if len(newest) < PACE_SAMPLE:
            days, how = (now - _parse(start)).days + 1, f"in one window: the account has fewer than {PACE_SAMPLE} tickets"
        else:
            span = _parse(newest[0]) - _parse(newest[-1])
            days = math.ceil(span.total_seconds() * WINDOW_TICKETS / PACE_SAMPLE / 86_400)
            how = f"in windows of {days} days: {WINDOW_TICKETS:,} tickets at the pace of the newest {PACE_SAMPLE}"
    except _NoAnswer as reason:
        return _no_history_start(str(reason))
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        return _no_history_start(type(error).__name__)  # not the message: it may hold the URL
    step = f"P{days}D" if days > 31 else "P1M"
    if step == "P1M":
        how = "in monthly windows"
    LOGGER.info(f"Reading tickets from {start}, the oldest ticket's last update, {how}.")
    return {"_tickets_start": start, "_tickets_step": step}


class _NoAnswer(Exception):
    """The probe got an answer it cannot use; the message says which (no URL, no key)."""


def _tickets(session: requests.Session, url: str, params: Mapping[str, Any]) -> List[str]:
    """The `updated_at` of the tickets one probe call lists, in the list's order."""
    response = _get_with_retries(session, url, {"order_by": "updated_at", **params})
    if response.status_code != 200:
        raise _NoAnswer(f"status {response.status_code}")
    records = response.json()
    if not isinstance(records, list):
        raise _NoAnswer("the answer is not a list of tickets")
    return [str(record["updated_at"]) for record in records if isinstance(record, dict) and record.get("updated_at")]


def _parse(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


RETRIED_STATUSES = (429, 500, 502, 503, 504)
RETRY_WAITS = (2, 4, 8)  # seconds before the 2nd, 3rd and 4th attempts; a 429 waits its Retry-After instead
_sleep = time.sleep  # every wait of the probe, so that tests can replace it


def _now() -> datetime:
    return datetime.now(timezone.utc)  # the probe's clock, for the one-window case; tests replace it


def _get_with_retries(session: requests.Session, url: str, params: Mapping[str, Any]) -> requests.Response:
    """`session.get`, tried up to 4 times on a 429, a 5xx or a dropped connection; other answers come back at once.

    A transient failure would otherwise start the tickets at start_date or 2010 (see `tickets_history`).
    A 429 waits its Retry-After seconds (5 if absent or not a number), at most 60. The 4th attempt's answer
    or error is the caller's to handle.
    """
    for wait in RETRY_WAITS:
        try:
            response = session.get(url, params=params, timeout=(10, 30))
        except (requests.ConnectionError, requests.Timeout):
            _sleep(wait)
            continue
        if response.status_code not in RETRIED_STATUSES:
            return response
        if response.status_code == 429:
            retry_after = response.headers.get("Retry-After", "").strip()
            wait = min(int(retry_after), 60) if retry_after.isdecimal() else 5
        _sleep(wait)
    return session.get(url, params=params, timeout=(10, 30))


def _no_history_start(reason: str) -> None:
    LOGGER.warning(f"Could not find the oldest ticket ({reason}); the tickets windows start at start_date or 2010.")
    return None


def _fail(error: AirbyteTracedException) -> NoReturn:
    """Prints a config error as the Airbyte protocol's error message, without a stack trace, and exits 1."""
    message = error.as_sanitized_airbyte_message()
    if message.trace and message.trace.error:
        message.trace.error.stack_trace = None
    print(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode(), flush=True)
    sys.exit(1)


def run(args: Optional[List[str]] = None) -> None:
    """`airbyte_cdk.entrypoint.launch` with FreshdeskEntrypoint; config errors end without a traceback."""
    args = sys.argv[1:] if args is None else args
    try:
        entrypoint = FreshdeskEntrypoint(create_source(args))
        with PRINT_BUFFER:
            for message in entrypoint.run(entrypoint.parse_args(args)):
                print(f"{message}\n", end="")
    except AirbyteTracedException as error:
        if error.failure_type != FailureType.config_error:
            raise
        _fail(error)


if __name__ == "__main__":
    run()
