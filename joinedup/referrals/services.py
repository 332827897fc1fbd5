"""Making and answering referrals. Each function takes `actor=`, checks the access policy and
who may set each state (the requester: draft, requested, cancelled; the receiver: accepted,
rejected, in progress, on hold, completed, failed), writes an immutable status row, tells the
other side, and audits what it did, in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.audit.services import record_event
from joinedup.careteams.models import CareTeamMember, CareTeamRole, in_force_on
from joinedup.careteams.services import add_care_team_member_on_acceptance
from joinedup.core.errors import DomainRuleBroken, EditConflict, NotAllowed, NotFound
from joinedup.directory.models import OrganisationType, Regulator, Service
from joinedup.notifications.models import NotificationKind
from joinedup.notifications.services import notify
from joinedup.people.models import AboutMe, Person
from joinedup.records.models import CORE_RECORD_CATEGORY
from joinedup.referrals.deadlines import respond_by
from joinedup.referrals.models import (
    Referral,
    ReferralItem,
    ReferralKind,
    ReferralStatus,
    ReferralStatusChange,
    RejectionReason,
    Urgency,
)
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import ChoiceKind, Disclosure, Purpose
from joinedup.sharing.policy import (
    Action,
    agreements_covering,
    choices_in_force,
    decide,
    entries_visible_to,
    require,
)

S = ReferralStatus

# Who sets each state, and from which states (the FHIR SDOH referral Task workflow).
REQUESTER_MOVES: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.DRAFT}),
    S.CANCELLED: frozenset({S.DRAFT, S.REQUESTED, S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD}),
}
RECEIVER_MOVES: dict[str, frozenset[str]] = {
    S.ACCEPTED: frozenset({S.REQUESTED}),
    S.REJECTED: frozenset({S.REQUESTED}),
    S.IN_PROGRESS: frozenset({S.ACCEPTED, S.ON_HOLD}),
    S.ON_HOLD: frozenset({S.ACCEPTED, S.IN_PROGRESS}),
    S.COMPLETED: frozenset({S.ACCEPTED, S.IN_PROGRESS}),
    S.FAILED: frozenset({S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD}),
}

# Statutory bodies are accountable for what they receive without CQC registration.
_STATUTORY = (
    OrganisationType.NHS_TRUST,
    OrganisationType.GP_PRACTICE,
    OrganisationType.LOCAL_AUTHORITY,
)


@dataclass(frozen=True)
class ItemChoice:
    """One item to send: a record entry the referrer can see ("entry", its id), the person's
    About Me ("about_me"), or their communication needs ("communication")."""

    source_type: str
    source_id: str = ""


def _change(
    referral: Referral, status: str, actor: Actor, reason_code: str = "", reason: str = ""
) -> None:
    ReferralStatusChange.objects.create(
        referral=referral,
        status=status,
        reason_code=reason_code,
        reason=reason,
        by=actor.user,
        by_role=actor.role_profile,
    )


def _audit(actor: Actor, referral: Referral, what: str, basis: str = "") -> None:
    record_event(
        actor=actor,
        action=what if what else f"referral.{referral.status}",
        target_type="Referral",
        target_id=referral.pk,
        person=referral.person,
        basis=basis,
        reason=f"{referral.get_kind_display()} to {referral.service.name}: "
        f"{referral.get_status_display().lower()}.",
        categories=sorted({item.category_id for item in referral.items.all()}) or ["general"],
    )


def accountable(service: Service, recipient: RoleProfile | None) -> str | None:
    """Why the receiver cannot be held accountable for what it receives, or None if it can: a
    named practitioner needs a verified professional registration; an organisation must be a
    statutory body or a registered or managed provider."""
    if not service.accepts_referrals:
        return f"{service.name} does not take referrals through joinedup."
    if recipient is not None:
        practitioner = recipient.practitioner
        if (
            practitioner.regulator == Regulator.NONE
            or not practitioner.registration_number
            or practitioner.registration_verified_at is None
        ):
            return (
                f"{practitioner.display_name} has no verified professional registration, so a "
                "referral cannot be addressed to them. Refer to the service instead."
            )
        if recipient.organisation_id != service.organisation_id:
            return f"{practitioner.display_name} does not work for {service.organisation.name}."
        return None
    organisation = service.organisation
    if organisation.org_type in _STATUTORY or organisation.is_registered_provider:
        return None
    return (
        f"{organisation.name} is not a registered or managed care provider, so joinedup cannot "
        "send it a person's information. Talk to the person about contacting them directly."
    )


def _items_for(actor: Actor, person: Person, choices: Sequence[ItemChoice]) -> list[ReferralItem]:
    """Copies of what the referrer chose to send, each with its category. Only what the
    referrer can see themselves can be sent."""
    items: list[ReferralItem] = []
    visible = {str(entry.pk): entry for entry in entries_visible_to(actor, person)}
    for position, choice in enumerate(choices):
        if choice.source_type == "entry":
            entry = visible.get(choice.source_id)
            if entry is None:
                raise DomainRuleBroken("Choose entries from the record you can see.", field="items")
            items.append(
                ReferralItem(
                    label=f"{entry.get_section_display()}: {entry.title}",
                    text=entry.details,
                    category_id=entry.category_id,
                    source_type="RecordEntry",
                    source_id=str(entry.pk),
                    position=position,
                )
            )
        elif choice.source_type == "about_me":
            about = AboutMe.objects.filter(person=person).order_by("-version").first()
            if about is None:
                raise DomainRuleBroken(f"{person.known_as} has no About Me yet.", field="items")
            headings = {field.name: str(field.verbose_name) for field in AboutMe._meta.fields}
            text = "\n".join(
                f"{headings[name]}: {getattr(about, name)}"
                for name in about.SECTIONS
                if getattr(about, name)
            )
            items.append(
                ReferralItem(
                    label="About Me",
                    text=text,
                    category_id=CORE_RECORD_CATEGORY,
                    source_type="AboutMe",
                    source_id=str(about.pk),
                    position=position,
                )
            )
        elif choice.source_type == "communication":
            needs = ", ".join(person.communication_need_labels()) or "None recorded"
            text = f"{needs}. {person.communication_notes}".strip()
            if person.interpreter_needed:
                text += f" Needs an interpreter: {person.preferred_language}."
            items.append(
                ReferralItem(
                    label="How to communicate with them",
                    text=text,
                    category_id=CORE_RECORD_CATEGORY,
                    source_type="Person",
                    source_id=str(person.pk),
                    position=position,
                )
            )
        else:
            raise DomainRuleBroken("Choose what to send from the list.", field="items")
    return items


@transaction.atomic
def draft_referral(
    *,
    actor: Actor,
    person: Person,
    service: Service,
    reason: str,
    urgency: str = Urgency.ROUTINE,
    what_matters: str = "",
    questions: str = "",
    items: Sequence[ItemChoice] = (),
    recipient: RoleProfile | None = None,
    kind: str = ReferralKind.REFERRAL,
) -> Referral:
    """A draft referral from a care-team member to a service, with the information chosen item
    by item. Nothing is sent until send_referral."""
    decision = require(actor, Action.MAKE_REFERRAL, person)
    assert actor.role_profile is not None  # noqa: S101 - require() needs one
    if not reason.strip():
        raise DomainRuleBroken("Say why you are referring.", field="reason")
    if urgency not in Urgency.values:
        raise DomainRuleBroken("Choose how urgent it is.", field="urgency")
    if kind not in ReferralKind.values:
        raise DomainRuleBroken("Choose a referral or a transfer of care.", field="kind")
    refused = accountable(service, recipient)
    if refused:
        raise DomainRuleBroken(refused, field="recipient" if recipient else "service")
    referral = Referral.objects.create(
        person=person,
        kind=kind,
        requester=actor.role_profile,
        requester_organisation_id=actor.role_profile.organisation_id,
        service=service,
        receiving_organisation_id=service.organisation_id,
        recipient=recipient,
        reason=reason.strip(),
        urgency=urgency,
        what_matters=what_matters.strip(),
        questions=questions.strip(),
        created_by=actor.user,
    )
    made = _items_for(actor, person, items)
    for item in made:
        item.referral = referral
    ReferralItem.objects.bulk_create(made)
    _change(referral, S.DRAFT, actor)
    _audit(actor, referral, "referral.draft", decision.basis or "")
    return referral


def sharing_problems(referral: Referral) -> list[str]:
    """Why the items cannot go to the receiving organisation, in words (empty if they can):
    an objection by the person blocks a category; otherwise each category needs an agreement
    in force between the two organisations, or the person's explicit consent."""
    problems: list[str] = []
    sender, receiver = referral.requester_organisation, referral.receiving_organisation
    if sender.pk == receiver.pk:
        categories = set()
    else:
        categories = {item.category for item in referral.items.select_related("category")}
    day = timezone.localdate()
    for category in sorted(categories, key=lambda c: c.name):
        objected = choices_in_force(
            kind=ChoiceKind.OBJECTION,
            person=referral.person_id,
            category=category.pk,
            organisation=receiver.pk,
            purpose=Purpose.DIRECT_CARE,
        ).exists()
        if objected:
            problems.append(
                f"{referral.person.known_as} has objected to sharing {category.name.lower()} "
                f"information with {receiver.name}. Leave those items out, or record a "
                "decision to share without consent."
            )
            continue
        agreed = agreements_covering(
            author_organisation=sender.pk,
            reader_organisation=receiver.pk,
            category=category.pk,
            purpose=Purpose.DIRECT_CARE,
            day=day,
        ).exists()
        consented = choices_in_force(
            kind=ChoiceKind.CONSENT,
            person=referral.person_id,
            category=category.pk,
            organisation=receiver.pk,
            purpose=Purpose.DIRECT_CARE,
        ).exists()
        if not agreed and not consented:
            problems.append(
                f"No sharing agreement between {sender.name} and {receiver.name} covers "
                f"{category.name.lower()} information, and {referral.person.known_as} has not "
                "consented to it. Leave those items out, or record their consent first."
            )
    return problems


@transaction.atomic
def send_referral(
    *,
    actor: Actor,
    referral: Referral,
    expected_version: int | None = None,
    overriding_disclosure: Disclosure | None = None,
    now: datetime | None = None,
) -> Referral:
    """Send a draft: check what may be shared (an objection blocks it unless a recorded
    disclosure without consent to the receiving organisation overrides it), set the response
    deadline from the service's target, and tell the receiving service."""
    locked = _locked(referral, expected_version)
    _require_requester(actor, locked)
    _allowed(locked, S.REQUESTED, REQUESTER_MOVES)
    problems = sharing_problems(locked)
    if problems and overriding_disclosure is not None:
        if (
            overriding_disclosure.person_id != locked.person_id
            or overriding_disclosure.shared_with_id != locked.receiving_organisation_id
        ):
            raise DomainRuleBroken("That disclosure is not about this person and receiver.")
        locked.disclosure = overriding_disclosure
        problems = []
    if problems:
        raise DomainRuleBroken(" ".join(problems), field="items")
    moment = now or timezone.now()
    locked.status = S.REQUESTED
    locked.requested_at = moment
    locked.respond_by = respond_by(locked.service, locked.urgency, moment)
    _save(locked, "status", "requested_at", "respond_by", "disclosure")
    _change(locked, S.REQUESTED, actor)
    _audit(actor, locked, "referral.send")
    _tell_receiver(locked)
    return locked


def _receivers(referral: Referral) -> list[RoleProfile]:
    if referral.recipient is not None:
        return [referral.recipient]
    return [referral.service.manager] if referral.service.manager else []


def _link(referral: Referral) -> str:
    return reverse("referrals:referral", kwargs={"referral_id": referral.pk})


def _tell_receiver(referral: Referral) -> None:
    urgent = " (urgent)" if referral.urgency == Urgency.URGENT else ""
    notify(
        role_profiles=_receivers(referral),
        kind=NotificationKind.NEW_REFERRAL,
        title=f"New {referral.get_kind_display().lower()}{urgent} to {referral.service.name}",
        body=f"From {referral.requester_organisation.name}. Please answer by "
        f"{timezone.localtime(referral.respond_by):%d %B %Y %H:%M}."
        if referral.respond_by
        else "",
        link=_link(referral),
    )


def _locked(referral: Referral, expected_version: int | None) -> Referral:
    """The referral, its row locked until the change commits, so two changes to it take turns
    and the version check holds. Only the referral's row (`of`): joined rows are read, not
    locked, so changes to different referrals of one service, organisation or person do not
    wait for each other. What must take turns per person (joining the care team) locks the
    person itself (lock_person)."""
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("person", "service__organisation", "requester_organisation")
        .get(pk=referral.pk)
    )
    if expected_version is not None and expected_version != locked.version:
        raise EditConflict
    return locked


def _save(referral: Referral, *fields: str) -> None:
    referral.version += 1
    referral.save(update_fields=[*fields, "version", "updated_at"])


def _require_requester(actor: Actor, referral: Referral) -> None:
    """The referrer's side: the person who made it, or someone in their organisation who may
    refer the person."""
    if actor.role_profile is None:
        raise NotFound
    if actor.role_profile.pk == referral.requester_id:
        return
    if actor.role_profile.organisation_id == referral.requester_organisation_id and decide(
        actor, Action.MAKE_REFERRAL, referral.person
    ):
        return
    if actor.role_profile.organisation_id == referral.receiving_organisation_id:
        raise NotAllowed("Only the referrer's side can do this.")
    raise NotFound


def _require_receiver(actor: Actor, referral: Referral) -> None:
    """The receiving side: someone at the receiving organisation who may respond."""
    if actor.role_profile is None:
        raise NotFound
    if actor.role_profile.organisation_id != referral.receiving_organisation_id:
        if actor.role_profile.organisation_id == referral.requester_organisation_id:
            raise NotAllowed("Only the service the referral was sent to can do this.")
        raise NotFound
    if not decide(actor, Action.RESPOND_TO_REFERRAL, referral.person):
        raise NotAllowed("Your role cannot respond to referrals.")


def _allowed(referral: Referral, status: str, moves: dict[str, frozenset[str]]) -> None:
    if status not in moves:
        raise NotAllowed(f"The other side sets a referral to {S(status).label.lower()}.")
    if referral.status not in moves[status]:
        raise DomainRuleBroken(
            f"A referral that is {S(referral.status).label.lower()} cannot become "
            f"{S(status).label.lower()}.",
            field="status",
        )


@transaction.atomic
def cancel_referral(
    *, actor: Actor, referral: Referral, reason: str, expected_version: int | None = None
) -> Referral:
    """The requester withdraws the referral, with a reason. The receiver is told."""
    locked = _locked(referral, expected_version)
    _require_requester(actor, locked)
    _allowed(locked, S.CANCELLED, REQUESTER_MOVES)
    if not reason.strip():
        raise DomainRuleBroken("Say why the referral is cancelled.", field="reason")
    told = locked.status != S.DRAFT
    locked.status = S.CANCELLED
    _save(locked, "status")
    _change(locked, S.CANCELLED, actor, reason=reason.strip())
    _audit(actor, locked, "referral.cancel")
    if told:
        notify(
            role_profiles=[p for p in (locked.assigned_to, *_receivers(locked)) if p],
            kind=NotificationKind.REFERRAL_CHANGED,
            title=f"A referral to {locked.service.name} was cancelled",
            body=reason.strip(),
            link=_link(locked),
        )
    return locked


@transaction.atomic
def respond_to_referral(
    *,
    actor: Actor,
    referral: Referral,
    status: str,
    reason_code: str = "",
    reason: str = "",
    assigned_to: RoleProfile | None = None,
    outcome_summary: str = "",
    suggested_service: Service | None = None,
    expected_version: int | None = None,
) -> Referral:
    """The receiving service moves the referral on. Rejection needs a reason code and words
    (and may suggest another service); acceptance assigns a practitioner, who joins the care
    team; completion needs an outcome summary, which goes back to the referrer."""
    locked = _locked(referral, expected_version)
    if status not in S.values:
        raise DomainRuleBroken("Choose what has happened to the referral.", field="status")
    _require_receiver(actor, locked)
    if status not in RECEIVER_MOVES:
        raise NotAllowed(f"Only the referrer can set a referral to {S(status).label.lower()}.")
    _allowed(locked, status, RECEIVER_MOVES)
    fields = ["status"]
    if status == S.REJECTED:
        if reason_code not in RejectionReason.values or not reason.strip():
            raise DomainRuleBroken(
                "Choose the reason and explain it in words for the referrer.", field="reason"
            )
        locked.suggested_service = suggested_service
        fields.append("suggested_service")
    if status in (S.ACCEPTED, S.REJECTED):
        locked.responded_at = timezone.now()
        fields.append("responded_at")
    if status == S.ACCEPTED:
        who = assigned_to or actor.role_profile
        assert who is not None  # noqa: S101
        if who.organisation_id != locked.receiving_organisation_id:
            raise DomainRuleBroken(
                "Assign someone who works for the receiving organisation.", field="assigned_to"
            )
        locked.assigned_to = who
        fields.append("assigned_to")
    if status == S.COMPLETED:
        if not outcome_summary.strip():
            raise DomainRuleBroken(
                "Write the outcome for the referrer: what was done and what happens next.",
                field="outcome_summary",
            )
        locked.outcome_summary = outcome_summary.strip()
        fields.append("outcome_summary")
    if status in (S.ON_HOLD, S.FAILED) and not reason.strip():
        raise DomainRuleBroken("Say why, for the referrer.", field="reason")
    locked.status = status
    _save(locked, *fields)
    _change(locked, status, actor, reason_code=reason_code, reason=reason.strip())
    if status == S.ACCEPTED:
        assert locked.assigned_to is not None  # noqa: S101
        _join_care_team(actor, locked)
    _audit(actor, locked, f"referral.{status}")
    _tell_requester(locked, reason.strip())
    return locked


def lock_person(person_id: uuid.UUID) -> None:
    """Hold the person's row until the transaction commits, so that two acceptances of
    different referrals of one person (or an acceptance and a transfer's acknowledgement)
    take turns at their care team: otherwise both could find the practitioner missing and add
    them twice. No key update: rows that only refer to the person (audit events, notes) are
    not held up."""
    Person.objects.select_for_update(no_key=True).filter(pk=person_id).values_list(
        "pk", flat=True
    ).first()


def _join_care_team(actor: Actor, referral: Referral) -> None:
    assigned = referral.assigned_to
    assert assigned is not None  # noqa: S101
    lock_person(referral.person_id)
    today = timezone.localdate()
    if CareTeamMember.objects.filter(
        in_force_on(today), person=referral.person, role_profile=assigned
    ).exists():
        return
    add_care_team_member_on_acceptance(
        actor=actor,
        person=referral.person,
        role_profile=assigned,
        role=CareTeamRole.MEMBER,
        responsibilities=f"{referral.service.name} (from an accepted referral)",
        reason=f"Accepted the {referral.get_kind_display().lower()} from "
        f"{referral.requester_organisation.name}",
    )


def _tell_requester(referral: Referral, reason: str) -> None:
    words = referral.get_status_display().lower()
    body = referral.outcome_summary if referral.status == S.COMPLETED else reason
    notify(
        role_profiles=[referral.requester],
        kind=NotificationKind.REFERRAL_CHANGED,
        title=f"Your {referral.get_kind_display().lower()} to {referral.service.name}: {words}",
        body=body,
        link=_link(referral),
    )


@transaction.atomic
def escalate_overdue_referrals(*, now: datetime | None = None) -> int:
    """Tell the service's manager (and the referrer) about each referral past its response
    deadline, once. Run by `joinedup escalate-referrals` on a schedule; returns how many."""
    moment = now or timezone.now()
    overdue = list(
        Referral.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=S.REQUESTED, respond_by__lt=moment, escalated_at__isnull=True)
        .select_related("service__manager__practitioner__user", "requester", "person")
    )
    system = Actor.system("referral deadlines")
    for referral in overdue:
        referral.escalated_at = moment
        referral.save(update_fields=["escalated_at", "updated_at"])
        people = [p for p in (referral.service.manager, referral.recipient) if p]
        notify(
            role_profiles=[*people, referral.requester],
            kind=NotificationKind.REFERRAL_OVERDUE,
            title=f"A referral to {referral.service.name} is overdue",
            body="It has not been accepted or rejected by its response deadline.",
            link=_link(referral),
        )
        record_event(
            actor=system,
            action="referral.escalate",
            target_type="Referral",
            target_id=referral.pk,
            person=referral.person,
            reason="Past its response deadline: the service's manager and the referrer told.",
            categories=[],
        )
    return len(overdue)


# --- The referral pages (issue 5, web) ------------------------------------------------------


@transaction.atomic
def leave_out_of_referral(
    *,
    actor: Actor,
    referral: Referral,
    item_ids: Sequence[int],
    expected_version: int | None = None,
) -> Referral:
    """The referrer takes items out of a draft before sending it, for example those the person
    has objected to sharing with the receiver. Only the referrer's side, only a draft; audited
    as a change to the draft."""
    locked = _locked(referral, expected_version)
    _require_requester(actor, locked)
    if locked.status != S.DRAFT:
        raise DomainRuleBroken(
            "Only a draft can change. This referral has been sent.", field="items"
        )
    chosen = {int(pk) for pk in item_ids}
    if not chosen:
        raise DomainRuleBroken("Choose the items to leave out.", field="items")
    left_out = locked.items.filter(pk__in=chosen)
    if left_out.count() != len(chosen):
        raise DomainRuleBroken("Choose items sent with this referral.", field="items")
    left_out.delete()
    _save(locked)
    _audit(actor, locked, "referral.leave_out")
    return locked


# -- referrals from another system (imports) ------------------------------------------------


@dataclass(frozen=True)
class ImportedReferral:
    """A referral as another system holds it: who referred whom to which service, why, with
    what, and how far it has got."""

    requester: RoleProfile
    service: Service
    reason: str
    kind: str = ReferralKind.REFERRAL
    urgency: str = Urgency.ROUTINE
    what_matters: str = ""
    questions: str = ""
    status: str = S.REQUESTED
    requested_at: datetime | None = None
    items: tuple[tuple[str, str], ...] = ()


@transaction.atomic
def import_referral(
    *, actor: Actor, person: Person, referral: ImportedReferral, pk: uuid.UUID, reason: str
) -> Referral:
    """Record a referral made in another system, as it stands there: the same people and
    service, the items that were sent (as the core record's category: what another system sent
    is the receiver's now), and one status step for where it stands (the audit event says it
    was imported; `reason` is the other system's reason for that state, if any). An open one
    gets the service's response deadline from when it was sent. Needs referral.make on the
    person."""
    decision = require(actor, Action.MAKE_REFERRAL, person)
    if referral.status not in S.values:
        raise DomainRuleBroken("That is not a referral state joinedup knows.", field="status")
    if not referral.reason.strip():
        raise DomainRuleBroken("Say why the person was referred.", field="reason")
    sent_at = referral.requested_at
    if sent_at is None and referral.status != S.DRAFT:
        sent_at = timezone.now()
    record = Referral.objects.create(
        id=pk,
        person=person,
        kind=referral.kind if referral.kind in ReferralKind.values else ReferralKind.REFERRAL,
        requester=referral.requester,
        requester_organisation_id=referral.requester.organisation_id,
        service=referral.service,
        receiving_organisation_id=referral.service.organisation_id,
        reason=referral.reason.strip(),
        urgency=referral.urgency if referral.urgency in Urgency.values else Urgency.ROUTINE,
        what_matters=referral.what_matters,
        questions=referral.questions,
        status=referral.status,
        requested_at=sent_at,
        respond_by=respond_by(referral.service, referral.urgency, sent_at)
        if sent_at is not None and referral.status == S.REQUESTED
        else None,
        created_by=actor.user,
    )
    ReferralItem.objects.bulk_create(
        ReferralItem(
            referral=record,
            label=label[:200],
            text=text,
            category_id=CORE_RECORD_CATEGORY,
            source_type="import",
            position=position,
        )
        for position, (label, text) in enumerate(referral.items)
    )
    _change(record, record.status, actor, reason=reason)
    _audit(actor, record, "referral.import", basis=decision.basis or "")
    return record


@transaction.atomic
def import_referral_progress(
    *,
    actor: Actor,
    referral: Referral,
    status: str,
    assigned_to: RoleProfile | None,
    outcome_summary: str,
    reason: str,
) -> bool:
    """Bring an imported referral up to where the other system's Task says it has got: its
    state, who took it on (when that practitioner works for the receiving organisation) and the
    outcome. A step records the change; nothing changes (and False) when it is already there.
    Needs referral.respond on the person."""
    decision = require(actor, Action.RESPOND_TO_REFERRAL, referral.person)
    if status not in S.values:
        raise DomainRuleBroken("That is not a referral state joinedup knows.", field="status")
    if (
        assigned_to is not None
        and assigned_to.organisation_id != referral.receiving_organisation_id
    ):
        raise DomainRuleBroken(
            "The practitioner who took the referral on must work for the receiving organisation.",
            field="assigned_to",
        )
    changes = {
        "status": status,
        "assigned_to_id": assigned_to.pk if assigned_to else referral.assigned_to_id,
        "outcome_summary": outcome_summary or referral.outcome_summary,
    }
    if all(getattr(referral, name) == value for name, value in changes.items()):
        return False
    for name, value in changes.items():
        setattr(referral, name, value)
    if status != S.REQUESTED:
        referral.respond_by = None
    _save(referral, "status", "assigned_to", "outcome_summary", "respond_by")
    _change(referral, status, actor, reason=reason)
    _audit(actor, referral, "referral.import", basis=decision.basis or "")
    return True
