"""The cost of a referral does not grow with its history. Sam (social worker at the council)
puts Nadia's referral of Margaret on hold and starts it again many times; reading it, and
changing its state, take the same number of database queries after 12 steps as after 3, in
the API, on the referral's page and in FHIR (Task and the Provenance of its steps)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from joinedup.accounts.services import create_api_token
from joinedup.conftest import Region, SignIn
from joinedup.directory.models import Service
from joinedup.referrals.models import Referral, ReferralStatus
from joinedup.referrals.services import (
    ItemChoice,
    draft_referral,
    respond_to_referral,
    send_referral,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

S = ReferralStatus
ASSESSMENT = "Adult social care assessment"


def _accepted(region: Region) -> Referral:
    """Nadia refers Margaret to the council; Sam accepts: three steps of history."""
    draft = draft_referral(
        actor=region.actor("nurse"),
        person=region.margaret,
        service=Service.objects.get(name=ASSESSMENT),
        reason="Struggling with washing and dressing since her fall.",
        items=[ItemChoice("about_me"), ItemChoice("communication")],
    )
    sent = send_referral(actor=region.actor("nurse"), referral=draft)
    return respond_to_referral(
        actor=region.actor("social_worker"), referral=sent, status=S.ACCEPTED
    )


def _with_steps(region: Region, steps: int) -> Referral:
    """A referral with `steps` steps of history, the later ones by Sam, alternately in progress
    and on hold (each hold with its reason), ending in progress."""
    referral = _accepted(region)
    for number in range(steps - 3):
        on_hold = number % 2 == 1
        referral = respond_to_referral(
            actor=region.actor("social_worker"),
            referral=referral,
            status=S.ON_HOLD if on_hold else S.IN_PROGRESS,
            reason="Margaret is in hospital for a few days." if on_hold else "",
        )
    assert referral.changes.count() == steps
    return referral


Ask = Callable[[Referral, int], "TestResponse"]


def _queries(ask: Ask, referral: Referral, steps: int) -> tuple[int, TestResponse]:
    """How many queries answering one request takes; the request must succeed."""
    with CaptureQueriesContext(connection) as captured:
        response = ask(referral, steps)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), response


def _bearer(region: Region, key: str) -> dict[str, str]:
    token = create_api_token(
        user=region.user(key), role_profile=region.role_profile(key), name=f"tests: {key}"
    ).token
    return {"Authorization": f"Bearer {token}"}


def _same_for_short_and_long(
    region: Region, ask: Ask, *, short: int = 3, long: int = 12
) -> list[TestResponse]:
    """`ask` costs the same for a referral with a short history as for one with a long one
    (after a first request, which may fill caches); the answers, short then long, come back
    for checking."""
    _queries(ask, _with_steps(region, short), short)
    cheap, few = _queries(ask, _with_steps(region, short), short)
    dear, many = _queries(ask, _with_steps(region, long), long)
    assert dear == cheap, (
        f"{dear} queries for a referral with {long} steps of history, {cheap} for one with "
        f"{short}: the history is fetched one step at a time."
    )
    return [few, many]


@pytest.mark.django_db
def test_reading_a_referral_in_the_api_costs_the_same_whatever_its_history(
    client: Client, region: Region
) -> None:
    headers = _bearer(region, "social_worker")

    def read(referral: Referral, steps: int) -> TestResponse:
        return client.get(f"/api/v1/referrals/{referral.pk}", headers=headers)

    few, many = _same_for_short_and_long(region, read)
    assert len(few.json()["history"]) == 3
    assert len(many.json()["history"]) == 12
    assert many.json()["history"][-1]["by"] == region.user("social_worker").get_full_name()


@pytest.mark.django_db
def test_changing_a_referrals_state_in_the_api_costs_the_same_whatever_its_history(
    client: Client, region: Region
) -> None:
    headers = _bearer(region, "social_worker")

    def put_on_hold(referral: Referral, steps: int) -> TestResponse:
        return client.post(
            f"/api/v1/referrals/{referral.pk}/status",
            {"status": "on_hold", "reason": "Waiting for her equipment to arrive."},
            content_type="application/json",
            headers={**headers, "If-Match": f'"{referral.pk}-{referral.version}"'},
        )

    for answer, steps in zip(_same_for_short_and_long(region, put_on_hold), (3, 12), strict=True):
        history = answer.json()["history"]
        assert len(history) == steps + 1
        assert history[-1]["status"]["code"] == "on_hold"
        assert history[-1]["reason"] == "Waiting for her equipment to arrive."
        assert history[-1]["by"] == region.user("social_worker").get_full_name()
        assert history[-1]["organisation"]["id"] == str(
            region.role_profile("social_worker").organisation_id
        )


@pytest.mark.django_db
def test_the_referral_page_costs_the_same_whatever_its_history(
    sign_in: SignIn, region: Region
) -> None:
    client = sign_in("social_worker")

    def page(referral: Referral, steps: int) -> TestResponse:
        return client.get(reverse("referrals:referral", kwargs={"referral_id": referral.pk}))

    _few, many = _same_for_short_and_long(region, page)
    assert many.content.decode().count("Margaret is in hospital for a few days.") == 4


@pytest.mark.django_db
def test_the_fhir_task_and_its_provenance_cost_the_same_whatever_its_history(
    client: Client, region: Region
) -> None:
    headers = _bearer(region, "social_worker")

    def task(referral: Referral, steps: int) -> TestResponse:
        return client.get(f"/fhir/R4/Task/{referral.pk}", headers=headers)

    def provenance(referral: Referral, steps: int) -> TestResponse:
        return client.get("/fhir/R4/Provenance", {"target": f"Task/{referral.pk}"}, headers=headers)

    for answer in _same_for_short_and_long(region, task, short=4):
        assert answer.json()["status"] == "in-progress"
    few, many = _same_for_short_and_long(region, provenance)
    assert len(few.json()["entry"]) == 3
    assert len(many.json()["entry"]) == 12
