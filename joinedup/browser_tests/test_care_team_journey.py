"""The foundation's main journey in a real browser: a community nurse signs in with a password
and a code, finds Margaret Price by NHS number and reads a care team that spans organisations.
Every page on the way must pass axe-core's WCAG 2.2 A and AA rules, and the journey must work
with JavaScript turned off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from joinedup.browser_tests.accessibility import assert_accessible
from joinedup.browser_tests.conftest import NewPage
from joinedup.browser_tests.signing_in import (
    SIGN_IN,
    choose_role_if_asked,
    enter_code,
    enter_password,
    path_is,
    sign_in_through_pages,
)
from joinedup.conftest import Region
from joinedup.people.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JS_ENABLED = re.compile(r"\bjs-enabled\b")


def spaced(nhs_number: str) -> str:
    """943 476 5919: how people read NHS numbers out and type them."""
    return f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"


def open_search(page: Page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Find a person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a person")


def search_by_nhs_number(page: Page, nhs_number: str) -> None:
    page.get_by_label("NHS number", exact=True).fill(nhs_number)
    page.get_by_role("button", name="Search by NHS number").click()


def open_record_from_results(page: Page, person: Person) -> None:
    results = page.get_by_role("table", name="People found")
    expect(page.get_by_role("status")).to_have_text("1 person found.")
    results.get_by_role("link", name=person.full_name).click()
    expect(page).to_have_url(path_is(f"/people/{person.pk}/"))
    full_title = " ".join(part for part in (person.title, person.full_name) if part)
    expect(page.get_by_role("heading", level=1)).to_have_text(full_title)


def care_team_organisations(page: Page, person: Person) -> tuple[Locator, list[str]]:
    """The care team table and the organisation named on each of its rows."""
    team = page.get_by_role("table", name=f"{person.known_as}'s care team")
    expect(team).to_be_visible()
    return team, team.locator(".app-care-team-organisation").all_inner_texts()


def test_a_community_nurse_finds_margaret_and_sees_her_care_team_across_organisations(
    page: Page, region: Region
) -> None:
    margaret = region.margaret

    page.goto(SIGN_IN)
    assert_accessible(page, "sign-in page")
    enter_password(page, region, "nurse")
    assert_accessible(page, "code page")
    enter_code(page, region, "nurse")
    choose_role_if_asked(page, region, "nurse")

    expect(page.get_by_role("heading", level=1)).to_have_text("My people")
    expect(page.get_by_role("link", name=margaret.full_name)).to_be_visible()
    expect(page.locator("body")).to_have_class(JS_ENABLED)  # the CSP lets the page's script run
    assert_accessible(page, "home page (My people)")

    open_search(page)
    assert_accessible(page, "empty search page")

    search_by_nhs_number(page, "999 000 111")
    expect(page).to_have_title(re.compile(r"^Error: Find a person"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(
        summary.get_by_role("link", name="An NHS number must be 10 digits long.")
    ).to_be_visible()
    expect(page.get_by_label("NHS number", exact=True)).to_have_value("999 000 111")
    assert_accessible(page, "search page showing an error")

    search_by_nhs_number(page, spaced(margaret.nhs_number))
    expect(page.get_by_role("table", name="People found")).to_contain_text(
        spaced(margaret.nhs_number)
    )
    assert_accessible(page, "search page with results")

    open_record_from_results(page, margaret)
    team, organisations = care_team_organisations(page, margaret)
    assert len(set(organisations)) >= 3, organisations
    expect(team).to_contain_text("Nadia Okafor")
    members = team.locator("tbody tr").count()
    expect(page.get_by_text(re.compile(r"^\d+ members? from \d+ organisations?\.$"))).to_have_text(
        f"{members} members from {len(set(organisations))} organisations."
    )
    assert_accessible(page, "person summary page")


def test_the_sign_in_page_stays_accessible_when_it_shows_errors(page: Page) -> None:
    page.goto(SIGN_IN)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your username")
    assert_accessible(page, "sign-in page showing errors")


def test_signing_in_searching_and_reading_a_record_work_without_javascript(
    new_page: NewPage, region: Region
) -> None:
    page = new_page(javascript=False)
    margaret = region.margaret

    sign_in_through_pages(page, region, "nurse")
    expect(page.locator("body")).not_to_have_class(JS_ENABLED)
    open_search(page)
    search_by_nhs_number(page, margaret.nhs_number)
    open_record_from_results(page, margaret)

    _, organisations = care_team_organisations(page, margaret)
    assert len(set(organisations)) >= 3, organisations
