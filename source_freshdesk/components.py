"""The few pieces of the Freshdesk connector that the declarative manifest cannot express.

Each class implements one CDK interface, overrides as little as it can, and says in its docstring what
YAML could not do. Components keep no per-read state on `self`: streams and partitions run on several
threads at once.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import logging
import math
import re
import ssl
import threading
import time
import weakref
from collections import OrderedDict, deque
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Deque, Dict, Generator, Iterable, List, Mapping, MutableMapping, Optional, Set, Tuple, Union
from urllib.parse import parse_qs, urlsplit

import orjson
import requests
from isodate import parse_duration
from airbyte_cdk.models import AirbyteLogMessage, AirbyteMessage, FailureType, Level, StreamDescriptor
from airbyte_cdk.models import Type as MessageType
from airbyte_cdk.sources.declarative.auth.declarative_authenticator import NoAuth
from airbyte_cdk.sources.declarative.auth.token import BasicHttpAuthenticator
from airbyte_cdk.sources.declarative.decoders import JsonDecoder
from airbyte_cdk.sources.declarative.interpolation import InterpolatedBoolean, InterpolatedString
from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.declarative.partition_routers import SubstreamPartitionRouter
from airbyte_cdk.sources.declarative.requesters.error_handlers import BackoffStrategy, DefaultErrorHandler
from airbyte_cdk.sources.declarative.requesters.error_handlers.backoff_strategies import ExponentialBackoffStrategy
from airbyte_cdk.sources.declarative.requesters.http_requester import HttpRequester
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.pagination_strategy import PaginationStrategy
from airbyte_cdk.sources.declarative.retrievers.retriever import Retriever
from airbyte_cdk.sources.declarative.schema import SchemaLoader
from airbyte_cdk.sources.declarative.transformations import RecordTransformation
from airbyte_cdk.sources.declarative.validators.validation_strategy import ValidationStrategy
from airbyte_cdk.sources.streams.http.error_handlers.default_error_mapping import DEFAULT_ERROR_MAPPING
from airbyte_cdk.sources.streams.http.error_handlers.response_models import SUCCESS_RESOLUTION, ErrorResolution, ResponseAction
from airbyte_cdk.sources.streams.call_rate import CallRateLimitHit
from airbyte_cdk.sources.types import Record, StreamSlice, StreamState
from airbyte_cdk.sources.utils.transform import TransformConfig, TypeTransformer
from airbyte_cdk.utils import AirbyteTracedException
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets, filter_secrets
from airbyte_cdk.utils.datetime_helpers import ab_datetime_parse

LOGGER = logging.getLogger("airbyte")


class _Account:
    """What this process knows about one Freshdesk account: its rate budget, the warnings already given, and
    values worth computing once (field definitions, where the ticket history starts).

    Freshdesk counts its rate limits per account, whatever the key or app, so a budget per account is the
    one that matches the server. Every stream of a source builds its own requester, authenticator and
    error handler from the manifest (one `$ref`, many copies); they meet here, by the account's domain. A
    skipped stream is also read as the parent of its children (discussion_categories four times), and each
    read would repeat the same warning: `warn_once` says it once.

    Holds no credential. One command is one process for the package and for source-declarative-manifest;
    the Connector Builder's server runs components.py anew for every source it builds, so each gets a
    fresh registry there.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._budget: Optional["FreshdeskAPIBudget"] = None
        self._warned: Set[str] = set()
        self._values: Dict[str, Tuple[threading.Lock, List[Any]]] = {}
        # Whether the host has answered any request of this process (see FreshdeskErrorHandler).
        self.answered = False
        self.progress = _Progress()
        # Why no request may go out any more, as (message, failure type), for every key (None) or for one
        # key's fingerprint: see `stop`.
        self._stops: Dict[Optional[str], Tuple[str, FailureType]] = {}
        self._reported_stop = False
        # The start of the earliest tickets window that failed with SyncStopped (see FreshdeskTicketWindows).
        self.earliest_stopped_window: Optional[str] = None
        # Per key fingerprint: set once the first request sent with that key has had an answer, or none
        # (see `first_request_alone`).
        self._first_answers: Dict[str, threading.Event] = {}

    # Why this bound: the first request's own connect, read and body timeouts (5 + 30 + 30 s), with room.
    FIRST_ANSWER_SECONDS = 70.0

    def first_request_alone(self, key: str) -> None:
        """Sends the first request with a key alone: every other waits (at most FIRST_ANSWER_SECONDS) until
        it has an answer, or none. A wrong key, or a domain that is no Freshdesk account, then costs one
        request, where the streams a sync starts side by side would each have sent theirs before the first
        401 or 404 came back and stopped the account. Costs one round trip at the start of a command."""
        with self._lock:
            gate = self._first_answers.get(key)
            if gate is None:
                self._first_answers[key] = threading.Event()
                return
        gate.wait(self.FIRST_ANSWER_SECONDS)

    def first_answer(self, key: Optional[str] = None) -> None:
        """Opens `first_request_alone`'s gate for `key` (for every key: None)."""
        with self._lock:
            gates = list(self._first_answers.values()) if key is None else [self._first_answers.setdefault(key, threading.Event())]
        for gate in gates:
            gate.set()

    def stop(self, message: str, failure_type: FailureType, key: Optional[str] = None) -> "SyncStopped":
        """Refuses every later request to the account (with the key of fingerprint `key`, or any), with
        `message`: a rejected key or a host that stopped answering cannot answer them either, and each
        would only cost a request (or a timeout) and an error of its own. Returns the exception to raise."""
        with self._lock:
            message, failure_type = self._stops.setdefault(key, (message, failure_type))
        self.first_answer()  # the requests waiting for the first answer are refused now
        return SyncStopped(message, failure_type, self)

    def first_report(self) -> bool:
        """True once: for the first SyncStopped that is reported (see there)."""
        with self._lock:
            first, self._reported_stop = not self._reported_stop, True
            return first

    def stopped(self, key: Optional[str]) -> Optional[Tuple[str, FailureType]]:
        with self._lock:
            return self._stops.get(None) or self._stops.get(key)

    def stopped_window(self, start: str) -> None:
        with self._lock:
            if self.earliest_stopped_window is None or start < self.earliest_stopped_window:
                self.earliest_stopped_window = start

    def budget(self, rate_limits: Mapping[str, int]) -> "FreshdeskAPIBudget":
        """The account's budget, for these configured limits (a source configured otherwise gets a new one)."""
        with self._lock:
            if self._budget is None or self._budget.configured != dict(rate_limits):
                self._budget = FreshdeskAPIBudget(rate_limits)
            return self._budget

    def warn_once(self, message: str) -> None:
        with self._lock:
            if message in self._warned:
                return
            self._warned.add(message)
        LOGGER.warning(message)

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        """`compute()` the first time `key` is asked for; later callers (other threads too) get that value."""
        with self._lock:
            lock, box = self._values.setdefault(key, (threading.Lock(), []))
        with lock:
            if not box:
                box.append(compute())
            return box[0]


class SyncStopped(AirbyteTracedException):
    """A request not sent, or a stream not read further, because the account was stopped (`_Account.stop`).

    The CDK reports each failed partition by itself: a TRACE error, and an ERROR line, both with the
    exception's traceback; then it lists every failure in the sync's closing error. A rejected key on a
    first sync (a tickets window for every month since 2010) made two hundred of each, megabytes, the
    useful message lost among them. A stop is a decision of the connector, not a fault in its code, so:
    - the first SyncStopped the CDK reports is the sync's TRACE error, with the stop's message (which
      names the cause, the domain and what to do); every later one is a DEBUG line;
    - none carries a traceback, which would only show where the connector refused: `__traceback__` reads
      as None for the CDK's formatters (Python keeps the real one internally);
    - the CDK's ERROR line for the stream and its closing list get the message in short.
    The CDK still marks each stream it stops INCOMPLETE, and the sync still ends failed.
    """

    def __init__(self, message: str, failure_type: FailureType, account: "_Account") -> None:
        short = f"Not read: {message.split('. ', 1)[0].rstrip('.')}."
        super().__init__(internal_message=short, message=message, failure_type=failure_type)
        self._account = account
        self.__suppress_context__ = True

    def __str__(self) -> str:
        return str(self.internal_message)

    @property  # type: ignore[override]
    def __traceback__(self) -> None:
        return None

    @__traceback__.setter
    def __traceback__(self, value: Any) -> None:
        pass

    def as_airbyte_message(self, stream_descriptor: Optional[StreamDescriptor] = None) -> AirbyteMessage:
        if self._account.first_report():
            return super().as_airbyte_message(stream_descriptor)
        stream = f"Stream '{stream_descriptor.name}': " if stream_descriptor is not None else ""
        return AirbyteMessage(type=MessageType.LOG, log=AirbyteLogMessage(level=Level.DEBUG, message=stream + str(self)))


class _Progress:
    """What a read has done so far, for the progress lines it logs every `EVERY_SECONDS` (the CDK says
    nothing between a stream's start and its end, which on a rate-limited first sync can be hours apart).

    Fed by the components every record and answer passes through: the schema normalization (records per
    stream), the authenticator (answers, and the credits Freshdesk says each cost), the tickets windows and
    the conversations' checkpoints (windows read, tickets whose conversations are read, tickets listed for
    them). Lines come from the thread that gets an answer once the interval is over: 5 s after the start,
    then twice as long each time, up to a minute (early news on a short read, a line a minute on a long one).
    """

    FIRST_SECONDS, EVERY_SECONDS = 5.0, 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started = self._last = time.monotonic()
        self._interval = self.FIRST_SECONDS
        self._counts: Dict[str, int] = {}
        self._reported: Dict[str, int] = {}

    def add(self, what: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[what] = self._counts.get(what, 0) + amount

    def answered(self, credits: int) -> None:
        now = time.monotonic()
        with self._lock:
            self._counts["requests"] = self._counts.get("requests", 0) + 1
            self._counts["credits"] = self._counts.get("credits", 0) + credits
            if now - self._last < self._interval:
                return
            self._last, self._interval = now, min(self._interval * 2, self.EVERY_SECONDS)
            counts, reported = dict(self._counts), self._reported
            self._reported = counts
        for line in self.lines(counts, reported, now - self._started):
            LOGGER.info(line)

    def ended(self, stream: str) -> None:
        """Logs the lines at `stream`'s end: the requests and credits so far, and the stream's own line."""
        with self._lock:
            counts, seconds = dict(self._counts), time.monotonic() - self._started
        if counts.get("requests"):
            for line in self.lines(counts, {}, seconds, ended=stream):
                LOGGER.info(line)

    @staticmethod
    def lines(counts: Mapping[str, int], reported: Mapping[str, int], seconds: float, ended: Optional[str] = None) -> List[str]:
        """The progress lines for `counts` (`reported`: as of the last lines), `seconds` into the read; with
        `ended`, the lines at the end of that stream: its line, whether it read anything since or not."""
        at = f"Progress at {int(seconds // 60)} min {int(seconds % 60):02d} s"
        minutes = max(seconds / 60, 1 / 60)
        lines = [
            f"{at}: {counts.get('requests', 0):,} requests and {counts.get('credits', 0):,} credits so far, "
            f"{counts.get('credits', 0) / minutes:,.0f} credits a minute."
        ]
        keys = [f"records:{ended}"] if ended is not None else sorted(k for k in counts if k.startswith("records:"))
        for key in keys:
            if ended is None and counts[key] == reported.get(key):
                continue  # not active since the last lines
            stream = key.split(":", 1)[1]
            line = f"{at}: {stream}{' ended' if ended else ''}, {counts.get(key, 0):,} records"
            if stream == "tickets" and counts.get("windows"):
                of = f" of {counts['calendar windows']:,}" if counts.get("calendar windows") else ""
                line += f", {counts['windows']:,}{of} windows read"
            if stream == "conversations" and counts.get("listed"):
                done, listed = counts.get("read", 0), counts["listed"]
                line += f", the conversations of {done:,} of the {listed:,} tickets listed so far"
                if 0 < done < listed:
                    left = (listed - done) * seconds / done / 60
                    line += "; " + (f"about {left:,.0f} min" if left >= 1 else "less than a minute") + " more for those at this pace"
            lines.append(line + ".")
        return lines


class _StreamEndLines(logging.Handler):
    """At each stream's end, the progress lines of that stream (see `_Progress.ended`).

    No manifest component learns that a stream has ended: its partitions are read on worker threads, and
    the CDK's read loop closes the stream. At that moment the loop logs `STOPPED`'s line on the airbyte
    logger, in the thread that then emits the stream's final state and status; this handler, on that
    logger, recognises the line and logs the progress lines as it passes (they come out just before it). The CDK's wording is the one
    thing this depends on: unit_tests/test_progress.py reads a real sync's log and fails, naming the line
    it looked for, if a CDK release changes it.
    """

    STOPPED = re.compile(r"^Marking stream (?P<stream>\S+) as STOPPED$")

    def emit(self, record: logging.LogRecord) -> None:
        if not isinstance(record.msg, str) or not record.msg.startswith("Marking stream "):
            return
        match = self.STOPPED.match(record.getMessage())
        if match:
            for account in ACCOUNTS.all():
                account.progress.ended(match.group("stream"))


class _Accounts:
    """The accounts this process has talked to, by domain; the oldest is forgotten beyond `MAX_ACCOUNTS`."""

    MAX_ACCOUNTS = 64

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts: "OrderedDict[str, _Account]" = OrderedDict()

    def __getitem__(self, domain: str) -> _Account:
        with self._lock:
            account = self._accounts.pop(domain, None) or _Account()
            self._accounts[domain] = account
            while len(self._accounts) > self.MAX_ACCOUNTS:
                self._accounts.popitem(last=False)
            return account

    def all(self) -> List[_Account]:
        with self._lock:
            return list(self._accounts.values())

    def forget(self) -> None:
        """Forgets every account (tests: each starts from a new process's knowledge)."""
        with self._lock:
            self._accounts.clear()


ACCOUNTS = _Accounts()
if not any(type(handler).__name__ == "_StreamEndLines" for handler in LOGGER.handlers):  # once, however imported
    LOGGER.addHandler(_StreamEndLines())


def _account(config: Mapping[str, Any]) -> _Account:
    return ACCOUNTS[str(config.get("domain") or "")]


def _origin(config: Mapping[str, Any]) -> Tuple[str, str]:
    """The one origin the connector talks to with the key, as (scheme, host[:port]): https://<domain>."""
    return ("https", str(config.get("domain") or "").lower())


def _unreachable_host_message(exception: Exception, domain: str) -> Optional[str]:
    """A user-facing message when `exception` says the configured host cannot be reached at all, else None.

    A name that does not resolve, a refused connection and a certificate that does not verify are not
    transient: retrying them for minutes only hides a wrong `domain` (or a missing CA bundle).
    """
    text = repr(exception)
    if isinstance(exception, requests.exceptions.SSLError) or isinstance(
        getattr(exception, "__cause__", None), ssl.SSLError
    ):
        return (
            f"The TLS certificate of {domain} could not be verified. Check that `domain` is your "
            "Freshdesk domain (for example acme.freshdesk.com, not a vanity help-desk domain); for a "
            "Freshdesk-compatible test server, point REQUESTS_CA_BUNDLE at its CA file."
        )
    if isinstance(exception, requests.exceptions.ConnectionError):
        if "NameResolutionError" in text or "Name or service not known" in text or "nodename nor servname" in text:
            return (
                f"The host in `domain` ({domain}) does not resolve. Check the spelling: it should look like "
                "acme.freshdesk.com."
            )
        if "Connection refused" in text or "ConnectionRefusedError" in text:
            return (
                f"{domain} refused the connection. Check the host and port in `domain` (Freshdesk itself "
                "answers on acme.freshdesk.com, port 443)."
            )
    return None


class FreshdeskAuthenticator(BasicHttpAuthenticator):
    """Basic authentication with the API key, which only the configured account's HTTPS origin receives,
    and only once the account's rate budget has room for the request.

    YAML can declare an authenticator, an HTTPAPIBudget and response filters; it cannot say three things
    this connector needs, and the authenticator is the one component every request that carries the key
    passes through, at every attempt (the CDK signs a retried request again), while the signed downloads
    of ticket activities, which carry no key, do not pass through it:

    1. The budget (`rate_limits`): Freshdesk's account-wide credits and the tickets and contacts lists'
       own calls per minute, enforced together by FreshdeskAPIBudget. The CDK's HTTPAPIBudget charges a
       call to its first matching policy only, so it cannot hold a list call to both limits. The budget
       is the account's (see `_Account`), shared by every stream. It learns from every answer through the
       CDK's `ResponseAwareAuthenticator` protocol (`update_from_response`, which the HTTP client calls
       once per attempt, cached answers left out).
    2. The origin: a request to any other scheme, host or port is refused before the key is added, with
       an error naming the URL's origin (a next-page link taken from an answer could point anywhere).
    3. The encoded key is masked like the key itself: the CDK's debug log of a request shows the
       Authorization header, `Basic <base64 of "<key>:X">`, the key trivially decoded. An answer that
       echoes the key back (a careless proxy, a debugging endpoint) has it masked in its body and headers
       before anything reads them: the CDK puts a 400's body into the stream's error message unmasked.
    4. An account that cannot answer any more (the key was rejected, the host stopped answering: see
       FreshdeskErrorHandler) gets no further request: each is refused at once with the first error's
       message, so a wrong key ends a sync after one 401, not after one per stream and window. And the
       first request with a key goes alone (`_Account.first_request_alone`), so that the streams a sync
       starts side by side do not each send one before that first 401 is back.
    5. An answer's body must come whole within the requester's read timeout, counted from its headers:
       requests applies that timeout to each wait for a byte, not to the body, so a host that trickles a
       byte every few seconds would hold a request for hours. A response hook (requests runs it, with the
       request's timeout, before it reads the body) reads the body against that deadline; past it the
       answer counts as none (a ReadTimeout), retried and then stopping the account like a stalled one
       (FreshdeskErrorHandler).

    Not a dataclass, for the reasons given on FreshdeskJsonDecoder. The class annotations tell the CDK
    which manifest fields to pass.
    """

    username: Any
    config: Mapping[str, Any]
    parameters: Mapping[str, Any]
    password: Any
    rate_limits: Mapping[str, Any]

    def __init__(
        self,
        username: Any,
        config: Mapping[str, Any],
        parameters: Mapping[str, Any],
        password: Any = "",
        rate_limits: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(username=username, config=config, parameters=parameters, password=password)
        self.rate_limits = dict(rate_limits or {})
        self._origin = _origin(config)
        self._key = _fingerprint(config)
        self._limits = {
            name: int(InterpolatedString.create(str(value), parameters=parameters or {}).eval(config))
            for name, value in self.rate_limits.items()
        }

    @property
    def budget(self) -> "FreshdeskAPIBudget":
        """The account's budget (shared with every other stream of the account, see `_Account`)."""
        return _account(self.config).budget(self._limits)

    @property
    def token(self) -> str:
        token = super().token
        credentials = token.split(" ", 1)[-1]
        if filter_secrets(credentials) == credentials:
            add_to_secrets(credentials)
        return token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(str(request.url or ""))
        if (parts.scheme.lower(), parts.netloc.lower()) != self._origin:
            origin = f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
            message = (
                f"Refused to send the API key to {origin}: the connector only talks to https://{self._origin[1]}, "
                "the configured `domain`. Freshdesk answered with a link to another address; please report it "
                "to the connector's maintainers."
            )
            raise AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.system_error)
        account = _account(self.config)
        account.first_request_alone(self._key)
        stopped = account.stopped(self._key)
        if stopped:
            raise SyncStopped(stopped[0], stopped[1], account)
        self.budget.acquire_call(request)
        _hold_body_to_timeout(request)
        return super().__call__(request)  # type: ignore[no-any-return]

    def update_from_response(self, request: requests.PreparedRequest, response: requests.Response) -> None:
        account = _account(self.config)
        account.answered = True
        account.first_answer(self._key)
        _mask_echoed_secrets(response, self.token.split(" ", 1)[-1], str(self.config.get("api_key") or ""))
        self.budget.update_from_response(request, response)
        try:
            credits = int(response.headers.get("X-Ratelimit-Used-CurrentRequest") or 1)
        except ValueError:
            credits = 1
        account.progress.answered(credits)


def _hold_body_to_timeout(request: requests.PreparedRequest) -> None:
    """Has `request`'s answer body read within the read timeout (FreshdeskAuthenticator, point 5)."""
    if _read_body_in_time not in request.hooks["response"]:
        request.register_hook("response", _read_body_in_time)


def _read_body_in_time(response: requests.Response, timeout: Any = None, **_: Any) -> requests.Response:
    """Reads `response`'s body before requests does, within the read timeout (a response hook: requests runs
    it, with the request's timeout, before it reads the body itself)."""
    seconds = timeout[1] if isinstance(timeout, tuple) else timeout
    if not seconds:
        return response
    raw = response.raw
    if response._content is not False or not hasattr(raw, "read1"):
        return response  # read already (a cached answer), or not urllib3 2's body (which has read1)
    deadline, chunks = time.monotonic() + float(seconds), []
    # read1: what has arrived, at once (read(n) would wait for n bytes, a byte at a time).
    while chunk := raw.read1(64 * 1024, decode_content=True):
        chunks.append(chunk)
        if time.monotonic() > deadline:
            response.close()
            raise _BodyTooSlow(f"sent a body that was not whole within {float(seconds):g} s", request=response.request)
    # What `response.content` would have read itself: requests has no public way to hand it a body.
    response._content, response._content_consumed = b"".join(chunks), True
    return response


@dataclass
class FreshdeskSignedDownload(NoAuth):
    """The ticket activities files' downloads: no credential at all (their signed links point at a storage
    host, which must never receive the API key), and the body held to the read timeout like every answer
    of the account's (FreshdeskAuthenticator, point 5). YAML's NoAuth cannot register the response hook
    that does it; without it a storage host trickling a file would hold the sync for hours."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        _hold_body_to_timeout(request)
        return super().__call__(request)  # type: ignore[no-any-return]


def _fingerprint(config: Mapping[str, Any]) -> str:
    """A stand-in for the configured key that is not the key (the account registry holds no credential)."""
    return hashlib.sha256(str(config.get("api_key") or "").encode("utf-8")).hexdigest()


def _mask_echoed_secrets(response: requests.Response, *secrets: str) -> None:
    """Masks the secrets (and their JSON-escaped forms) in an answer's body and headers, in place.

    A byte search per secret: a page that echoes nothing (all of them, in practice) is left as it is.
    `_content` is where requests keeps a read body; it has no public setter.
    """
    content = response.content or b""
    for secret in filter(None, secrets):
        for form in {secret.encode("utf-8"), secret.replace("/", "\\/").encode("utf-8")}:
            if form in content:
                content = content.replace(form, b"****")
                response._content = content
    for name, value in list(response.headers.items()):
        masked = filter_secrets(value)
        if masked != value:
            response.headers[name] = masked


@dataclass
class FreshdeskErrorHandler(DefaultErrorHandler):
    """The manifest's error handler, with what YAML cannot state about errors that are not answers, and about
    answers that end the account's sync.

    1. A response the manifest's filters IGNORE with status 403 means a whole stream is outside the
       account's plan or the key's privileges. The CDK logs IGNOREd responses at INFO, where nobody sees
       them; this handler logs the filter's message (which names the stream, Freshdesk's reason and what
       to do) as a WARNING instead, once per sync.
    2. Connection errors that no retry can fix (unknown host, refused connection, certificate that does
       not verify) fail at once as config errors with an actionable message, instead of being retried
       with backoff for minutes. `HttpResponseFilter` only matches responses, not exceptions.
    3. A request that gets no answer (it timed out, or the connection dropped) is retried at most
       `CONNECTION_RETRIES` times, each retry logged as what it is, not as a rate limit; then the account is
       stopped (see `_Account.stop`): a host that stays silent must end the sync within minutes, where
       `max_retries` (there for long streaks of 429s) would keep it waiting for half an hour. A timeout
       before the host has answered anything at all stops at once: `check` against a host that accepts
       connections and never answers then says so within its one timeout.
    4. A 401 that fails its stream stops the account for that key: every later request would be refused
       the same way (a lookup's 401 only makes the lookup fall back, as its filters say). So does a 404
       that fails a stream, for a list every Freshdesk account has (EVERY_ACCOUNT_PATHS) or with a web page
       for a body: the domain is not a Freshdesk account (or not its API), and each stream and tickets
       window would only get a 404 of its own.
    Both stops raise SyncStopped rather than hand the CDK a FAIL: the CDK's own exception would carry
    its traceback into the sync's output, with an ERROR line quoting the whole answer, headers included.
    5. Every message is masked of secrets: the CDK prints a stream's error without masking it, and a
       filter's message may quote what the server sent.
    6. A success is a success at once: the CDK would evaluate each filter's predicate on it, parsing the
       page again for each (no filter of the manifest matches a 2xx).
    """

    CONNECTION_RETRIES = 3

    def interpret_response(
        self, response_or_exception: Optional[Union[requests.Response, Exception]]
    ) -> ErrorResolution:
        if isinstance(response_or_exception, Exception):
            _account(self.config).first_answer(_fingerprint(self.config))  # none: the others may go (see there)
            message = _unreachable_host_message(response_or_exception, str(self.config.get("domain", "")))
            if message:
                return ErrorResolution(
                    response_action=ResponseAction.FAIL,
                    failure_type=FailureType.config_error,
                    error_message=message,
                )
            if isinstance(response_or_exception, _NO_ANSWER) and response_or_exception.request is not None:
                return self._no_answer(response_or_exception)
        elif isinstance(response_or_exception, requests.Response) and response_or_exception.status_code < 300:
            # No filter of the manifest is for a success, and the CDK would evaluate every predicate on it,
            # each parsing the page again (a tickets page twice over).
            return SUCCESS_RESOLUTION
        resolution = super().interpret_response(response_or_exception)
        if resolution.error_message and filter_secrets(resolution.error_message) != resolution.error_message:
            resolution = dataclasses.replace(resolution, error_message=filter_secrets(resolution.error_message))
        if isinstance(response_or_exception, requests.Response):
            if response_or_exception.status_code == 403 and resolution.response_action == ResponseAction.IGNORE:
                # The CDK's own message is not the manifest's: a lookup's filter says nothing (it falls back).
                if resolution.error_message and resolution.error_message != DEFAULT_ERROR_MAPPING[403].error_message:
                    _account(self.config).warn_once(resolution.error_message)
            elif (
                response_or_exception.status_code == 401
                and resolution.response_action == ResponseAction.FAIL
                and self._is_freshdesk(response_or_exception)
            ):
                raise _account(self.config).stop(
                    resolution.error_message or "Freshdesk rejected the API key (401).",
                    FailureType.config_error,
                    key=_fingerprint(self.config),
                )
            elif (
                response_or_exception.status_code == 404
                and resolution.response_action == ResponseAction.FAIL
                and self._is_freshdesk(response_or_exception)
            ):
                request, page = response_or_exception.request, "html" in response_or_exception.headers.get("Content-Type", "").lower()
                if page or urlsplit(str(request.url)).path in EVERY_ACCOUNT_PATHS:
                    raise _account(self.config).stop(
                        filter_secrets(
                            f"{self.config.get('domain')} is not a Freshdesk account: it answered 404 for {request.method} "
                            f"{request.url}" + (" with a web page, where the API answers JSON" if page else ", a list every account has")
                            + ". Check that `domain` is your Freshdesk domain (for example acme.freshdesk.com)."
                        ),
                        FailureType.config_error,
                    )
        return resolution

    def _is_freshdesk(self, response: requests.Response) -> bool:
        """Whether `response` is the configured account's (a signed download's storage host is not)."""
        parts = urlsplit(str(getattr(response.request, "url", "") or ""))
        return (parts.scheme, parts.netloc.lower()) == _origin(self.config)

    def _no_answer(self, error: requests.RequestException) -> ErrorResolution:
        account, request = _account(self.config), error.request
        with _NO_ANSWER_LOCK:
            attempt = _NO_ANSWER_COUNTS.get(request, 0) + 1
            _NO_ANSWER_COUNTS[request] = attempt
        limit = self.CONNECTION_RETRIES + 1
        seconds = re.search(r"timeout=([0-9.]+)", str(error))
        what = (
            str(error) if isinstance(error, _BodyTooSlow)
            else f"got no answer within {float(seconds.group(1)):g} s" if seconds
            else "timed out" if isinstance(error, requests.exceptions.Timeout)
            else "lost its connection before an answer"
        )
        what = f"{request.method} {request.url} {what}"
        domain = self.config.get("domain", "")
        if isinstance(error, requests.exceptions.Timeout) and not account.answered:
            message = (
                f"{domain} accepted the connection but sent no answer: {what}. Check that `domain` is your "
                "Freshdesk domain (acme.freshdesk.com); if it is, Freshdesk may be down (status.freshworks.com). "
                "Nothing was read from it."
            )
        elif attempt < limit:
            message = f"{what} (attempt {attempt} of {limit}); retrying."
            LOGGER.warning(message)
            return ErrorResolution(ResponseAction.RETRY, FailureType.transient_error, filter_secrets(message))
        else:
            message = (
                f"{domain} stopped answering: {what}, {limit} times in a row. The sync stops here; the state "
                "keeps what was read, so the next sync goes on from there."
            )
        raise account.stop(filter_secrets(message), FailureType.transient_error)


# Lists every Freshdesk account has, on every plan and for every agent: a 404 for one of them means the
# domain is no Freshdesk account (FreshdeskErrorHandler, point 4). A 404 elsewhere may be one endpoint's
# (an older account's route), and fails that stream only.
EVERY_ACCOUNT_PATHS = frozenset(
    f"/api/v2/{path}"
    for path in ("tickets", "ticket_fields", "contacts", "contact_fields", "companies", "company_fields", "agents", "groups")
)

class _BodyTooSlow(requests.exceptions.ReadTimeout):
    """An answer whose body did not come whole in time (FreshdeskAuthenticator, point 5)."""


# What FreshdeskErrorHandler counts per request (see its point 3): exceptions that mean the host did not
# answer. A ChunkedEncodingError (a body cut off) carries no request to count by; the CDK retries it.
_NO_ANSWER = (requests.exceptions.Timeout, requests.exceptions.ConnectionError)
# The attempts of each request that got no answer, by the request itself (the CDK sends the same prepared
# request again on each retry); weak, so a finished request's entry goes with it.
_NO_ANSWER_COUNTS: "weakref.WeakKeyDictionary[requests.PreparedRequest, int]" = weakref.WeakKeyDictionary()
_NO_ANSWER_LOCK = threading.Lock()


class FreshdeskRetryAfter(BackoffStrategy):
    """How long to wait before retrying an answer that carries Retry-After, within reason.

    YAML's WaitTimeFromHeader takes the header at its word: `Retry-After: 86400` is a silent sleep of a day
    (the CDK sleeps the whole wait at once, and `max_time` only stops the next retry), `Retry-After: -5`
    crashes the stream ("sleep length must be non-negative"), and its `max_waiting_time_in_seconds` fails
    the stream rather than wait less. Here:
    - a wait up to `max_seconds` is taken as given; Freshdesk's limits are counted per minute, so no wait
      it asks for needs more than a minute, and a longer one is cut to `max_seconds`, with one warning;
    - a negative or unreadable value (Freshdesk sends whole seconds; an HTTP date is read too) waits
      `DEFAULT_SECONDS`, with one warning;
    - 0, or no header, is no answer: the next strategy (exponential) decides, as the CDK would.
    The account's budget (FreshdeskAPIBudget) keeps a refused window closed by the same rule (`wait`).
    With `max_retries` 30, endless 429s thus end the request within about half an hour (`MAX_SECONDS`
    and the CDK's added second per retry), with the CDK's rate-limit error.
    """

    MAX_SECONDS = 60.0
    DEFAULT_SECONDS = 10.0

    config: Mapping[str, Any]
    parameters: Mapping[str, Any]

    def __init__(self, config: Mapping[str, Any], parameters: Optional[Mapping[str, Any]] = None) -> None:
        self.config = config
        self.parameters = parameters or {}

    @classmethod
    def wait(cls, raw: Any, longest: float) -> float:
        """The seconds a Retry-After value `raw` asks for, at most `longest` (also its value when absent), and
        DEFAULT_SECONDS for a negative or unreadable one."""
        if raw is None:
            return longest
        seconds = _retry_after_seconds(str(raw))
        if seconds is None or seconds < 0:
            return cls.DEFAULT_SECONDS
        return min(seconds, longest)

    def backoff_time(self, response_or_exception: Any, attempt_count: int = 0) -> Optional[float]:
        if not isinstance(response_or_exception, requests.Response):
            return None
        raw = response_or_exception.headers.get("Retry-After")
        if raw is None:
            return None
        seconds = _retry_after_seconds(str(raw))
        if seconds is None or seconds < 0:
            _account(self.config).warn_once(
                f"Freshdesk sent a Retry-After the connector cannot use ({str(raw)[:40]!r}); waiting "
                f"{self.DEFAULT_SECONDS:g} s before retrying."
            )
        elif seconds > self.MAX_SECONDS:
            _account(self.config).warn_once(
                f"Freshdesk asked to wait {seconds:g} s before retrying (Retry-After); waiting {self.MAX_SECONDS:g} s "
                "instead, the longest its per-minute rate limits need."
            )
        return self.wait(raw, self.MAX_SECONDS) or None


class FreshdeskServerErrorBackoff(ExponentialBackoffStrategy):
    """ExponentialBackoffStrategy for answers (5xx) only: a request that got no answer is left to the CDK.

    YAML's strategy gives a wait for exceptions too, and the CDK logs every wait a strategy gives as "Rate
    limit exceeded": a timeout would read as a rate limit. Without a strategy's wait the CDK backs off on
    its own (1, 2, 4... s) and logs the error it retries; FreshdeskErrorHandler bounds those retries.
    """

    def backoff_time(self, response_or_exception: Any, attempt_count: int) -> Optional[float]:
        if not isinstance(response_or_exception, requests.Response):
            return None
        return super().backoff_time(response_or_exception, attempt_count)


def _retry_after_seconds(value: str) -> Optional[float]:
    """Retry-After's seconds (a number, or an HTTP date from now), or None when it is neither."""
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return max(0.0, (moment - _now()).total_seconds())
    return seconds if math.isfinite(seconds) else None


class FreshdeskCursorFieldStateMigration(StateMigration):
    """Carries over a stream state kept under another cursor field, as Airbyte's official connector wrote it.

    The official connector keeps satisfaction_ratings' state as `{"updated_at": X}`; this connector's
    cursor is `created_at`, the field Freshdesk's `created_since` filter applies to. Without this
    migration the CDK would not find its cursor in that state and would read the stream again from
    `start_date`. The CDK's only declarative state migration (LegacyToPerPartitionStateMigration)
    cannot rename a key.

    Not a dataclass, on purpose: the Connector Builder executes components.py before registering it as
    a module, and `@dataclass` then fails on a postponed field annotation (this file imports
    `annotations` from __future__). The class annotations tell the CDK which manifest fields to pass.
    """

    config: Mapping[str, Any]
    legacy_cursor_field: str
    cursor_field: str

    def __init__(
        self, config: Mapping[str, Any], legacy_cursor_field: str = "updated_at", cursor_field: str = "created_at"
    ) -> None:
        self.config = config
        self.legacy_cursor_field = legacy_cursor_field
        self.cursor_field = cursor_field

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        return (
            self.cursor_field not in stream_state
            and isinstance(stream_state.get(self.legacy_cursor_field), str)
            and bool(stream_state[self.legacy_cursor_field])
        )

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        return {self.cursor_field: stream_state[self.legacy_cursor_field]}


class FreshdeskJsonDecoder(JsonDecoder):
    """Decodes a page of records, and refuses a page that is not one: the stream stops with a clear error.

    The CDK's JsonDecoder turns a body it cannot parse into `{}` (an HTML maintenance page or a body cut
    short, both with status 200), and the extractor takes a JSON object where a list belongs for a single
    record. Either way the page's records are silently lost, the paginator carries on, and the state
    moves past them. This decoder raises instead, naming the stream and the URL; the slice fails, so its
    state is not checkpointed and the next sync reads that page again. No declarative decoder checks the
    shape of a body, and an error handler would have to parse every page a second time to find out.

    `expects`: "list" (every Freshdesk list) or "object" (a single-object endpoint such as settings).
    Error statuses are left to the error handler: the retriever never reads records from them.

    Not a dataclass: the Connector Builder executes components.py before registering it as a module,
    and `@dataclass` then fails on a postponed field annotation; and Python 3.10's get_type_hints (which
    the CDK calls on custom components) rejects a postponed `InitVar`. The class annotations tell the
    CDK which manifest fields to pass.
    """

    parameters: Mapping[str, Any]
    expects: str

    def __init__(self, parameters: Mapping[str, Any], expects: str = "list") -> None:
        super().__init__(parameters)
        self.expects = expects
        self._stream_name = str((parameters or {}).get("name") or "")

    def is_stream_response(self) -> bool:
        return False

    def decode(self, response: requests.Response) -> Generator[MutableMapping[str, Any], None, None]:
        if not response.ok:
            yield from super().decode(response)
            return
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as error:
            is_html = "html" in response.headers.get("Content-Type", "")
            raise self._refuse(
                response,
                "an HTML page instead of JSON" if is_html else f"JSON that does not parse ({error})",
                "Freshdesk may be under maintenance. " if is_html else "The body was cut short or corrupted. ",
                FailureType.transient_error,
            ) from None
        expected = list if self.expects == "list" else dict
        if not isinstance(body, expected):
            shape = "a JSON object" if isinstance(body, dict) else f"a JSON {type(body).__name__}"
            raise self._refuse(
                response,
                f"{shape} where {'a list of records' if expected is list else 'an object'} belongs",
                "Please report this answer to the connector's maintainers. ",
                FailureType.system_error,
            )
        if isinstance(body, dict):
            yield body
        elif body:
            yield from body
        else:
            yield {}  # as JsonDecoder does: the paginator reads the first element of every page

    def _refuse(self, response: requests.Response, what: str, advice: str, failure_type: FailureType) -> AirbyteTracedException:
        url = response.request.url if response.request is not None else response.url
        message = (
            f"Stream '{self._stream_name}' stopped: Freshdesk answered GET {url} with status "
            f"{response.status_code} but {what}. {advice}No record of that page was read and the state stays "
            "before it, so the next sync reads it again."
        )
        return AirbyteTracedException(message=message, internal_message=message, failure_type=failure_type)


class _Pages(PaginationStrategy):
    """A pagination strategy of `page_size` records a page, whose first page needs no token."""

    page_size: int

    @property
    def initial_token(self) -> Optional[Any]:
        return None

    def get_page_size(self) -> Optional[int]:
        return self.page_size


class FreshdeskNextLink(_Pages):
    """Follows Freshdesk's `link: <...>; rel="next"` header, and only where a next page can be.

    YAML's CursorPagination follows whatever URL the header names. A next link is taken from an answer, so
    it is checked before it is followed; the stream stops with an error naming it (and no record is read
    twice) when it:
    - points to another origin (scheme, host or port) than `https://<domain>`: the API key goes nowhere
      else (the authenticator refuses such a request too; this names the stream), nor to another path of
      the account, whose records would be mixed into this stream's;
    - does not move forward: Freshdesk numbers its pages, so the next link's `page` is past this page's
      (a link to the same page, or back, would read the same records again and never end);
    - comes with an empty page: a list that has nothing on this page has nothing after it.

    The token is the next page's URL, which the paginator's `RequestPath` option requests as it is. Not a
    dataclass, for the reasons given on FreshdeskJsonDecoder; keeps no per-read state.
    """

    config: Mapping[str, Any]
    parameters: Mapping[str, Any]
    page_size: int

    def __init__(self, config: Mapping[str, Any], parameters: Mapping[str, Any], page_size: int = 100) -> None:
        self.config = config
        self.parameters = parameters
        self.page_size = int(page_size)
        self._stream_name = str((parameters or {}).get("name") or "")
        self._origin = _origin(config)

    def next_page_token(
        self,
        response: requests.Response,
        last_page_size: int,
        last_record: Optional[Record],
        last_page_token_value: Optional[Any] = None,
    ) -> Optional[str]:
        return _next_link(response, self._origin, self._stream_name)


def _next_link(response: requests.Response, origin: Tuple[str, str], stream: str) -> Optional[str]:
    """The answer's `rel="next"` link, if it can be followed (see FreshdeskNextLink), else an error naming `stream`."""
    link = (response.links.get("next") or {}).get("url")
    if not link:
        return None
    here = urlsplit(str(response.request.url if response.request is not None else response.url))
    there = urlsplit(str(link))
    if (there.scheme.lower(), there.netloc.lower()) != origin or there.path != here.path:
        raise _unfollowed_link(stream, link, f"it leads away from {here.path} on https://{origin[1]}")
    if _is_empty_page(response):
        raise _unfollowed_link(stream, link, "it came with an empty page")
    if _page_number(there.query) <= _page_number(here.query):
        raise _unfollowed_link(stream, link, "it does not lead past this page")
    return str(link)


def _page_number(query: str) -> int:
    """The `page` of a Freshdesk list URL's query (1 when absent or unreadable)."""
    try:
        return int((parse_qs(query).get("page") or ["1"])[0])
    except ValueError:
        return 1


def _is_empty_page(response: requests.Response) -> bool:
    """Whether the answer is an empty JSON list (without parsing it: this runs on every page)."""
    return len(response.content or b"") < 16 and (response.content or b"").strip() == b"[]"


def _unfollowed_link(stream: str, link: str, why: str) -> AirbyteTracedException:
    message = filter_secrets(
        f"Stream '{stream}' stopped: Freshdesk's next-page link {link} was not followed, because {why}. "
        "The pages before it were read once each. Please report this answer to the connector's maintainers."
    )
    return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.system_error)


class FreshdeskListPages(_Pages):
    """Pages through a Freshdesk list, then through each of its sibling lists, within one slice.

    1. Sibling lists: the tickets endpoint leaves deleted and spam tickets out of its default list and
       lists them with `filter=deleted` / `filter=spam`; contacts likewise with `state=deleted` /
       `state=blocked`. Read in turn within each slice, the lists share the stream's one cursor: a slice
       is checkpointed only once every list has been read through it. The alternative, a partition per
       list, makes the CDK use its per-partition cursor, which emits state at most once every ten
       minutes.
    2. The tickets list's page cap (`page_cap`: no page past 300): on the last page allowed, the list
       goes on from page 1 with `updated_since` set to the last record's `updated_at` (the lists are
       sorted by it, ascending). Inclusive, so tickets sharing that second come out twice rather than
       never. A restart that would not move (more than a cap's worth of records sharing one second)
       stops the stream with an error instead of looping.
    3. With `sorted_by` set (a list sorted by that field and cut at the slice's end by the record filter),
       a page that lost records to that filter has reached the slice's end, and the list is done there.
       Not named `cursor_field`: the CDK copies a stream's `$parameters` into its components' unset fields,
       and contacts, listed by name, would then stop at their first page short of `page_size`.

    The token is `{"list": sibling or None, "page": n, "since": timestamp or None}`; the requester's
    `request_parameters` turn it into `page`, the list's filter (`filter=` for tickets, `state=` for
    contacts) and, for tickets, `updated_since` (None: the slice's start). Freshdesk's `link` header only says whether a next page exists.

    Not a dataclass, for the reasons given on FreshdeskJsonDecoder. No per-read state is kept on the
    instance: one instance paginates every slice, in several threads at once.
    """

    config: Mapping[str, Any]
    parameters: Mapping[str, Any]
    page_size: int
    siblings: List[str]
    sorted_by: Optional[str]
    page_cap: Optional[int]

    def __init__(
        self,
        config: Mapping[str, Any],
        parameters: Mapping[str, Any],
        page_size: int = 100,
        siblings: Optional[List[str]] = None,
        sorted_by: Optional[str] = None,
        page_cap: Optional[int] = None,
    ) -> None:
        self.config = config
        self.parameters = parameters
        self.page_size = int(page_size)
        self.siblings = list(siblings or [])
        self.sorted_by = sorted_by
        self.page_cap = int(page_cap) if page_cap else None
        self._stream_name = str((parameters or {}).get("name") or "")

    def next_page_token(
        self,
        response: requests.Response,
        last_page_size: int,
        last_record: Optional[Record],
        last_page_token_value: Optional[Any] = None,
    ) -> Optional[Mapping[str, Any]]:
        token = last_page_token_value or {"list": None, "page": 1, "since": None}
        if "next" in response.links and _is_empty_page(response):
            raise _unfollowed_link(self._stream_name, response.links["next"].get("url", ""), "it came with an empty page")
        list_goes_on = "next" in response.links and (not self.sorted_by or last_page_size >= self.page_size)
        if list_goes_on:
            if self.page_cap and token["page"] >= self.page_cap and self.sorted_by and last_record:
                return {"list": token["list"], "page": 1, "since": self._restart_from(token, last_record)}
            return {"list": token["list"], "page": token["page"] + 1, "since": token["since"]}
        lists = [None, *self.siblings]
        position = lists.index(token["list"]) + 1
        if position < len(lists):
            return {"list": lists[position], "page": 1, "since": None}
        return None

    def _restart_from(self, token: Mapping[str, Any], last_record: Record) -> str:
        since = str(last_record[self.sorted_by])  # type: ignore[index]
        if since == token["since"]:
            message = (
                f"Stream '{self._stream_name}' stopped: more than {self.page_cap * self.page_size} records of "  # type: ignore[operator]
                f"one list share {self.sorted_by} {since}, and Freshdesk's list cannot page past "
                f"{self.page_cap} pages. Please report this to the connector's maintainers."
            )
            raise AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.system_error)
        return since


class FreshdeskPerListStateMigration(StateMigration):
    """Turns the per-list tickets state of connector versions 0.1.x into the stream's one cursor.

    Those versions read the default, deleted and spam lists as three partitions, each with its own
    cursor: `{"states": [{"partition": {"list": "default"}, "cursor": {"updated_at": X}}, ...]}`. The
    lists now share one cursor (see FreshdeskListPages), which starts from the oldest of the three, so
    no list skips a ticket; the others re-read a little. A state that lacks one of the lists (a first
    sync stopped early) gives no safe starting point and is dropped: the stream reads from start_date.
    """

    config: Mapping[str, Any]
    cursor_field: str
    lists: List[str]

    def __init__(self, config: Mapping[str, Any], cursor_field: str = "updated_at", lists: Optional[List[str]] = None) -> None:
        self.config = config
        self.cursor_field = cursor_field
        self.lists = list(lists or ["default", "deleted", "spam"])

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        return isinstance(stream_state.get("states"), list)

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        cursors: Dict[str, str] = {}
        for entry in stream_state["states"]:
            if isinstance(entry, Mapping) and isinstance(entry.get("partition"), Mapping) and isinstance(entry.get("cursor"), Mapping):
                value = entry["cursor"].get(self.cursor_field)
                if isinstance(value, str) and value:
                    cursors[str(entry["partition"].get("list"))] = value
        if set(self.lists) - set(cursors):
            return {}
        return {self.cursor_field: min(cursors[name] for name in self.lists)}


# The cursor fields of this connector's incremental streams, and the timestamp forms their states hold.
CURSOR_KEYS = ("updated_at", "created_at", "performed_at", "next_export_date")
CURSOR_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%S%z")


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


# Keys of the state shapes the CDK writes (per-partition and global cursors) around the cursor keys.
STATE_KEYS = frozenset({"states", "state", "parent_state", "partition", "cursor", "use_global_cursor", "lookback_window"})
# How far past now a saved cursor may be: Freshdesk's clock may run a little ahead of this machine's, and a
# cursor is the newest record's time. Further than this, the state was not written from records.
FUTURE_TOLERANCE = timedelta(days=1)


def cursor_values(stream_state: Any) -> List[str]:
    """Every cursor value of a stream state, at any depth."""
    found: List[str] = []
    if isinstance(stream_state, Mapping):
        for key, value in stream_state.items():
            if key in CURSOR_KEYS and isinstance(value, str):
                found.append(value)
            elif isinstance(value, (Mapping, list)):
                found.extend(cursor_values(value))
    elif isinstance(stream_state, list):
        for item in stream_state:
            found.extend(cursor_values(item))
    return found


class FreshdeskStateCheck(StateMigration):
    """Never uses a saved state it cannot trust without saying so.

    - A cursor that is not a timestamp stops the sync, naming the stream: the CDK would crash on it with a
      traceback while it builds the stream (or, for a stream with a parent, misread it).
    - A state of a shape this connector never writes (no cursor anywhere, keys it does not know), which the
      CDK would ignore without a word: one warning, and the stream is read again from `start_date`.
    - A cursor more than a day in the future, with which the CDK would request nothing, sync after sync
      (its windows end now), while the records changed meanwhile are never read: one warning, and the
      stream is read again from `start_date` (an append-dedup destination keeps one copy of each record).
    A migration is the one place a manifest sees a stream's incoming state.
    """

    config: Mapping[str, Any]
    parameters: Mapping[str, Any]

    def __init__(self, config: Mapping[str, Any], parameters: Optional[Mapping[str, Any]] = None) -> None:
        self.config = config
        self.parameters = parameters or {}

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        stream = self.parameters.get("name")
        problem = cursor_problem(stream_state)
        if problem:
            message = (
                f"The saved state of stream '{stream}' cannot be resumed: {problem} Correct the "
                "state, or clear the stream's data so that it is read again from `start_date`."
            )
            raise AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)
        unusable = self._unusable(stream_state)
        if unusable:
            _account(self.config).warn_once(filter_secrets(
                f"The saved state of stream '{stream}' {unusable}; it is set aside and the stream is read again from "
                f"{'`start_date`' if self.config.get('start_date') else 'the beginning (no `start_date` is set)'}."
            ))
            return True
        return False

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        return {}

    @staticmethod
    def _unusable(stream_state: Mapping[str, Any]) -> Optional[str]:
        if not isinstance(stream_state, Mapping) or not stream_state:
            return None
        values = cursor_values(stream_state)
        if not values:
            unknown = sorted(set(stream_state) - STATE_KEYS - set(CURSOR_KEYS))
            if unknown:
                shown = orjson.dumps(stream_state).decode()
                return f"is not one this connector writes ({shown[:200]}: no cursor, and unknown keys {unknown})"
            return None
        latest = max(values, key=lambda value: _parse_any(value))
        if _parse_any(latest) > _now() + FUTURE_TOLERANCE:
            return f"has its cursor in the future ({latest})"
        return None


def _parse_any(value: str) -> datetime:
    """A cursor value (one of CURSOR_FORMATS, checked before) as an aware UTC datetime."""
    for form in CURSOR_FORMATS:
        try:
            moment = datetime.strptime(value, form)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    raise ValueError(value)


class _AroundRetriever(Retriever):
    """A retriever that wraps the `retriever` the manifest declares, a plain SimpleRetriever built by the CDK
    exactly as a stream's own: its slices and state are the wrapped one's; subclasses change `read_records`."""

    retriever: Retriever

    def stream_slices(self) -> Iterable[Optional[StreamSlice]]:
        return self.retriever.stream_slices()

    @property
    def state(self) -> StreamState:
        return self.retriever.state

    @state.setter
    def state(self, value: StreamState) -> None:
        self.retriever.state = value


class FreshdeskTicketWindows(_AroundRetriever):
    """The tickets stream's retriever (`retriever`, a plain SimpleRetriever), with a first sync's windows laid
    out by the account's own history instead of the calendar.

    The cursor reads monthly windows from the state, else from `start_date`, else from 2010, and every window
    costs a call per list (default, deleted, spam) even where it holds no ticket:
    - a first sync of an account opened in 2022 would spend some 600 calls on the empty years before, and a
      Connector Builder test read (five windows) would show five empty months of 2010;
    - an account with few tickets a month would spend more on its windows than on its tickets.
    The cursor fixes its windows when the stream is built, for every stream, read or not; this retriever
    decides when a window is read, so only a sync that reads tickets pays for knowing the account. On a
    first sync (the cursor starts at the configured start, `since`), before the first window it asks the
    default list, through `lookup` (the connector's requester: its authentication, budget, retries), for its
    newest 100 tickets (`order_type=desc`, one page; their span gives the account's pace) and, when there
    are 100, its oldest (`per_page=1`, ascending): one or two calls, once per account in a process. That
    gives the effective windows: the first from `since` to the oldest ticket plus a window length (as long
    as 1,000 tickets take at that pace, and at least a month; no end with fewer than 100 tickets), the
    others a window length each. Each calendar window whose range holds the start of effective windows
    reads them whole, past its own end; the others are read already and cost nothing. The records keep
    the calendar window as their slice, so the state moves as the CDK moves it (each window once the ones
    before it are read: a window that read past its end moves it that far, which is right, every list
    having been read that far).

    Incremental syncs (from a state) and a lookup that gets no usable answer (one warning) keep the
    calendar's windows. `cursor` is the stream's cursor, which the CDK passes to a custom retriever; its
    public `start` is where this sync's windows start. No state is kept on the instance: each window's
    range follows from the account's answer alone, so windows are read in parallel as before.
    """

    PACE_SAMPLE = 100  # the newest tickets whose span gives the account's pace: one page
    WINDOW_TICKETS = 1_000  # what an effective window should hold, at least, at that pace
    MIN_WINDOW = timedelta(days=31)

    retriever: Retriever
    cursor: Any
    lookup: HttpRequester
    since: str
    step: str
    config: Mapping[str, Any]
    parameters: Mapping[str, Any]

    def __init__(
        self, retriever: Retriever, cursor: Any, lookup: HttpRequester, config: Mapping[str, Any],
        parameters: Mapping[str, Any], since: str = "", step: str = "",
    ) -> None:
        self.retriever = retriever
        self.cursor = cursor
        self.lookup = lookup
        self.config = config
        self.parameters = parameters or {}
        self.since = str(InterpolatedString.create(since, parameters=self.parameters).eval(config))
        self.step = step

    def _calendar_windows(self) -> int:
        """How many windows the cursor reads this sync, `step` (its own step) apart from its start to now: the
        "of how many" of the progress lines."""
        start, now = getattr(self.cursor, "start", None), _now()
        if not isinstance(start, datetime) or not self.step:
            return 0
        step, count = parse_duration(self.step), 0
        while start <= now and count < 100_000:
            start, count = start + step, count + 1
        return count

    def read_records(self, records_schema: Mapping[str, Any], stream_slice: Optional[StreamSlice] = None) -> Iterable[Any]:
        # Once the account is stopped (SyncStopped), a window that starts after one that failed so is neither
        # read nor reported: the CDK's state stays before the earliest window that failed, which no later
        # one can move, and a first sync's two hundred windows would each fail with an error of their own.
        # A window with no failed one before it still fails, so the stream ends INCOMPLETE.
        account, start = _account(self.config), str((stream_slice or {}).get("start_time", ""))
        account.once("tickets windows", lambda: account.progress.add("calendar windows", self._calendar_windows()))
        failed = account.earliest_stopped_window
        if failed is not None and start > failed and account.stopped(_fingerprint(self.config)):
            return
        try:
            yield from self._read_window(records_schema, stream_slice)
        except SyncStopped:
            account.stopped_window(start)
            raise

    def _read_window(self, records_schema: Mapping[str, Any], stream_slice: Optional[StreamSlice]) -> Iterable[Any]:
        window = self._effective_window(stream_slice) if stream_slice is not None else None
        if window is None:
            yield from self.retriever.read_records(records_schema, stream_slice)
            _account(self.config).progress.add("windows")
            return
        if not window:
            _account(self.config).progress.add("windows")
            return  # read already, by the window that holds the start of its effective window
        start, end = window
        assert stream_slice is not None
        wider = StreamSlice(
            partition=stream_slice.partition,
            cursor_slice={**stream_slice.cursor_slice, "start_time": start, "end_time": end},
            extra_fields=stream_slice.extra_fields,
        )
        for record in self.retriever.read_records(records_schema, wider):
            if isinstance(record, Record):
                record = Record(data=record.data, stream_name=record.stream_name, associated_slice=stream_slice)
            yield record
        _account(self.config).progress.add("windows")

    def _effective_window(self, stream_slice: StreamSlice) -> Optional[Tuple[str, str]]:
        """What the calendar window `stream_slice` reads: None, itself; (), nothing; else (start, end).

        Effective windows start at `since`, then at oldest + n * length (n >= 1). A calendar window reads
        every effective window that starts within it, up to a second before the next one starts.
        """
        if _cursor_text(getattr(self.cursor, "start", None)) != self.since:
            return None  # an incremental sync: the calendar's windows
        layout = _account(self.config).once(f"tickets history since {self.since}", self._history)
        if layout is None:
            return None
        oldest, length = layout
        first, last = _parse(str(stream_slice["start_time"])), _parse(str(stream_slice["end_time"]))
        starts = [_parse(self.since)] if first <= _parse(self.since) <= last else []
        if length is None:
            return (self.since, _FAR_FUTURE) if starts else ()
        origin = _parse(oldest)
        lowest, highest = max(1, -((origin - first) // length)), (last - origin) // length
        starts += [origin + n * length for n in range(lowest, highest + 1)]
        if not starts:
            return ()
        following = origin + (max(highest, 0) + 1) * length
        return _cursor_text(min(starts)), _cursor_text(following - timedelta(seconds=1))

    def _history(self) -> Optional[Tuple[str, Optional[timedelta]]]:
        """The oldest ticket's `updated_at` and the effective windows' length (None: one window), or None."""
        try:
            with _ErrorsHeldBack(self.lookup.logger):
                newest = self._tickets(order_type="desc", per_page=self.PACE_SAMPLE)
                few = len(newest) < self.PACE_SAMPLE
                oldest = newest[-1:] if few else self._tickets(order_type="asc", per_page=1)
        except _NoAnswer as reason:
            LOGGER.warning(f"Could not learn the account's ticket history ({reason}); the tickets are read in monthly windows from {self.since}.")
            return None
        if few:
            LOGGER.info(f"Reading tickets from {self.since} in one window: the account has fewer than {self.PACE_SAMPLE} tickets.")
            return (oldest[0] if oldest else self.since), None
        span = _parse(newest[0]) - _parse(newest[-1])
        length = max(self.MIN_WINDOW, span * (self.WINDOW_TICKETS / self.PACE_SAMPLE))
        length = timedelta(days=-(-length // timedelta(days=1)))
        LOGGER.info(
            f"Reading tickets from {self.since}: the oldest ticket was updated at {oldest[0]}, then windows of "
            f"{length.days} days ({self.WINDOW_TICKETS:,} tickets at the pace of the newest {self.PACE_SAMPLE}, "
            "at least a month)."
        )
        return oldest[0], length

    def _tickets(self, **params: Any) -> List[str]:
        """The `updated_at` of the tickets one call lists (Freshdesk's UTC form), in the list's order."""
        try:
            response = self.lookup.send_request(
                request_params={"order_by": "updated_at", "updated_since": self.since, **params}
            )
        except AirbyteTracedException as error:
            if error.failure_type == FailureType.config_error:
                raise
            raise _NoAnswer("no answer until the retries ran out") from None
        if response is None or not response.ok:
            raise _NoAnswer(f"status {response.status_code if response is not None else 'none'}")
        page = _json_list(response)
        if page is None:
            raise _NoAnswer("the answer is not a list of tickets")
        return [
            _state_timestamp(str(ticket["updated_at"]))
            for ticket in page
            if isinstance(ticket, Mapping) and ticket.get("updated_at")
        ]


_FAR_FUTURE = "9999-12-31T23:59:59Z"


def _cursor_text(value: Any) -> str:
    """A cursor value (a datetime, or already text) in the tickets cursor's format."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value or "")


def _json_list(response: requests.Response) -> Optional[List[Any]]:
    """The body of a lookup's answer when it is a JSON list, else None (not JSON, or another shape)."""
    try:
        page = response.json()
    except ValueError:
        return None
    return page if isinstance(page, list) else None


class _NoAnswer(Exception):
    """The ticket history lookup got an answer it cannot use; the message says which (no URL, no key)."""


def _parse(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def _now() -> datetime:
    return datetime.now(timezone.utc)  # tests replace it


class FreshdeskStartDate(ValidationStrategy):
    """`start_date` must be a real moment, and not in the future.

    The spec's pattern checks the form (YYYY-MM-DD, optionally with a time); JSON schema cannot check that
    2024-02-30 does not exist, nor compare with today. A start in the future would make every incremental
    stream ask for nothing, sync after sync, without a word. Runs as a `config_normalization_rules`
    validation, before any request.
    """

    def validate(self, value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            return  # empty: the whole history; a wrong type is the spec's to report
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            problem = f"`start_date` is not a real date: {value!r}. Use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ."
        else:
            if (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)) <= _now():
                return
            problem = (
                f"`start_date` is in the future: {value!r}. Use a past date, or leave it empty to read the whole history."
            )
        message = f"Config validation error: {problem}"
        raise AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)


class FreshdeskTicketCheckpoints(SubstreamPartitionRouter):
    """The tickets parent of conversations, checkpointed at each ticket instead of each monthly window.

    Conversations resume from their parent's state, and the CDK's parent state only moves when a whole
    tickets window is read: a month of an account's tickets, one conversations call each. This router
    wraps the SubstreamPartitionRouter that `router` declares and reports, as the parent state, the
    `updated_at` of the last ticket it handed out (`extra_fields` carries it). That is a safe place to
    resume from: the parent reads one list, sorted by `updated_at` ascending, one window after the
    other, and the conversations cursor only keeps a ticket's parent state once the conversations of
    that ticket and of every ticket before it are read. Resuming there re-reads the tickets of that
    second, never skips one.

    How often that state is emitted is FreshdeskCheckpointCadence's business.

    Keeps the last ticket's `updated_at` on the instance, unlike the other components: one router
    serves one stream, and its slices are generated, and its state read, in one thread.
    """

    router: SubstreamPartitionRouter

    def __init__(self, router: SubstreamPartitionRouter, config: Mapping[str, Any], parameters: Mapping[str, Any]) -> None:
        super().__init__(parent_stream_configs=router.parent_stream_configs, config=config, parameters=parameters)
        self.router = router
        self._last_handed_out: Optional[str] = None

    def stream_slices(self) -> Iterable[StreamSlice]:
        progress = _account(self.config).progress
        for stream_slice in super().stream_slices():
            updated_at = stream_slice.extra_fields.get("updated_at")
            if updated_at:
                self._last_handed_out = _state_timestamp(str(updated_at))
            progress.add("listed")
            yield stream_slice

    def get_stream_state(self) -> Optional[Mapping[str, StreamState]]:
        parent_state = super().get_stream_state()
        if not parent_state or not self._last_handed_out:
            return parent_state
        (parent_name,) = parent_state
        cursor_field = self.parent_stream_configs[0].stream.cursor.cursor_field.cursor_field_key
        window_state = parent_state[parent_name].get(cursor_field)
        if window_state and _state_timestamp(str(window_state)) >= self._last_handed_out:
            return parent_state
        return {parent_name: {**parent_state[parent_name], cursor_field: self._last_handed_out}}


def _state_timestamp(value: str) -> str:
    """`value` in the tickets cursor's format, where text order is time order. Freshdesk's timestamps are
    in it already and are not parsed: this runs for every ticket, and parsing costs some 25 µs."""
    if len(value) == 20 and value[10] == "T" and value.endswith("Z"):
        return value
    return ab_datetime_parse(value).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_clock: Callable[[], float] = time.time  # the clock the CDK's cursor stamps its emissions with; tests replace both
# The one private name of the CDK this connector uses: see FreshdeskCheckpointCadence.
_CDK_LAST_EMISSION = "_last_emission_time"


class FreshdeskCheckpointCadence(_AroundRetriever):
    """The conversations' retriever (`retriever`, a plain SimpleRetriever), with the stream's state emitted
    every `checkpoint_seconds` instead of every ten minutes.

    A stream with a parent gets the CDK's ConcurrentPerPartitionCursor, which emits its state when a
    partition (here: a ticket) closes, but at most once every 600 seconds; no manifest field sets that
    figure. A sync killed nine minutes after a state would read those minutes of conversations again (one
    call per ticket). After each ticket's conversations are read, this retriever clears the cursor's time
    of last emission once `checkpoint_seconds` have passed since it, so the next ticket to close emits the
    state (which FreshdeskTicketCheckpoints keeps at the last ticket whose conversations, and all before,
    are read).

    The time of last emission is a private attribute of the CDK's cursor (`_CDK_LAST_EMISSION`), the only
    handle its throttle has; it is read and written here and nowhere else. A CDK without it keeps its own
    cadence (one warning), and a unit test fails naming the attribute. `cursor` is the stream's cursor,
    which the CDK passes to a custom retriever; `retriever` is built by the CDK exactly as a stream's own.
    """

    retriever: Retriever
    cursor: Any
    config: Mapping[str, Any]
    parameters: Mapping[str, Any]
    checkpoint_seconds: int

    def __init__(
        self, retriever: Retriever, cursor: Any, config: Mapping[str, Any], parameters: Mapping[str, Any],
        checkpoint_seconds: int = 60,
    ) -> None:
        self.retriever = retriever
        self.cursor = cursor
        self.config = config
        self.parameters = parameters or {}
        self.checkpoint_seconds = int(checkpoint_seconds)
        self._parent_state_seen = False
        if not hasattr(cursor, _CDK_LAST_EMISSION):
            LOGGER.warning(
                f"Stream '{self.parameters.get('name')}': this airbyte-cdk's cursor has no `{_CDK_LAST_EMISSION}`; "
                "its state is emitted at the CDK's own cadence (every ten minutes)."
            )

    def read_records(self, records_schema: Mapping[str, Any], stream_slice: Optional[StreamSlice] = None) -> Iterable[Any]:
        yield from self.retriever.read_records(records_schema, stream_slice)
        _account(self.config).progress.add("read")
        now = _clock()
        last_emission = getattr(self.cursor, _CDK_LAST_EMISSION, None)
        # 0.0: nothing emitted yet, so the CDK emits at the next close anyway. A close that finds no parent
        # state yet (the first ticket still being read while a later one closed) sets the time of last
        # emission without emitting: that one is cleared too, or the first state would wait a minute.
        if isinstance(last_emission, float) and 0.0 < last_emission and (
            last_emission <= now - self.checkpoint_seconds or not self._has_parent_state()
        ):
            setattr(self.cursor, _CDK_LAST_EMISSION, 0.0)

    def _has_parent_state(self) -> bool:
        """Whether the cursor holds a parent state (asked until it does: once set, it stays)."""
        if not self._parent_state_seen:
            state = getattr(self.cursor, "state", None)
            self._parent_state_seen = bool(isinstance(state, Mapping) and state.get("parent_state"))
        return self._parent_state_seen


def _is_json_type(value: Any, name: str) -> bool:
    """Whether `value` is of JSON schema type `name`, as Draft 7 (and so the CDK's TypeTransformer) decides."""
    if name == "null":
        return value is None
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return isinstance(value, (int, float))  # number


_JSON_TYPES = frozenset({"null", "string", "boolean", "object", "array", "integer", "number"})
_PYTHON_TO_JSON = {str: "string", float: "number", int: "integer", bool: "boolean", type(None): "null", dict: "object", list: "array"}


def _type_structure(value: Any, depth: int = 0) -> Any:
    """A value's JSON types, objects' keys three levels deep, as the CDK's normalization warning shows them."""
    if isinstance(value, dict) and depth < 3:
        return {key: _type_structure(item, depth + 1) for key, item in value.items()}
    return _PYTHON_TO_JSON.get(type(value), type(value).__name__)


# An ISO 8601 date, with or without a time and an offset (a space for the T, no seconds, "+0530": all
# read). Freshdesk writes timestamps as 2024-01-31T10:30:00Z and custom dates as 2024-01-31.
_ISO_8601 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6})\d*)?)?)?\s*(Z|z|[+-]\d{2}:?\d{2})?"
)
_UTC_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _as_date_time(value: Any) -> Any:
    """A `format: date-time` value in ISO 8601 UTC (2024-01-31T05:00:00Z, fractions kept); a naive one is
    read as UTC, as Freshdesk does. Anything that is not an ISO 8601 date (and time) comes out as it is."""
    if not isinstance(value, str) or _UTC_SECONDS.fullmatch(value):
        return value
    match = _ISO_8601.fullmatch(value.strip())
    if match is None:
        return value
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    zone = timezone.utc
    if offset and offset not in ("Z", "z"):
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            int((fraction or "0").ljust(6, "0")), tzinfo=zone,
        ).astimezone(timezone.utc)
    except (ValueError, OverflowError):  # 2024-02-30, an offset of 25 hours
        return value
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{moment.microsecond:06d}".rstrip("0") + "Z" if moment.microsecond else text + "Z"


def _as_date(value: Any) -> Any:
    """A `format: date` value as YYYY-MM-DD: the date as written (a date has no time zone), from a
    timestamp too. Anything that is not an ISO 8601 date comes out as it is."""
    if not isinstance(value, str) or _DATE.fullmatch(value):
        return value
    match = _ISO_8601.fullmatch(value.strip())
    if match is None:
        return value
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
    except ValueError:
        return value


_FORMAT_CASTS: Mapping[str, Callable[[Any], Any]] = {"date-time": _as_date_time, "date": _as_date}


def cast_format(value: Any, schema: Mapping[str, Any]) -> Any:
    """`value` in the form its schema's `format` (date-time, date) names; other values as they are."""
    cast = _FORMAT_CASTS.get(schema.get("format")) if isinstance(schema, Mapping) else None
    return cast(value) if cast else value



class _SchemaNode:
    """One (sub)schema, reduced to what the CDK's normalization looks at: `type`, `properties`, `items`.
    Not a dataclass, for the reasons given on FreshdeskJsonDecoder."""

    __slots__ = ("schema", "types", "properties", "items", "nullable", "format")

    def __init__(
        self,
        schema: Mapping[str, Any],
        types: Optional[Tuple[str, ...]],
        properties: Tuple[Tuple[str, "_SchemaNode"], ...],
        items: Optional["_SchemaNode"],
    ) -> None:
        self.schema = schema
        self.types = types
        self.properties = properties
        self.items = items
        self.nullable = types is not None and "null" in types
        # A format `cast_format` rewrites, else None (most nodes: nothing more to do).
        self.format = schema.get("format") if schema.get("format") in _FORMAT_CASTS else None


class _UnsupportedSchema(Exception):
    pass


def _compile_schema(schema: Mapping[str, Any]) -> _SchemaNode:
    if not isinstance(schema, Mapping) or "$ref" in schema:
        raise _UnsupportedSchema()
    declared = schema.get("type")
    types = None if declared is None else tuple(declared if isinstance(declared, list) else [declared])
    if types is not None and not set(types) <= _JSON_TYPES:
        raise _UnsupportedSchema()
    properties = schema.get("properties")
    items = schema.get("items")
    if (properties is not None and not isinstance(properties, Mapping)) or (items is not None and not isinstance(items, Mapping)):
        raise _UnsupportedSchema()
    return _SchemaNode(
        schema=schema,
        types=types,
        properties=tuple((key, _compile_schema(sub)) for key, sub in (properties or {}).items()),
        items=None if items is None else _compile_schema(items),
    )


class FreshdeskSchemaNormalization(TypeTransformer):
    """The CDK's default schema normalization, the same casts and warnings, at a fraction of its CPU.

    The CDK walks every record with a jsonschema validator whose `properties` and `items` keywords cast
    the values they meet (`TypeTransformer.default_convert`) and whose `type` keyword logs a warning for
    a value that is still of the wrong type. That walk cost a third of the connector's CPU time in a large
    sync (`integration_tests/bench_profile.py`). This does the same walk over a tree compiled once per
    schema: the same `default_convert` on the same values, in the same order, and the same warning text.
    A schema with a `$ref` left in it or an unknown type goes to the CDK's walk. The unit tests compare
    both on every stream's schema with records of every wrong type.

    After the CDK's type casts, both walks apply `cast_format` (the CDK's custom normalization hook): a
    string declared `format: date-time` comes out in ISO 8601 UTC, one declared `format: date` as
    YYYY-MM-DD. The CDK's own normalization leaves formats alone, and no YAML can rewrite a value by
    its schema.
    """

    config: Mapping[str, Any]
    parameters: Mapping[str, Any]

    def __init__(self, config: Optional[Mapping[str, Any]] = None, parameters: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(TransformConfig.DefaultSchemaNormalization | TransformConfig.CustomSchemaNormalization)
        # The CDK's walk (for a schema this one cannot compile) applies it after its own casts, as this one does.
        self.registerCustomTransform(cast_format)
        # id(schema) -> (schema, compiled tree or None): the schema is held so that its id is not reused.
        self._compiled: Dict[int, Tuple[Mapping[str, Any], Optional[_SchemaNode]]] = {}
        # Every record of the stream passes here: the progress lines count them (see _Progress). A list
        # read for another stream (the tickets for conversations) says so with `progress_as`.
        parameters = parameters or {}
        self._progress = _account(config or {}).progress
        self._counted_as = str(parameters.get("progress_as") or f"records:{parameters.get('name')}")

    def transform(self, record: Dict[str, Any], schema: Mapping[str, Any]) -> None:
        self._progress.add(self._counted_as)
        compiled = self._compiled.get(id(schema))
        if compiled is None or compiled[0] is not schema:
            try:
                compiled = (schema, _compile_schema(schema))
            except (_UnsupportedSchema, RecursionError):
                compiled = (schema, None)
            self._compiled[id(schema)] = compiled
        if compiled[1] is None:
            super().transform(record, schema)
            return
        self._walk(record, compiled[1], [])

    def _walk(self, value: Any, node: _SchemaNode, path: List[Any]) -> None:
        if node.types is not None and not any(_is_json_type(value, name) for name in node.types):
            LOGGER.warning(
                f"Failed to transform value from type '{_type_structure(value)}' to type "
                f"'{node.schema['type']}' at path: '{'.'.join(map(str, path))}'"
            )
        if node.properties and isinstance(value, dict):
            # A null where null is allowed is left as it is, unchecked, by both walks: skipped here (most fields).
            present = [(key, child) for key, child in node.properties if key in value and not (value[key] is None and child.nullable)]
            for key, child in present:
                value[key] = self.default_convert(value[key], child.schema)  # type: ignore[arg-type]
                if child.format:
                    value[key] = _FORMAT_CASTS[child.format](value[key])
            for key, child in present:
                self._walk(value[key], child, path + [key])
        if node.items is not None and isinstance(value, list):
            for index, item in enumerate(value):
                value[index] = self.default_convert(item, node.items.schema)  # type: ignore[arg-type]
                if node.items.format:
                    value[index] = _FORMAT_CASTS[node.items.format](value[index])
            for index, item in enumerate(value):
                self._walk(item, node.items, path + [index])


# Freshdesk's field types, without the `custom_` prefix (which contact and company fields of some accounts
# lack), and the JSON schema of the values records carry for them, as precise as Airbyte's types allow:
# a destination types its column from `type`, `format` and `airbyte_type`.
_NULLABLE_STRING: Mapping[str, Any] = {"type": ["null", "string"]}
CUSTOM_FIELD_TYPES: Mapping[str, Mapping[str, Any]] = {
    "text": _NULLABLE_STRING,
    "paragraph": _NULLABLE_STRING,
    "dropdown": _NULLABLE_STRING,
    "nested_field": _NULLABLE_STRING,
    "url": _NULLABLE_STRING,
    "phone_number": _NULLABLE_STRING,
    "email": _NULLABLE_STRING,
    "date": {"type": ["null", "string"], "format": "date"},
    "date_time": {"type": ["null", "string"], "format": "date-time", "airbyte_type": "timestamp_with_timezone"},
    "number": {"type": ["null", "integer"]},
    "decimal": {"type": ["null", "number"]},
    "checkbox": {"type": ["null", "boolean"]},
    "multi_select_dropdown": {"type": ["null", "array"], "items": _NULLABLE_STRING},
}
# A type this connector does not know: any JSON value, which normalisation leaves as Freshdesk sent it.
ANY_VALUE: Mapping[str, Any] = {"type": ["null", "string", "number", "boolean", "object", "array"]}


def custom_field_properties(fields: List[Any]) -> Dict[str, Any]:
    """The schema of each custom field (`default: false`) among Freshdesk's field definitions, by name.

    A nested (dependent) ticket field keeps each level's value under that level's own name; the levels
    below the first are listed in its `nested_ticket_fields`.
    """
    properties: Dict[str, Any] = {}
    for field in fields:
        if not isinstance(field, Mapping) or field.get("default") or not isinstance(field.get("name"), str):
            continue
        kind = str(field.get("type") or "")
        kind = kind[len("custom_"):] if kind.startswith("custom_") else kind
        properties[field["name"]] = copy.deepcopy(dict(CUSTOM_FIELD_TYPES.get(kind, ANY_VALUE)))
        for level in field.get("nested_ticket_fields") or []:
            if isinstance(level, Mapping) and isinstance(level.get("name"), str):
                properties[level["name"]] = dict(_NULLABLE_STRING)
    return properties


COLUMN_PREFIX = "cf_"


def custom_field_column(name: str) -> str:
    """The top-level column of custom field `name`: `cf_` and the name, or the name itself when it already
    starts with `cf_` (as every ticket custom field's does: Freshdesk names them so). No Freshdesk field
    of tickets, contacts or companies starts with `cf_`."""
    return name if name.startswith(COLUMN_PREFIX) else COLUMN_PREFIX + name


def custom_field_columns(properties: Mapping[str, Any], taken: Iterable[str]) -> Tuple[Dict[str, str], List[Tuple[str, str, str]]]:
    """The columns of the custom fields `properties` as {column: field name}, and the fields left out as
    (field, column, the field or property that has it). A column goes to the field whose own name it is
    (`cf_region` rather than `region`); a column that is a property of the static schema (`taken`) is
    given to no custom field."""
    taken = set(taken)
    columns: Dict[str, str] = {}
    left_out: List[Tuple[str, str, str]] = []
    for name in properties:
        column = custom_field_column(name)
        if column in taken:
            left_out.append((name, column, f"the stream's own field '{column}'"))
        elif column != name and column in properties:
            left_out.append((name, column, f"custom field '{column}'"))
        else:
            columns[column] = name
    return columns, left_out


class _FieldsUnavailable(Exception):
    """The field definitions could not be read; the message says why, after "GET <path>"."""


class FreshdeskCustomFieldsSchemaLoader(SchemaLoader):
    """The stream's static schema, with each of the account's custom fields typed under `custom_fields`.

    Freshdesk lists an account's fields, with their names and types, at ticket_fields, contact_fields
    and company_fields; records carry the custom fields' values in `custom_fields`, keyed by name.
    Declared there, they are cast by the record selector's `schema_normalization` (a decimal sent as
    "49.90" comes out 49.9). The CDK's DynamicSchemaLoader cannot do this: it reads only its retriever's
    first record, types top-level properties only, and fails the stream when its request fails.

    - `schema_loader`: the static schema (a JSON file in the package, inline in the bundle).
    - `requester`: GET `parameters.fields_path`, with the connector's authentication and API budget;
      a `link` header to a next page is followed.
    - Loaded once per account and stream in a process (see `_Account`), whichever stream instance or
      thread asks first: one request chain per fields endpoint and command.
    - When the fields cannot be read (401, 403, 5xx or network errors after retries, a body that is not
      a list of fields), the static schema is used and one warning names the stream and the reason:
      `discover` and `read` go on. The CDK's own ERROR lines about the failed request (which would read
      as a failed sync) are held back, on this thread and during this lookup only.
    - `as_columns` (the `custom_fields_as_columns` option): each custom field is also declared as a
      top-level property, named by `custom_field_column`, with the same type; FreshdeskCustomFieldColumns
      copies the values there. A column already taken is left out, with one warning. Without the field
      definitions there are no such columns.

    Not a dataclass, for the reasons given on FreshdeskJsonDecoder.
    """

    config: Mapping[str, Any]
    parameters: Mapping[str, Any]
    schema_loader: SchemaLoader
    requester: HttpRequester
    as_columns: Union[str, bool]

    def __init__(
        self, config: Mapping[str, Any], parameters: Mapping[str, Any], schema_loader: SchemaLoader,
        requester: HttpRequester, as_columns: Union[str, bool] = False,
    ) -> None:
        self.config = config
        self.parameters = parameters or {}
        self.schema_loader = schema_loader
        self.requester = requester
        self.as_columns = InterpolatedBoolean(condition=as_columns, parameters=self.parameters).eval(config)  # type: ignore[arg-type]

    def get_json_schema(self) -> Mapping[str, Any]:
        return self._schema_and_columns()[0]

    def columns(self) -> Mapping[str, str]:
        """The custom fields declared as top-level properties, as {column: field name} (empty unless `as_columns`)."""
        return self._schema_and_columns()[1]

    def _schema_and_columns(self) -> Tuple[Mapping[str, Any], Mapping[str, str]]:
        key = f"custom fields of {self.parameters.get('name')}" + (" as columns" if self.as_columns else "")
        return _account(self.config).once(key, self._load)  # type: ignore[no-any-return]

    def _load(self) -> Tuple[Mapping[str, Any], Mapping[str, str]]:
        schema = copy.deepcopy(dict(self.schema_loader.get_json_schema()))
        stream, path = self.parameters.get("name"), f"/api/v2/{self.parameters.get('fields_path')}"
        try:
            with _ErrorsHeldBack(self.requester.logger):
                properties = custom_field_properties(self._read_fields())
        except _FieldsUnavailable as reason:
            LOGGER.warning(filter_secrets(
                f"Stream '{stream}': custom fields are not typed because GET {path} {reason}. "
                "`custom_fields` keeps its static schema, an open object whose values come out as Freshdesk "
                "sends them." + (" No custom field is added as a column." if self.as_columns else "")
            ))
            return schema, {}
        custom_fields = schema.get("properties", {}).get("custom_fields")
        if not isinstance(custom_fields, dict) or not properties:
            return schema, {}
        custom_fields["description"] = (
            f"Values of the account's custom fields, keyed by field name, typed from GET {path}; a field "
            "created since the catalog was discovered comes out as sent."
        )
        custom_fields["properties"] = properties
        if not self.as_columns:
            return schema, {}
        columns, left_out = custom_field_columns(properties, schema["properties"])
        for name, column, holder in left_out:
            LOGGER.warning(
                f"Stream '{stream}': custom field '{name}' is not added as column '{column}', which is "
                f"{holder}; its value is in `custom_fields` only."
            )
        for column, name in columns.items():
            schema["properties"][column] = {
                **properties[name],
                "description": f"Custom field `{name}` (the value of `custom_fields.{name}`).",
            }
        return schema, columns

    def _read_fields(self) -> List[Any]:
        fields: List[Any] = []
        next_url: Optional[str] = None
        while True:
            try:
                response = self.requester.send_request(path=next_url)
            except Exception as error:  # noqa: BLE001 - the CDK gave up (retries exhausted, unreachable host)
                # The CDK raises its own exception while handling the last attempt's: that one has the response.
                failed = getattr(error.__context__, "response", None)
                if isinstance(failed, requests.Response):
                    raise _FieldsUnavailable(f"answered {failed.status_code} until the retries ran out") from None
                if isinstance(error, AirbyteTracedException) and error.message:
                    raise _FieldsUnavailable(f"could not be read ({error.message.rstrip('.')})") from None
                raise _FieldsUnavailable("could not be reached until the retries ran out") from None
            if response is None or not response.ok:  # a 4xx, which the manifest's lookup_error_handler hands back
                status = response.status_code if response is not None else "nothing"
                raise _FieldsUnavailable(f"answered {status}{_freshdesk_message(response)}")
            page = _json_list(response)
            if page is None:
                raise _FieldsUnavailable("answered with something other than a list of fields")
            fields.extend(page)
            try:
                next_url = _next_link(response, _origin(self.config), str(self.parameters.get("fields_path")))
            except AirbyteTracedException as refused:
                raise _FieldsUnavailable(f"sent a next-page link that was not followed ({refused.message})") from None
            if not next_url:
                return fields


class FreshdeskCustomFieldColumns(RecordTransformation):
    """Copies each custom field's value from `custom_fields` to its top-level column, when the
    `custom_fields_as_columns` option is on (else it does nothing).

    Why custom: AddFields writes fields named in the manifest, and these are the account's, read from
    its field definitions; which fields get a column, under which name, is what `schema_loader` (the
    stream's FreshdeskCustomFieldsSchemaLoader, loaded once per account and stream) declared. No column
    is added that the schema does not declare: without the field definitions, none. A list (a
    multi-select) is copied, so that each column is cast on its own. Runs before the schema
    normalization, which then casts the copies as it casts `custom_fields`.
    """

    config: Mapping[str, Any]
    parameters: Mapping[str, Any]
    schema_loader: FreshdeskCustomFieldsSchemaLoader

    def __init__(self, config: Mapping[str, Any], parameters: Mapping[str, Any], schema_loader: FreshdeskCustomFieldsSchemaLoader) -> None:
        self.config = config
        self.parameters = parameters or {}
        self.schema_loader = schema_loader

    def transform(
        self,
        record: Dict[str, Any],
        config: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[StreamState] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> None:
        if not self.schema_loader.as_columns:
            return
        values = record.get("custom_fields")
        if not isinstance(values, dict):
            return
        for column, name in self.schema_loader.columns().items():
            if name in values:
                value = values[name]
                record[column] = list(value) if isinstance(value, list) else value


def _freshdesk_message(response: Optional[requests.Response]) -> str:
    """Freshdesk's own explanation in an error body (`message` or `description`), as ` ("...")`, or ''."""
    try:
        body = response.json() if response is not None else None
    except ValueError:
        return ""
    text = (body.get("message") or body.get("description")) if isinstance(body, Mapping) else None
    return f' ("{text}")' if isinstance(text, str) and text else ""


class _ErrorsHeldBack(logging.Filter):
    """Drops ERROR records of the CDK's HTTP client and retry handlers that this thread logs meanwhile.

    Used around the custom-fields lookup, whose failure is not an error: the loader reports it in one
    warning. Other threads, and every other level, are untouched.
    """

    def __init__(self, requester_logger: logging.Logger) -> None:
        super().__init__()
        self._loggers = [LOGGER, requester_logger]
        self._thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.thread == self._thread and record.levelno >= logging.ERROR)

    def __enter__(self) -> "_ErrorsHeldBack":
        for logger in self._loggers:
            logger.addFilter(self)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        for logger in self._loggers:
            logger.removeFilter(self)


# The account-wide credits per minute shown in X-Ratelimit-Total, and the tickets and contacts lists'
# own calls per minute on that plan (Trial has no separate list limits). The manifest's `_rate_limits`
# transformation holds the same plans by name; a unit test checks that the two agree.
PLAN_LIST_LIMITS = {50: 50, 200: 20, 400: 100, 700: 200, 1000: 300, 2000: 400}

_budget_clock = time.monotonic  # the budget's clock and its waits, looked up at each use: tests replace them
_budget_sleep = time.sleep


class _MovingWindow:
    """What was spent (credits or calls) in the last `seconds`, against a limit that may be lowered later."""

    __slots__ = ("limit", "seconds", "_spent", "_total", "_closed_until")

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._spent: Deque[Tuple[float, int]] = deque()  # (when it stops counting, how much), in that order
        self._total = 0
        self._closed_until = 0.0  # Freshdesk refused a call (429): nothing fits before then

    def spent(self, now: float) -> int:
        while self._spent and self._spent[0][0] <= now:
            self._total -= self._spent.popleft()[1]
        return self._total

    def wait(self, now: float, weight: int) -> float:
        """Seconds until `weight` more fits (0: now). A weight above the limit waits for an empty window."""
        if now < self._closed_until:
            return self._closed_until - now
        excess = self.spent(now) + min(weight, self.limit) - self.limit
        if excess <= 0:
            return 0.0
        for until, spent in self._spent:
            excess -= spent
            if excess <= 0:
                return until - now
        return self.seconds  # not reached: what was spent is all in `_spent`

    def spend(self, now: float, weight: int) -> None:
        """Counts `weight` as spent from `now`, for the window's length."""
        self._spent.append((now + self.seconds, weight))
        self._total += weight

    def fill(self, now: float, up_to: int) -> None:
        """Counts as spent whatever is missing for `up_to` (calls this budget did not see)."""
        missing = up_to - self.spent(now)
        if missing > 0:
            self.spend(now, missing)

    def close(self, now: float, seconds: float) -> None:
        """Lets nothing through for `seconds`, whatever the window holds."""
        self._closed_until = max(self._closed_until, now + seconds)


class FreshdeskAPIBudget:
    """Freshdesk's three limits, each enforced: the account's credits per minute, and the tickets and
    contacts lists' own calls per minute. FreshdeskAuthenticator holds every request that carries the key
    to it (one budget per account, see `_Account`).

    Why not the CDK's HTTPAPIBudget: it charges a call to the first policy that matches it only, so a
    manifest can enforce a list's limit only by charging each list call a share of the account's credits
    (10 of 200 on Growth). A tickets page costs 7 credits with the includes and 1 without, so that
    weighting slows a sync with many list calls by up to a third; and it cannot learn the plan's limits
    from Freshdesk's headers. This budget charges every call its real credits (1, plus 2 per `include`
    item on the tickets list and 1 elsewhere) against the account, and list calls one call against their
    list as well, both at once or neither, so that no call holds a limit's share while it waits for another.

    - Windows are moving and one second longer than Freshdesk's minute: the budget starts a call's
      minute just before Freshdesk receives it, so a call exactly a minute after another could land in
      Freshdesk's same minute.
    - X-Ratelimit-Total, in every answer, is the account's credits per minute: the limits become the
      lower of the configured ones and that plan's, so an unconfigured sync paces itself after its
      first answer. X-Ratelimit-Remaining below what this budget has left means other apps of the
      account spend credits too: the difference counts as spent.
    - A 429 closes the window that refused the call for Retry-After seconds, within reason (a whole window
      without it; see FreshdeskRetryAfter.wait):
      the list's when the account still had credits, else the account's. The CDK then waits Retry-After
      and signs the request again, which takes it through the budget again.
    """

    WINDOW_SECONDS = 61.0
    TOTAL_HEADER = "X-Ratelimit-Total"
    REMAINING_HEADER = "X-Ratelimit-Remaining"
    LISTS = {"/api/v2/tickets": "tickets_list", "/api/v2/contacts": "contacts_list"}

    def __init__(self, rate_limits: Mapping[str, Any]) -> None:
        self.configured = {name: int(rate_limits[name]) for name in ("account", "tickets_list", "contacts_list")}
        self._windows = {name: _MovingWindow(limit, self.WINDOW_SECONDS) for name, limit in self.configured.items()}
        self._lock = threading.Lock()
        self._plan_total: Optional[int] = None

    def limits(self) -> Dict[str, int]:
        with self._lock:
            return {name: window.limit for name, window in self._windows.items()}

    def spent(self) -> Dict[str, int]:
        """What counts as spent in each window now."""
        with self._lock:
            now = _budget_clock()
            return {name: window.spent(now) for name, window in self._windows.items()}

    @staticmethod
    def _api_path(request: Any) -> Tuple[Optional[str], str]:
        """The request's path without a trailing slash (None outside Freshdesk's API), and its query."""
        parts = urlsplit(str(getattr(request, "url", None) or ""))
        path = parts.path.rstrip("/")
        return (path if "/api/v2/" in path + "/" else None), parts.query

    def _charges(self, request: Any) -> List[Tuple[_MovingWindow, int]]:
        """The windows a request is charged to, with its weight in each: none outside the API."""
        path, query = self._api_path(request)
        if path is None:
            return []
        includes = [item for value in parse_qs(query).get("include", []) for item in value.split(",") if item]
        credits = 1 + (2 if path == "/api/v2/tickets" else 1) * len(includes)
        charges = [(self._windows["account"], credits)]
        if path in self.LISTS:
            charges.append((self._windows[self.LISTS[path]], 1))
        return charges

    def acquire_call(self, request: Any, block: bool = True, timeout: Optional[float] = None) -> None:
        charges = self._charges(request)
        deadline = None if timeout is None else _budget_clock() + timeout
        while charges:
            with self._lock:
                now = _budget_clock()
                wait = max(window.wait(now, weight) for window, weight in charges)
                if wait <= 0:
                    for window, weight in charges:
                        window.spend(now, min(weight, window.limit))
                    return
            if not block or (deadline is not None and now + wait > deadline):
                raise CallRateLimitHit(
                    error="Freshdesk's rate limit",
                    item=request,
                    weight=charges[0][1],
                    rate=str(self.limits()),
                    time_to_wait=timedelta(seconds=wait),
                )
            _budget_sleep(wait)

    def update_from_response(self, request: Any, response: Any) -> None:
        headers = getattr(response, "headers", None)
        path, _ = self._api_path(request)
        if headers is None or path is None:
            return
        total, remaining = _header_int(headers, self.TOTAL_HEADER), _header_int(headers, self.REMAINING_HEADER)
        with self._lock:
            now = _budget_clock()
            if total and total != self._plan_total:
                self._adopt_plan(total)
            account, refused = self._windows["account"], None
            if getattr(response, "status_code", None) == 429:
                refused = self._windows[self.LISTS[path]] if path in self.LISTS and remaining else account
                refused.close(now, FreshdeskRetryAfter.wait(headers.get("Retry-After"), self.WINDOW_SECONDS))
            if remaining is not None and refused is not account:
                account.fill(now, account.limit - remaining)

    def _adopt_plan(self, total: int) -> None:
        """The limits of the plan whose account credits are `total`, where lower than the configured ones."""
        self._plan_total = total
        lists = PLAN_LIST_LIMITS.get(total, max(1, total // 10))
        plan = {"account": total, "tickets_list": lists, "contacts_list": lists}
        limits = {name: min(self.configured[name], plan[name]) for name in self._windows}
        if any(self._windows[name].limit != limit for name, limit in limits.items()):
            for name, limit in limits.items():
                self._windows[name].limit = limit
            LOGGER.info(
                f"Pacing calls to Freshdesk's limits: {limits['account']} credits a minute for the account "
                f"({total} by X-Ratelimit-Total), {limits['tickets_list']} tickets-list and "
                f"{limits['contacts_list']} contacts-list calls."
            )


def _header_int(headers: Mapping[str, Any], name: str) -> Optional[int]:
    value = str(headers.get(name, "")).strip()
    return int(value) if value.isdecimal() else None
