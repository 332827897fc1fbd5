"""Reading the audit trail: a person's access log, the list of everyone who opened or changed
their record. The log is a view over AuditEvent; what it holds is person data, so reading it
goes through the access policy and is itself audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from joinedup.audit.models import AuditEvent, Outcome
from joinedup.core.pagination import PER_PAGE
from joinedup.directory.models import Organisation
from joinedup.people.models import Person
from joinedup.people.selectors import get_person_for
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
    "handover.caseload": "Listed their people to hand over",
    "transfer.acknowledge": "Acknowledged a transfer of care",
    "transfer.start": "Started a transfer of care",
    "sharing.view": "Looked at what is shared and why",
    "access_log.view": "Looked at this list of who has opened the record",
}

# Why the actor could do it: the policy's bases, and the governance work that is not one.
BASIS_WORDS: dict[str, str] = {
    "care_team": "In the care team",
    "same_organisation": "Organisation involved in care",
    "break_glass": "Emergency access (break-glass)",
    "information_governance": "Information governance review",
    "referral_recipient": "Referral sent to their organisation",
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
        role=profile.get_job_role_display() if profile else "",
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
