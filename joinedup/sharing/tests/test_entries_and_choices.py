"""Which of Peggy's record entries reach whom, seen where staff see them: on her record page.

Her choices, the sharing agreements, disclosures without consent and seals each change what the
next page load shows, with no job to run and nothing cached. The Mental Capacity Act rules for
recording a choice on her behalf are here too."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from joinedup.accounts.models import RoleProfile, User
from joinedup.accounts.roles import JobRole
from joinedup.accounts.session import ACTING_ROLE, LAST_SEEN_AT, SECOND_FACTOR_DONE, SIGNED_IN_AT
from joinedup.careteams.services import add_care_team_member
from joinedup.conftest import Region, SignIn
from joinedup.core.errors import DomainRuleBroken
from joinedup.core.tests.pages import main_text, row_with
from joinedup.demo.sharing import HEALTH_AGREEMENT, PLACE_AGREEMENT
from joinedup.directory.models import Practitioner, Profession
from joinedup.people.models import LpaStatus, LpaVerification, Person
from joinedup.records.services import add_entry
from joinedup.sharing.models import (
    AgreementStatus,
    CapacityAnswer,
    ChoiceKind,
    ConsentDecision,
    DisclosureBasis,
    ExpressedHow,
    Purpose,
    SharingAgreement,
)
from joinedup.sharing.policy import entries_visible_to
from joinedup.sharing.selectors import agreements_for
from joinedup.sharing.services import (
    record_choice,
    record_disclosure,
    review_agreement,
    suspend_agreement,
    withdraw_choice,
)

LOW_MOOD = "Low mood since her fall"  # the community nurse's mental health entry
LEG_ULCER = "Venous leg ulcer, left leg"  # the community nurse's general entry
SEALED = "Sexual health history"  # the GP's entry, sealed for GPs


def record_page(client: Client, person: Person) -> str:
    """What the person's record page says."""
    response = client.get(f"/people/{person.pk}/")
    assert response.status_code == 200
    return main_text(response)


def entries_section(client: Client, person: Person) -> str:
    """What the record page says from its entries heading on."""
    return record_page(client, person).split("Record entries", 1)[1]


def why_shown(section: str, title: str) -> str:
    """The "Why can I see this?" answer for one entry in the entries section."""
    after = section.split(title, 1)[1]
    return after.split("Why can I see this?", 1)[1].strip()


def agreement(region: Region, title: str) -> SharingAgreement:
    """A demo agreement, as Helen Park (the community trust's privacy officer) finds it."""
    return agreements_for(region.actor("privacy_officer")).get(title=title)


def today_in_words() -> str:
    today = timezone.localdate()
    return f"{today.day} {today:%B %Y}"


def object_to_her_gp_seeing_mental_health(region: Region) -> ConsentDecision:
    return record_choice(
        actor=region.actor("nurse"),
        person=region.margaret,
        kind=ChoiceKind.OBJECTION,
        category="mental_health",
        organisation=region.role_profile("gp").organisation,
        expressed_how=ExpressedHow.SPOKEN,
        in_their_words="I don't want the surgery knowing about my moods. I'll tell Dr Shah myself.",
    )


# -- her choices ----------------------------------------------------------------------------------


def test_margarets_objection_hides_the_nurses_mental_health_entry_from_her_gp_only(
    sign_in: SignIn, region: Region
) -> None:
    assert LOW_MOOD in entries_section(sign_in("gp"), region.margaret)

    object_to_her_gp_seeing_mental_health(region)

    gp_sees = entries_section(sign_in("gp"), region.margaret)
    assert LOW_MOOD not in gp_sees
    assert LEG_ULCER in gp_sees  # general information still reaches the practice
    discharge_sees = entries_section(sign_in("discharge"), region.margaret)
    assert LOW_MOOD in discharge_sees
    assert why_shown(discharge_sees, LOW_MOOD).startswith(
        f"Shared under the agreement “{HEALTH_AGREEMENT}”."
    )


def test_a_withdrawn_objection_stops_applying_on_the_next_page_load(
    sign_in: SignIn, region: Region
) -> None:
    objection = object_to_her_gp_seeing_mental_health(region)
    assert LOW_MOOD not in entries_section(sign_in("gp"), region.margaret)

    withdraw_choice(
        actor=region.actor("nurse"),
        choice=objection,
        reason="Peggy has talked to Dr Shah and is happy for the surgery to know.",
    )

    assert LOW_MOOD in entries_section(sign_in("gp"), region.margaret)


def test_a_withdrawn_consent_to_research_stops_applying_at_once(region: Region) -> None:
    gp = region.actor("gp")
    add_entry(actor=gp, person=region.margaret, title="Memory clinic letter", category="general")
    consent = record_choice(
        actor=gp,
        person=region.margaret,
        kind=ChoiceKind.CONSENT,
        category="general",
        purpose=Purpose.RESEARCH,
        expressed_how=ExpressedHow.WRITTEN,
        in_their_words="Yes, if it helps other people like me.",
    )
    assert list(
        entries_visible_to(gp, region.margaret, purpose=Purpose.RESEARCH).values_list(
            "title", flat=True
        )
    ) == ["Memory clinic letter"]

    withdraw_choice(actor=gp, choice=consent, reason="Peggy has changed her mind.")

    assert not entries_visible_to(gp, region.margaret, purpose=Purpose.RESEARCH).exists()


# -- sharing agreements ---------------------------------------------------------------------------


def test_helen_adding_mental_health_to_the_place_agreement_shows_sam_the_entry_next_time(
    sign_in: SignIn, region: Region
) -> None:
    assert LOW_MOOD not in entries_section(sign_in("social_worker"), region.margaret)

    review_agreement(
        actor=region.actor("privacy_officer"),
        agreement=agreement(region, PLACE_AGREEMENT),
        notes="Partners agreed social workers need to know about mental health for direct care.",
        next_review_on=timezone.localdate() + timedelta(days=180),
        categories=["general", "social_care", "mental_health"],
    )

    sam_sees = entries_section(sign_in("social_worker"), region.margaret)
    assert LOW_MOOD in sam_sees
    assert why_shown(sam_sees, LOW_MOOD).startswith(
        f"Shared under the agreement “{PLACE_AGREEMENT}”."
    )


def test_suspending_the_health_partners_agreement_hides_the_entry_from_the_gp_at_once(
    sign_in: SignIn, region: Region
) -> None:
    assert LOW_MOOD in entries_section(sign_in("gp"), region.margaret)

    suspend_agreement(
        actor=region.actor("privacy_officer"),
        agreement=agreement(region, HEALTH_AGREEMENT),
        reason="A partner reported a data breach; sharing paused while it is investigated.",
    )

    gp_sees = entries_section(sign_in("gp"), region.margaret)
    assert LOW_MOOD not in gp_sees
    # General information still reaches the practice, under the place-wide agreement.
    assert why_shown(gp_sees, LEG_ULCER).startswith(
        f"Shared under the agreement “{PLACE_AGREEMENT}”."
    )


def test_an_agreement_whose_end_date_is_today_has_expired(sign_in: SignIn, region: Region) -> None:
    health = agreement(region, HEALTH_AGREEMENT)
    health.ends_on = timezone.localdate()
    health.save(update_fields=["ends_on"])  # set up as if it had been drafted to end today

    assert health.status == AgreementStatus.ACTIVE
    assert health.effective_status() == AgreementStatus.EXPIRED
    assert LOW_MOOD not in entries_section(sign_in("gp"), region.margaret)


# -- seals ----------------------------------------------------------------------------------------


def practice_administrator(region: Region) -> tuple[User, RoleProfile]:
    """Pat Okoro, who books appointments at Riverside Medical Practice: in Peggy's care team,
    in the same organisation as her GP, but not a GP."""
    user = User.objects.create_user(username="pat.okoro", first_name="Pat", last_name="Okoro")
    practitioner = Practitioner.objects.create(
        user=user, given_name="Pat", family_name="Okoro", profession=Profession.ADMINISTRATOR
    )
    profile = RoleProfile.objects.create(
        practitioner=practitioner,
        organisation=region.role_profile("gp").organisation,
        job_role=JobRole.ADMINISTRATOR,
    )
    add_care_team_member(
        actor=region.actor("gp"),
        person=region.margaret,
        role_profile=profile,
        responsibilities="Books Peggy's appointments and repeat prescriptions",
    )
    return user, profile


def signed_in(client: Client, user: User, profile: RoleProfile) -> Client:
    client.force_login(user)
    session = client.session
    now = time.time()
    session.update(
        {
            SECOND_FACTOR_DONE: True,
            SIGNED_IN_AT: now,
            LAST_SEEN_AT: now,
            ACTING_ROLE: str(profile.pk),
        }
    )
    session.save()
    return client


def test_the_sealed_entry_reaches_her_gp_and_no_one_else(
    sign_in: SignIn, client: Client, region: Region
) -> None:
    add_entry(
        actor=region.actor("gp"),
        person=region.margaret,
        title="Flu vaccine given",
        category="general",
    )
    user, profile = practice_administrator(region)

    gp_sees = entries_section(sign_in("gp"), region.margaret)
    nurse_sees = entries_section(sign_in("nurse"), region.margaret)
    pat_sees = entries_section(signed_in(client, user, profile), region.margaret)

    assert SEALED in gp_sees
    assert why_shown(gp_sees, SEALED).startswith(
        "It is sealed, and your role is one its author named."
    )
    assert SEALED not in nurse_sees
    assert SEALED not in pat_sees
    assert "Flu vaccine given" in pat_sees  # the practice's unsealed entries reach Pat


# -- disclosures without consent ------------------------------------------------------------------


def test_a_disclosure_of_mental_health_to_the_council_lets_sam_see_it_without_an_agreement(
    sign_in: SignIn, region: Region
) -> None:
    assert LOW_MOOD not in entries_section(sign_in("social_worker"), region.margaret)
    council = region.role_profile("social_worker").organisation

    record_disclosure(
        actor=region.actor("nurse"),
        person=region.margaret,
        basis=DisclosureBasis.SAFEGUARDING,
        reason="Peggy's low mood and the doorstep caller together put her at risk.",
        what_was_shared="The mental health entry of 20 days ago and the PHQ-9 score.",
        categories=["mental_health"],
        shared_with=council,
        person_told=True,
        person_told_on=timezone.localdate(),
    )

    sam_sees = entries_section(sign_in("social_worker"), region.margaret)
    assert LOW_MOOD in sam_sees
    assert why_shown(sam_sees, LOW_MOOD).startswith(
        f"Shared without consent (safeguarding), decided on {today_in_words()}."
    )


# -- the Mental Capacity Act -----------------------------------------------------------------------


def _choose_for_peggy(region: Region, **details: Any) -> ConsentDecision:
    return record_choice(
        actor=region.actor("social_worker"),
        person=region.margaret,
        kind=ChoiceKind.OBJECTION,
        category="mental_health",
        **details,
    )


LACKS_CAPACITY = {
    "capacity": CapacityAnswer.LACKS_CAPACITY,
    "capacity_assessment": "Assessed by Sam Whitaker on 3 March: could not retain the information.",
}


def test_when_peggy_lacks_capacity_a_best_interests_decision_must_say_what_and_who(
    region: Region,
) -> None:
    with pytest.raises(DomainRuleBroken) as refused:
        _choose_for_peggy(region, expressed_how=ExpressedHow.BEST_INTERESTS, **LACKS_CAPACITY)
    assert refused.value.field == "best_interests_decision"

    choice = _choose_for_peggy(
        region,
        expressed_how=ExpressedHow.BEST_INTERESTS,
        best_interests_decision="Keep her mental health care within the NHS teams.",
        best_interests_consulted="Sarah Price (daughter), Dr Shah, Nadia Okafor",
        **LACKS_CAPACITY,
    )
    assert choice.best_interests_consulted.startswith("Sarah Price")


def test_when_peggy_lacks_capacity_she_cannot_be_recorded_as_choosing_herself(
    region: Region,
) -> None:
    with pytest.raises(DomainRuleBroken) as refused:
        _choose_for_peggy(region, expressed_how=ExpressedHow.SPOKEN, **LACKS_CAPACITY)
    assert refused.value.field == "expressed_how"
    with pytest.raises(DomainRuleBroken) as no_assessment:
        _choose_for_peggy(
            region,
            expressed_how=ExpressedHow.BEST_INTERESTS,
            capacity=CapacityAnswer.LACKS_CAPACITY,
        )
    assert no_assessment.value.field == "capacity_assessment"


def test_sarah_decides_as_attorney_only_under_a_registered_verified_welfare_lpa(
    region: Region,
) -> None:
    lpa = region.margaret.lpas.get()
    lpa.verification = LpaVerification.NOT_VERIFIED
    lpa.save(update_fields=["verification"])
    with pytest.raises(DomainRuleBroken, match="registered, verified health and welfare"):
        _choose_for_peggy(region, expressed_how=ExpressedHow.ATTORNEY, **LACKS_CAPACITY)

    lpa.verification = LpaVerification.OPG_ONLINE
    lpa.status = LpaStatus.NOT_REGISTERED
    lpa.save(update_fields=["verification", "status"])
    with pytest.raises(DomainRuleBroken, match="registered, verified health and welfare"):
        _choose_for_peggy(region, expressed_how=ExpressedHow.ATTORNEY, **LACKS_CAPACITY)

    lpa.status = LpaStatus.REGISTERED
    lpa.save(update_fields=["status"])
    choice = _choose_for_peggy(region, expressed_how=ExpressedHow.ATTORNEY, **LACKS_CAPACITY)
    assert choice.expressed_how == ExpressedHow.ATTORNEY


def test_an_attorney_cannot_decide_for_peggy_while_she_has_capacity(region: Region) -> None:
    with pytest.raises(DomainRuleBroken) as refused:
        _choose_for_peggy(region, expressed_how=ExpressedHow.ATTORNEY)
    assert refused.value.field == "capacity"


def test_the_gps_sharing_page_names_the_objection_that_stops_mental_health_reaching_it(
    sign_in: SignIn, region: Region
) -> None:
    object_to_her_gp_seeing_mental_health(region)
    nurse_trust = region.role_profile("nurse").organisation.name

    response = sign_in("gp").get(f"/people/{region.margaret.pk}/sharing/")

    row = row_with(response, nurse_trust, "Mental health")
    assert "Reaches Riverside Medical Practice No" in row
    assert f"Peggy objected on {today_in_words()}." in row
