"""Reading what is shared and why: a person's sharing page, agreements, privacy alerts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.audit.services import record_event
from joinedup.core.errors import NotAllowed, NotFound
from joinedup.core.identifiers import format_nhs_number
from joinedup.directory.models import Organisation
from joinedup.people.models import Person
from joinedup.people.selectors import OpenedForChange, parse_person_id
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import (
    AgreementParty,
    BreakGlass,
    ConsentDecision,
    Disclosure,
    InformationCategory,
    PrivacyAlert,
    SharingAgreement,
)
from joinedup.sharing.policy import (
    Action,
    Basis,
    Decision,
    Flow,
    category_flow,
    decide,
    may_break_glass,
    may_govern_information,
)
from joinedup.sharing.services import record_holding_organisations


@dataclass(frozen=True)
class FlowRow:
    """One organisation holding the record, and whether each category it wrote reaches the
    reader's organisation."""

    organisation: Organisation
    flows: list[tuple[InformationCategory, Flow]]


@dataclass(frozen=True)
class SharingOverview:
    person: Person
    decision: Decision
    choices: list[ConsentDecision]
    disclosures: list[Disclosure]
    categories: list[InformationCategory]
    reaching_me: list[FlowRow]


def sharing_overview_for(actor: Actor, person_id: object) -> SharingOverview:
    """The person's sharing page: their consents and objections (withdrawn ones too), the
    disclosures made without consent, and, for each organisation holding the record, which
    categories of what it wrote reach the actor's organisation and why. Audited as one read."""
    parsed = parse_person_id(person_id)
    person = Person.objects.filter(pk=parsed).first() if parsed else None
    decision = (
        decide(actor, Action.VIEW_PERSON, person)
        if person
        else Decision(False, None, "No such record.")
    )
    record_event(
        actor=actor,
        action="sharing.view",
        target_type="Person",
        target_id=person.pk if person else person_id,
        person=person,
        allowed=decision.allowed,
        basis=decision.basis or "",
        reason=decision.reason,
        categories=[],
    )
    if person is None or not decision.allowed or actor.role_profile is None:
        raise NotFound
    categories = list(InformationCategory.objects.order_by("name"))
    mine = actor.role_profile.organisation
    rows = [
        FlowRow(
            organisation=holder,
            flows=[
                (
                    category,
                    category_flow(
                        person=person,
                        author_organisation=holder,
                        reader_organisation=mine,
                        category=category,
                    ),
                )
                for category in categories
            ],
        )
        for holder in record_holding_organisations(person)
    ]
    return SharingOverview(
        person=person,
        decision=decision,
        choices=list(
            ConsentDecision.objects.filter(person=person).select_related(
                "category", "organisation", "created_by", "recorded_by_role__organisation"
            )
        ),
        disclosures=list(
            Disclosure.objects.filter(person=person)
            .select_related("shared_with", "decided_by", "decided_by_role__organisation")
            .prefetch_related("categories")
        ),
        categories=categories,
        reaching_me=rows,
    )


def choice_of(person: Person, choice_id: object) -> ConsentDecision:
    """One consent or objection of a person the caller has already opened (for example with
    people.selectors.open_for_change): part of that access, so not audited again. NotFound for
    anyone else's."""
    parsed = parse_person_id(choice_id)
    choice = (
        ConsentDecision.objects.filter(person=person, pk=parsed)
        .select_related("category", "organisation", "person")
        .first()
        if parsed
        else None
    )
    if choice is None:
        raise NotFound
    return choice


def _choices() -> QuerySet[ConsentDecision]:
    return ConsentDecision.objects.select_related(
        "person",
        "category",
        "organisation",
        "recorded_by_role__organisation",
        "recorded_by_role__practitioner",
    ).order_by("recorded_at", "id")


def _audit_choice_read(
    actor: Actor, person: Person | None, decision: Decision, target_type: str, target_id: object
) -> None:
    record_event(
        actor=actor,
        action="sharing.view",
        target_type=target_type,
        target_id=target_id,
        person=person,
        allowed=decision.allowed,
        basis=decision.basis or "",
        reason=decision.reason,
        categories=[],
    )


def choices_of_person_for(actor: Actor, person_id: object) -> tuple[Person, list[ConsentDecision]]:
    """Every consent and objection of a person (withdrawn ones too, oldest first), for anyone
    who may see the person, as on their sharing page (the FHIR Consent search). NotFound alike
    for a missing or forbidden person. One audit event (sharing.view), allowed or denied."""
    parsed = parse_person_id(person_id)
    person = Person.objects.filter(pk=parsed).first() if parsed else None
    decision = (
        decide(actor, Action.VIEW_PERSON, person)
        if person
        else Decision(False, None, "No such record.")
    )
    _audit_choice_read(actor, person, decision, "Person", person.pk if person else person_id)
    if person is None or not decision.allowed:
        raise NotFound
    return person, list(_choices().filter(person=person))


def _choice(choice_id: object) -> ConsentDecision | None:
    parsed = parse_person_id(choice_id)
    return _choices().filter(pk=parsed).first() if parsed else None


def choice_for(actor: Actor, choice_id: object) -> ConsentDecision:
    """One consent or objection, for anyone who may see the person it belongs to; NotFound
    otherwise, missing and forbidden alike. One audit event (sharing.view) naming it."""
    choice = _choice(choice_id)
    decision = (
        decide(actor, Action.VIEW_PERSON, choice.person)
        if choice
        else Decision(False, None, "No such record.")
    )
    _audit_choice_read(
        actor,
        choice.person if choice else None,
        decision,
        "ConsentDecision",
        choice.pk if choice else choice_id,
    )
    if choice is None or not decision.allowed:
        raise NotFound
    return choice


def choice_for_change(actor: Actor, choice_id: object) -> ConsentDecision:
    """For an interface about to withdraw a consent or objection through
    sharing.services.withdraw_choice (which audits the change): the choice, if the actor may
    see the person, not audited here; NotFound otherwise, audited as a denial."""
    choice = _choice(choice_id)
    if choice is not None and decide(actor, Action.VIEW_PERSON, choice.person).allowed:
        return choice
    record_event(
        actor=actor,
        action="choice.withdraw",
        target_type="ConsentDecision",
        target_id=choice_id,
        allowed=False,
        reason="No such record.",
        categories=[],
    )
    raise NotFound


def choices_of_opened(opened: OpenedForChange) -> list[ConsentDecision]:
    """Every consent and objection of a person the caller has already opened for change
    (people.selectors.open_for_change), oldest first: part of that access, so not audited
    again."""
    return list(_choices().filter(person=opened.person))


def agreements_for(actor: Actor) -> QuerySet[SharingAgreement]:
    """The agreements the actor's organisation is a party to. Organisation-level governance
    data, not person data, so not audited as a read."""
    if actor.role_profile is None:
        return SharingAgreement.objects.none()
    return (
        SharingAgreement.objects.filter(parties__organisation=actor.role_profile.organisation)
        .prefetch_related(
            "categories",
            Prefetch("parties", queryset=AgreementParty.objects.select_related("organisation")),
        )
        .order_by("review_on", "title")
        .distinct()
    )


def agreement_for(actor: Actor, agreement_id: object) -> SharingAgreement:
    """One agreement the actor's organisation is party to, with parties, categories and
    history; NotFound otherwise."""
    parsed = parse_person_id(agreement_id)
    if parsed is None:
        raise NotFound
    agreement = agreements_for(actor).filter(pk=parsed).prefetch_related("events__by").first()
    if agreement is None:
        raise NotFound
    return agreement


def privacy_alerts_for(actor: Actor, *, open_only: bool = True) -> QuerySet[PrivacyAlert]:
    """The break-glass alerts for the actor's organisation, for its privacy officer: the
    review queue (open) or the reviewed ones. Empty for anyone else."""
    if actor.role_profile is None or not may_govern_information(actor):
        return PrivacyAlert.objects.none()
    alerts = PrivacyAlert.objects.filter(organisation=actor.role_profile.organisation)
    alerts = alerts.filter(review__isnull=open_only)
    return alerts.select_related(
        "break_glass__user",
        "break_glass__role_profile__organisation",
        "break_glass__person",
        "review__reviewed_by",
    ).order_by("-created_at")


def exemptions_to_review_for(actor: Actor) -> QuerySet[Disclosure]:
    """Disclosures decided in the actor's organisation whose serious-harm exemption is still in
    force, soonest review first, for its privacy officer."""
    if actor.role_profile is None or not may_govern_information(actor):
        return Disclosure.objects.none()
    return (
        Disclosure.objects.filter(
            decided_by_role__organisation=actor.role_profile.organisation,
            serious_harm_exemption=True,
            exemption_ended_at__isnull=True,
        )
        .select_related("person", "decided_by", "shared_with")
        .order_by("exemption_review_on")
    )


# The basis written on audit events of governance work (as sharing.services does).
GOVERNANCE = "information_governance"
# More records than this with one NHS number would be a data-quality incident, not a choice.
MOST_MATCHES = 5


# -- Emergency access and the privacy officer's queue: each read asks the policy or the
# governance check first and audits what it shows.


@dataclass(frozen=True)
class EmergencyMatch:
    """A person found for emergency access, and whether the actor can already open them."""

    person: Person
    decision: Decision

    @property
    def already_open(self) -> bool:
        return self.decision.allowed


def find_for_break_glass(
    actor: Actor, nhs_number: str, *, shown_again: bool = False
) -> list[EmergencyMatch]:
    """For emergency access only: the people with exactly this NHS number, whoever's care they
    are in, so that staff whose role may break glass can confirm whom they are about to open.
    This reaches beyond the access policy, so each lookup is audited as its own event
    (break_glass.lookup) with the number searched and what was found. NotAllowed for a role
    that may not break glass: for them nobody is looked up at all."""
    if not may_break_glass(actor):
        raise NotAllowed("Your role cannot use emergency access.")
    found = list(
        Person.objects.filter(nhs_number=nhs_number).order_by("family_name", "given_name", "pk")[
            :MOST_MATCHES
        ]
    )
    searched = f"Emergency access: looked up NHS number {format_nhs_number(nhs_number)}"
    again = " (shown again to correct the form)" if shown_again else ""
    if not found:
        record_event(
            actor=actor,
            action="break_glass.lookup",
            target_type="Person",
            basis=Basis.BREAK_GLASS,
            reason=f"{searched}: no one found{again}.",
            categories=[],
        )
    for person in found:
        record_event(
            actor=actor,
            action="break_glass.lookup",
            target_type="Person",
            target_id=person.pk,
            person=person,
            basis=Basis.BREAK_GLASS,
            reason=f"{searched}: found {person.full_name}, born {person.date_of_birth:%d %B %Y}"
            f"{again}.",
            categories=[],
        )
    return [EmergencyMatch(person, decide(actor, Action.VIEW_PERSON, person)) for person in found]


def my_emergency_accesses(actor: Actor) -> list[BreakGlass]:
    """The actor's own emergency accesses in force now, in any of their roles, soonest to end
    first. Audited as one read (break_glass.list) of each person listed."""
    if actor.user is None:
        return []
    now = timezone.now()
    accesses = list(
        BreakGlass.objects.filter(
            user=actor.user, ended_at__isnull=True, starts_at__lte=now, expires_at__gt=now
        )
        .select_related("person", "role_profile__organisation")
        .order_by("expires_at")
    )
    for access in accesses:
        record_event(
            actor=actor,
            action="break_glass.list",
            target_type="BreakGlass",
            target_id=access.pk,
            person=access.person,
            basis=Basis.BREAK_GLASS,
            reason="Listed in My emergency access.",
            categories=[],
        )
    return accesses


def my_emergency_access(actor: Actor, access_id: object) -> BreakGlass:
    """One of the actor's own emergency accesses, to end it; NotFound for anyone else's. Shows
    nothing, so not audited (ending it is)."""
    parsed = parse_person_id(access_id)
    access = (
        BreakGlass.objects.filter(pk=parsed, user=actor.user).first()
        if parsed and actor.user
        else None
    )
    if access is None:
        raise NotFound
    return access


def _governance_read(
    actor: Actor, action: str, person: Person, target_type: str, target_id: object, reason: str
) -> None:
    record_event(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        person=person,
        basis=GOVERNANCE,
        reason=reason,
        categories=[],
    )


def privacy_queue_for(actor: Actor, *, reviewed: bool = False) -> list[PrivacyAlert]:
    """The actor's organisation's break-glass alerts waiting for review (or reviewed), for its
    privacy officer; empty for anyone else. Audited as one read (privacy_alert.list) of each
    person whose record is listed."""
    alerts = list(privacy_alerts_for(actor, open_only=not reviewed))
    for alert in alerts:
        _governance_read(
            actor,
            "privacy_alert.list",
            alert.break_glass.person,
            "PrivacyAlert",
            alert.pk,
            "Listed among reviewed alerts." if reviewed else "Listed in the review queue.",
        )
    return alerts


def get_privacy_alert(actor: Actor, alert_id: object) -> PrivacyAlert:
    """One of the actor's organisation's alerts, open or reviewed, for its privacy officer;
    NotFound otherwise. Not audited: privacy_alert_review_for audits what is shown."""
    parsed = parse_person_id(alert_id)
    if parsed is None:
        raise NotFound
    for open_only in (True, False):
        alert = privacy_alerts_for(actor, open_only=open_only).filter(pk=parsed).first()
        if alert is not None:
            return alert
    raise NotFound


@dataclass(frozen=True)
class AlertReview:
    """What a privacy officer sees to review one emergency access."""

    alert: PrivacyAlert
    access: BreakGlass
    events: list[AuditEvent]


def break_glass_session_events(access: BreakGlass) -> list[AuditEvent]:
    """Everything the user did to the person under this emergency access: events on that
    person's record by that user under the break-glass basis, from its start until it ended
    or expired (the start and an early end included)."""
    until = access.ended_at or access.expires_at
    return list(
        AuditEvent.objects.filter(
            basis=Basis.BREAK_GLASS,
            user_id=access.user_id,
            person_id=access.person_id,
            occurred_at__gte=access.starts_at,
            occurred_at__lte=until,
        )
        .exclude(action="break_glass.list")
        .order_by("occurred_at", "id")
    )


def privacy_alert_review_for(actor: Actor, alert: PrivacyAlert) -> AlertReview:
    """The alert with what happened under the emergency access, for the privacy officer who
    may see the alert (get_privacy_alert). Audited as one read (privacy_alert.view): the
    privacy officer's review is itself an access to the person's record."""
    access = alert.break_glass
    _governance_read(
        actor,
        "privacy_alert.view",
        access.person,
        "BreakGlass",
        access.pk,
        f"Opened to review emergency access by {access.user.get_full_name()}.",
    )
    return AlertReview(alert=alert, access=access, events=break_glass_session_events(access))


def exemptions_listed_for(actor: Actor) -> list[Disclosure]:
    """exemptions_to_review_for, audited as one read (disclosure.exemption.list) of each
    person listed."""
    disclosures = list(exemptions_to_review_for(actor).prefetch_related("categories"))
    for disclosure in disclosures:
        _governance_read(
            actor,
            "disclosure.exemption.list",
            disclosure.person,
            "Disclosure",
            disclosure.pk,
            "Listed among exemptions to review.",
        )
    return disclosures


def exemption_for(actor: Actor, disclosure_id: object, *, audit: bool = True) -> Disclosure:
    """One disclosure whose exemption the actor's organisation reviews; NotFound otherwise.
    Audited (disclosure.exemption.view) when it is to be shown."""
    parsed = parse_person_id(disclosure_id)
    disclosure = (
        exemptions_to_review_for(actor).prefetch_related("categories").filter(pk=parsed).first()
        if parsed
        else None
    )
    if disclosure is None:
        raise NotFound
    if audit:
        _governance_read(
            actor,
            "disclosure.exemption.view",
            disclosure.person,
            "Disclosure",
            disclosure.pk,
            "Opened to review a serious-harm exemption.",
        )
    return disclosure
