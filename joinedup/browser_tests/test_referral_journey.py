"""A referral in a real browser: Nadia (community nurse) finds the council's adult social care
assessment service for Margaret, chooses her About Me and the leg ulcer entry, checks and sends
the referral; Sam (social worker at the council) opens it and accepts it. The refer, check and
referral pages must pass axe-core's WCAG 2.2 A and AA rules."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from joinedup.browser_tests.accessibility import assert_accessible
from joinedup.browser_tests.conftest import NewPage
from joinedup.browser_tests.signing_in import sign_in_through_pages
from joinedup.conftest import Region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ASSESSMENT = "Adult social care assessment"
LEG_ULCER = "Venous leg ulcer, left leg"


def refer(page: Page, region: Region) -> None:
    margaret = region.margaret
    page.goto(f"/referrals/new/{margaret.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Find a service to refer {margaret.known_as} to"
    )
    page.get_by_label("What do they need help with?").fill("social care")
    page.get_by_role("button", name="Search services").click()
    expect(page.get_by_role("heading", name=ASSESSMENT)).to_be_visible()
    assert_accessible(page, "refer page (finding a service)")

    page.get_by_role("link", name=f"Refer to {ASSESSMENT}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Refer {margaret.known_as} to {ASSESSMENT}"
    )
    assert_accessible(page, "refer page (the referral form)")
    page.get_by_label("Why are you referring them?").fill(
        "Struggling with washing and dressing since her fall."
    )
    page.get_by_label("Routine").check()
    page.get_by_label("About Me").check()
    page.get_by_label(LEG_ULCER, exact=False).check()
    page.get_by_role("button", name="Save and check").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check and send the referral")
    items = page.locator(".app-referral-items > li h3")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_have_text("About Me")
    expect(items.nth(1)).to_contain_text(LEG_ULCER)
    assert_accessible(page, "check and send page")
    page.get_by_role("button", name="Send referral").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Referral of {margaret.full_name}")
    expect(page.get_by_text("Waiting for a response").first).to_be_visible()
    assert_accessible(page, "referral page (the referrer's side)")


def test_the_nurse_refers_margaret_and_the_social_worker_accepts(
    new_page: NewPage, region: Region
) -> None:
    nurse = new_page()
    sign_in_through_pages(nurse, region, "nurse")
    refer(nurse, region)

    sam = new_page()
    sign_in_through_pages(sam, region, "social_worker")
    sam.goto("/referrals/")
    sam.get_by_role("table", name="Referrals to your organisation").get_by_role(
        "link", name=region.margaret.full_name
    ).click()
    expect(sam.get_by_role("heading", level=3, name=LEG_ULCER)).to_be_visible()
    expect(sam.get_by_role("button", name="Cancel this referral")).to_have_count(0)
    assert_accessible(sam, "referral page (the receiving side)")

    sam.get_by_role("button", name="Accept", exact=True).click()
    expect(sam.get_by_role("heading", level=1)).to_have_text("Accept this referral")
    assert_accessible(sam, "accept page")
    sam.get_by_role("button", name="Accept", exact=True).click()
    expect(sam.get_by_text("Referral accepted.")).to_be_visible()
    expect(sam.locator("main")).to_contain_text("Accepted")
    assert_accessible(sam, "referral page after accepting")
