"""The second factor: a TOTP code that staff cannot skip, cannot replay and cannot guess."""

from __future__ import annotations

import re
import time

import pyotp
from django.conf import settings
from django.test import Client

from joinedup.accounts.models import User
from joinedup.accounts.services import SIGN_IN_REFUSED, TOTP_STEP_SECONDS
from joinedup.accounts.tests.test_sign_in import (
    HOME,
    SECOND_FACTOR,
    SET_UP,
    SIGN_IN,
    body_text,
    enter_password,
    fresh_code,
    sign_in_fully,
)
from joinedup.conftest import Region


def a_wrong_code(user: User) -> str:
    """Six digits that are not the code for this step or either neighbour."""
    totp = pyotp.TOTP(user.totp_secret)
    now = int(time.time())
    valid = {totp.at(now + offset * TOTP_STEP_SECONDS) for offset in (-1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def test_the_code_pages_need_a_password_first(client: Client, db: None) -> None:
    for path in (SECOND_FACTOR, SET_UP):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == SIGN_IN


def test_a_right_code_finishes_signing_in(client: Client, region: Region) -> None:
    enter_password(client, region, "nurse")

    response = client.post(SECOND_FACTOR, {"code": fresh_code(region.user("nurse"))})

    assert response["Location"] == HOME
    assert client.get(HOME).status_code == 200


def test_a_code_typed_with_a_space_is_accepted(client: Client, region: Region) -> None:
    enter_password(client, region, "nurse")
    code = fresh_code(region.user("nurse"))

    response = client.post(SECOND_FACTOR, {"code": f"{code[:3]} {code[3:]}"})

    assert response["Location"] == HOME


def test_a_code_cannot_be_used_twice(client: Client, region: Region) -> None:
    enter_password(client, region, "nurse")
    code = fresh_code(region.user("nurse"))
    assert client.post(SECOND_FACTOR, {"code": code})["Location"] == HOME

    # Someone who saw both the password and the code tries them in another browser.
    other = Client()
    enter_password(other, region, "nurse")
    response = other.post(SECOND_FACTOR, {"code": code})

    assert response.status_code == 200
    assert "Each code works once" in body_text(response)
    assert other.get(HOME)["Location"].startswith(SIGN_IN)


def test_wrong_codes_are_refused_with_an_error_summary(client: Client, region: Region) -> None:
    enter_password(client, region, "nurse")

    response = client.post(SECOND_FACTOR, {"code": a_wrong_code(region.user("nurse"))})

    page = body_text(response)
    assert "There is a problem" in page
    assert 'href="#id_code"' in page
    assert "Enter the latest 6-digit code from your authenticator app" in page
    assert client.get(HOME)["Location"].startswith(SIGN_IN)


def test_wrong_codes_count_towards_the_lockout(client: Client, region: Region) -> None:
    nurse = region.user("nurse")
    enter_password(client, region, "nurse")
    for _ in range(settings.JOINEDUP_SIGN_IN_MAX_FAILURES):
        client.post(SECOND_FACTOR, {"code": a_wrong_code(nurse)})

    right_code_now = client.post(SECOND_FACTOR, {"code": fresh_code(nurse)})
    password_again = Client().post(
        SIGN_IN, {"username": nurse.username, "password": region.password("nurse")}
    )

    assert right_code_now.status_code == 200  # refused: the account is locked
    assert client.get(HOME)["Location"].startswith(SIGN_IN)
    assert SIGN_IN_REFUSED in body_text(password_again)


def test_the_code_must_be_six_numbers(client: Client, region: Region) -> None:
    enter_password(client, region, "nurse")
    answers = {
        "": "Enter the 6-digit code from your authenticator app",
        "12a456": "The code must only include numbers",
        "12345": "The code must be 6 numbers",
    }
    for typed, message in answers.items():
        page = body_text(client.post(SECOND_FACTOR, {"code": typed}))
        assert page.count(message) == 2, typed  # summary and field
        assert f'value="{typed}"' in page


def test_someone_without_an_authenticator_sets_one_up(client: Client, region: Region) -> None:
    User.objects.filter(pk=region.user("nurse").pk).update(totp_secret="", totp_confirmed_at=None)

    response = enter_password(client, region, "nurse")
    assert response["Location"] == SET_UP
    assert client.get(SECOND_FACTOR)["Location"] == SET_UP

    page = body_text(client.get(SET_UP))
    secret = User.objects.get(pk=region.user("nurse").pk).totp_secret
    assert "Set up your authenticator app" in page
    assert "<svg" in page and "QR code for your authenticator app" in page
    assert " ".join(re.findall(".{1,4}", secret)) in page
    assert secret in body_text(client.get(SET_UP)).replace(" ", "")  # the same secret again

    response = client.post(SET_UP, {"code": pyotp.TOTP(secret).now()})

    assert response["Location"] == HOME
    assert User.objects.get(pk=region.user("nurse").pk).has_second_factor
    assert "Your authenticator app is set up" in body_text(client.get(HOME))


def test_a_wrong_first_code_does_not_confirm_the_authenticator(
    client: Client, region: Region
) -> None:
    User.objects.filter(pk=region.user("nurse").pk).update(totp_secret="", totp_confirmed_at=None)
    enter_password(client, region, "nurse")
    client.get(SET_UP)

    response = client.post(
        SET_UP, {"code": a_wrong_code(User.objects.get(username="nadia.okafor"))}
    )

    assert "There is a problem" in body_text(response)
    assert not User.objects.get(pk=region.user("nurse").pk).has_second_factor
    assert client.get(HOME)["Location"].startswith(SIGN_IN)


def test_someone_with_an_authenticator_cannot_replace_it_with_only_a_password(
    client: Client, region: Region
) -> None:
    secret = region.user("nurse").totp_secret
    enter_password(client, region, "nurse")

    response = client.get(SET_UP)

    assert response["Location"] == SECOND_FACTOR
    assert User.objects.get(pk=region.user("nurse").pk).totp_secret == secret


def test_a_fully_signed_in_user_skips_the_code_page(client: Client, region: Region) -> None:
    sign_in_fully(client, region, "nurse")

    assert client.get(SECOND_FACTOR)["Location"] == HOME
