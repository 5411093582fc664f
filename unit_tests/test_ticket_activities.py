"""Mock-server tests of the ticket_activities stream (Freshdesk's scheduled ticket activity export)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List
from unittest import TestCase
from urllib.parse import urlencode

from airbyte_cdk.models import Level
from airbyte_cdk.test.mock_http import HttpMocker, HttpRequest, HttpResponse

from config_builder import API_KEY, ConfigBuilder
from dates import NOW
from request_builder import FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, error_response, fixture
from source_runner import error_messages, final_state, log_messages, read_streams, state, stream_statuses

_STREAM = "ticket_activities"
_TODAY = NOW.date()
# What the files' links carry besides the path: an S3 pre-signed URL's query.
_SIGNATURE = {
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Date": "20250602T040000Z",
    "X-Amz-Expires": "900",
    "X-Amz-SignedHeaders": "host",
    "X-Amz-Signature": "5d1f0c7a9e2b4c6d8f0a1b3c5e7f9a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f",
}
_NO_EXPORT_WARNING = (
    "Skipping stream 'ticket_activities': the account has no ticket activities export. Freshdesk says \"The "
    "Activity Export feature(s) is/are not supported in your plan. Please upgrade your account to use it.\" Only "
    "accounts that turned on Freshdesk's scheduled ticket activity export (a deprecated feature) can read this "
    "stream; deselect it."
)
_NOT_ADMIN_WARNING = (
    "Skipping stream 'ticket_activities': Freshdesk says \"You are not authorized to perform this action.\" The "
    "API key's agent lacks the privilege for it; use an admin's API key to read it, or deselect the stream."
)
_LINK_EXPIRED_ERROR = (
    "Stream 'ticket_activities' stopped: an activities file could not be downloaded (its signed link may have "
    "expired). The state stays before that day, so the next sync reads it with a new link."
)


def _day(days_back: int) -> str:
    """A UTC date, `days_back` days before today: 2025-06-01."""
    return (_TODAY - timedelta(days=days_back)).isoformat()


def _midnight(days_back: int) -> str:
    return f"{_day(days_back)}T00:00:00Z"


def _at(days_back: int, hour: int, minute: int = 0) -> datetime:
    return datetime.fromisoformat(_day(days_back)).replace(hour=hour, minute=minute, tzinfo=timezone.utc)


class _Requests:
    """The requests of one test, built once each: HttpMocker counts a request's calls by its object."""

    def __init__(self) -> None:
        self._built: Dict[tuple, HttpRequest] = {}

    def export(self, day: str) -> HttpRequest:
        """GET export/ticket_activities?created_at=<day>: no pagination."""
        return self._built.setdefault(
            ("export", day),
            FreshdeskRequestBuilder("export/ticket_activities", paginated=False).with_query(created_at=day).build(),
        )

    def file(self, day: str, part: int = 1) -> HttpRequest:
        """GET <the signed link of the day's file>."""
        return self._built.setdefault(("file", day, part), HttpRequest(url=_link(day, part), query_params=dict(_SIGNATURE)))


def _link(day: str, part: int = 1) -> str:
    return f"https://fd-activities-export.s3.amazonaws.com/acme/{day}-{part}.json"


def _export_answer(day: str, parts: int = 1) -> HttpResponse:
    """The export's answer for `day`: one signed link per file (fixture ticket_activities_export)."""
    body = fixture("ticket_activities_export")
    year, month, mday = (int(part) for part in day.split("-"))
    body["export"] = [
        {**body["export"][0], "created_at": f"{mday}-{month}-{year}", "url": f"{_link(day, part)}?{urlencode(_SIGNATURE)}"}
        for part in range(1, parts + 1)
    ]
    return FreshdeskResponseBuilder(body).build()


def _activity(
    ticket_id: int, moment: datetime, offset: str = "+0000", performer_id: int = 43009866215, **activity: Any
) -> Dict[str, Any]:
    """An entry of a file's activities_data (fixture ticket_activities_file), performed at `moment`
    (written in the files' "dd-mm-yyyy HH:MM:SS +0000" form, in the time zone of `offset`)."""
    template = copy.deepcopy(fixture("ticket_activities_file")["activities_data"][0])
    shift = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])) * (1 if offset[0] == "+" else -1)
    template.update(
        ticket_id=ticket_id,
        performer_id=performer_id,
        performed_at=f"{(moment + shift).strftime('%d-%m-%Y %H:%M:%S')} {offset}",
        activity=activity or template["activity"],
    )
    return template


def _file_answer(activities: List[Dict[str, Any]]) -> HttpResponse:
    body = fixture("ticket_activities_file")
    body["activities_data"] = activities
    body["metadata"]["activities_count"] = len(activities)
    return HttpResponse(body=FreshdeskResponseBuilder(body).build().body, status_code=200,
                        headers={"Content-Type": "application/json"})


def _emitted(output) -> List[tuple]:
    return sorted((m.record.data["ticket_id"], m.record.data["performed_at"]) for m in output.records)


def _days_read(stream_state: Dict[str, Any]) -> Dict[str, Any]:
    """The days' cursor, kept in the state's parent_state: the day the next sync starts with."""
    return stream_state["parent_state"]["ticket_activity_files"]["states"]


def _resume_at(midnight: str) -> List[Dict[str, Any]]:
    return [{"partition": {"activities_export": "on", "parent_slice": {}}, "cursor": {"next_export_date": midnight}}]


def _state_resuming_at(midnight: str, performed_at: str) -> Dict[str, Any]:
    """The state a sync leaves: its newest activity, and the day the next sync starts with."""
    return {
        "use_global_cursor": True,
        "state": {"performed_at": performed_at},
        "lookback_window": 1,
        "parent_state": {
            "ticket_activity_files": {
                "use_global_cursor": False,
                "states": _resume_at(midnight),
                "state": {"next_export_date": midnight},
                "lookback_window": 1,
                "parent_state": {},
            }
        },
    }


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class TestTicketActivities(TestCase):
    """GET export/ticket_activities?created_at=<day>, then GET <signed link> of each file, without the API key.

    Contract: one call per sync asks for yesterday's file first: an account without the export (403
    require_feature) or a key that is not an admin's (403 access_denied) skips the stream with one warning
    and no other call; while yesterday's file is not written yet (404) nothing is read. Otherwise one call
    per day, from the day after the state's (else start_date's day), never more than 30 days back, to
    yesterday; a day without a file (404) is skipped; every link of a day is downloaded, without the
    Authorization header. Records are each file's activities_data with performed_at in UTC
    (YYYY-MM-DDTHH:MM:SSZ). The state keeps the newest performed_at and, in its parent_state, the day the
    next sync starts with. A link that no longer answers fails the stream, the state staying before that day.
    """

    @HttpMocker()
    def test_given_start_date_yesterday_when_read_then_yesterdays_file_is_downloaded_and_its_activities_come_out(
        self, http_mocker
    ):
        requests = _Requests()
        http_mocker.get(requests.export(_day(1)), _export_answer(_day(1)))
        http_mocker.get(requests.file(_day(1)), _file_answer([
            _activity(600, _at(1, 9, 33), new_ticket=True, status="Open", priority=1, source=1, requester_id=43009866215),
            _activity(704, _at(1, 11, 2), performer_id=43005512390, status="Resolved", note={"id": 43112208131, "type": 2}),
        ]))

        output = read_streams(ConfigBuilder().with_start_date(_day(1)).build(), _STREAM)

        assert [message.record.data for message in output.records] == [
            {
                "performed_at": _iso(_at(1, 9, 33)),
                "ticket_id": 600,
                "performer_type": "user",
                "performer_id": 43009866215,
                "activity": {"new_ticket": True, "status": "Open", "priority": 1, "source": 1, "requester_id": 43009866215},
            },
            {
                "performed_at": _iso(_at(1, 11, 2)),
                "ticket_id": 704,
                "performer_type": "user",
                "performer_id": 43005512390,
                "activity": {"status": "Resolved", "note": {"id": 43112208131, "type": 2}},
            },
        ]
        # Yesterday's day is asked for twice: once to learn that the export is on, once as the day to read.
        http_mocker.assert_number_of_calls(requests.export(_day(1)), 2)
        http_mocker.assert_number_of_calls(requests.file(_day(1)), 1)
        stream_state = final_state(output, _STREAM)
        assert stream_state["state"] == {"performed_at": _iso(_at(1, 11, 2))}
        assert _days_read(stream_state) == _resume_at(_midnight(0))
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_three_days_when_read_then_one_call_per_day_every_link_of_a_day_and_no_file_for_a_404_day(
        self, http_mocker
    ):
        requests = _Requests()
        http_mocker.get(requests.export(_day(3)), _export_answer(_day(3), parts=2))
        http_mocker.get(requests.file(_day(3), 1), _file_answer([_activity(31, _at(3, 8)), _activity(32, _at(3, 9))]))
        http_mocker.get(requests.file(_day(3), 2), _file_answer([_activity(33, _at(3, 22))]))
        http_mocker.get(requests.export(_day(2)), error_response(404, "error_404_file_not_found"))
        http_mocker.get(requests.export(_day(1)), _export_answer(_day(1)))
        http_mocker.get(requests.file(_day(1)), _file_answer([_activity(11, _at(1, 7))]))

        output = read_streams(ConfigBuilder().with_start_date(_day(3)).build(), _STREAM)

        assert _emitted(output) == [
            (11, _iso(_at(1, 7))), (31, _iso(_at(3, 8))), (32, _iso(_at(3, 9))), (33, _iso(_at(3, 22)))
        ]
        http_mocker.assert_number_of_calls(requests.export(_day(3)), 1)
        http_mocker.assert_number_of_calls(requests.export(_day(2)), 1)
        http_mocker.assert_number_of_calls(requests.export(_day(1)), 2)
        assert _days_read(final_state(output, _STREAM)) == _resume_at(_midnight(0))
        assert log_messages(output, Level.WARN) == []
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_no_start_date_when_read_then_the_30_days_the_export_keeps_are_asked_for_and_no_older_one(
        self, http_mocker
    ):
        requests = _Requests()
        for days_back in range(2, 31):
            http_mocker.get(requests.export(_day(days_back)), error_response(404, "error_404_file_not_found"))
        http_mocker.get(requests.export(_day(1)), _export_answer(_day(1)))
        http_mocker.get(requests.file(_day(1)), _file_answer([_activity(5, _at(1, 23, 59))]))

        # Every request must match a mock: a call for day 31, or for today, would fail the read.
        output = read_streams(ConfigBuilder().with_start_date("2020-01-01").build(), _STREAM)

        assert _emitted(output) == [(5, _iso(_at(1, 23, 59)))]
        for days_back in range(2, 31):
            http_mocker.assert_number_of_calls(requests.export(_day(days_back)), 1)
        assert _days_read(final_state(output, _STREAM)) == _resume_at(_midnight(0))
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_an_account_without_the_export_when_read_then_one_request_one_warning_and_no_record(
        self, http_mocker
    ):
        requests = _Requests()
        http_mocker.get(requests.export(_day(1)), error_response(403, "error_403_require_feature_activity_export"))

        output = read_streams(ConfigBuilder().build(), _STREAM)

        http_mocker.assert_number_of_calls(requests.export(_day(1)), 1)
        assert output.records == []
        assert log_messages(output, Level.WARN) == [_NO_EXPORT_WARNING]
        assert error_messages(output) == []
        assert stream_statuses(output, _STREAM)[-1] == "COMPLETE"

    @HttpMocker()
    def test_given_a_key_that_is_not_an_admins_when_read_then_one_request_and_one_admin_warning(self, http_mocker):
        requests = _Requests()
        http_mocker.get(requests.export(_day(1)), error_response(403, "error_403_access_denied"))

        output = read_streams(ConfigBuilder().build(), _STREAM)

        http_mocker.assert_number_of_calls(requests.export(_day(1)), 1)
        assert output.records == []
        assert log_messages(output, Level.WARN) == [_NOT_ADMIN_WARNING]
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_yesterdays_file_not_written_yet_when_read_then_nothing_is_read_and_the_state_stays(
        self, http_mocker
    ):
        requests = _Requests()
        http_mocker.get(requests.export(_day(1)), error_response(404, "error_404_file_not_found"))
        previous = _state_resuming_at(_midnight(2), _iso(_at(3, 18)))

        output = read_streams(ConfigBuilder().build(), _STREAM, stream_state=state(_STREAM, previous))

        http_mocker.assert_number_of_calls(requests.export(_day(1)), 1)
        assert output.records == []
        stream_state = final_state(output, _STREAM)
        assert stream_state["state"] == {"performed_at": _iso(_at(3, 18))}
        assert _days_read(stream_state) == _resume_at(_midnight(2))
        assert log_messages(output, Level.WARN) == []

    @HttpMocker()
    def test_given_the_state_of_yesterdays_sync_when_read_then_only_the_new_day_is_read(self, http_mocker):
        requests = _Requests()
        http_mocker.get(requests.export(_day(1)), _export_answer(_day(1)))
        http_mocker.get(requests.file(_day(1)), _file_answer([_activity(8, _at(1, 6)), _activity(9, _at(1, 20))]))
        previous = _state_resuming_at(_midnight(1), _iso(_at(2, 21)))

        output = read_streams(ConfigBuilder().build(), _STREAM, stream_state=state(_STREAM, previous))

        assert _emitted(output) == [(8, _iso(_at(1, 6))), (9, _iso(_at(1, 20)))]
        http_mocker.assert_number_of_calls(requests.export(_day(1)), 2)
        stream_state = final_state(output, _STREAM)
        assert stream_state["state"] == {"performed_at": _iso(_at(1, 20))}
        assert _days_read(stream_state) == _resume_at(_midnight(0))

    @HttpMocker()
    def test_given_the_state_of_a_sync_earlier_today_when_read_then_only_the_first_call_is_made(self, http_mocker):
        requests = _Requests()
        http_mocker.get(requests.export(_day(1)), _export_answer(_day(1)))
        previous = _state_resuming_at(_midnight(0), _iso(_at(1, 20)))

        output = read_streams(ConfigBuilder().build(), _STREAM, stream_state=state(_STREAM, previous))

        http_mocker.assert_number_of_calls(requests.export(_day(1)), 1)
        assert output.records == []
        stream_state = final_state(output, _STREAM)
        assert stream_state["state"] == {"performed_at": _iso(_at(1, 20))}
        assert _days_read(stream_state) == _resume_at(_midnight(0))

    @HttpMocker()
    def test_given_a_state_of_performed_at_only_when_read_then_reading_resumes_at_that_day(self, http_mocker):
        requests = _Requests()
        # The form Airbyte's official connector writes: no parent_state.
        http_mocker.get(requests.export(_day(2)), _export_answer(_day(2)))
        http_mocker.get(requests.file(_day(2)), _file_answer([_activity(21, _at(2, 15))]))
        http_mocker.get(requests.export(_day(1)), _export_answer(_day(1)))
        http_mocker.get(requests.file(_day(1)), _file_answer([_activity(11, _at(1, 3))]))

        output = read_streams(
            ConfigBuilder().build(), _STREAM, stream_state=state(_STREAM, {"performed_at": _iso(_at(2, 12))})
        )

        assert _emitted(output) == [(11, _iso(_at(1, 3))), (21, _iso(_at(2, 15)))]
        http_mocker.assert_number_of_calls(requests.export(_day(2)), 1)
        http_mocker.assert_number_of_calls(requests.export(_day(1)), 2)

    @HttpMocker()
    def test_given_an_activity_written_with_an_offset_when_read_then_performed_at_is_utc(self, http_mocker):
        requests = _Requests()
        http_mocker.get(requests.export(_day(1)), _export_answer(_day(1)))
        http_mocker.get(requests.file(_day(1)), _file_answer([_activity(7, _at(1, 4, 30), offset="+0530")]))

        output = read_streams(ConfigBuilder().with_start_date(_day(1)).build(), _STREAM)

        [record] = [message.record.data for message in output.records]
        assert record["performed_at"] == _iso(_at(1, 4, 30))

    @HttpMocker()
    def test_given_an_export_link_when_read_then_the_file_is_downloaded_without_the_api_key(self, http_mocker):
        requests = _Requests()
        http_mocker.get(requests.export(_day(1)), _export_answer(_day(1)))
        http_mocker.get(requests.file(_day(1)), _file_answer([_activity(1, _at(1, 10))]))

        read_streams(ConfigBuilder().with_start_date(_day(1)).build(), _STREAM)

        # HttpMocker matches the headers a request has, not those it lacks: look at what was sent.
        sent = http_mocker._mocker.request_history
        to_freshdesk = [request for request in sent if request.hostname == "acme.freshdesk.com"]
        to_storage = [request for request in sent if request.hostname == "fd-activities-export.s3.amazonaws.com"]
        assert len(to_freshdesk) == 2 and len(to_storage) == 1
        assert all(request.headers["Authorization"].startswith("Basic ") for request in to_freshdesk)
        assert "Authorization" not in to_storage[0].headers
        assert all(API_KEY not in str(value) for value in to_storage[0].headers.values())

    @HttpMocker()
    def test_given_a_link_that_expired_when_read_then_the_stream_fails_and_the_state_stays_before_that_day(
        self, http_mocker
    ):
        requests = _Requests()
        http_mocker.get(requests.export(_day(1)), _export_answer(_day(1)))
        http_mocker.get(
            requests.file(_day(1)),
            HttpResponse(
                body='<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                "<Message>Request has expired</Message></Error>",
                status_code=403,
                headers={"Content-Type": "application/xml"},
            ),
        )
        previous = _state_resuming_at(_midnight(1), _iso(_at(2, 21)))

        output = read_streams(
            ConfigBuilder().build(), _STREAM, stream_state=state(_STREAM, previous), expect_failure=True
        )

        assert output.records == []
        assert _LINK_EXPIRED_ERROR in error_messages(output)
        assert _days_read(final_state(output, _STREAM)) == _resume_at(_midnight(1))

    @HttpMocker()
    def test_given_a_day_answered_with_the_older_400_on_created_at_when_read_then_that_day_is_skipped(
        self, http_mocker
    ):
        requests = _Requests()
        # Older Freshdesk versions told a day without a file with a validation error on created_at.
        http_mocker.get(
            requests.export(_day(2)),
            HttpResponse(
                body='{"description": "Validation failed", "errors": [{"field": "created_at", "message": '
                '"created at is an invalid_value. File not found.", "code": "invalid_value"}]}',
                status_code=400,
            ),
        )
        http_mocker.get(requests.export(_day(1)), _export_answer(_day(1)))
        http_mocker.get(requests.file(_day(1)), _file_answer([_activity(3, _at(1, 12))]))

        output = read_streams(ConfigBuilder().with_start_date(_day(2)).build(), _STREAM)

        assert _emitted(output) == [(3, _iso(_at(1, 12)))]
        http_mocker.assert_number_of_calls(requests.export(_day(2)), 1)
        assert error_messages(output) == []
        assert _days_read(final_state(output, _STREAM)) == _resume_at(_midnight(0))
