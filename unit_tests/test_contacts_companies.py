"""Mock-server tests of the contacts and companies streams."""

from __future__ import annotations

from typing import Any, Dict
from unittest import TestCase

from airbyte_cdk.test.mock_http import HttpMocker

from config_builder import ConfigBuilder
from request_builder import FreshdeskRequestBuilder
from response_builder import FreshdeskResponseBuilder, a_record, error_response, fixture, ids
from source_runner import error_messages, final_state, read_streams, record_ids, state, stream_statuses


def _contact(contact_id: int, updated_at: str) -> Dict[str, Any]:
    return a_record("contacts", id=contact_id, updated_at=updated_at)


def _company(company_id: int, updated_at: str) -> Dict[str, Any]:
    return a_record("companies", id=company_id, updated_at=updated_at)


class TestContacts(TestCase):
    """GET /api/v2/contacts?_updated_since=<state or start_date or 1970>&per_page=100, pages by `link` header.

    Contract: Freshdesk lists contacts alphabetically, not by updated_at, so the state (the greatest
    updated_at) moves only once the whole list has been read, and never when a page fails. The filter is
    applied on our side too: a contact updated before the state or start_date is not emitted, whatever the
    server returns.
    """

    @HttpMocker()
    def test_given_no_state_when_read_then_all_contacts_come_out_and_state_is_the_max_updated_at(self, http_mocker):
        http_mocker.get(FreshdeskRequestBuilder.contacts().build(), FreshdeskResponseBuilder.of("contacts").build())

        output = read_streams(ConfigBuilder().build(), "contacts")

        assert record_ids(output) == ids(fixture("contacts")) == [43256742939, 43256742940]
        assert final_state(output, "contacts") == {"updated_at": "2025-06-05T13:47:56Z"}

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

        output = read_streams(ConfigBuilder().build(), "contacts")

        assert record_ids(output) == [1, 2, 3]
        assert final_state(output, "contacts") == {"updated_at": "2025-05-01T00:00:00Z"}

    @HttpMocker()
    def test_given_state_when_read_then_underscore_updated_since_is_sent_and_older_contacts_are_dropped(
        self, http_mocker
    ):
        http_mocker.get(
            FreshdeskRequestBuilder.contacts(updated_since="2025-03-01T00:00:00Z").build(),
            # The server is expected to filter; if it does not, the connector still must.
            FreshdeskResponseBuilder.records(
                [
                    _contact(1, "2025-02-28T23:59:59Z"),
                    _contact(2, "2025-03-01T00:00:00Z"),
                    _contact(3, "2025-04-02T00:00:00Z"),
                ]
            ).build(),
        )

        output = read_streams(
            ConfigBuilder().build(), "contacts", stream_state=state("contacts", {"updated_at": "2025-03-01T00:00:00Z"})
        )

        assert record_ids(output) == [2, 3]
        assert final_state(output, "contacts") == {"updated_at": "2025-04-02T00:00:00Z"}

    @HttpMocker()
    def test_given_start_date_when_read_then_it_is_the_filter_and_older_contacts_are_dropped(self, http_mocker):
        http_mocker.get(
            FreshdeskRequestBuilder.contacts(updated_since="2025-01-01T00:00:00Z").build(),
            FreshdeskResponseBuilder.records(
                [_contact(1, "2024-06-01T00:00:00Z"), _contact(2, "2025-01-15T00:00:00Z")]
            ).build(),
        )

        output = read_streams(ConfigBuilder().with_start_date("2025-01-01").build(), "contacts")

        assert record_ids(output) == [2]

    @HttpMocker()
    def test_given_second_page_fails_when_read_then_state_does_not_advance(self, http_mocker):
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

        assert record_ids(output) == [1]
        assert final_state(output, "contacts") == {"updated_at": "2025-03-01T00:00:00Z"}
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
