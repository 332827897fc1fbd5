"""Bearer tokens: no token, a wrong, revoked or expired one, or an inactive user → 401."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from joinedup.accounts.models import ApiToken
from joinedup.accounts.services import create_api_token, digest_token
from joinedup.api.tests.conftest import API, ApiClient
from joinedup.conftest import Region

ApiAs = Callable[[str], ApiClient]


def _record(token: str) -> ApiToken:
    return ApiToken.objects.get(digest=digest_token(token))


def test_without_a_token_the_answer_is_a_401_problem_asking_for_one(
    region: Region, client: Client
) -> None:
    response = client.get(f"{API}/people/{region.margaret.pk}")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="joinedup"'
    body = json.loads(response.content)
    assert body["status"] == 401
    assert "Authorization header" in body["detail"]
    assert "Margaret" not in response.content.decode()


def test_a_wrong_token_is_refused_as_invalid(region: Region, client: Client) -> None:
    response = client.get(f"{API}/me", headers={"Authorization": "Bearer jdu_not-a-real-token"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="joinedup", error="invalid_token"'


@pytest.mark.parametrize("change", ["revoked", "expired", "user_inactive"])
def test_revoked_expired_or_inactive_tokens_are_refused(
    region: Region, client: Client, token_for: Callable[[str], str], change: str
) -> None:
    token = token_for("nurse")
    api = ApiClient(client, token)
    assert api.get("/me").status_code == 200
    record = _record(token)
    now = timezone.now()
    if change == "revoked":
        ApiToken.objects.filter(pk=record.pk).update(revoked_at=now)
    elif change == "expired":
        ApiToken.objects.filter(pk=record.pk).update(expires_at=now - timedelta(seconds=1))
    else:
        assert record.user is not None
        record.user.is_active = False
        record.user.save(update_fields=["is_active"])
    response = api.get(f"/people/{region.margaret.pk}")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_token_acts_in_its_own_role_profile(region: Region, client: Client) -> None:
    """The social worker's hospital role profile is not in Margaret's care team: a token for
    it sees what that role may see, not what the same person may see in their council role."""
    user = region.user("social_worker")
    hospital = user.active_role_profiles().get(organisation__org_type="nhs_trust")
    council = region.role_profile("social_worker")
    as_hospital = ApiClient(
        client, create_api_token(user=user, role_profile=hospital, name="h").token
    )
    as_council = ApiClient(
        client, create_api_token(user=user, role_profile=council, name="c").token
    )
    assert as_hospital.get("/me").json()["role_profile"]["id"] == str(hospital.pk)
    assert as_hospital.get(f"/people/{region.margaret.pk}").status_code == 404
    assert as_council.get(f"/people/{region.margaret.pk}").status_code == 200


def test_me_says_who_the_token_acts_as(region: Region, api_as: ApiAs) -> None:
    response = api_as("nurse").get("/me")
    assert response.status_code == 200
    me = response.json()
    assert me["user"]["username"] == "nadia.okafor"
    assert me["role_profile"]["job_role"] == {
        "code": "community_nurse",
        "label": "Community nurse",
    }
    assert me["role_profile"]["organisation"]["ods_code"] == "RXD"
    assert me["role_profile"]["team"]["name"] == "District nursing: north neighbourhood"
    assert me["token"]["name"] == "tests: nurse"
    assert me["token"]["expires_at"] is not None


def test_last_used_is_recorded_at_most_once_a_minute(
    region: Region, client: Client, token_for: Callable[[str], str]
) -> None:
    token = token_for("nurse")
    api = ApiClient(client, token)
    assert _record(token).last_used_at is None
    api.get("/me")
    first = _record(token).last_used_at
    assert first is not None
    api.get("/me")
    assert _record(token).last_used_at == first
    ApiToken.objects.filter(digest=digest_token(token)).update(
        last_used_at=first - timedelta(minutes=2)
    )
    api.get("/me")
    later = _record(token).last_used_at
    assert later is not None and later >= first
