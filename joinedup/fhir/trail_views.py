"""/fhir/R4/ AuditEvent, Provenance and Communication: the trail of a person's care, read and
search (docs/fhir.md, "AuditEvent, Provenance and Communication").

- AuditEvent is a line of the person's access log: only a reader the access policy lets see
  that person's log (access_log.view) finds any, and each search or read is itself one line
  of the log (audit.selectors).
- Provenance is who changed the person's care team or moved a referral on, from the
  histories the domain keeps (audit.selectors over careteams and referrals), read under the
  same rules as the CareTeam and the Task.
- Communication is a handover between professionals, for its giver and receiver only
  (handovers.selectors).

Every read and every search writes exactly one audit event, in the selectors."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from joinedup.audit.selectors import (
    access_log_event_for,
    access_log_events_for,
    care_plan_version_for,
    care_plan_versions_for,
    care_team_change_for,
    change_history_for,
    referral_step_for,
    referral_steps_for,
)
from joinedup.careteams.selectors import care_team_history_for
from joinedup.core.errors import NotFound
from joinedup.core.routes import Access, Audit, route
from joinedup.fhir import mapping_trail
from joinedup.fhir.mapping import Json
from joinedup.fhir.outcomes import fhir_response, invalid_parameter, not_found, unauthorised
from joinedup.fhir.resource_views import parse_search, reference_id, searchset_response
from joinedup.fhir.views import SearchProblem, fhir_actor, fhir_endpoint
from joinedup.handovers.selectors import handover_for, handovers_found_for
from joinedup.people.selectors import parse_person_id
from joinedup.referrals.models import ReferralStatusChange
from joinedup.sharing.actors import Actor

AUDIT_EVENT_CRITERIA = ("patient", "entity")
DATE_PARAMETERS = ("date", "_lastUpdated")
PROVENANCE_CRITERIA = ("target", "patient")
COMMUNICATION_CRITERIA = ("_id", "patient", "subject", "status")

# Communication.status of a handover: waiting for its read-back, or acknowledged.
ACKNOWLEDGED_OF_STATUS = {"in-progress": False, "completed": True}


# -- reading the parameters -----------------------------------------------------------------


def _one_patient(criteria: dict[str, str], names: Sequence[str]) -> str | None:
    """The person the search names through any of `names` (Patient references), or None.
    Two different people: SearchProblem."""
    given = [(name, criteria[name]) for name in names if name in criteria]
    ids = {reference_id(name, value, "Patient") for name, value in given}
    if len(ids) > 1:
        raise SearchProblem(given[1][0], "Ask about one person at a time.")
    if not ids:
        return None
    [person_id] = ids
    if parse_person_id(person_id) is None:
        raise SearchProblem(given[0][0], f"Give {given[0][0]} as Patient/<id>.")
    return person_id


@dataclass(frozen=True)
class Period:
    since: datetime | None = None
    until: datetime | None = None


def _moment(name: str, value: str) -> tuple[datetime, datetime]:
    """The first and last instant a date or date-time value stands for."""
    try:
        if len(value) == len("YYYY-MM-DD"):
            day = date.fromisoformat(value)
            start = timezone.make_aware(datetime.combine(day, time.min))
            return start, start + timedelta(days=1) - timedelta(microseconds=1)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise SearchProblem(
            name,
            f"Give {name} as a date (YYYY-MM-DD) or a date and time with its time zone, "
            "after ge, gt, le, lt or eq: for example ge2026-01-01.",
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment, moment


def _period(dates: Sequence[tuple[str, str]]) -> Period:
    """Every bound given, together: the latest lower bound and the earliest upper one."""
    lower: list[datetime] = []
    upper: list[datetime] = []
    for name, raw in dates:
        prefix, value = (raw[:2], raw[2:]) if raw[:2].isalpha() else ("eq", raw)
        first, last = _moment(name, value)
        if prefix in ("ge", "eq"):
            lower.append(first)
        if prefix in ("le", "eq"):
            upper.append(last)
        if prefix == "gt":
            lower.append(last + timedelta(microseconds=1))
        if prefix == "lt":
            upper.append(first - timedelta(microseconds=1))
        if prefix not in ("ge", "gt", "le", "lt", "eq"):
            raise SearchProblem(name, f"Use ge, gt, le, lt or eq before the {name}.")
    return Period(since=max(lower, default=None), until=min(upper, default=None))


def _problem(problem: SearchProblem) -> HttpResponse:
    return invalid_parameter(problem.name, problem.diagnostics, code=problem.code)


def _itself(resource: Json) -> Json:
    return resource


# -- AuditEvent: the person's access log ----------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def audit_event_search(request: HttpRequest) -> HttpResponse:
    """A person's access log, newest first, by `patient` or `entity` (Patient/<id>), with
    `date` and `_lastUpdated` ranges. Empty for a person whose log the token may not see.
    One audit event per search (access_log.view), which is itself the first line found."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        asked = parse_search(request, AUDIT_EVENT_CRITERIA, dated=DATE_PARAMETERS)
        person_id = _one_patient(asked.criteria, AUDIT_EVENT_CRITERIA)
        if person_id is None:
            raise SearchProblem(
                "patient", "Search by patient (Patient/<id>): whose access log.", code="required"
            )
        period = _period(asked.dates)
    except SearchProblem as problem:
        return _problem(problem)
    found: Any = []
    with contextlib.suppress(NotFound):
        found = access_log_events_for(actor, person_id, since=period.since, until=period.until)
    return searchset_response(request, "AuditEvent", asked, found, mapping_trail.audit_event)


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def audit_event_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    """One line of a person's access log, for a reader who may see that log; 404 alike for
    no such event and one the token may not see. One audit event (access_log.view)."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        event = access_log_event_for(actor, resource_id)
    except NotFound:
        return not_found()
    return fhir_response(mapping_trail.audit_event(event))


# -- Provenance: who changed the care team or a referral ------------------------------------


def _referral_provenance(steps: Sequence[ReferralStatusChange]) -> list[Json]:
    """Each step as a Provenance, the first step of each referral as its creation."""
    seen: set[object] = set()
    resources = []
    for step in steps:
        resources.append(
            mapping_trail.referral_step_provenance(step, first=step.referral_id not in seen)
        )
        seen.add(step.referral_id)
    return resources


def _by_time(resources: list[Json]) -> list[Json]:
    return sorted(resources, key=lambda resource: str(resource["recorded"]))


TARGETS = ("Task", "CareTeam", "CarePlan")


def _provenance_of_target(actor: Actor, target: str, person_id: str | None) -> list[Json]:
    parts = target.rstrip("/").split("/")
    kind = parts[-2] if len(parts) >= 2 else ""
    if kind not in TARGETS or parse_person_id(parts[-1]) is None:
        raise SearchProblem("target", "Give target as Task/<id>, CareTeam/<id> or CarePlan/<id>.")
    if person_id is not None and kind == "CareTeam" and parts[-1] != person_id:
        return []
    with contextlib.suppress(NotFound):
        if kind == "Task":
            referral, steps = referral_steps_for(actor, parts[-1])
            if person_id is not None and str(referral.person_id) != person_id:
                return []
            return _referral_provenance(steps)
        if kind == "CarePlan":
            versions = care_plan_versions_for(actor, parts[-1])
            return [
                mapping_trail.care_plan_version_provenance(version)
                for version in versions
                if person_id is None or str(version.plan.person_id) == person_id
            ]
        _person, history = care_team_history_for(actor, parts[-1])
        return [mapping_trail.care_team_change_provenance(change) for change in history]
    return []


def _provenance_of_person(actor: Actor, person_id: str) -> list[Json]:
    try:
        history = change_history_for(actor, person_id)
    except NotFound:
        return []
    return _by_time(
        [mapping_trail.care_team_change_provenance(change) for change in history.care_team]
        + [mapping_trail.care_plan_version_provenance(v) for v in history.care_plan_versions]
        + _referral_provenance(history.referral_steps)
    )


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def provenance_search(request: HttpRequest) -> HttpResponse:
    """Who changed what, oldest first: by `target` (Task/<id>: a referral's steps;
    CareTeam/<id>: a care team's changes; CarePlan/<id>: a plan's versions) or `patient`
    (all three, for the referrals on the token's side). Empty when the token may not see
    them. One audit event per search."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        asked = parse_search(request, PROVENANCE_CRITERIA)
        person_id = _one_patient(asked.criteria, ("patient",))
        if "target" in asked.criteria:
            found = _provenance_of_target(actor, asked.criteria["target"], person_id)
        elif person_id is not None:
            found = _provenance_of_person(actor, person_id)
        else:
            raise SearchProblem(
                "target",
                "Search by target (Task/<id> or CareTeam/<id>) or patient.",
                code="required",
            )
    except SearchProblem as problem:
        return _problem(problem)
    return searchset_response(request, "Provenance", asked, found, _itself)


PROVENANCE_PREFIXES = (
    mapping_trail.REFERRAL_STEP_PREFIX,
    mapping_trail.CARE_TEAM_CHANGE_PREFIX,
    mapping_trail.CARE_PLAN_VERSION_PREFIX,
)


def _provenance_read(actor: Actor, resource_id: str) -> Json:
    for prefix in PROVENANCE_PREFIXES:
        number = resource_id.removeprefix(prefix)
        if number != resource_id and number.isascii() and number.isdigit() and len(number) < 19:
            break
    else:
        raise NotFound
    if prefix == mapping_trail.CARE_TEAM_CHANGE_PREFIX:
        _person, change = care_team_change_for(actor, int(number))
        return mapping_trail.care_team_change_provenance(change)
    if prefix == mapping_trail.CARE_PLAN_VERSION_PREFIX:
        return mapping_trail.care_plan_version_provenance(care_plan_version_for(actor, int(number)))
    _referral, steps = referral_step_for(actor, int(number))
    [resource] = [r for r in _referral_provenance(steps) if r["id"] == resource_id]
    return resource


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def provenance_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    """One change: a referral's step (for the two sides of the referral) or a care team's
    change (for those who may see the person). 404 alike for none and one the token may not
    see. One audit event."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        resource = _provenance_read(actor, resource_id)
    except NotFound:
        return not_found()
    return fhir_response(resource)


# -- Communication: handovers ---------------------------------------------------------------


def _acknowledged(criteria: dict[str, str]) -> bool | None:
    if "status" not in criteria:
        return None
    if criteria["status"] not in ACKNOWLEDGED_OF_STATUS:
        raise SearchProblem(
            "status",
            "Give status as in-progress (waiting for the receiver's read-back) or completed "
            "(acknowledged).",
            code="code-invalid",
        )
    return ACKNOWLEDGED_OF_STATUS[criteria["status"]]


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def communication_search(request: HttpRequest) -> HttpResponse:
    """Handovers the token's practitioner gave or is to receive, newest first, by `_id`,
    `patient`/`subject` and `status`. One audit event per search (handover.search)."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        asked = parse_search(request, COMMUNICATION_CRITERIA)
        person_id = _one_patient(asked.criteria, ("patient", "subject"))
        handover_id = parse_person_id(asked.criteria["_id"]) if "_id" in asked.criteria else None
        if "_id" in asked.criteria and handover_id is None:
            raise SearchProblem("_id", "Give _id as a Communication's id.")
        acknowledged = _acknowledged(asked.criteria)
    except SearchProblem as problem:
        return _problem(problem)
    found = handovers_found_for(
        actor,
        handover_id=handover_id,
        person_id=parse_person_id(person_id) if person_id else None,
        acknowledged=acknowledged,
    )
    return searchset_response(request, "Communication", asked, found, mapping_trail.communication)


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def communication_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    """One handover, for its giver and its receiver only; 404 alike for anyone else and for
    none. Audited once per person it names (handovers.selectors.handover_for)."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        handover = handover_for(actor, resource_id)
    except NotFound:
        return not_found()
    return fhir_response(mapping_trail.communication(handover))
