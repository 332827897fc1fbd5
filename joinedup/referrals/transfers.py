"""Transfers of care: a referral of kind "transfer" with a discharge-summary document, and its
acknowledgement by the receiver, which moves the lead professional role.

start_transfer drafts and sends the referral through referrals.services (the sharing checks,
the deadline, telling the receiving service) with the TransferDocument. The receiver accepts it
like any referral (respond_to_referral adds the assigned practitioner to the care team), then
acknowledge_transfer records the read-back as an acknowledged handover and makes the assigned
practitioner the lead professional.

Moving the lead role is done here rather than through careteams.services.change_care_team_member
because the receiving practitioner need not have care_team.edit on the person: the accepted
transfer is the authority, as for add_care_team_member_on_acceptance. Each change writes a
CareTeamChange (careteams.services.record_care_team_change) and an audit event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.audit.services import record_event
from joinedup.careteams.services import (
    move_lead_professional,
)
from joinedup.core.errors import DomainRuleBroken, NotAllowed, NotFound
from joinedup.directory.models import Service
from joinedup.handovers.models import Handover, TransferDocument
from joinedup.handovers.services import checked_read_back
from joinedup.notifications.models import NotificationKind
from joinedup.notifications.services import notify
from joinedup.people.models import Person
from joinedup.people.selectors import parse_person_id
from joinedup.referrals.models import Referral, ReferralKind, ReferralStatus, Urgency
from joinedup.referrals.selectors import referral_for
from joinedup.referrals.services import ItemChoice, draft_referral, lock_person, send_referral
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import Action, decide

S = ReferralStatus
# A transfer is acknowledged once the receiver has taken it on.
ACKNOWLEDGEABLE = (S.ACCEPTED, S.IN_PROGRESS)


@dataclass(frozen=True)
class TransferSections:
    """The discharge summary that goes with a transfer of care."""

    what_happened: str
    follow_up: str
    reason_for_admission: str = ""
    medication_changes: str = ""
    what_matters: str = ""
    risks: str = ""

    def checked(self) -> TransferSections:
        if not self.what_happened.strip():
            raise DomainRuleBroken("Say what happened while in your care.", field="what_happened")
        if not self.follow_up.strip():
            raise DomainRuleBroken("Say what follow-up is needed.", field="follow_up")
        return TransferSections(
            **{name: str(value).strip() for name, value in self.__dict__.items()}
        )


@transaction.atomic
def start_transfer(
    *,
    actor: Actor,
    person: Person,
    service: Service,
    reason: str,
    sections: TransferSections,
    items: Sequence[ItemChoice] = (),
    urgency: str = Urgency.ROUTINE,
    recipient: RoleProfile | None = None,
) -> Referral:
    """Transfer a person's care to a service: a referral of kind "transfer" with its document,
    sent at once. Needs referral.make on the person (referrals.services checks it, the sharing
    of each item and who is accountable for receiving it); audited by those services."""
    checked = sections.checked()
    referral = draft_referral(
        actor=actor,
        person=person,
        service=service,
        reason=reason,
        urgency=urgency,
        what_matters=checked.what_matters,
        items=items,
        recipient=recipient,
        kind=ReferralKind.TRANSFER,
    )
    TransferDocument.objects.create(referral=referral, created_by=actor.user, **checked.__dict__)
    return send_referral(actor=actor, referral=referral)


def transfer_for(actor: Actor, referral_id: object) -> tuple[Referral, TransferDocument]:
    """A transfer of care and its document, for the sending or the receiving organisation only
    (referral_for: NotFound otherwise, audited as one read of the person's record)."""
    referral = referral_for(actor, referral_id)
    document = TransferDocument.objects.filter(referral=referral).select_related(
        "acknowledged_by__practitioner", "handover"
    )
    found = document.first()
    if referral.kind != ReferralKind.TRANSFER or found is None:
        raise NotFound
    return referral, found


def transfer_to_change_for(actor: Actor, referral_id: object) -> Referral:
    """For acknowledging: the transfer if the actor's organisation is one of its two sides,
    NotFound otherwise (the refusal audited). An allowed fetch is not audited: the service
    audits the change."""
    parsed = parse_person_id(referral_id)
    referral = (
        Referral.objects.select_related("person", "service")
        .filter(pk=parsed, kind=ReferralKind.TRANSFER)
        .first()
        if parsed
        else None
    )
    organisation = actor.role_profile.organisation_id if actor.role_profile else None
    if referral is None or organisation not in {
        referral.requester_organisation_id,
        referral.receiving_organisation_id,
    }:
        record_event(
            actor=actor,
            action="transfer.acknowledge",
            target_type="Referral",
            target_id=referral_id,
            allowed=False,
            reason="No such transfer of care.",
            categories=[],
        )
        raise NotFound
    return referral


def _require_receiver(actor: Actor, referral: Referral) -> None:
    profile = actor.role_profile
    if profile is None:
        raise NotFound
    if profile.organisation_id != referral.receiving_organisation_id:
        if profile.organisation_id == referral.requester_organisation_id:
            raise NotAllowed("Only the service the transfer was sent to can acknowledge it.")
        raise NotFound
    if not decide(actor, Action.RESPOND_TO_REFERRAL, referral.person):
        raise NotAllowed("Your role cannot respond to transfers of care.")


def _handover_from(document: TransferDocument, referral: Referral) -> dict[str, str]:
    """The document in SBAR form."""
    situation = referral.reason
    if document.reason_for_admission:
        situation += f"\nAdmitted because: {document.reason_for_admission}"
    background = document.what_happened
    if document.medication_changes:
        background += f"\nMedication changes: {document.medication_changes}"
    assessment = document.risks or "No particular risks noted."
    if document.what_matters:
        assessment += f"\nWhat matters to them: {document.what_matters}"
    return {
        "situation": situation,
        "background": background,
        "assessment": assessment,
        "recommendation": document.follow_up,
    }


@transaction.atomic
def acknowledge_transfer(*, actor: Actor, referral: Referral, read_back: str) -> TransferDocument:
    """The receiving service, after accepting, acknowledges the transfer document with a
    read-back. Records an acknowledged handover (SBAR from the document) from the sender to
    the assigned practitioner, and moves the lead professional role to them. The sender is
    told. The acknowledgement and each care-team change are audited."""
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("person", "service", "requester__practitioner")
        .get(pk=referral.pk)
    )
    _require_receiver(actor, locked)
    lock_person(locked.person_id)  # the lead professional moves: one change at a time
    document = TransferDocument.objects.select_for_update().filter(referral=locked).first()
    if locked.kind != ReferralKind.TRANSFER or document is None:
        raise DomainRuleBroken("This is not a transfer of care.")
    if locked.status not in ACKNOWLEDGEABLE:
        raise DomainRuleBroken("Accept the transfer before acknowledging it.", field="read_back")
    if document.acknowledged_at is not None:
        raise DomainRuleBroken("This transfer has already been acknowledged.", field="read_back")
    words = checked_read_back(read_back)
    receiver = locked.assigned_to or actor.role_profile
    assert receiver is not None  # noqa: S101 - _require_receiver needs a role profile
    now = timezone.now()
    handover = Handover.objects.create(
        from_role=locked.requester,
        to_role=receiver,
        reason=f"Transfer of care to {locked.service.name}"[:200],
        acknowledged_at=now,
        acknowledged_by=actor.role_profile,
        read_back=words,
        created_by=actor.user,
        **_handover_from(document, locked),
    )
    handover.people.set([locked.person])
    document.acknowledged_at = now
    document.acknowledged_by = actor.role_profile
    document.handover = handover
    document.save(update_fields=["acknowledged_at", "acknowledged_by", "handover", "updated_at"])
    move_lead_professional(
        actor=actor,
        person=locked.person,
        to=receiver,
        reason=f"Transfer of care to {locked.service.name} acknowledged",
        responsibilities=f"{locked.service.name} (lead after a transfer of care)",
    )
    record_event(
        actor=actor,
        action="transfer.acknowledge",
        target_type="Referral",
        target_id=locked.pk,
        person=locked.person,
        basis="referral_recipient",
        reason=f"Acknowledged the transfer of care to {locked.service.name} (handover "
        f"{handover.pk}).",
    )
    notify(
        role_profiles=[locked.requester],
        kind=NotificationKind.TRANSFER_WAITING,
        title=f"Your transfer of care to {locked.service.name} was acknowledged",
        body=f"Read-back: {words}",
        link=reverse("handovers:transfer", kwargs={"referral_id": locked.pk}),
    )
    return document
