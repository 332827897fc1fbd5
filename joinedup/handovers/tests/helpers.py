"""Test helpers: a district nursing colleague of Nadia's (a generated practitioner with no
account, so the tests act in their name) and a handover between the two."""

from __future__ import annotations

from joinedup.accounts.models import RoleProfile
from joinedup.careteams.services import add_care_team_member
from joinedup.conftest import Region
from joinedup.handovers.models import Handover
from joinedup.handovers.services import Sbar, hand_over
from joinedup.people.models import Person
from joinedup.sharing.actors import Actor

SBAR = Sbar(
    situation="Going on leave tomorrow for two weeks.",
    background="Insulin twice a day; lives with her son Imran.",
    assessment="Sugars steady. Imran is anxious about his exams.",
    recommendation="Keep the Tuesday visits; check the insulin pen technique.",
)
READ_BACK = "Tuesday visits carry on; I will check her pen technique and talk to Imran."


def colleague(region: Region) -> RoleProfile:
    nurse = region.role_profile("nurse")
    profiles = list(
        RoleProfile.objects.filter(organisation=nurse.organisation, job_role="community_nurse")
        .exclude(pk=nurse.pk)
        .select_related("practitioner", "organisation", "team")
        .order_by("pk")
    )
    # One from her own district nursing team (the demo gives her one), else any.
    same_team = [p for p in profiles if p.team_id == nurse.team_id]
    assert profiles
    return (same_team or profiles)[0]


def acting_as(profile: RoleProfile) -> Actor:
    return Actor(label=f"{profile.practitioner.display_name} ({profile})", role_profile=profile)


def in_care_of(region: Region, profile: RoleProfile, person: Person) -> None:
    """Nadia, Fatima's lead professional, adds the colleague to her care team."""
    add_care_team_member(
        actor=region.actor("nurse"),
        person=person,
        role_profile=profile,
        responsibilities="District nursing visits",
    )


def nadia_hands_fatima_to_colleague(region: Region) -> Handover:
    return hand_over(
        actor=region.actor("nurse"),
        people=[region.fatima],
        to_role=colleague(region),
        sbar=SBAR,
        reason="Going on leave",
    )


def colleague_hands_fatima_to_nadia(region: Region) -> Handover:
    other = colleague(region)
    in_care_of(region, other, region.fatima)
    return hand_over(
        actor=acting_as(other),
        people=[region.fatima],
        to_role=region.role_profile("nurse"),
        sbar=SBAR,
    )
