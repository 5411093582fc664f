"""Mock-server tests of the satisfaction_ratings stream."""

from __future__ import annotations

from typing import Any, Dict
from unittest import TestCase

from airbyte_cdk.test.mock_http import HttpMocker

from config_builder import ConfigBuilder
from request_builder import FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, a_record, fixture, ids
from source_runner import error_messages, final_state, read_streams, record_ids, state

_STREAM = "satisfaction_ratings"


def _rating(rating_id: int, created_at: str) -> Dict[str, Any]:
    return a_record("satisfaction_ratings", id=rating_id, created_at=created_at, updated_at=created_at)


class TestSatisfactionRatings(TestCase):
    """GET /api/v2/surveys/satisfaction_ratings?created_since=<cursor>&per_page=100 (Surveys feature).

    Contract: the cursor is created_at; a sync from a state starts `lookback_window_in_days` (default 14)
    before it, because a rating can be recorded after later ones; ratings older than that start are
    dropped on our side too; the state is the greatest created_at read.
    """

    @HttpMocker()
    def test_given_no_state_when_read_then_created_since_is_2010_and_state_is_the_max_created_at(self, http_mocker):
        http_mocker.get(
            FreshdeskRequestBuilder.satisfaction_ratings().build(),
            FreshdeskResponseBuilder.of("satisfaction_ratings").build(),
        )

        output = read_streams(ConfigBuilder().build(), _STREAM)

        assert record_ids(output) == ids(fixture("satisfaction_ratings")) == [43006810853, 43006810854]
        assert final_state(output, _STREAM) == {"created_at": "2025-03-24T08:02:11Z"}
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_state_and_lookback_of_14_days_when_read_then_created_since_is_14_days_before_the_state(
        self, http_mocker
    ):
        http_mocker.get(
            FreshdeskRequestBuilder.satisfaction_ratings(created_since="2025-03-06T00:00:00Z").build(),
            FreshdeskResponseBuilder.records(
                [
                    _rating(1, "2025-03-05T23:59:59Z"),
                    _rating(2, "2025-03-10T12:00:00Z"),
                    _rating(3, "2025-03-22T08:00:00Z"),
                ]
            ).build(),
        )

        output = read_streams(
            ConfigBuilder().with_lookback_window_in_days(14).build(),
            _STREAM,
            stream_state=state(_STREAM, {"created_at": "2025-03-20T00:00:00Z"}),
        )

        assert record_ids(output) == [2, 3]
        assert final_state(output, _STREAM) == {"created_at": "2025-03-22T08:00:00Z"}

    @HttpMocker()
    def test_given_state_and_no_lookback_in_config_when_read_then_the_default_14_days_apply(self, http_mocker):
        http_mocker.get(
            FreshdeskRequestBuilder.satisfaction_ratings(created_since="2025-03-06T00:00:00Z").build(),
            FreshdeskResponseBuilder.empty_list().build(),
        )

        output = read_streams(
            ConfigBuilder().build(), _STREAM, stream_state=state(_STREAM, {"created_at": "2025-03-20T00:00:00Z"})
        )

        assert record_ids(output) == []
        assert final_state(output, _STREAM) == {"created_at": "2025-03-20T00:00:00Z"}

    @HttpMocker()
    def test_given_state_and_lookback_of_0_days_when_read_then_created_since_is_the_state(self, http_mocker):
        http_mocker.get(
            FreshdeskRequestBuilder.satisfaction_ratings(created_since="2025-03-20T00:00:00Z").build(),
            FreshdeskResponseBuilder.records([_rating(3, "2025-03-22T08:00:00Z")]).build(),
        )

        output = read_streams(
            ConfigBuilder().with_lookback_window_in_days(0).build(),
            _STREAM,
            stream_state=state(_STREAM, {"created_at": "2025-03-20T00:00:00Z"}),
        )

        assert record_ids(output) == [3]

    @HttpMocker()
    def test_given_official_connectors_updated_at_state_when_read_then_it_carries_over_as_created_at(self, http_mocker):
        # Airbyte's official connector keeps this stream's state under updated_at.
        http_mocker.get(
            FreshdeskRequestBuilder.satisfaction_ratings(created_since="2025-03-06T00:00:00Z").build(),
            FreshdeskResponseBuilder.records([_rating(3, "2025-03-22T08:00:00Z")]).build(),
        )

        output = read_streams(
            ConfigBuilder().build(), _STREAM, stream_state=state(_STREAM, {"updated_at": "2025-03-20T00:00:00Z"})
        )

        assert record_ids(output) == [3]
        assert final_state(output, _STREAM) == {"created_at": "2025-03-22T08:00:00Z"}
