"""An outsider (a care worker with no part in Margaret Price's care) cannot learn that she
exists: searching for her NHS number and opening her record's address give exactly the answers
a person who does not exist would get."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from joinedup.browser_tests.signing_in import sign_in_through_pages
from joinedup.conftest import Region
from joinedup.core.identifiers import nhs_number_check_digit
from joinedup.people.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def unused_nhs_number() -> str:
    """A valid NHS number (Modulus 11) that no one in the region has."""
    for serial in range(1_000):
        first_nine = f"999{serial:06d}"
        check = nhs_number_check_digit(first_nine)
        number = f"{first_nine}{check}"
        if check is not None and not Person.objects.filter(nhs_number=number).exists():
            return number
    raise AssertionError("Every candidate NHS number is in use")


def search_answer(page: Page, nhs_number: str) -> tuple[str, str, str]:
    """The page title, the words on the page, and its markup with what was typed taken out."""
    page.goto("/people/search/")
    page.get_by_label("NHS number", exact=True).fill(nhs_number)
    page.get_by_role("button", name="Search by NHS number").click()
    expect(page.get_by_role("heading", name="Results")).to_be_visible()
    markup = CSRF_TOKEN.sub("", page.content()).replace(nhs_number, "TYPED")
    return page.title(), page.locator("main").inner_text(), markup


def record_answer(page: Page, path: str) -> tuple[int, str, str, str]:
    """The status, title, words and markup of the page at `path`."""
    response = page.goto(path)
    assert response is not None, path
    return response.status, page.title(), page.locator("main").inner_text(), page.content()


def test_an_outsider_gets_the_same_answers_for_margaret_as_for_no_one(
    page: Page, region: Region
) -> None:
    margaret = region.margaret
    no_one = unused_nhs_number()
    sign_in_through_pages(page, region, "outsider")

    for_margaret = search_answer(page, margaret.nhs_number)
    for_no_one = search_answer(page, no_one)

    assert "No one found" in for_margaret[1]
    assert for_margaret == for_no_one

    margaret_record = record_answer(page, f"/people/{margaret.pk}/")
    no_record = record_answer(page, f"/people/{uuid.uuid4()}/")

    assert margaret_record[0] == 404
    assert "Page not found" in margaret_record[2]
    assert "Margaret" not in margaret_record[3]
    assert margaret_record == no_record
