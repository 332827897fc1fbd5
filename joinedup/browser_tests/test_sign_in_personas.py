"""Every demo persona can sign in through the real pages with their password and a code from
their authenticator app, lands on a signed-in page, and can find the way to sign out."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from joinedup.browser_tests.signing_in import (
    CHOOSE_ROLE,
    HOME,
    choose_role_if_asked,
    enter_code,
    enter_password,
    path_is,
)
from joinedup.conftest import Region
from joinedup.demo.personas import PERSONAS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("key", [persona.key for persona in PERSONAS])
def test_each_demo_persona_signs_in_with_a_password_and_a_code(
    page: Page, region: Region, key: str
) -> None:
    roles = region.user(key).active_role_profiles().count()
    sign_out = page.get_by_role("banner").get_by_role("link", name="Sign out")

    enter_password(page, region, key)
    enter_code(page, region, key)

    heading = page.get_by_role("heading", level=1)
    if roles > 1:
        expect(page).to_have_url(path_is(CHOOSE_ROLE))
        expect(heading).to_have_text("Which role are you working in?")
        expect(page.get_by_role("radio")).to_have_count(roles)
    else:
        expect(page).to_have_url(path_is(HOME))
        expect(heading).to_have_text("My people")
    expect(sign_out).to_be_visible()

    choose_role_if_asked(page, region, key)
    expect(page).to_have_url(path_is(HOME))
    expect(heading).to_have_text("My people")
    # The header says who they are working as, and offers the way out.
    expect(page.get_by_role("banner")).to_contain_text(str(region.role_profile(key)))
    expect(sign_out).to_be_visible()
