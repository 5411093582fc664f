"""The few pieces of the Freshdesk connector that the declarative manifest cannot express.

Each class implements one CDK interface, overrides as little as it can, and says in its docstring what
YAML could not do. Components keep no per-read state on `self`: streams and partitions run on several
threads at once.
"""

from __future__ import annotations

import logging
import ssl
import threading
from dataclasses import dataclass
from typing import Any, Dict, Generator, Mapping, MutableMapping, Optional, Set, Tuple, Union

import orjson
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.auth.token import BasicHttpAuthenticator
from airbyte_cdk.sources.declarative.decoders import JsonDecoder
from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.declarative.requesters.error_handlers import DefaultErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.utils import AirbyteTracedException
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets, filter_secrets

LOGGER = logging.getLogger("airbyte")


class _WarnOnce:
    """Remembers which warnings a source (identified by its config object) has already logged.

    A skipped stream is also read as the parent of its children (discussion_categories is read four
    times for the discussions chain), and each read would repeat the same warning. The config object
    is kept so that its id cannot be reused by a later source in the same process (tests).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: Dict[int, Tuple[Mapping[str, Any], Set[str]]] = {}

    def first_time(self, config: Mapping[str, Any], message: str) -> bool:
        with self._lock:
            _, messages = self._seen.setdefault(id(config), (config, set()))
            if message in messages:
                return False
            messages.add(message)
            return True


_WARN_ONCE = _WarnOnce()


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


class FreshdeskBasicAuthenticator(BasicHttpAuthenticator):
    """Basic authentication with the API key, whose encoded form is masked like the key itself.

    The CDK masks the config's secrets (the API key) in everything it prints, but its debug log of each
    request shows the Authorization header, `Basic <base64 of "<key>:X">`: the key, trivially decoded.
    This registers that encoded form as a secret too, when the header is first built (after the CDK has
    set up its secret filter). YAML can declare an authenticator, not what else counts as a secret.
    """

    @property
    def token(self) -> str:
        token = super().token
        credentials = token.split(" ", 1)[-1]
        if filter_secrets(credentials) == credentials:
            add_to_secrets(credentials)
        return token


@dataclass
class FreshdeskErrorHandler(DefaultErrorHandler):
    """The manifest's error handler, with two behaviours YAML cannot state.

    1. A response the manifest's filters IGNORE with status 403 means a whole stream is outside the
       account's plan or the key's privileges. The CDK logs IGNOREd responses at INFO, where nobody sees
       them; this handler logs the filter's message (which names the stream, Freshdesk's reason and what
       to do) as a WARNING instead, once per sync.
    2. Connection errors that no retry can fix (unknown host, refused connection, certificate that does
       not verify) fail at once as config errors with an actionable message, instead of being retried
       with backoff for minutes. `HttpResponseFilter` only matches responses, not exceptions.
    """

    def interpret_response(
        self, response_or_exception: Optional[Union[requests.Response, Exception]]
    ) -> ErrorResolution:
        if isinstance(response_or_exception, Exception):
            message = _unreachable_host_message(response_or_exception, str(self.config.get("domain", "")))
            if message:
                return ErrorResolution(
                    response_action=ResponseAction.FAIL,
                    failure_type=FailureType.config_error,
                    error_message=message,
                )
        resolution = super().interpret_response(response_or_exception)
        if (
            resolution.response_action == ResponseAction.IGNORE
            and isinstance(response_or_exception, requests.Response)
            and response_or_exception.status_code == 403
            and _WARN_ONCE.first_time(self.config, resolution.error_message or "")
        ):
            LOGGER.warning(resolution.error_message)
        return resolution


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
