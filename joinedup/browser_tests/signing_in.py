"""Signing in through the real pages, as a person at a browser would: username and password,
then a code from their authenticator app, then (with two roles) the role to work in."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import Page, expect

from joinedup.accounts.models import User
from joinedup.accounts.services import TOTP_STEP_SECONDS
from joinedup.conftest import Region

SIGN_IN = "/sign-in/"
CODE = "/sign-in/code/"
CHOOSE_ROLE = "/role/"
HOME = "/"


def path_is(path: str) -> re.Pattern[str]:
    """Match a page's URL by its path, ignoring the live server's address and any query."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def fresh_code(user: User) -> str:
    """What the authenticator app shows now, or the next step's code if this step's was used
    already: the server refuses a replayed step."""
    user.refresh_from_db()
    totp = pyotp.TOTP(user.totp_secret)
    for offset in (0, TOTP_STEP_SECONDS):
        at = int(time.time()) + offset
        if at // TOTP_STEP_SECONDS > user.totp_last_step:
            return totp.at(at)
    raise AssertionError("No unused code in the next 30 seconds")


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
