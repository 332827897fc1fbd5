"""`joinedup create-api-token`: prints a working token once, and refuses what it should."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from joinedup.accounts.models import ApiToken
from joinedup.accounts.services import digest_token
from joinedup.api.tests.conftest import ApiClient
from joinedup.conftest import Region


def _run(**options: object) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_the_printed_token_works_and_only_its_digest_is_kept(
    region: Region, client: Client
) -> None:
    out, err = _run(username="nadia.okafor", name="district nursing app", days=7)
    token = out.strip()
    assert out.count("\n") == 1 and token.startswith("jdu_")
    assert "Community nurse" in err and "keep it secret" in err
    record = ApiToken.objects.get(digest=digest_token(token))
    assert record.name == "district nursing app"
    assert record.role_profile == region.role_profile("nurse")
    assert not ApiToken.objects.filter(digest=token).exists()
    response = ApiClient(client, token).get(f"/people/{region.margaret.pk}")
    assert response.status_code == 200
    assert response.json()["given_name"] == "Margaret"


def test_a_user_with_several_role_profiles_must_choose_one(region: Region) -> None:
    before = ApiToken.objects.count()
    err = io.StringIO()
    with pytest.raises(CommandError, match="choose one with --role"):
        call_command("create_api_token", username="sam.whitaker", stdout=io.StringIO(), stderr=err)
    for profile in region.user("social_worker").active_role_profiles():
        assert str(profile.pk) in err.getvalue()
    assert ApiToken.objects.count() == before


def test_the_chosen_role_profile_is_the_one_the_token_acts_in(region: Region) -> None:
    hospital = (
        region.user("social_worker").active_role_profiles().get(organisation__org_type="nhs_trust")
    )
    out, _ = _run(username="sam.whitaker", role=str(hospital.pk))
    assert ApiToken.objects.get(digest=digest_token(out.strip())).role_profile == hospital


def test_someone_elses_role_profile_is_refused(region: Region) -> None:
    with pytest.raises(CommandError, match="not one of"):
        _run(username="nadia.okafor", role=str(region.role_profile("gp").pk))


def test_an_inactive_user_gets_no_token(region: Region) -> None:
    user = region.user("nurse")
    user.is_active = False
    user.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="inactive"):
        _run(username="nadia.okafor")
    assert not ApiToken.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"username": "nobody"}, "no user called"),
        ({"username": "nadia.okafor", "days": 0}, "--days"),
        ({"username": "nadia.okafor", "days": 400}, "--days"),
    ],
)
def test_bad_arguments_are_refused(
    region: Region, options: dict[str, object], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        _run(**options)
