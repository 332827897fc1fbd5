"""Signing in through the real pages, as a person at a browser would: username and password,
then a code from their authenticator app, then (with two roles) the role to work in."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from joinedup.accounts.tests.test_sign_in import fresh_code
from joinedup.conftest import Region

SIGN_IN = "/sign-in/"
CODE = "/sign-in/code/"
CHOOSE_ROLE = "/role/"
HOME = "/"


def path_is(path: str) -> re.Pattern[str]:
    """Match a page's URL by its path, ignoring the live server's address and any query."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def enter_password(page: Page, region: Region, key: str) -> None:
    """From the sign-in page to the code page."""
    page.goto(SIGN_IN)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to joinedup")
    page.get_by_label("Username").fill(region.user(key).username)
    page.get_by_label("Password", exact=True).fill(region.password(key))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(path_is(CODE))


def enter_code(page: Page, region: Region, key: str) -> None:
    """From the code page to the first signed-in page (home, or choose a role)."""
    page.get_by_label("Enter the code from your authenticator app").fill(
        fresh_code(region.user(key))
    )
    page.get_by_role("button", name="Continue").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in/"))


def choose_role_if_asked(page: Page, region: Region, key: str) -> None:
    """People with more than one current role pick one before they see anyone's record."""
    if not path_is(CHOOSE_ROLE).match(page.url):
        return
    page.get_by_label(str(region.role_profile(key)), exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page).not_to_have_url(path_is(CHOOSE_ROLE))


def sign_in_through_pages(page: Page, region: Region, key: str) -> None:
    """Password, code and role: afterwards the page is the persona's home, My people."""
    enter_password(page, region, key)
    enter_code(page, region, key)
    choose_role_if_asked(page, region, key)
    expect(page).to_have_url(path_is(HOME))
    expect(page.get_by_role("heading", level=1)).to_have_text("My people")
