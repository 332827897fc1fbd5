"""Find a person: by NHS number or by name and date of birth, only among people whose care the
searcher is involved in, with clear errors that keep what was typed."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.conftest import Region
from joinedup.people.tests.conftest import SignIn

SEARCH = reverse("people:search")
NOT_FOUND_MESSAGE = "No one found. You can only find people whose care you are involved in."


def search(client: Client, **fields: str) -> str:
    response = client.post(SEARCH, fields)
    assert response.status_code == 200
    return response.content.decode()


def results_section(page: str) -> str:
    """The results part of the page, without the form (which shows what was typed)."""
    match = re.search(r'<h2 id="results".*?</main>', page, flags=re.S)
    return match.group(0) if match else ""


def test_the_search_page_shows_both_ways_to_search(sign_in: SignIn) -> None:
    page = sign_in("nurse").get(SEARCH).content.decode()
    assert "Search by NHS number" in page
    assert "Search by name and date of birth" in page
    assert 'id="results"' not in page


def test_the_nurse_finds_margaret_by_nhs_number_typed_with_spaces(
    sign_in: SignIn, region: Region
) -> None:
    page = search(sign_in("nurse"), nhs_number=" 999 000 1111 ", search_by="nhs_number")
    results = results_section(page)
    assert "Margaret Price" in results
    assert "Peggy" in results  # preferred name
    assert "999 000 1111" in results  # shown 3-3-4
    assert "12 March 1944" in results
    assert "CD3 4PQ" in results
    assert "Riverside Medical Practice" in results
    # One result still shows the table, linking to the summary; no automatic redirect.
    assert "1 person found" in results
    assert reverse("people:summary", args=[region.margaret.pk]) in results


def test_the_nurse_finds_margaret_by_name_and_date_of_birth(sign_in: SignIn) -> None:
    page = search(
        sign_in("nurse"),
        family_name="price",
        date_of_birth_day="12",
        date_of_birth_month="3",
        date_of_birth_year="1944",
        search_by="name",
    )
    assert "Margaret Price" in results_section(page)


def test_a_given_name_narrows_a_name_search(sign_in: SignIn) -> None:
    client = sign_in("nurse")
    dob = {"date_of_birth_day": "12", "date_of_birth_month": "3", "date_of_birth_year": "1944"}
    found = search(client, family_name="Price", given_name="Marg", search_by="name", **dob)
    assert "Margaret Price" in results_section(found)
    missed = search(client, family_name="Price", given_name="Sarah", search_by="name", **dob)
    assert NOT_FOUND_MESSAGE in results_section(missed)


def test_pressing_enter_in_the_name_boxes_searches_by_name(sign_in: SignIn) -> None:
    # Enter submits the first button ("Search by NHS number"); the boxes typed decide.
    page = search(
        sign_in("nurse"),
        family_name="Price",
        date_of_birth_day="12",
        date_of_birth_month="03",
        date_of_birth_year="1944",
        search_by="nhs_number",
    )
    assert "Margaret Price" in results_section(page)


def test_the_outsider_finds_no_one_just_as_for_a_number_nobody_has(sign_in: SignIn) -> None:
    client = sign_in("outsider")
    margaret = results_section(search(client, nhs_number="9990001111", search_by="nhs_number"))
    nobody = results_section(search(client, nhs_number="9434765919", search_by="nhs_number"))
    assert NOT_FOUND_MESSAGE in margaret
    assert "Margaret" not in margaret
    assert margaret == nobody
    by_name = search(
        client,
        family_name="Price",
        date_of_birth_day="12",
        date_of_birth_month="3",
        date_of_birth_year="1944",
        search_by="name",
    )
    assert NOT_FOUND_MESSAGE in results_section(by_name)
    assert "Margaret" not in results_section(by_name)


def test_when_no_one_is_found_a_role_that_may_break_glass_is_pointed_to_emergency_access(
    sign_in: SignIn,
) -> None:
    # The outsider (a care worker) may use emergency access; Aisha (a volunteer) may not.
    outsider = results_section(
        search(sign_in("outsider"), nhs_number="9990001111", search_by="nhs_number")
    )
    volunteer = results_section(
        search(sign_in("voluntary"), nhs_number="9990002045", search_by="nhs_number")
    )

    assert "use emergency access" in outsider
    assert NOT_FOUND_MESSAGE in volunteer and "emergency access" not in volunteer


def test_an_invalid_nhs_number_gets_the_rule_and_keeps_what_was_typed(sign_in: SignIn) -> None:
    page = search(sign_in("nurse"), nhs_number="999 000 1112", search_by="nhs_number")
    message = "This is not a valid NHS number. Check it and try again."
    assert page.count(message) == 2  # in the error summary and beside the field
    assert 'href="#id_nhs_number"' in page
    assert 'value="999 000 1112"' in page
    assert "<title>Error: " in page
    assert 'id="results"' not in page


def test_an_empty_search_asks_for_the_nhs_number(sign_in: SignIn) -> None:
    page = search(sign_in("nurse"), search_by="nhs_number")
    assert "Enter the NHS number." in page


def test_name_search_errors_keep_everything_typed(sign_in: SignIn) -> None:
    page = search(
        sign_in("nurse"),
        family_name="Price",
        given_name="Margaret",
        date_of_birth_day="12",
        date_of_birth_year="1944",
        search_by="name",
    )
    assert "Date of birth must include a month" in page
    assert 'href="#id_date_of_birth-month"' in page
    assert 'value="Price"' in page
    assert 'value="Margaret"' in page
    assert 'value="12"' in page
    assert 'value="1944"' in page


def test_a_name_search_needs_a_last_name_and_a_date_of_birth(sign_in: SignIn) -> None:
    page = search(sign_in("nurse"), given_name="Margaret", search_by="name")
    assert "Enter their last name" in page
    assert "Enter their date of birth" in page
    assert 'value="Margaret"' in page


def test_each_search_is_audited_once(sign_in: SignIn, region: Region) -> None:
    client = sign_in("nurse")
    before = AuditEvent.objects.filter(action="person.search").count()
    search(client, nhs_number="9990001111", search_by="nhs_number")
    events = AuditEvent.objects.filter(action="person.search").order_by("-pk")
    assert events.count() == before + 1
    assert events.first().person_id == region.margaret.pk  # type: ignore[union-attr]


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, region: Region) -> None:
    response = client.get(SEARCH)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
