"""Referral services as Margaret's care team meets them: Nadia (community nurse) refers Peggy to
the council's adult social care assessment service; Sam (social worker at the council) answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from joinedup.careteams.models import CareTeamMember, in_force_on
from joinedup.conftest import Region
from joinedup.core.errors import DomainRuleBroken, NotAllowed, NotFound
from joinedup.directory.models import Service
from joinedup.notifications.models import Notification
from joinedup.people.models import Person
from joinedup.people.selectors import person_summary_for
from joinedup.records.models import RecordEntry
from joinedup.referrals.deadlines import add_working_days
from joinedup.referrals.models import Referral, ReferralStatus, Urgency
from joinedup.referrals.selectors import referral_for
from joinedup.referrals.services import (
    ItemChoice,
    cancel_referral,
    draft_referral,
    escalate_overdue_referrals,
    respond_to_referral,
    send_referral,
)
from joinedup.sharing.models import ChoiceKind, ExpressedHow
from joinedup.sharing.policy import Action, Basis, decide
from joinedup.sharing.services import record_choice

S = ReferralStatus
LONDON = ZoneInfo("Europe/London")
ASSESSMENT = "Adult social care assessment"


def _service() -> Service:
    return Service.objects.get(name=ASSESSMENT)


def _entry(region: Region, title: str) -> RecordEntry:
    return RecordEntry.objects.get(person=region.margaret, title=title)


def _referral(region: Region, *titles: str) -> Referral:
    items = [ItemChoice("entry", str(_entry(region, title).pk)) for title in titles]
    return draft_referral(
        actor=region.actor("nurse"),
        person=region.margaret,
        service=_service(),
        reason="Struggling with washing and dressing since her fall.",
        what_matters="Staying in her own home.",
        questions="Is she eligible for home care?",
        items=[ItemChoice("about_me"), *items],
    )


def _sent(region: Region, *titles: str) -> Referral:
    return send_referral(actor=region.actor("nurse"), referral=_referral(region, *titles))


def test_a_sent_referral_has_a_deadline_from_the_services_target(region: Region) -> None:
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
    referral = send_referral(actor=region.actor("nurse"), referral=_referral(region), now=monday)
    days = _service().response_target_routine_days
    assert referral.respond_by == add_working_days(monday, days)
    assert referral.respond_by.weekday() < 5
    assert [c.status for c in referral.changes.all()] == [S.DRAFT, S.REQUESTED]


def test_working_days_skip_weekends() -> None:
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=LONDON)
    assert add_working_days(friday, 1).date().isoformat() == "2026-11-30"  # Monday
    assert add_working_days(friday, 5).date().isoformat() == "2026-12-04"


def test_before_accepting_the_council_sees_only_what_was_sent(region: Region) -> None:
    # A person the council had no part with: Fatima, whose team is the nurse and a volunteer.
    fatima = Person.objects.get(nhs_number="9990003025")
    referral = send_referral(
        actor=region.actor("nurse"),
        referral=draft_referral(
            actor=region.actor("nurse"),
            person=fatima,
            service=_service(),
            reason="Carer's assessment for Imran.",
            items=[ItemChoice("communication")],
        ),
    )
    sam = region.actor("social_worker")

    decision = decide(sam, Action.VIEW_PERSON, fatima)
    assert decision.basis is Basis.REFERRAL_RECIPIENT
    summary = person_summary_for(sam, fatima.pk)
    assert summary.limited_to_referral
    assert summary.care_team == [] and summary.entries == [] and summary.about_me is None
    seen = referral_for(sam, referral.pk)
    assert [item.label for item in seen.items.all()] == ["How to communicate with them"]

    respond_to_referral(actor=sam, referral=seen, status=S.ACCEPTED)

    assert decide(sam, Action.VIEW_PERSON, fatima).basis is Basis.CARE_TEAM
    assert CareTeamMember.objects.filter(
        in_force_on(timezone.localdate()), person=fatima, role_profile=sam.role_profile
    ).exists()


def test_completion_sends_the_outcome_back_to_the_referrer(region: Region) -> None:
    referral = _sent(region)
    sam = region.actor("social_worker")
    respond_to_referral(actor=sam, referral=referral, status=S.ACCEPTED)
    respond_to_referral(actor=sam, referral=referral, status=S.IN_PROGRESS)
    with pytest.raises(DomainRuleBroken, match="outcome"):
        respond_to_referral(actor=sam, referral=referral, status=S.COMPLETED)

    done = respond_to_referral(
        actor=sam,
        referral=referral,
        status=S.COMPLETED,
        outcome_summary="Assessed: eligible. Home care twice a day from Monday.",
    )

    assert done.status == S.COMPLETED
    told = Notification.objects.filter(recipient=region.user("nurse")).first()
    assert told is not None and "completed" in told.title
    assert told.body.startswith("Assessed: eligible")


@pytest.mark.parametrize("status", [S.CANCELLED, S.REQUESTED, S.DRAFT])
def test_the_receiver_cannot_set_the_requesters_states(region: Region, status: str) -> None:
    referral = _sent(region)
    with pytest.raises(NotAllowed):
        respond_to_referral(actor=region.actor("social_worker"), referral=referral, status=status)


def test_the_receiver_cannot_cancel_and_the_requester_cannot_accept(region: Region) -> None:
    referral = _sent(region)
    with pytest.raises(NotAllowed):
        cancel_referral(actor=region.actor("social_worker"), referral=referral, reason="No")
    with pytest.raises(NotAllowed):
        respond_to_referral(actor=region.actor("nurse"), referral=referral, status=S.ACCEPTED)
    with pytest.raises(NotFound):
        respond_to_referral(actor=region.actor("outsider"), referral=referral, status=S.ACCEPTED)
    assert Referral.objects.get(pk=referral.pk).status == S.REQUESTED


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.REQUESTED, S.IN_PROGRESS),
        (S.REQUESTED, S.COMPLETED),
        (S.REQUESTED, S.ON_HOLD),
        (S.ACCEPTED, S.REJECTED),
        (S.ACCEPTED, S.ACCEPTED),
    ],
)
def test_the_receiver_moves_only_along_the_workflow(region: Region, start: str, to: str) -> None:
    referral = _sent(region)
    sam = region.actor("social_worker")
    if start == S.ACCEPTED:
        respond_to_referral(actor=sam, referral=referral, status=S.ACCEPTED)
    with pytest.raises(DomainRuleBroken):
        respond_to_referral(
            actor=sam, referral=referral, status=to, outcome_summary="x", reason="x"
        )


def test_rejecting_needs_a_reason_code_and_words(region: Region) -> None:
    referral = _sent(region)
    sam = region.actor("social_worker")
    with pytest.raises(DomainRuleBroken):
        respond_to_referral(actor=sam, referral=referral, status=S.REJECTED, reason="No")
    rejected = respond_to_referral(
        actor=sam,
        referral=referral,
        status=S.REJECTED,
        reason_code="wrong_service",
        reason="Reablement would help her more first.",
    )
    assert rejected.status == S.REJECTED and rejected.responded_at is not None


def test_an_objection_to_sharing_social_care_information_blocks_the_referral(
    region: Region,
) -> None:
    # Nadia sends the trust's own entries; the council's social care entry is not hers to send,
    # so object to general information going to the council instead.
    record_choice(
        actor=region.actor("nurse"),
        person=region.margaret,
        kind=ChoiceKind.OBJECTION,
        category="general",
        organisation=_service().organisation,
        expressed_how=ExpressedHow.SPOKEN,
        in_their_words="I don't want the council reading my notes.",
    )
    with pytest.raises(DomainRuleBroken, match="objected to sharing general information"):
        _sent(region, "Venous leg ulcer, left leg")


def test_an_item_no_agreement_covers_is_refused_with_the_reason(region: Region) -> None:
    with pytest.raises(DomainRuleBroken, match=r"No sharing agreement .* covers mental health"):
        _sent(region, "Low mood since her fall")


def test_a_practitioner_without_a_verified_registration_cannot_receive_a_referral(
    region: Region,
) -> None:
    aisha = region.role_profile("voluntary")
    with pytest.raises(DomainRuleBroken, match="no verified professional registration"):
        draft_referral(
            actor=region.actor("nurse"),
            person=region.margaret,
            service=Service.objects.filter(organisation=aisha.organisation).first() or _service(),
            reason="Carer support",
            recipient=aisha,
        )


def test_an_overdue_referral_is_escalated_to_the_services_manager_once(region: Region) -> None:
    service = _service()
    service.manager = region.role_profile("social_worker")
    service.save(update_fields=["manager"])
    referral = _sent(region)
    Referral.objects.filter(pk=referral.pk).update(
        respond_by=timezone.now() - timedelta(hours=1), urgency=Urgency.ROUTINE
    )
    mail.outbox.clear()

    assert escalate_overdue_referrals() >= 1  # the demo region may hold overdue ones too
    assert escalate_overdue_referrals() == 0  # each is escalated once

    assert Referral.objects.get(pk=referral.pk).escalated_at is not None
    overdue = Notification.objects.filter(
        recipient=region.user("social_worker"),
        kind="referral_overdue",
        link__contains=str(referral.pk),
    )
    assert overdue.count() == 1
    assert Referral.objects.get(pk=referral.pk).is_overdue()
