"""Mock-server tests of the contacts and companies streams."""

from __future__ import annotations

from typing import Any, Dict
from unittest import TestCase

from airbyte_cdk.test.mock_http import HttpMocker

from config_builder import ConfigBuilder
from request_builder import DEFAULT_START, FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, a_record, error_response, fixture, ids, mock_empty_contact_lists
from source_runner import error_messages, final_state, queries_sent, read_streams, record_ids, state, stream_statuses


def _contact(contact_id: int, updated_at: str) -> Dict[str, Any]:
    return a_record("contacts", id=contact_id, updated_at=updated_at)


def _page(updated_since: str = DEFAULT_START, contact_list: str = "default", page: int = 1) -> FreshdeskRequestBuilder:
    """Page `page` of one contacts list; page 1 carries no `page` parameter."""
    request = FreshdeskRequestBuilder.contacts(updated_since, contact_list)
    return request.with_page(page) if page > 1 else request


def _company(company_id: int, updated_at: str) -> Dict[str, Any]:
    return a_record("companies", id=company_id, updated_at=updated_at)


class TestContacts(TestCase):
    """GET /api/v2/contacts?_updated_since=<state or start_date or 2010>&per_page=100: the default list, then
    the same with `state=deleted`, then with `state=blocked` (the default list leaves both out), each paged by
    the `link` header with `page=2`, `page=3`...

    Contract: Freshdesk lists contacts alphabetically, not by updated_at, so the state (the greatest
    updated_at of any list) moves only once all three lists have been read, and never when a page fails.
    The filter is applied on our side too: a contact updated before the state or start_date is not emitted,
    whatever the server returns. A deleted contact comes out with Freshdesk's `deleted` true; a blocked one
    as Freshdesk sends it.
    """

    @HttpMocker()
    def test_given_no_state_when_read_then_default_then_deleted_then_blocked_are_read_and_state_is_the_max_updated_at(
        self, http_mocker
    ):
        http_mocker.get(FreshdeskRequestBuilder.contacts().build(), FreshdeskResponseBuilder.of("contacts").build())
        mock_empty_contact_lists(http_mocker)

        output = read_streams(ConfigBuilder().build(), "contacts")

        assert queries_sent(http_mocker, "/api/v2/contacts") == [
            _page().query,
            _page(contact_list="deleted").query,
            _page(contact_list="blocked").query,
        ]
        assert _page(contact_list="deleted").query == {
            "per_page": "100", "_updated_since": "2010-01-01T00:00:00Z", "state": "deleted"
        }  # fmt: skip
        assert record_ids(output) == ids(fixture("contacts")) == [43256742939, 43256742940]
        assert final_state(output, "contacts") == {"updated_at": "2025-06-05T13:47:56Z"}

    @HttpMocker()
    def test_given_deleted_and_blocked_contacts_when_read_then_they_come_out_and_the_state_is_the_newest_of_any_list(
        self, http_mocker
    ):
        http_mocker.get(
            _page().build(), FreshdeskResponseBuilder.records([_contact(1, "2025-03-01T00:00:00Z")]).build()
        )
        http_mocker.get(
            _page(contact_list="deleted").build(),
            FreshdeskResponseBuilder.records([{**_contact(2, "2025-05-01T00:00:00Z"), "deleted": True}]).build(),
        )
        http_mocker.get(
            _page(contact_list="blocked").build(),
            FreshdeskResponseBuilder.records([_contact(3, "2025-04-01T00:00:00Z")]).build(),
        )

        output = read_streams(ConfigBuilder().build(), "contacts")

        by_id = {message.record.data["id"]: message.record.data for message in output.records}
        assert record_ids(output) == [1, 2, 3]
        assert (by_id[1]["deleted"], by_id[2]["deleted"], by_id[3]["deleted"]) == (False, True, False)
        assert final_state(output, "contacts") == {"updated_at": "2025-05-01T00:00:00Z"}
        assert stream_statuses(output, "contacts")[-1] == "COMPLETE"

    @HttpMocker()
    def test_given_link_header_when_read_then_each_list_reads_page_2_with_its_state_until_the_header_is_absent(
        self, http_mocker
    ):
        http_mocker.get(
            _page().build(),
            FreshdeskResponseBuilder.records([_contact(1, "2025-01-01T00:00:00Z")]).with_next_page(_page(page=2)).build(),
        )
        http_mocker.get(_page(page=2).build(), FreshdeskResponseBuilder.records([_contact(2, "2025-01-02T00:00:00Z")]).build())
        http_mocker.get(
            _page(contact_list="deleted").build(),
            FreshdeskResponseBuilder.records([_contact(3, "2025-01-03T00:00:00Z")])
            .with_next_page(_page(contact_list="deleted", page=2))
            .build(),
        )
        http_mocker.get(
            _page(contact_list="deleted", page=2).build(),
            FreshdeskResponseBuilder.records([_contact(4, "2025-01-04T00:00:00Z")]).build(),
        )
        http_mocker.get(_page(contact_list="blocked").build(), FreshdeskResponseBuilder.empty_list().build())

        output = read_streams(ConfigBuilder().build(), "contacts")

        assert queries_sent(http_mocker, "/api/v2/contacts") == [
            _page().query,
            _page(page=2).query,
            _page(contact_list="deleted").query,
            _page(contact_list="deleted", page=2).query,
            _page(contact_list="blocked").query,
        ]
        assert _page(contact_list="deleted", page=2).query == {
            "per_page": "100", "_updated_since": "2010-01-01T00:00:00Z", "state": "deleted", "page": "2"
        }  # fmt: skip
        assert record_ids(output) == [1, 2, 3, 4]
        assert final_state(output, "contacts") == {"updated_at": "2025-01-04T00:00:00Z"}

    @HttpMocker()
    def test_given_unsorted_pages_when_read_then_state_is_the_max_over_all_pages(self, http_mocker):
        page_2 = FreshdeskRequestBuilder.contacts().with_page(2)
        http_mocker.get(
            FreshdeskRequestBuilder.contacts().build(),
            FreshdeskResponseBuilder.records([_contact(1, "2025-05-01T00:00:00Z"), _contact(2, "2025-01-01T00:00:00Z")])
            .with_next_page(page_2)
            .build(),
        )
        http_mocker.get(page_2.build(), FreshdeskResponseBuilder.records([_contact(3, "2025-03-01T00:00:00Z")]).build())
        mock_empty_contact_lists(http_mocker)

        output = read_streams(ConfigBuilder().build(), "contacts")

        assert record_ids(output) == [1, 2, 3]
        assert final_state(output, "contacts") == {"updated_at": "2025-05-01T00:00:00Z"}

    @HttpMocker()
    def test_given_state_when_read_then_underscore_updated_since_is_sent_to_every_list_and_older_contacts_are_dropped(
        self, http_mocker
    ):
        since = "2025-03-01T00:00:00Z"
        http_mocker.get(
            FreshdeskRequestBuilder.contacts(updated_since=since).build(),
            # The server is expected to filter; if it does not, the connector still must.
            FreshdeskResponseBuilder.records(
                [
                    _contact(1, "2025-02-28T23:59:59Z"),
                    _contact(2, "2025-03-01T00:00:00Z"),
                    _contact(3, "2025-04-02T00:00:00Z"),
                ]
            ).build(),
        )
        http_mocker.get(
            FreshdeskRequestBuilder.contacts(updated_since=since, contact_list="deleted").build(),
            FreshdeskResponseBuilder.records([{**_contact(4, "2025-02-01T00:00:00Z"), "deleted": True}]).build(),
        )
        http_mocker.get(
            FreshdeskRequestBuilder.contacts(updated_since=since, contact_list="blocked").build(),
            FreshdeskResponseBuilder.records([_contact(5, "2025-03-15T00:00:00Z")]).build(),
        )

        output = read_streams(ConfigBuilder().build(), "contacts", stream_state=state("contacts", {"updated_at": since}))

        assert record_ids(output) == [2, 3, 5]
        assert final_state(output, "contacts") == {"updated_at": "2025-04-02T00:00:00Z"}

    @HttpMocker()
    def test_given_start_date_when_read_then_it_is_the_filter_and_older_contacts_are_dropped(self, http_mocker):
        http_mocker.get(
            FreshdeskRequestBuilder.contacts(updated_since="2025-01-01T00:00:00Z").build(),
            FreshdeskResponseBuilder.records(
                [_contact(1, "2024-06-01T00:00:00Z"), _contact(2, "2025-01-15T00:00:00Z")]
            ).build(),
        )
        mock_empty_contact_lists(http_mocker, "2025-01-01T00:00:00Z")

        output = read_streams(ConfigBuilder().with_start_date("2025-01-01").build(), "contacts")

        assert record_ids(output) == [2]
        assert final_state(output, "contacts") == {"updated_at": "2025-01-15T00:00:00Z"}

    @HttpMocker()
    def test_given_second_page_fails_when_read_then_state_does_not_advance_and_no_other_list_is_read(self, http_mocker):
        page_2 = FreshdeskRequestBuilder.contacts(updated_since="2025-03-01T00:00:00Z").with_page(2)
        http_mocker.get(
            FreshdeskRequestBuilder.contacts(updated_since="2025-03-01T00:00:00Z").build(),
            FreshdeskResponseBuilder.records([_contact(1, "2025-05-01T00:00:00Z")]).with_next_page(page_2).build(),
        )
        http_mocker.get(page_2.build(), error_response(400, "error_400_validation_failed"))

        output = read_streams(
            ConfigBuilder().build(),
            "contacts",
            stream_state=state("contacts", {"updated_at": "2025-03-01T00:00:00Z"}),
            expect_failure=True,
        )

        assert len(queries_sent(http_mocker, "/api/v2/contacts")) == 2
        assert record_ids(output) == [1]
        assert final_state(output, "contacts") == {"updated_at": "2025-03-01T00:00:00Z"}
        assert stream_statuses(output, "contacts")[-1] == "INCOMPLETE"

    @HttpMocker()
    def test_given_the_blocked_list_fails_when_read_then_the_other_lists_come_out_and_state_does_not_advance(
        self, http_mocker
    ):
        since = "2025-03-01T00:00:00Z"
        http_mocker.get(
            _page(since).build(), FreshdeskResponseBuilder.records([_contact(1, "2025-05-01T00:00:00Z")]).build()
        )
        http_mocker.get(
            _page(since, "deleted").build(),
            FreshdeskResponseBuilder.records([{**_contact(2, "2025-06-01T00:00:00Z"), "deleted": True}]).build(),
        )
        http_mocker.get(_page(since, "blocked").build(), error_response(400, "error_400_validation_failed"))

        output = read_streams(
            ConfigBuilder().build(), "contacts", stream_state=state("contacts", {"updated_at": since}), expect_failure=True
        )

        assert record_ids(output) == [1, 2]
        assert final_state(output, "contacts") == {"updated_at": since}
        assert stream_statuses(output, "contacts")[-1] == "INCOMPLETE"


class TestCompanies(TestCase):
    """GET /api/v2/companies?updated_since=<state or start_date or 1970>&per_page=100, pages by `link` header.

    Contract: as contacts (unsorted list, state = greatest updated_at after the whole pass, client-side
    filter), with the filter parameter named `updated_since`.
    """

    @HttpMocker()
    def test_given_no_state_when_read_then_all_companies_come_out_and_state_is_the_max_updated_at(self, http_mocker):
        http_mocker.get(FreshdeskRequestBuilder.companies().build(), FreshdeskResponseBuilder.of("companies").build())

        output = read_streams(ConfigBuilder().build(), "companies")

        assert record_ids(output) == ids(fixture("companies")) == [43000596607, 43000596608]
        assert final_state(output, "companies") == {"updated_at": "2025-05-30T16:02:11Z"}

    @HttpMocker()
    def test_given_state_when_read_then_updated_since_is_sent_and_older_companies_are_dropped(self, http_mocker):
        http_mocker.get(
            FreshdeskRequestBuilder.companies(updated_since="2025-03-01T00:00:00Z").build(),
            FreshdeskResponseBuilder.records(
                [_company(1, "2025-01-15T09:45:00Z"), _company(2, "2025-05-30T16:02:11Z")]
            ).build(),
        )

        output = read_streams(
            ConfigBuilder().build(),
            "companies",
            stream_state=state("companies", {"updated_at": "2025-03-01T00:00:00Z"}),
        )

        assert record_ids(output) == [2]
        assert final_state(output, "companies") == {"updated_at": "2025-05-30T16:02:11Z"}
        assert error_messages(output) == []
