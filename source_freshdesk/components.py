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
from typing import Any, Dict, Mapping, Optional, Set, Tuple, Union

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.requesters.error_handlers import DefaultErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction

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
