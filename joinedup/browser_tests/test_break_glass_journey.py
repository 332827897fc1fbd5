"""Emergency access in a real browser: Colin Firth, a care worker at Oakfield House with no part
in Margaret Price's care, finds her by NHS number, gives a reason, confirms and enters a fresh
code from his authenticator app, and sees her record. Every emergency access page, an error
on the way included, must pass axe-core's WCAG 2.2 A and AA rules. A carers' support worker,
whose role cannot use emergency access, is told so plainly; and Helen Park, the community
trust's privacy officer, reviews the access from her queue."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from joinedup.accounts.tests.test_sign_in import fresh_code
from joinedup.browser_tests.accessibility import assert_accessible
from joinedup.browser_tests.signing_in import path_is, sign_in_through_pages
from joinedup.conftest import Region
from joinedup.sharing.tests.test_break_glass import break_glass

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIND = "/sharing/emergency-access/"
MINE = "/sharing/emergency-access/mine/"
REASON = "Found confused in the street outside Oakfield; the ambulance crew need her history"


def test_the_outsider_uses_emergency_access_to_see_margarets_record(
    page: Page, region: Region
) -> None:
    margaret = region.margaret
    sign_in_through_pages(page, region, "outsider")
    assert page.goto(f"/people/{margaret.pk}/").status == 404  # type: ignore[union-attr]

    page.goto(FIND)
    expect(page.get_by_role("heading", level=1)).to_have_text("Emergency access to a record")
    assert_accessible(page, "emergency access: find the person")
    page.get_by_label("NHS number", exact=True).fill("999 000 1111")
    page.get_by_role("button", name="Find the person").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check this is the right person")
    main = page.locator("main")
    expect(main).to_contain_text("Margaret Price")
    expect(main).to_contain_text("12 March 1944")
    expect(main).not_to_contain_text("Peggy")  # nothing beyond who she is, yet
    assert_accessible(page, "emergency access: check the person and give a reason")

    # Forgetting to confirm: the error is shown and what was typed is kept.
    page.get_by_label("The person cannot tell us about themselves").check()
    page.get_by_label("Explain in your own words").fill(REASON)
    page.get_by_role("button", name="Open the record").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirm that you need this record now")
    expect(page).to_have_title("Error: Confirm emergency access – joinedup")
    expect(page.get_by_label("Explain in your own words")).to_have_value(REASON)
    assert_accessible(page, "emergency access with an error")

    page.get_by_label(
        "I need this record now for this person's care, and I understand my access will be reviewed"
    ).check()
    page.get_by_label("Code from your authenticator app").fill(fresh_code(region.user("outsider")))
    page.get_by_role("button", name="Open the record").click()

    expect(page).to_have_url(path_is(f"/people/{margaret.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mrs Margaret Price")
    expect(page.locator("main")).to_contain_text(
        "You have emergency access to Margaret Price's record until"
    )
    assert_accessible(page, "Margaret's record under emergency access")

    page.goto(MINE)
    expect(page.get_by_role("heading", level=1)).to_have_text("My emergency access")
    assert_accessible(page, "my emergency access")
    page.get_by_role("button", name="End emergency access to Margaret Price's record").click()
    expect(page.locator("main")).to_contain_text("You have no emergency access in force.")
    assert page.goto(f"/people/{margaret.pk}/").status == 404  # type: ignore[union-attr]


def test_a_role_without_emergency_access_is_told_so(page: Page, region: Region) -> None:
    sign_in_through_pages(page, region, "voluntary")
    response = page.goto(FIND)
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot use emergency access")
    assert_accessible(page, "emergency access refused")


def test_helen_reviews_the_emergency_access_to_margarets_record(page: Page, region: Region) -> None:
    break_glass(region.actor("outsider"), region.margaret.pk, reason=REASON)
    sign_in_through_pages(page, region, "privacy_officer")

    page.goto("/sharing/privacy-alerts/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Emergency access to review")
    queue = page.get_by_role("table", name="Emergency access to review")
    expect(queue).to_contain_text("Colin Firth")
    assert_accessible(page, "privacy alerts to review")

    queue.get_by_role("link", name="Margaret Price").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Colin Firth opened Margaret Price's record"
    )
    expect(page.locator("main")).to_contain_text(REASON)
    assert_accessible(page, "one emergency access to review")

    page.get_by_label("Appropriate: the access was justified").check()
    page.get_by_label("What you found and any follow-up").fill(
        "Spoke to Colin and the ambulance crew: she needed care there and then."
    )
    page.get_by_role("button", name="Record review").click()
    expect(page.locator("main")).to_contain_text("There is no emergency access waiting for review.")

    page.get_by_role("link", name="Reviewed emergency access").click()
    expect(page.get_by_role("table", name="Reviewed emergency access")).to_contain_text(
        "Appropriate: the access was justified"
    )
    assert_accessible(page, "reviewed emergency access")
