"""Signing in with a password: the first of two steps, with lockout and one answer for all
refusals. The helpers at the top are shared by the other sign-in and page tests."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pyotp
import pytest
from django.conf import settings
from django.test import Client

from joinedup.accounts.models import User
from joinedup.accounts.services import SIGN_IN_REFUSED, TOTP_STEP_SECONDS
from joinedup.conftest import Region

if TYPE_CHECKING:
    # The stubs' name for what the test client returns: a response with .content and more.
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

SIGN_IN = "/sign-in/"
SECOND_FACTOR = "/sign-in/code/"
SET_UP = "/sign-in/set-up-authenticator/"
HOME = "/"


def fresh_code(user: User) -> str:
    """A code the service has not seen yet: this step's, or the next one's if this step's
    was used already in the same test."""
    user.refresh_from_db()
    totp = pyotp.TOTP(user.totp_secret)
    for offset in (0, TOTP_STEP_SECONDS):
        at = int(time.time()) + offset
        if at // TOTP_STEP_SECONDS > user.totp_last_step:
            return totp.at(at)
    raise AssertionError("No unused code in the next 30 seconds")


def enter_password(client: Client, region: Region, key: str, *, next_url: str = "") -> TestResponse:
    url = f"{SIGN_IN}?next={next_url}" if next_url else SIGN_IN
    username = region.user(key).username
    return client.post(url, {"username": username, "password": region.password(key)})


def sign_in_fully(client: Client, region: Region, key: str) -> TestResponse:
    """Password, then a fresh code: the session is fully signed in afterwards."""
    assert enter_password(client, region, key)["Location"].startswith(SECOND_FACTOR)
    response = client.post(SECOND_FACTOR, {"code": fresh_code(region.user(key))})
    assert response.status_code == 302, response.content.decode()
    return response


def without_csrf_token(body: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body.decode())


def body_text(response: TestResponse) -> str:
    return response.content.decode()


# -- the page -----------------------------------------------------------------------------------


def test_the_sign_in_page_asks_for_a_username_and_password(client: Client, db: None) -> None:
    page = body_text(client.get(SIGN_IN))

    assert "Sign in to joinedup" in page
    assert 'name="username"' in page and 'autocomplete="username"' in page
    assert 'type="password"' in page and 'autocomplete="current-password"' in page
    assert "There is a problem" not in page
    assert "<title>Sign in – joinedup</title>" in page


def test_signing_in_with_a_password_then_a_code_reaches_my_people(
    client: Client, region: Region
) -> None:
    response = enter_password(client, region, "nurse")
    assert response["Location"] == SECOND_FACTOR

    code_page = body_text(client.get(SECOND_FACTOR))
    assert "Enter the code from your authenticator app" in code_page

    response = client.post(SECOND_FACTOR, {"code": fresh_code(region.user("nurse"))})
    assert response["Location"] == HOME
    home = body_text(client.get(HOME))
    assert "My people" in home
    assert "Margaret Price" in home and "Peggy" in home
    assert "Community nurse" in home  # the acting role in the header


def test_a_password_only_session_reaches_no_staff_page(client: Client, region: Region) -> None:
    enter_password(client, region, "nurse")

    for path in (HOME, f"/people/{region.margaret.pk}/", "/people/search/", "/admin/", "/role/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(SIGN_IN), path
    assert "Margaret" not in body_text(client.get(HOME, follow=True))


def test_signing_in_goes_on_to_the_page_asked_for(client: Client, region: Region) -> None:
    response = enter_password(client, region, "nurse", next_url="/directory/")
    assert response["Location"] == f"{SECOND_FACTOR}?next=%2Fdirectory%2F"

    response = client.post(response["Location"], {"code": fresh_code(region.user("nurse"))})

    assert response["Location"] == "/directory/"


def test_signing_in_never_sends_people_to_another_site(client: Client, region: Region) -> None:
    response = enter_password(client, region, "nurse", next_url="https://evil.example/")
    assert response["Location"] == SECOND_FACTOR

    response = client.post(
        f"{SECOND_FACTOR}?next=//evil.example/", {"code": fresh_code(region.user("nurse"))}
    )

    assert response["Location"] == HOME


def test_the_sign_in_page_sends_a_signed_in_user_home(client: Client, region: Region) -> None:
    sign_in_fully(client, region, "nurse")

    assert client.get(SIGN_IN)["Location"] == HOME


def test_signing_in_gives_the_session_a_new_key(client: Client, region: Region) -> None:
    client.get(SIGN_IN)
    client.session.save()
    before = client.session.session_key

    enter_password(client, region, "nurse")
    after_password = client.session.session_key
    client.post(SECOND_FACTOR, {"code": fresh_code(region.user("nurse"))})

    assert len({before, after_password, client.session.session_key}) == 3


# -- refusals ---------------------------------------------------------------------------------


def test_a_wrong_password_is_refused_with_a_summary_and_keeps_the_username(
    client: Client, region: Region
) -> None:
    username = region.user("nurse").username

    response = client.post(SIGN_IN, {"username": username, "password": "not-her-password-123"})

    page = body_text(response)
    assert response.status_code == 200
    assert "<title>Error: Sign in – joinedup</title>" in page
    assert "There is a problem" in page
    assert page.count(SIGN_IN_REFUSED) == 2  # in the summary and next to the field
    assert 'href="#id_username"' in page
    assert f'value="{username}"' in page
    assert "not-her-password-123" not in page
    assert "_auth_user_id" not in client.session


def test_empty_fields_are_named_in_the_error_summary(client: Client, db: None) -> None:
    page = body_text(client.post(SIGN_IN, {"username": "", "password": ""}))

    assert page.count("Enter your username") == 2
    assert page.count("Enter your password") == 2
    assert 'href="#id_username"' in page and 'href="#id_password"' in page
    assert 'id="id_username-error"' in page


def test_a_typed_username_survives_a_missing_password(client: Client, db: None) -> None:
    page = body_text(client.post(SIGN_IN, {"username": "someone.typed", "password": ""}))

    assert 'value="someone.typed"' in page
    assert "Enter your password" in page


def _refusal(client: Client, username: str, password: str) -> str:
    response = client.post(SIGN_IN, {"username": username, "password": password})
    assert response.status_code == 200
    return without_csrf_token(response.content).replace(username, "USERNAME")


def test_known_and_unknown_usernames_get_the_same_answer(client: Client, region: Region) -> None:
    known = _refusal(client, region.user("nurse").username, "wrong-password-1")
    unknown = _refusal(client, "no.such.person", "wrong-password-1")

    assert known == unknown


def test_lockout_after_repeated_failures_gives_the_same_answer_as_for_an_unknown_user(
    client: Client, region: Region
) -> None:
    username = region.user("nurse").username
    for attempt in range(settings.JOINEDUP_SIGN_IN_MAX_FAILURES):
        _refusal(client, username, f"wrong-password-{attempt}")
        _refusal(client, "no.such.person", f"wrong-password-{attempt}")

    locked_out_with_right_password = _refusal(client, username, region.password("nurse"))
    unknown = _refusal(client, "no.such.person", region.password("nurse"))

    assert SIGN_IN_REFUSED in locked_out_with_right_password
    assert locked_out_with_right_password == unknown
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_do_not_lock_the_account(client: Client, region: Region) -> None:
    username = region.user("nurse").username
    for attempt in range(settings.JOINEDUP_SIGN_IN_MAX_FAILURES - 1):
        _refusal(client, username, f"wrong-password-{attempt}")

    assert enter_password(client, region, "nurse")["Location"] == SECOND_FACTOR


def test_a_deactivated_account_cannot_sign_in(client: Client, region: Region) -> None:
    User.objects.filter(pk=region.user("nurse").pk).update(is_active=False)

    page = _refusal(client, region.user("nurse").username, region.password("nurse"))

    assert SIGN_IN_REFUSED in page


@pytest.mark.parametrize("method", ["put", "delete"])
def test_sign_in_answers_only_get_and_post(client: Client, db: None, method: str) -> None:
    assert getattr(client, method)(SIGN_IN).status_code == 405
