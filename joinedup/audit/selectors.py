"""Reading the audit trail: a person's access log, the list of everyone who opened or changed
their record. The log is a view over AuditEvent; what it holds is person data, so reading it
goes through the access policy and is itself audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from joinedup.audit.models import AuditEvent, Outcome
from joinedup.audit.services import record_event
from joinedup.careplans.models import CarePlan, CarePlanVersion
from joinedup.careteams.models import CareTeamChange
from joinedup.careteams.selectors import care_team_history
from joinedup.core.errors import NotFound
from joinedup.core.pagination import PER_PAGE
from joinedup.directory.models import Organisation
from joinedup.people.models import Person
from joinedup.people.selectors import get_person_for, parse_person_id
from joinedup.referrals.models import Referral, ReferralStatus, ReferralStatusChange
from joinedup.referrals.selectors import referral_for
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import Disclosure, Purpose
from joinedup.sharing.policy import Action

# What each audited action means, in the words of the people reading the log. An action not
# named here (a new one) is shown by its code rather than hidden.
ACTION_WORDS: dict[str, str] = {
    "person.view": "Opened the record",
    "person.search": "Found the record in a search",
    "person.possible_duplicate.view": "Saw the record listed as a possible duplicate",
    "person.register": "Registered the person on joinedup",
    "person.edit": "Changed personal details",
    "about_me.edit": "Updated About Me",
    "relationship.edit": "Changed family, carers or attorneys",
    "relationship.add": "Added a family member, carer or advocate",
    "lpa.add": "Recorded a lasting power of attorney",
    "care_team.edit": "Changed the care team",
    "care_team.add": "Added someone to the care team",
    "care_team.change": "Changed someone's role in the care team",
    "care_team.end": "Ended someone's place in the care team",
    "care_team.import": "Brought in care team members from another system",
    "referral.import": "Brought in a referral from another system",
    "person.export": "Included in a bulk export of records",
    "entry.add": "Added to the record",
    "care_plan.start": "Started a care plan",
    "care_plan.edit": "Changed the care plan",
    "care_plan.agreement": "Recorded whether the person agrees with their care plan",
    "choice.record": "Recorded a consent or objection",
    "choice.withdraw": "Withdrew a consent or objection",
    "disclosure.record": "Recorded sharing without consent",
    "disclosure.exemption.end": "Reviewed a decision to share without consent",
    "break_glass.start": "Used emergency access (break-glass)",
    "break_glass.end": "Ended emergency access",
    "break_glass.lookup": "Looked up the record to use emergency access",
    "break_glass.list": "Saw the record in their list of emergency accesses",
    "break_glass.review": "Reviewed an emergency access",
    "privacy_alert.view": "Reviewed an emergency access to the record (privacy officer)",
    "privacy_alert.list": "Saw the record in the privacy officer's review queue",
    "disclosure.exemption.view": "Reviewed a decision to share without consent (privacy officer)",
    "disclosure.exemption.list": "Saw a decision to share without consent in the review list",
    "care_plan.my_actions": "Listed their care-plan actions",
    "care_plan.reviews_due": "Listed care-plan reviews due",
    "caseload.view": "Listed their people",
    "referral.make": "Referred the person to a service",
    "referral.respond": "Responded to a referral",
    "referral.draft": "Started a referral",
    "referral.send": "Sent a referral, with the information chosen",
    "referral.cancel": "Cancelled a referral",
    "referral.accepted": "Accepted a referral",
    "referral.rejected": "Did not accept a referral",
    "referral.in_progress": "Started work on a referral",
    "referral.on_hold": "Put a referral on hold",
    "referral.completed": "Completed a referral and sent back the outcome",
    "referral.failed": "Could not carry out a referral",
    "referral.view": "Opened a referral",
    "referral.list_received": "Listed the referrals to their organisation",
    "referral.list_sent": "Listed the referrals their organisation made",
    "referral.escalate": "A referral passed its response deadline and was escalated",
    "handover.give": "Handed over the person's care to a colleague",
    "handover.acknowledge": "Acknowledged a handover with a read-back",
    "handover.view": "Opened a handover",
    "handover.list": "Listed their handovers",
    "handover.search": "Searched their handovers about the person",
    "handover.caseload": "Listed their people to hand over",
    "transfer.acknowledge": "Acknowledged a transfer of care",
    "transfer.start": "Started a transfer of care",
    "sharing.view": "Looked at what is shared and why",
    "access_log.view": "Looked at this list of who has opened the record",
    "fhir.transaction_refused": "Sent changes from another system that were refused: none kept",
}

# Why the actor could do it: the policy's bases, and the governance work that is not one.
BASIS_WORDS: dict[str, str] = {
    "care_team": "In the care team",
    "same_organisation": "Organisation involved in care",
    "break_glass": "Emergency access (break-glass)",
    "information_governance": "Information governance review",
    "referral_recipient": "Referral sent to their organisation",
    "organisation_system": "A system of an organisation involved in care",
    "region_loader": "Records loaded into joinedup by its operators",
}

_PURPOSE_WORDS = dict(Purpose.choices)
_OUTCOME_WORDS = dict(Outcome.choices)


def action_words(code: str) -> str:
    return ACTION_WORDS.get(code, code)


def basis_words(code: str) -> str:
    return BASIS_WORDS.get(code, code)


@dataclass(frozen=True)
class AccessLogEntry:
    """One access to the person's record, as the log shows it. `user_name` is for staff
    readers; the person's own view of their log shows the role and organisation only."""

    occurred_at: datetime
    organisation: Organisation | None
    role_code: str
    role: str
    user_name: str
    action_code: str
    action: str
    basis_code: str
    basis: str
    purpose_code: str
    purpose: str
    outcome_code: str
    outcome: str
    reason: str

    @property
    def allowed(self) -> bool:
        return self.outcome_code == Outcome.ALLOWED


@dataclass(frozen=True)
class AccessLog:
    """One page of a person's access log, newest first (`page` numbers and counts it), and the
    organisations that appear in the whole log (for a filter)."""

    person: Person
    entries: list[AccessLogEntry]
    page: Page[AuditEvent]
    organisations: list[Organisation]
    shows_names: bool


def _entry(event: AuditEvent) -> AccessLogEntry:
    profile = event.role_profile
    user = event.user
    return AccessLogEntry(
        occurred_at=event.occurred_at,
        organisation=event.organisation,
        role_code=profile.job_role if profile else "",
        role=profile.get_job_role_display()
        if profile
        else ("Computer system" if event.actor_label.startswith("system:") else ""),
        user_name=(user.get_full_name() or user.username) if user else event.actor_label,
        action_code=event.action,
        action=action_words(event.action),
        basis_code=event.basis,
        basis=basis_words(event.basis) if event.basis else "",
        purpose_code=event.purpose,
        purpose=_PURPOSE_WORDS.get(event.purpose, event.purpose),
        outcome_code=event.outcome,
        outcome=_OUTCOME_WORDS.get(event.outcome, event.outcome),
        reason=event.reason,
    )


def _hidden_disclosure_ids(person: Person) -> list[str]:
    """Disclosures whose serious-harm exemption is in force: telling the person about them
    would cause serious harm, so neither they nor the log's other readers see them until a
    privacy officer's review ends the exemption. As strings, as AuditEvent.target_id holds
    them."""
    return [
        str(pk)
        for pk in Disclosure.objects.filter(
            person=person, serious_harm_exemption=True, exemption_ended_at__isnull=True
        ).values_list("pk", flat=True)
    ]


def access_log_events(person: Person) -> QuerySet[AuditEvent]:
    """Every audit event about the person that their access log shows, newest first, filtered
    in SQL. For callers that have already authorised the read (access_log_for)."""
    events = AuditEvent.objects.filter(person=person)
    hidden = _hidden_disclosure_ids(person)
    if hidden:
        events = events.exclude(target_type="Disclosure", target_id__in=hidden)
    return events.order_by("-occurred_at", "-id")


def access_log_for(
    actor: Actor,
    person_id: object,
    *,
    page: int | str | None = 1,
    organisation_id: uuid.UUID | None = None,
    per_page: int = PER_PAGE,
) -> AccessLog:
    """A page of the person's access log: who opened or changed the record, when, in which
    role and organisation, why they could and what happened. Any staff actor may call it; the
    policy decides (VIEW_ACCESS_LOG) and NotFound answers a forbidden record as a missing one.

    Audits one event for this read (access_log.view), written before the log is read, so the
    reader's own look is the first line. Disclosures under a serious-harm exemption are left
    out. A fixed number of queries whatever the log's length; `page` is a page number as
    typed (an invalid or out-of-range one gives the nearest page)."""
    person = get_person_for(actor, person_id, action=Action.VIEW_ACCESS_LOG)
    events = access_log_events(person)
    organisations = list(
        Organisation.objects.filter(
            pk__in=events.filter(organisation__isnull=False).values("organisation")
        ).order_by("name")
    )
    if organisation_id is not None:
        events = events.filter(organisation_id=organisation_id)
    events = events.select_related("user", "role_profile", "organisation")
    one_page = Paginator(events, per_page).get_page(page)
    return AccessLog(
        person=person,
        entries=[_entry(event) for event in one_page.object_list],
        page=one_page,
        organisations=organisations,
        shows_names=True,
    )


# -- for the FHIR interface (fhir/trail_views.py) -------------------------------------------
# The access log a page at a time by date, one event of it, and the history the domain keeps
# of care-team and referral changes (FHIR Provenance). Each read asks the policy and writes
# exactly one audit event.


def _with_details(events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    return events.select_related(
        "user",
        "role_profile__practitioner",
        "role_profile__organisation",
        "organisation",
        "person",
        "seal",
    )


def access_log_events_for(
    actor: Actor,
    person_id: object,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """The person's access log, newest first, optionally from `since` and up to `until`
    (both inclusive), for the caller to page through. The same policy as access_log_for
    (VIEW_ACCESS_LOG; NotFound alike for a missing person and a log the actor may not see)
    and the same one audit event (access_log.view), written before the log is read, so the
    reader's own look is in it."""
    person = get_person_for(actor, person_id, action=Action.VIEW_ACCESS_LOG)
    events = access_log_events(person)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    if until is not None:
        events = events.filter(occurred_at__lte=until)
    return _with_details(events)


def access_log_event_for(actor: Actor, event_id: object) -> AuditEvent:
    """One event of a person's access log, if the actor may see that person's log. NotFound
    alike for no such event, an event about no one, one the log leaves out (a disclosure
    under a serious-harm exemption) and a log the actor may not see. One audit event
    (access_log.view) either way."""
    text = str(event_id)
    event = (
        AuditEvent.objects.filter(pk=int(text), person__isnull=False).first()
        if text.isascii() and text.isdigit() and len(text) < 19
        else None
    )
    if event is None:
        record_event(
            actor=actor,
            action=Action.VIEW_ACCESS_LOG,
            target_type="AuditEvent",
            target_id=text[:64],
            allowed=False,
            reason="No such event in anyone's access log.",
            categories=[],
        )
        raise NotFound
    person = get_person_for(actor, event.person_id, action=Action.VIEW_ACCESS_LOG)
    shown = _with_details(access_log_events(person).filter(pk=event.pk)).first()
    if shown is None:
        raise NotFound
    return shown


@dataclass(frozen=True)
class ChangeHistory:
    """What the domain keeps of changes to a person's care, oldest first: each change to the
    care team, each version of their care plans (who and when only: what changed is in the
    plan's own history, filtered item by item) and each step of the referrals the actor's
    organisation sent or received."""

    person: Person
    care_team: list[CareTeamChange]
    care_plan_versions: list[CarePlanVersion]
    referral_steps: list[ReferralStatusChange]


def _versions(versions: QuerySet[CarePlanVersion]) -> list[CarePlanVersion]:
    return list(
        versions.select_related(
            "plan",
            "created_by",
            "created_by_role__practitioner",
            "created_by_role__organisation",
        ).order_by("created_at", "number", "id")
    )


def _steps(steps: QuerySet[ReferralStatusChange]) -> list[ReferralStatusChange]:
    return list(
        steps.select_related(
            "referral__service",
            "referral__person",
            "by",
            "by_role__practitioner",
            "by_role__organisation",
        ).order_by("at", "id")
    )


def _sides(actor: Actor) -> Q:
    """Referrals the actor's organisation made or received (drafts only to their maker): the
    two sides referrals.selectors lets read a referral."""
    organisation = actor.organisation_id
    if organisation is None:
        return Q(pk__in=[])
    return Q(referral__requester_organisation_id=organisation) | (
        Q(referral__receiving_organisation_id=organisation)
        & ~Q(referral__status=ReferralStatus.DRAFT)
    )


def change_history_for(actor: Actor, person_id: object) -> ChangeHistory:
    """The history of the person's care team and of their referrals on the actor's side, if
    the actor may see the person (NotFound otherwise, as for a missing record). Audited as
    one read of the person's record (by get_person_for)."""
    person = get_person_for(actor, person_id)
    steps = ReferralStatusChange.objects.filter(_sides(actor), referral__person=person)
    return ChangeHistory(
        person=person,
        care_team=list(care_team_history(person)),
        care_plan_versions=_versions(CarePlanVersion.objects.filter(plan__person=person)),
        referral_steps=_steps(steps),
    )


def _refuse(actor: Actor, target_type: str, target_id: object, reason: str) -> None:
    record_event(
        actor=actor,
        action=Action.VIEW_PERSON,
        target_type=target_type,
        target_id=str(target_id)[:64],
        allowed=False,
        reason=reason,
        categories=[],
    )


def care_plan_versions_for(actor: Actor, plan_id: object) -> list[CarePlanVersion]:
    """Every version of one care plan, oldest first (who and when), if the actor may see the
    person (NotFound otherwise, and for no such plan). Audited as one read of the person's
    record."""
    parsed = parse_person_id(plan_id)
    person_id = (
        CarePlan.objects.filter(pk=parsed).values_list("person_id", flat=True).first()
        if parsed
        else None
    )
    if person_id is None:
        _refuse(actor, "CarePlan", plan_id, "No such care plan.")
        raise NotFound
    get_person_for(actor, person_id)
    return _versions(CarePlanVersion.objects.filter(plan_id=parsed))


def care_plan_version_for(actor: Actor, version_id: int) -> CarePlanVersion:
    """One version of a care plan (who and when), on the terms of care_plan_versions_for."""
    plan_id = (
        CarePlanVersion.objects.filter(pk=version_id).values_list("plan_id", flat=True).first()
    )
    if plan_id is None:
        _refuse(actor, "CarePlanVersion", version_id, "No such version of a care plan.")
        raise NotFound
    [version] = [v for v in care_plan_versions_for(actor, plan_id) if v.pk == version_id]
    return version


def referral_steps_for(
    actor: Actor, referral_id: object
) -> tuple[Referral, list[ReferralStatusChange]]:
    """A referral and every step of its workflow, oldest first, for the referrer's
    organisation or the receiving one only (NotFound otherwise). Audited once, as
    referrals.selectors.referral_for audits opening the referral."""
    referral = referral_for(actor, referral_id)
    return referral, _steps(ReferralStatusChange.objects.filter(referral=referral))


def referral_step_for(actor: Actor, step_id: int) -> tuple[Referral, list[ReferralStatusChange]]:
    """The referral one workflow step belongs to, and all its steps, on the same terms as
    referral_steps_for (one audit event; NotFound for a step of someone else's referral and
    for no such step alike)."""
    referral_id = (
        ReferralStatusChange.objects.filter(pk=step_id)
        .values_list("referral_id", flat=True)
        .first()
    )
    return referral_steps_for(actor, referral_id if referral_id is not None else f"step {step_id}")


def care_team_change_for(actor: Actor, change_id: int) -> tuple[Person, CareTeamChange]:
    """One change to a care team, if the actor may see the person (NotFound otherwise, and for
    no such change). Audited as one read of the person's record."""
    person_id = (
        CareTeamChange.objects.filter(pk=change_id).values_list("person_id", flat=True).first()
    )
    if person_id is None:
        _refuse(actor, "CareTeamChange", change_id, "No such change to a care team.")
        raise NotFound
    person = get_person_for(actor, person_id)
    change = care_team_history(person).get(pk=change_id)
    return person, change
