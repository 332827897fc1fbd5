"""Reading what is shared and why: a person's sharing page, agreements, privacy alerts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from joinedup.audit.services import record_event
from joinedup.core.errors import NotFound
from joinedup.directory.models import Organisation
from joinedup.people.models import Person
from joinedup.people.selectors import parse_person_id
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import (
    AgreementParty,
    ConsentDecision,
    Disclosure,
    InformationCategory,
    PrivacyAlert,
    SharingAgreement,
)
from joinedup.sharing.policy import (
    Action,
    Decision,
    Flow,
    category_flow,
    decide,
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
