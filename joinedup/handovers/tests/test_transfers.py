"""A hospital discharge: Tom Brennan (discharge coordinator at the Royal Infirmary) transfers
Margaret's care to Hollybank; Grace Mensah (care home manager) accepts and acknowledges it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from joinedup.careteams.models import CareTeamChange, CareTeamMember, CareTeamRole, in_force_on
from joinedup.conftest import Region
from joinedup.core.errors import DomainRuleBroken, NotAllowed, NotFound
from joinedup.directory.models import Service
from joinedup.handovers.models import TransferDocument
from joinedup.people.models import Person
from joinedup.referrals.models import Referral, ReferralKind, ReferralStatus
from joinedup.referrals.services import ItemChoice, respond_to_referral
from joinedup.referrals.transfers import (
    TransferSections,
    acknowledge_transfer,
    start_transfer,
    transfer_for,
)

READ_BACK = "Wrist in plaster, fracture clinic on the 2nd; we will check her blood pressure weekly."
SECTIONS = TransferSections(
    reason_for_admission="Fall at home; fractured wrist.",
    what_happened="Wrist set in plaster; walking with a frame.",
    medication_changes="Stopped amlodipine.",
    follow_up="Fracture clinic on the 2nd. Blood pressure weekly.",
    what_matters="Going home to Weavers Row.",
    risks="Falls at night.",
)


def _lead(person: Person) -> list[object]:
    return list(
        CareTeamMember.objects.filter(
            in_force_on(timezone.localdate()), person=person, role=CareTeamRole.LEAD_PROFESSIONAL
        ).values_list("role_profile_id", flat=True)
    )


def start(region: Region) -> Referral:
    return start_transfer(
        actor=region.actor("discharge"),
        person=region.margaret,
        service=Service.objects.get(name="Residential and nursing care"),
        reason="A month at Hollybank for nursing care before going home.",
        sections=SECTIONS,
        items=[ItemChoice("communication")],
    )


def test_a_transfer_is_a_sent_referral_with_its_document(region: Region) -> None:
    referral = start(region)
    assert referral.kind == ReferralKind.TRANSFER
    assert referral.status == ReferralStatus.REQUESTED
    _, document = transfer_for(region.actor("care_home_manager"), referral.pk)
    assert document.follow_up == SECTIONS.follow_up
    with pytest.raises(DomainRuleBroken) as broken:
        start_transfer(
            actor=region.actor("discharge"),
            person=region.margaret,
            service=Service.objects.get(name="Residential and nursing care"),
            reason="Going to Hollybank.",
            sections=TransferSections(what_happened="", follow_up="Clinic."),
        )
    assert broken.value.field == "what_happened"


def test_acknowledging_moves_the_lead_professional_with_an_acknowledged_handover(
    region: Region,
) -> None:
    sam, grace = region.role_profile("social_worker"), region.role_profile("care_home_manager")
    assert _lead(region.margaret) == [sam.pk]
    referral = start(region)
    with pytest.raises(DomainRuleBroken, match="Accept the transfer"):
        acknowledge_transfer(
            actor=region.actor("care_home_manager"), referral=referral, read_back=READ_BACK
        )
    respond_to_referral(
        actor=region.actor("care_home_manager"), referral=referral, status="accepted"
    )
    with pytest.raises(DomainRuleBroken, match="own words"):
        acknowledge_transfer(
            actor=region.actor("care_home_manager"), referral=referral, read_back="ok"
        )

    document = acknowledge_transfer(
        actor=region.actor("care_home_manager"), referral=referral, read_back=READ_BACK
    )

    assert _lead(region.margaret) == [grace.pk]
    sams = CareTeamMember.objects.get(
        in_force_on(timezone.localdate()), person=region.margaret, role_profile=sam
    )
    assert sams.role == CareTeamRole.MEMBER
    assert CareTeamChange.objects.filter(member=sams, reason__contains="Transfer of care").exists()
    handover = document.handover
    assert handover is not None and not handover.waiting
    assert handover.read_back == READ_BACK
    assert handover.from_role == region.role_profile("discharge")
    assert handover.to_role == grace
    assert handover.recommendation == SECTIONS.follow_up
    assert list(handover.people.all()) == [region.margaret]
    with pytest.raises(DomainRuleBroken, match="already"):
        acknowledge_transfer(
            actor=region.actor("care_home_manager"), referral=referral, read_back=READ_BACK
        )


def test_only_the_receiving_service_can_acknowledge(region: Region) -> None:
    referral = start(region)
    respond_to_referral(
        actor=region.actor("care_home_manager"), referral=referral, status="accepted"
    )
    with pytest.raises(NotAllowed):
        acknowledge_transfer(
            actor=region.actor("discharge"), referral=referral, read_back=READ_BACK
        )
    for outsider in ("outsider", "voluntary"):
        with pytest.raises(NotFound):
            acknowledge_transfer(
                actor=region.actor(outsider), referral=referral, read_back=READ_BACK
            )
        with pytest.raises(NotFound):
            transfer_for(region.actor(outsider), referral.pk)
    assert TransferDocument.objects.get(referral=referral).acknowledged_at is None
