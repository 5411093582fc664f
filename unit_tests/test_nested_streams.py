"""Mock-server tests of the streams read once per record of a parent stream (besides conversations)."""

from __future__ import annotations

from unittest import TestCase

from airbyte_cdk.models import Level
from airbyte_cdk.test.mock_http import HttpMocker

from config_builder import ConfigBuilder
from request_builder import FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, a_record, error_response, fixture, ids
from source_runner import error_messages, log_messages, read_streams, record_ids, stream_statuses


def serve(http_mocker: HttpMocker, path: str, fixture_name: str) -> None:
    """Answers GET <path> (default query: per_page=100) with the fixture `fixture_name`."""
    http_mocker.get(
        FreshdeskRequestBuilder.endpoint(path).build(),
        FreshdeskResponseBuilder.of(fixture_name).build(),
    )


class TestCannedResponses(TestCase):
    """GET /api/v2/canned_response_folders, then GET /api/v2/canned_response_folders/{id}/responses?per_page=100
    for each folder (admin only). A folder that answers 404 or 403 is skipped; the other folders' responses
    come out."""

    @HttpMocker()
    def test_given_two_folders_when_read_then_each_folder_responses_are_read(self, http_mocker):
        serve(http_mocker, "canned_response_folders", "canned_response_folders")
        serve(http_mocker, "canned_response_folders/43000300001/responses", "canned_responses")
        http_mocker.get(
            FreshdeskRequestBuilder.endpoint("canned_response_folders/43000300002/responses").build(),
            FreshdeskResponseBuilder.records(
                [a_record("canned_responses", id=43000400003, folder_id=43000300002)]
            ).build(),
        )

        output = read_streams(ConfigBuilder().build(), "canned_responses")

        assert sorted(record_ids(output, "canned_responses")) == sorted(
            ids(fixture("canned_responses")) + [43000400003]
        )
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_one_folder_answers_404_when_read_then_the_other_folder_responses_come_out(self, http_mocker):
        serve(http_mocker, "canned_response_folders", "canned_response_folders")
        serve(http_mocker, "canned_response_folders/43000300001/responses", "canned_responses")
        http_mocker.get(
            FreshdeskRequestBuilder.endpoint("canned_response_folders/43000300002/responses").build(),
            error_response(404),
        )

        output = read_streams(ConfigBuilder().build(), "canned_responses")

        assert record_ids(output, "canned_responses") == ids(fixture("canned_responses"))
        assert stream_statuses(output, "canned_responses")[-1] == "COMPLETE"
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_folders_list_access_denied_when_read_then_stream_is_skipped_with_a_warning(self, http_mocker):
        http_mocker.get(
            FreshdeskRequestBuilder.endpoint("canned_response_folders").build(),
            error_response(403, "error_403_access_denied"),
        )

        output = read_streams(ConfigBuilder().build(), "canned_responses")

        assert output.records == []
        assert log_messages(output, Level.WARN) == [
            "Skipping stream 'canned_response_folders': Freshdesk says \"You are not authorized to perform this "
            "action.\" The API key's agent lacks the privilege for it; use an admin's API key to read it, or "
            "deselect the stream. Streams read from its records are empty too: canned_responses."
        ]
        assert error_messages(output) == []


class TestDiscussions(TestCase):
    """categories -> forums -> topics -> comments:
    GET /api/v2/discussions/categories, /discussions/categories/{id}/forums, /discussions/forums/{id}/topics,
    /discussions/topics/{id}/comments (each with per_page=100). Reading a deeper stream reads the chain above
    it; each level comes out under its own stream."""

    def _mock_chain(self, http_mocker: HttpMocker) -> None:
        serve(http_mocker, "discussions/categories", "discussion_categories")
        serve(http_mocker, "discussions/categories/43000110001/forums", "discussion_forums")
        serve(http_mocker, "discussions/forums/43000120001/topics", "discussion_topics")
        serve(http_mocker, "discussions/topics/43000130001/comments", "discussion_comments")

    @HttpMocker()
    def test_given_comments_selected_when_read_then_the_whole_chain_is_walked_to_the_comments(self, http_mocker):
        self._mock_chain(http_mocker)

        output = read_streams(ConfigBuilder().build(), "discussion_comments")

        assert record_ids(output, "discussion_comments") == [43000140001]
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_every_level_selected_when_read_then_each_level_comes_out_under_its_stream(self, http_mocker):
        self._mock_chain(http_mocker)

        output = read_streams(
            ConfigBuilder().build(),
            "discussion_categories",
            "discussion_forums",
            "discussion_topics",
            "discussion_comments",
        )

        assert record_ids(output, "discussion_categories") == [43000110001]
        assert record_ids(output, "discussion_forums") == [43000120001]
        assert record_ids(output, "discussion_topics") == [43000130001]
        assert record_ids(output, "discussion_comments") == [43000140001]

    @HttpMocker()
    def test_given_forums_feature_not_in_plan_when_the_chain_is_read_then_every_level_is_skipped_with_one_warning(
        self, http_mocker
    ):
        # discussion_categories is read once for itself and once as the parent of each deeper stream.
        http_mocker.get(
            FreshdeskRequestBuilder.endpoint("discussions/categories").build(),
            error_response(403, "error_403_require_feature_forums"),
        )

        output = read_streams(
            ConfigBuilder().build(),
            "discussion_categories",
            "discussion_forums",
            "discussion_topics",
            "discussion_comments",
        )

        assert output.records == []
        assert log_messages(output, Level.WARN) == [
            "Skipping stream 'discussion_categories': Freshdesk says \"The Forums feature(s) is/are not supported in "
            "your plan. Please upgrade your account to use it.\" The account's plan does not include this feature; "
            "deselect the stream or upgrade the plan. Streams read from its records are empty too: discussion_forums, "
            "discussion_topics and discussion_comments."
        ]
        for stream in ("discussion_categories", "discussion_forums", "discussion_topics", "discussion_comments"):
            assert stream_statuses(output, stream)[-1] == "COMPLETE", stream
        assert error_messages(output) == []


class TestSolutions(TestCase):
    """categories -> folders -> articles: GET /api/v2/solutions/categories,
    /solutions/categories/{id}/folders, /solutions/folders/{id}/articles (each with per_page=100, pages by
    `link` header)."""

    @HttpMocker()
    def test_given_articles_selected_when_read_then_categories_and_folders_are_walked_to_the_articles(
        self, http_mocker
    ):
        serve(http_mocker, "solutions/categories", "solution_categories")
        serve(http_mocker, "solutions/categories/43000111003/folders", "solution_folders")
        serve(http_mocker, "solutions/folders/43000222004/articles", "solution_articles")

        output = read_streams(ConfigBuilder().build(), "solution_categories", "solution_folders", "solution_articles")

        assert record_ids(output, "solution_categories") == [43000111003]
        assert record_ids(output, "solution_folders") == [43000222004]
        assert record_ids(output, "solution_articles") == ids(fixture("solution_articles"))
        assert error_messages(output) == []

    @HttpMocker()
    def test_given_articles_over_two_pages_when_read_then_both_pages_are_read(self, http_mocker):
        serve(http_mocker, "solutions/categories", "solution_categories")
        serve(http_mocker, "solutions/categories/43000111003/folders", "solution_folders")
        page_2 = FreshdeskRequestBuilder.endpoint("solutions/folders/43000222004/articles").with_page(2)
        http_mocker.get(
            FreshdeskRequestBuilder.endpoint("solutions/folders/43000222004/articles").build(),
            FreshdeskResponseBuilder.records([a_record("solution_articles", id=1)]).with_next_page(page_2).build(),
        )
        http_mocker.get(page_2.build(), FreshdeskResponseBuilder.records([a_record("solution_articles", id=2)]).build())

        output = read_streams(ConfigBuilder().build(), "solution_articles")

        assert record_ids(output, "solution_articles") == [1, 2]
