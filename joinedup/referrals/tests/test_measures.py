"""Referral measures worked by hand. A new council ("Hollins Vale Council") with three services
receives referrals from Nadia Okafor (community nurse) about Margaret Price, all sent at 09:00
on 2 March 2026 and answered at known times (set through the ORM):

    Reablement:  answered after 2 h (accepted, completed after 50 h), 4 h (accepted, completed
                 after 10 h), 6 h and 8 h (both not accepted: no capacity); one still waiting
                 past its deadline; one draft, never sent.
    Equipment:   answered after 20 h (not accepted: outside the area).
    Day centre:  nothing.

Reablement: respond 2, 4, 6, 8 h → median 5 h; 90th percentile at rank 0.9 * 3 = 2.7, so
6 + 0.7 * (8 − 6) = 7.4 h. Complete 10, 50 h → median 30 h; p90 10 + 0.9 * 40 = 46 h.
The council: respond 2, 4, 6, 8, 20 h → median 6 h; p90 at rank 3.6: 8 + 0.6 * 12 = 15.2 h."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.accounts.services import create_api_token
from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import main_text
from joinedup.directory.models import Organisation, OrganisationType, Service
from joinedup.referrals.measures import percentile, referral_measures_for
from joinedup.referrals.models import Referral, ReferralStatus, ReferralStatusChange
from joinedup.referrals.services import draft_referral, send_referral

S = ReferralStatus
SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def _hours(hours: float) -> timedelta:
    return timedelta(hours=hours)


@pytest.fixture
def council(region: Region) -> Organisation:
    council = Organisation.objects.create(
        name="Hollins Vale Council", org_type=OrganisationType.LOCAL_AUTHORITY, ods_code="HV001"
    )
    reablement, equipment, _ = (
        Service.objects.create(organisation=council, name=name, description=name)
        for name in ("Reablement", "Equipment", "Day centre")
    )
    for answer in (
        [(S.ACCEPTED, 2, ""), (S.COMPLETED, 50, "")],
        [(S.ACCEPTED, 4, ""), (S.COMPLETED, 10, "")],
        [(S.REJECTED, 6, "no_capacity")],
        [(S.REJECTED, 8, "no_capacity")],
        [],  # waiting, past its deadline
    ):
        _referral(region, reablement, answer)
    _referral(region, equipment, [(S.REJECTED, 20, "outside_area")])
    draft_referral(
        actor=region.actor("nurse"), person=region.margaret, service=reablement, reason="Draft"
    )
    return council


def _referral(region: Region, service: Service, steps: Sequence[tuple[str, float, str]]) -> None:
    nurse = region.actor("nurse")
    referral = send_referral(
        actor=nurse,
        referral=draft_referral(
            actor=nurse, person=region.margaret, service=service, reason="Needs help at home."
        ),
    )
    answered = {status: SENT + _hours(hours) for status, hours, _ in steps}
    for status, hours, code in steps:
        ReferralStatusChange.objects.create(
            referral=referral, status=status, reason_code=code, at=SENT + _hours(hours)
        )
    Referral.objects.filter(pk=referral.pk).update(
        status=steps[-1][0] if steps else S.REQUESTED,
        requested_at=SENT,
        respond_by=SENT + timedelta(days=5),
        responded_at=answered.get(S.ACCEPTED) or answered.get(S.REJECTED),
    )


def test_percentiles_interpolate_between_the_nearest_ranks() -> None:
    durations = [_hours(h) for h in (2, 4, 6, 8, 20)]
    assert percentile(durations, 0.5) == _hours(6)
    assert percentile(durations, 0.9) == _hours(15.2)
    assert percentile([_hours(3)], 0.9) == _hours(3)
    assert percentile([], 0.5) is None


def test_measures_per_service_worked_by_hand(council: Organisation) -> None:
    found = referral_measures_for(council, now=NOW)
    services = {item.service.name: item.measures for item in found.services}
    assert list(services) == ["Day centre", "Equipment", "Reablement"]

    reablement = services["Reablement"]
    assert (reablement.received, reablement.accepted, reablement.rejected) == (5, 2, 2)
    assert reablement.rejected_by_reason == {"no_capacity": 2}
    assert reablement.overdue_now == 1
    assert reablement.to_respond.count == 4
    assert (reablement.to_respond.median, reablement.to_respond.p90) == (_hours(5), _hours(7.4))
    assert reablement.to_complete.count == 2
    assert (reablement.to_complete.median, reablement.to_complete.p90) == (_hours(30), _hours(46))

    equipment = services["Equipment"]
    assert (equipment.received, equipment.rejected, equipment.overdue_now) == (1, 1, 0)
    assert equipment.rejected_by_reason == {"outside_area": 1}

    nothing = services["Day centre"]
    assert (nothing.received, nothing.accepted, nothing.to_respond.median) == (0, 0, None)


def test_measures_for_the_whole_organisation(council: Organisation) -> None:
    whole = referral_measures_for(council, now=NOW).measures
    assert (whole.received, whole.accepted, whole.rejected, whole.overdue_now) == (6, 2, 3, 1)
    assert whole.rejected_by_reason == {"no_capacity": 2, "outside_area": 1}
    assert (whole.to_respond.median, whole.to_respond.p90) == (_hours(6), _hours(15.2))
    assert (whole.to_complete.median, whole.to_complete.p90) == (_hours(30), _hours(46))


def test_the_api_gives_the_measures_by_ods_code(
    client: Client, region: Region, council: Organisation
) -> None:
    token = create_api_token(
        user=region.user("nurse"), role_profile=region.role_profile("nurse"), name="measures"
    ).token
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.get("/api/v1/referrals/measures", {"organisation": "hv001"}, headers=headers)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["organisation"]["name"] == "Hollins Vale Council"
    assert body["measures"]["time_to_respond"] == {
        "count": 5,
        "median_hours": 6.0,
        "p90_hours": 15.2,
    }
    # In the order of the reasons' list, each in words.
    assert body["measures"]["rejected_by_reason"] == [
        {
            "reason": {
                "code": "outside_area",
                "label": "The person lives outside the area we serve",
            },
            "count": 1,
        },
        {
            "reason": {"code": "no_capacity", "label": "We have no capacity at the moment"},
            "count": 2,
        },
    ]
    by_id = client.get(
        "/api/v1/referrals/measures", {"organisation": str(council.pk)}, headers=headers
    )
    assert by_id.json()["measures"] == body["measures"]
    missing = client.get("/api/v1/referrals/measures", {"organisation": "NOPE1"}, headers=headers)
    assert missing.status_code == 404
    # Without an organisation: the token's own (the nurse's trust).
    own = client.get("/api/v1/referrals/measures", headers=headers).json()
    assert own["organisation"]["id"] == str(region.role_profile("nurse").organisation_id)


def test_the_page_shows_the_social_workers_organisations_services(
    sign_in: SignIn, region: Region
) -> None:
    page = sign_in("social_worker").get(reverse("referrals:measures"))
    assert page.status_code == 200
    text = main_text(page)
    assert "How Calderbridge City Council Adult Social Care answers referrals" in text
    assert "Adult social care assessment" in text
    assert "These figures count referrals and name no one." in text
