"""Mock-server tests of how the connector answers Freshdesk's errors (the manifest's error handler)."""

from __future__ import annotations

import base64
import io
from datetime import datetime, timezone
from pathlib import Path
from unittest import TestCase

import pytest
import requests
import urllib3
import yaml
from airbyte_cdk.models import FailureType, Level
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ResponseAction
from airbyte_cdk.test.mock_http import HttpMocker, HttpResponse
from airbyte_cdk.utils import AirbyteTracedException

from config_builder import API_KEY, ConfigBuilder
from request_builder import FreshdeskRequestBuilder
from response_builder import (
    FreshdeskResponseBuilder,
    a_record,
    error_response,
    fixture,
    mock_empty_contact_lists,
    rate_limited,
)
from source_freshdesk import components
from source_runner import (
    all_output_text,
    error_messages,
    final_state,
    log_messages,
    read_streams,
    record_ids,
    records_by_stream,
    state,
    stream_statuses,
)

_UNAUTHORIZED_MESSAGE = (
    "Freshdesk rejected the API key for acme.freshdesk.com (401). Check that `api_key` is the key shown under "
    "Profile settings > View API key, and that `domain` is the account it belongs to."
)


class TestAuthenticationErrors(TestCase):
    """401 (bad key, or a key of another account): the sync fails at once with a config error that names
    both settings the user must check, `api_key` and `domain` (with the domain's value)."""

    @HttpMocker()
    def test_given_401_when_read_then_sync_fails_with_a_config_error_naming_api_key_and_domain(self, http_mocker):
        http_mocker.get(
            FreshdeskRequestBuilder.endpoint("agents").build(), error_response(401, "error_401_invalid_credentials")
        )

        output = read_streams(ConfigBuilder().build(), "agents", expect_failure=True)

        assert output.errors[0].trace.error.message == _UNAUTHORIZED_MESSAGE
        assert output.errors[0].trace.error.failure_type == FailureType.config_error
        assert record_ids(output) == []
        assert stream_statuses(output, "agents") == ["STARTED", "INCOMPLETE"]

    @HttpMocker()
    def test_given_401_on_a_child_call_when_read_then_sync_fails_instead_of_skipping_the_parent(self, http_mocker):
        # Children skip a parent that answers 403/404, never one that answers 401.
        http_mocker.get(
            FreshdeskRequestBuilder.endpoint("canned_response_folders").build(),
            FreshdeskResponseBuilder.records([a_record("canned_response_folders", id=43000300001)]).build(),
        )
        http_mocker.get(
            FreshdeskRequestBuilder.endpoint("canned_response_folders/43000300001/responses").build(),
            error_response(401, "error_401_invalid_credentials"),
        )

        output = read_streams(ConfigBuilder().build(), "canned_responses", expect_failure=True)

        assert output.errors[0].trace.error.message == _UNAUTHORIZED_MESSAGE
        assert output.errors[0].trace.error.failure_type == FailureType.config_error
        assert stream_statuses(output, "canned_responses")[-1] == "INCOMPLETE"


class TestStreamsOutsideThePlanOrPrivileges(TestCase):
    """403 on a whole stream has two meanings, both of which skip the stream (not fail the sync) with a
    WARN log naming the stream, Freshdesk's own message and what the user can do:
    - {"code": "require_feature"}: the plan lacks the feature (surveys, satisfaction ratings, forums, ...);
    - {"code": "access_denied"}: the key's agent is not an admin (roles, settings, email configs, ...).
    The other streams of the sync complete normally.
    """

    @HttpMocker()
    def test_given_surveys_not_in_plan_when_read_then_surveys_is_skipped_with_a_warning_and_agents_complete(
        self, http_mocker
    ):
        http_mocker.get(
            FreshdeskRequestBuilder.endpoint("surveys").build(), error_response(403, "error_403_require_feature")
        )
        http_mocker.get(
            FreshdeskRequestBuilder.endpoint("agents").build(), FreshdeskResponseBuilder.of("agents").build()
        )

        output = read_streams(ConfigBuilder().build(), "agents", "surveys")

        assert log_messages(output, Level.WARN) == [
            "Skipping stream 'surveys': Freshdesk says \"The Surveys feature(s) is/are not supported in your plan. "
            "Please upgrade your account to use it.\" The account's plan does not include this feature; deselect "
            "the stream or upgrade the plan."
        ]
        assert records_by_stream(output) == {"agents": [43028290928, 43028290929]}
        assert stream_statuses(output, "surveys")[-1] == "COMPLETE"
        assert stream_statuses(output, "agents")[-1] == "COMPLETE"
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_satisfaction_ratings_not_in_plan_when_read_then_stream_is_skipped_and_its_state_is_kept(
        self, http_mocker
    ):
        http_mocker.get(
            FreshdeskRequestBuilder.satisfaction_ratings(created_since="2025-03-06T00:00:00Z").build(),
            error_response(403, "error_403_require_feature"),
        )

        output = read_streams(
            ConfigBuilder().build(),
            "satisfaction_ratings",
            stream_state=state("satisfaction_ratings", {"created_at": "2025-03-20T00:00:00Z"}),
        )

        assert record_ids(output) == []
        assert log_messages(output, Level.WARN) == [
            "Skipping stream 'satisfaction_ratings': Freshdesk says \"The Surveys feature(s) is/are not supported in "
            "your plan. Please upgrade your account to use it.\" The account's plan does not include this feature; "
            "deselect the stream or upgrade the plan."
        ]
        # Skipping must not move the cursor: ratings would be lost once the plan includes the feature again.
        assert final_state(output, "satisfaction_ratings") == {"created_at": "2025-03-20T00:00:00Z"}
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_roles_access_denied_when_read_then_roles_is_skipped_with_an_admin_warning_and_agents_complete(
        self, http_mocker
    ):
        http_mocker.get(
            FreshdeskRequestBuilder.endpoint("roles").build(), error_response(403, "error_403_access_denied")
        )
        http_mocker.get(
            FreshdeskRequestBuilder.endpoint("agents").build(), FreshdeskResponseBuilder.of("agents").build()
        )

        output = read_streams(ConfigBuilder().build(), "agents", "roles")

        assert log_messages(output, Level.WARN) == [
            "Skipping stream 'roles': Freshdesk says \"You are not authorized to perform this action.\" The API key's "
            "agent lacks the privilege for it; use an admin's API key to read it, or deselect the stream."
        ]
        assert records_by_stream(output) == {"agents": [43028290928, 43028290929]}
        assert stream_statuses(output, "roles")[-1] == "COMPLETE"
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_settings_access_denied_when_read_then_settings_is_skipped_with_an_admin_warning(self, http_mocker):
        http_mocker.get(FreshdeskRequestBuilder.settings().build(), error_response(403, "error_403_access_denied"))

        output = read_streams(ConfigBuilder().build(), "settings")

        assert log_messages(output, Level.WARN) == [
            "Skipping stream 'settings': Freshdesk says \"You are not authorized to perform this action.\" The API "
            "key's agent lacks the privilege for it; use an admin's API key to read it, or deselect the stream."
        ]
        assert output.records == []
        assert error_messages(output) == []


class TestTransientErrors:
    """429 waits the Retry-After seconds (the CDK adds 1 s) and retries; 500/502/503 are retried with
    exponential back-off (2 * 2^attempt seconds, + 1 s); the records of the retried page come out once.
    No test sleeps: the CDK's waits go to a virtual clock (conftest.py)."""

    def test_given_429_with_retry_after_then_200_when_read_then_waits_retry_after_plus_one_second_and_records_come_out(
        self, virtual_clock
    ):
        with HttpMocker() as http_mocker:
            agents = FreshdeskRequestBuilder.endpoint("agents").build()
            http_mocker.get(agents, [rate_limited(7), FreshdeskResponseBuilder.of("agents").build()])

            output = read_streams(ConfigBuilder().build(), "agents")

            http_mocker.assert_number_of_calls(agents, 2)
        assert record_ids(output) == [43028290928, 43028290929]
        assert virtual_clock.retry_sleeps == [8.0]
        # The 429 also tells the API budget that the account's credits are spent for Retry-After's 7 s: the
        # retry, 8 s later, finds them free again and does not wait a whole minute.
        assert virtual_clock.budget_waits == []
        assert error_messages(output) == []

    def test_given_429_with_retry_after_0_when_read_then_a_zero_wait_falls_back_to_exponential_backoff(
        self, virtual_clock
    ):
        # The CDK takes 0 from WaitTimeFromHeader as "no answer" and asks the next strategy (exponential:
        # 2 * 2^1 s), then adds its 1 s.
        with HttpMocker() as http_mocker:
            http_mocker.get(
                FreshdeskRequestBuilder.endpoint("groups").build(),
                [rate_limited(0), FreshdeskResponseBuilder.of("groups").build()],
            )

            output = read_streams(ConfigBuilder().build(), "groups")

        assert record_ids(output) == [43000623702, 43000623703]
        assert virtual_clock.retry_sleeps == [5.0]

    @pytest.mark.parametrize(
        "retry_after, sleep, warning",
        [
            (
                "86400", 61.0,
                "Freshdesk asked to wait 86400 s before retrying (Retry-After); waiting 60 s instead, the longest its "
                "per-minute rate limits need.",
            ),
            ("-5", 11.0, "Freshdesk sent a Retry-After the connector cannot use ('-5'); waiting 10 s before retrying."),
            ("soon", 11.0, "Freshdesk sent a Retry-After the connector cannot use ('soon'); waiting 10 s before retrying."),
            ("nan", 11.0, "Freshdesk sent a Retry-After the connector cannot use ('nan'); waiting 10 s before retrying."),
            ("60", 61.0, None),
        ],
    )
    def test_given_429_with_a_retry_after_out_of_reason_when_read_then_the_wait_is_bounded_with_one_warning(
        self, virtual_clock, retry_after, sleep, warning
    ):
        refused = HttpResponse(body="", status_code=429, headers={"Retry-After": retry_after, "X-Ratelimit-Total": "700"})
        with HttpMocker() as http_mocker:
            http_mocker.get(FreshdeskRequestBuilder.endpoint("groups").build(), [refused, FreshdeskResponseBuilder.of("groups").build()])

            output = read_streams(ConfigBuilder().build(), "groups")

        assert record_ids(output) == [43000623702, 43000623703]
        assert virtual_clock.retry_sleeps == [sleep]  # the CDK adds 1 s to each wait
        assert log_messages(output, Level.WARN) == ([warning] if warning else [])
        assert error_messages(output) == []

    def test_given_429_with_an_http_date_when_read_then_it_waits_until_that_moment(self, virtual_clock, monkeypatch):
        monkeypatch.setattr(components, "_now", lambda: datetime(2026, 12, 1, 12, 0, 0, tzinfo=timezone.utc))
        refused = HttpResponse(body="", status_code=429, headers={"Retry-After": "Tue, 01 Dec 2026 12:00:30 GMT"})
        with HttpMocker() as http_mocker:
            http_mocker.get(FreshdeskRequestBuilder.endpoint("groups").build(), [refused, FreshdeskResponseBuilder.of("groups").build()])

            output = read_streams(ConfigBuilder().build(), "groups")

        assert record_ids(output) == [43000623702, 43000623703]
        assert virtual_clock.retry_sleeps == [31.0]

    def test_given_500_then_502_then_200_when_read_then_retried_with_exponential_backoff(self, virtual_clock):
        with HttpMocker() as http_mocker:
            agents = FreshdeskRequestBuilder.endpoint("agents").build()
            http_mocker.get(
                agents, [error_response(500), error_response(502), FreshdeskResponseBuilder.of("agents").build()]
            )

            output = read_streams(ConfigBuilder().build(), "agents")

            http_mocker.assert_number_of_calls(agents, 3)
        assert record_ids(output) == [43028290928, 43028290929]
        assert virtual_clock.retry_sleeps == [5.0, 9.0]
        assert error_messages(output) == []

    def test_given_503_on_a_second_page_when_read_then_that_page_is_retried_and_no_record_is_duplicated(
        self, virtual_clock
    ):
        with HttpMocker() as http_mocker:
            page_2 = FreshdeskRequestBuilder.contacts().with_page(2)
            http_mocker.get(
                FreshdeskRequestBuilder.contacts().build(),
                FreshdeskResponseBuilder.records([a_record("contacts", id=1)]).with_next_page(page_2).build(),
            )
            http_mocker.get(
                page_2.build(),
                [error_response(503), FreshdeskResponseBuilder.records([a_record("contacts", id=2)]).build()],
            )
            mock_empty_contact_lists(http_mocker)

            output = read_streams(ConfigBuilder().build(), "contacts")

        assert record_ids(output) == [1, 2]
        assert virtual_clock.retry_sleeps == [5.0]


class TestRequestErrors(TestCase):
    """A 400 other than the tickets page cap is a request the connector got wrong: the stream fails with a
    message quoting Freshdesk's description and errors. A 404 on a top-level list means a wrong domain or
    path: it fails with a config error naming the domain."""

    @HttpMocker()
    def test_given_400_validation_failed_when_read_then_sync_fails_once_with_freshdesks_description(self, http_mocker):
        contacts = FreshdeskRequestBuilder.contacts().build()
        http_mocker.get(contacts, error_response(400, "error_400_validation_failed"))

        output = read_streams(ConfigBuilder().build(), "contacts", expect_failure=True)

        http_mocker.assert_number_of_calls(contacts, 1)  # not retried, not restarted
        assert output.errors[0].trace.error.message == (
            "Freshdesk refused the request for stream 'contacts' (https://acme.freshdesk.com/api/v2/contacts): "
            "Validation failed: [{'field': 'updated_since', 'message': 'It should be a/an valid date', "
            "'code': 'invalid_value'}]"
        )
        assert output.errors[0].trace.error.failure_type == FailureType.system_error
        assert stream_statuses(output, "contacts")[-1] == "INCOMPLETE"

    @HttpMocker()
    def test_given_404_on_a_list_when_read_then_sync_fails_with_a_config_error_naming_the_domain(self, http_mocker):
        http_mocker.get(FreshdeskRequestBuilder.endpoint("agents").build(), error_response(404))

        output = read_streams(ConfigBuilder().build(), "agents", expect_failure=True)

        assert [e.trace.error.message for e in output.errors][:1] == [
            "acme.freshdesk.com is not a Freshdesk account: it answered 404 for GET "
            "https://acme.freshdesk.com/api/v2/agents?per_page=100, a list every account has. Check that `domain` is "
            "your Freshdesk domain (for example acme.freshdesk.com)."
        ]
        assert output.errors[0].trace.error.failure_type == FailureType.config_error


class TestMalformedAnswers(TestCase):
    """A 200 whose body is not the expected JSON (an HTML maintenance page, a body cut short, an object where
    a list belongs, or the reverse for settings/helpdesk) stops the stream with a message naming the stream
    and the URL, instead of reading the page as empty: the state stays before that page."""

    @HttpMocker()
    def test_given_html_maintenance_page_with_200_when_read_then_stream_stops_and_state_stays(self, http_mocker):
        http_mocker.get(
            FreshdeskRequestBuilder.contacts(updated_since="2025-03-01T00:00:00Z").build(),
            HttpResponse(
                "<html><body><h1>Freshdesk is under maintenance</h1></body></html>",
                200,
                {"Content-Type": "text/html; charset=utf-8"},
            ),
        )

        output = read_streams(
            ConfigBuilder().build(),
            "contacts",
            stream_state=state("contacts", {"updated_at": "2025-03-01T00:00:00Z"}),
            expect_failure=True,
        )

        assert output.errors[0].trace.error.message == (
            "Stream 'contacts' stopped: Freshdesk answered GET "
            "https://acme.freshdesk.com/api/v2/contacts?per_page=100&_updated_since=2025-03-01T00%3A00%3A00Z with "
            "status 200 but an HTML page instead of JSON. Freshdesk may be under maintenance. No record of that "
            "page was read and the state stays before it, so the next sync reads it again."
        )
        assert output.errors[0].trace.error.failure_type == FailureType.transient_error
        assert final_state(output, "contacts") == {"updated_at": "2025-03-01T00:00:00Z"}
        assert stream_statuses(output, "contacts")[-1] == "INCOMPLETE"

    @HttpMocker()
    def test_given_an_object_where_a_list_belongs_when_read_then_stream_stops_with_a_system_error(self, http_mocker):
        http_mocker.get(
            FreshdeskRequestBuilder.endpoint("agents").build(), FreshdeskResponseBuilder(a_record("agents")).build()
        )

        output = read_streams(ConfigBuilder().build(), "agents", expect_failure=True)

        assert output.errors[0].trace.error.message == (
            "Stream 'agents' stopped: Freshdesk answered GET https://acme.freshdesk.com/api/v2/agents?per_page=100 "
            "with status 200 but a JSON object where a list of records belongs. Please report this answer to the "
            "connector's maintainers. No record of that page was read and the state stays before it, so the next "
            "sync reads it again."
        )
        assert output.errors[0].trace.error.failure_type == FailureType.system_error
        assert output.records == []

    @HttpMocker()
    def test_given_a_list_where_the_settings_object_belongs_when_read_then_stream_stops(self, http_mocker):
        http_mocker.get(
            FreshdeskRequestBuilder.settings().build(), FreshdeskResponseBuilder([fixture("settings")]).build()
        )

        output = read_streams(ConfigBuilder().build(), "settings", expect_failure=True)

        assert output.errors[0].trace.error.message == (
            "Stream 'settings' stopped: Freshdesk answered GET https://acme.freshdesk.com/api/v2/settings/helpdesk "
            "with status 200 but a JSON list where an object belongs. Please report this answer to the "
            "connector's maintainers. No record of that page was read and the state stays before it, so the next "
            "sync reads it again."
        )
        assert output.records == []


def echoing_answer(status: int) -> HttpResponse:
    """An error whose body and headers repeat the credentials, as sent and JSON-escaped (`/` as `\\/`)."""
    basic = base64.b64encode(f"{API_KEY}:X".encode()).decode()
    body = (
        '{"description": "Validation failed", "errors": [{"field": "Authorization", "message": "Basic %s or %s", '
        '"code": "invalid_value"}, {"field": "key", "message": "%s", "code": "invalid_value"}]}'
    ) % (basic, basic.replace("/", "\\/"), API_KEY)
    return HttpResponse(body, status, {"X-Echo": f"Basic {basic}", "Retry-After": "0"})


class TestSecretsNeverLeak:
    """Whatever happens, neither the API key nor the Basic credentials built from it (base64 of "<key>:X")
    appear in anything the connector prints: the messages (records, logs, state, errors with their stack
    traces) and the raw stdout/stderr, debug logs included."""

    @pytest.mark.parametrize(
        "answer",
        [
            pytest.param(lambda: error_response(401, "error_401_invalid_credentials"), id="401"),
            pytest.param(lambda: error_response(400, "error_400_validation_failed"), id="400"),
            pytest.param(lambda: error_response(404), id="404"),
            pytest.param(lambda: error_response(403, "error_403_access_denied"), id="403"),
            pytest.param(lambda: FreshdeskResponseBuilder.of("agents").build(), id="200"),
            pytest.param(lambda: echoing_answer(400), id="400 echoing the credentials"),
            pytest.param(lambda: echoing_answer(401), id="401 echoing the credentials"),
            pytest.param(lambda: echoing_answer(503), id="503 echoing the credentials"),
        ],
    )
    def test_given_any_answer_when_read_with_debug_logs_then_the_api_key_is_in_no_output(self, answer, capfd):
        basic_credentials = base64.b64encode(f"{API_KEY}:X".encode()).decode()
        with HttpMocker() as http_mocker:
            http_mocker.get(FreshdeskRequestBuilder.endpoint("agents").build(), answer())

            output = read_streams(ConfigBuilder().build(), "agents", expect_failure=None, debug=True)

        printed = capfd.readouterr()
        text = "\n".join([all_output_text(output), printed.out, printed.err])
        assert "Making outbound API request" in text  # the debug log of each request is really there...
        assert API_KEY not in text  # ...without the key
        assert basic_credentials not in text


class TestRequestsThatGetNoAnswer:
    """Contract (FreshdeskErrorHandler): a request that times out or loses its connection is retried 3 times,
    each retry saying what happened; the 4th failure stops the account (SyncStopped, with no traceback), whose
    later requests are refused at once with that message. A timeout before the host answered anything stops it
    at once."""

    URL = "https://acme.freshdesk.com/api/v2/tickets?page=3"

    def handler(self) -> components.FreshdeskErrorHandler:
        return components.FreshdeskErrorHandler(config=ConfigBuilder().build(), parameters={})

    def no_answer(self, request, kind: str) -> Exception:
        if kind == "timeout":
            return requests.exceptions.ReadTimeout("HTTPSConnectionPool: Read timed out. (read timeout=30)", request=request)
        return requests.exceptions.ConnectionError("Connection aborted: RemoteDisconnected", request=request)

    @pytest.mark.parametrize("kind, what", [("timeout", "got no answer within 30 s"), ("drop", "lost its connection before an answer")])
    def test_given_an_account_that_answered_when_a_request_gets_no_answer_then_three_retries_then_a_stop(self, kind, what):
        components._account(ConfigBuilder().build()).answered = True
        handler, request = self.handler(), requests.Request("GET", self.URL).prepare()

        resolutions = [handler.interpret_response(self.no_answer(request, kind)) for _ in range(3)]
        with pytest.raises(components.SyncStopped) as fourth:
            handler.interpret_response(self.no_answer(request, kind))

        assert [(r.response_action, r.failure_type) for r in resolutions] == [(ResponseAction.RETRY, FailureType.transient_error)] * 3
        assert [r.error_message for r in resolutions] == [
            f"GET {self.URL} {what} (attempt {n} of 4); retrying." for n in (1, 2, 3)]
        stopped = (
            f"acme.freshdesk.com stopped answering: GET {self.URL} {what}, 4 times in a row. The sync stops here; the "
            "state keeps what was read, so the next sync goes on from there."
        )
        assert (fourth.value.message, fourth.value.failure_type, fourth.value.__traceback__) == (
            stopped, FailureType.transient_error, None)
        other = requests.Request("GET", "https://acme.freshdesk.com/api/v2/groups").prepare()
        with pytest.raises(AirbyteTracedException) as refused:
            self.authenticator()(other)
        assert (refused.value.message, "Authorization" in other.headers) == (stopped, False)

    def test_given_a_host_that_never_answered_when_a_request_times_out_then_it_fails_at_once(self):
        handler, request = self.handler(), requests.Request("GET", self.URL).prepare()

        with pytest.raises(components.SyncStopped) as stopped:
            handler.interpret_response(self.no_answer(request, "timeout"))

        assert (stopped.value.failure_type, stopped.value.message) == (
            FailureType.transient_error,
            f"acme.freshdesk.com accepted the connection but sent no answer: GET {self.URL} got no answer within 30 s. "
            "Check that `domain` is your Freshdesk domain (acme.freshdesk.com); if it is, Freshdesk may be down "
            "(status.freshworks.com). Nothing was read from it.",
        )

    def test_given_two_requests_when_each_gets_no_answer_then_each_has_its_own_retries(self):
        components._account(ConfigBuilder().build()).answered = True
        handler = self.handler()
        first, second = (requests.Request("GET", f"{self.URL}&n={n}").prepare() for n in (1, 2))

        actions = [handler.interpret_response(self.no_answer(r, "drop")).response_action for r in (first, second, first, second)]

        assert actions == [ResponseAction.RETRY] * 4

    def test_given_a_401_that_fails_a_stream_then_later_requests_with_that_key_are_refused_without_a_call(self):
        with HttpMocker() as http_mocker:
            http_mocker.get(FreshdeskRequestBuilder.endpoint("agents").build(), error_response(401, "error_401_invalid_credentials"))
            read_streams(ConfigBuilder().build(), "agents", expect_failure=True)

        other = requests.Request("GET", "https://acme.freshdesk.com/api/v2/groups").prepare()
        with pytest.raises(AirbyteTracedException) as refused:
            self.authenticator()(other)
        assert (refused.value.message, refused.value.failure_type) == (_UNAUTHORIZED_MESSAGE, FailureType.config_error)
        another_key = components.FreshdeskAuthenticator(
            username="another-key", password="X", config=ConfigBuilder().with_api_key("another-key").build(), parameters={},
            rate_limits=RATE_LIMITS)
        assert another_key(other).headers["Authorization"].startswith("Basic ")

    def authenticator(self) -> components.FreshdeskAuthenticator:
        return components.FreshdeskAuthenticator(
            username=API_KEY, password="X", config=ConfigBuilder().build(), parameters={}, rate_limits=RATE_LIMITS)


class TestOneErrorForAStop:
    """Contract (SyncStopped): a stop is reported once: its message is the sync's one TRACE error besides the
    CDK's closing list, which names each stream not read once, in short; no log line holds a traceback, nor
    does the error."""

    def test_given_a_401_when_two_streams_are_read_then_one_error_the_closing_list_and_no_traceback(self):
        with HttpMocker() as http_mocker:
            http_mocker.get(FreshdeskRequestBuilder.endpoint("agents").build(), error_response(401, "error_401_invalid_credentials"))
            http_mocker.get(FreshdeskRequestBuilder.endpoint("groups").build(), error_response(401, "error_401_invalid_credentials"))
            output = read_streams(ConfigBuilder().build(), "agents", "groups", expect_failure=True)

        first, closing = [e.trace.error.message for e in output.errors]
        prefix = "During the sync, the following streams did not sync successfully: "
        assert first == _UNAUTHORIZED_MESSAGE
        assert closing.startswith(prefix) and sorted(closing[len(prefix):].split("\n")) == [
            f"{stream}: SyncStopped('Not read: Freshdesk rejected the API key for acme.freshdesk.com (401).')" for stream in ("agents", "groups")]
        # (The closing error's stack trace is the CDK's own exception's; the `source-freshdesk` command prints it without.)
        assert [log.log.message for log in output.logs if "Traceback" in log.log.message] == []
        assert [e.trace.error.stack_trace for e in output.errors][:1] == [
            f"source_freshdesk.components.SyncStopped: Not read: Freshdesk rejected the API key for acme.freshdesk.com (401).\n"]


RATE_LIMITS = {"account": 700, "tickets_list": 200, "contacts_list": 200}


class TestBodiesWithinTheReadTimeout:
    """Contract (FreshdeskAuthenticator point 5, FreshdeskSignedDownload): an answer's body must come whole
    within the read timeout, counted from its headers, for the account's requests and the signed downloads
    alike (these without any credential); past it the answer counts as none."""

    BODY = b'[{"id": 1}]'

    def answer(self) -> requests.Response:
        response = requests.Response()
        response.raw = urllib3.response.HTTPResponse(body=io.BytesIO(self.BODY), preload_content=False)
        response.request = requests.Request("GET", "https://acme.freshdesk.com/api/v2/groups").prepare()
        return response

    def test_given_a_body_in_time_when_answered_then_it_is_the_content(self, monkeypatch):
        monkeypatch.setattr(components.time, "monotonic", lambda: 100.0)

        assert components._read_body_in_time(self.answer(), timeout=(5, 30)).content == self.BODY

    def test_given_a_body_past_the_read_timeout_when_answered_then_it_counts_as_no_answer(self, monkeypatch):
        clock = iter([100.0, 130.5])
        monkeypatch.setattr(components.time, "monotonic", lambda: next(clock))

        with pytest.raises(requests.exceptions.ReadTimeout) as late:
            components._read_body_in_time(self.answer(), timeout=(5, 30))
        assert str(late.value) == "sent a body that was not whole within 30 s"

    def test_given_a_signed_download_when_prepared_then_no_credential_and_the_body_held_to_the_timeout(self):
        request = requests.Request("GET", "https://files.example.test/export.json?X-Amz-Signature=abc").prepare()

        components.FreshdeskSignedDownload(parameters={})(request)

        assert ("Authorization" in request.headers, request.hooks["response"]) == (False, [components._read_body_in_time])

    def test_given_the_manifest_when_read_then_the_downloads_use_the_signed_download_authenticator(self):
        manifest = yaml.safe_load(Path(components.__file__).with_name("manifest.yaml").read_text())
        download = manifest["definitions"]["streams"]["ticket_activities"]["retriever"]["requester"]

        assert download["authenticator"] == {
            "type": "CustomAuthenticator", "class_name": "source_freshdesk.components.FreshdeskSignedDownload"}
