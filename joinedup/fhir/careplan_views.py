"""/fhir/R4/ CarePlan and Goal: read, search and the plan's versions (_history and vread)
(docs/fhir.md, "CarePlan and Goal"). Starting a plan, changing it and setting a goal, and the
addresses that take those writes, are in careplan_writes.py.

Plans and goals are read through careplans.selectors, so the access policy decides (a person
the token may not see has no plans or goals it can read: 404, or an empty search) and each
read or search writes one audit event. Each item's information category decides whether it
reaches the token's organisation, as on the pages."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.http import HttpRequest, HttpResponse

from joinedup.api.versions import strong_etag
from joinedup.careplans.models import CarePlan, CarePlanVersion, Goal, GoalStatus, PlanStatus
from joinedup.careplans.selectors import (
    PlanVersions,
    PlanView,
    care_plan_by_id_for,
    care_plans_of_for,
    goal_for,
    goals_of_for,
    plan_versions_for,
)
from joinedup.core.errors import NotFound
from joinedup.core.routes import Access, Audit, route
from joinedup.fhir import mapping_careplans
from joinedup.fhir.mapping import Json
from joinedup.fhir.outcomes import fhir_response, not_found, unauthorised
from joinedup.fhir.resource_views import person_search, reference_id
from joinedup.fhir.views import SearchProblem, base_url, fhir_actor, fhir_endpoint
from joinedup.fhir.writes import Record, answer
from joinedup.sharing.actors import Actor

CARE_PLAN_CRITERIA = ("_id", "patient", "subject", "status", "_lastUpdated")
GOAL_CRITERIA = ("_id", "patient", "subject", "lifecycle-status")
CARE_PLAN_STATUSES = frozenset(
    {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
)
GOAL_STATUSES = frozenset(
    {
        "proposed",
        "planned",
        "accepted",
        "active",
        "on-hold",
        "completed",
        "cancelled",
        "entered-in-error",
        "rejected",
    }
)
DATE_PREFIXES = ("eq", "gt", "ge", "lt", "le")

# The element each field a care plan service names comes from.
PLAN_ELEMENT = {
    "review_every_weeks": "CarePlan.activity.detail.scheduledTiming.repeat.period",
}
GOAL_ELEMENT = {
    "in_their_words": "Goal.description",
    "measurable": "Goal.target.measure",
    "baseline": "Goal.extension",
    "weight": "Goal.extension",
    "category": "Goal.category",
}


def plan_record(plan: CarePlan) -> Record:
    return Record("care plan", "CarePlan", plan.pk, plan.version)


def plan_answer(view: PlanView, *, status: int = 200, location: str | None = None) -> HttpResponse:
    assert view.plan is not None  # noqa: S101 - only plans that exist are answered
    return answer(
        mapping_careplans.care_plan(view),
        status=status,
        etag=plan_record(view.plan).etag,
        location=location,
    )


def version_url(request: HttpRequest, plan: CarePlan) -> str:
    return f"{base_url(request)}/CarePlan/{plan.pk}/_history/{plan.version}"


def person_criterion(criteria: dict[str, str]) -> str | None:
    """The Patient id named by patient and/or subject (which must agree), or None."""
    named = {
        reference_id(name, criteria[name], "Patient")
        for name in ("patient", "subject")
        if name in criteria
    }
    if len(named) > 1:
        raise SearchProblem("subject", "Give patient and subject as the same Patient.")
    return next(iter(named), None)


# -- _lastUpdated ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Instant:
    """A `_lastUpdated` criterion: a prefix and the span of time its value covers."""

    prefix: str
    start: datetime
    end: datetime

    def matches(self, moment: datetime) -> bool:
        return {
            "eq": self.start <= moment < self.end,
            "gt": moment >= self.end,
            "ge": moment >= self.start,
            "lt": moment < self.start,
            "le": moment < self.end,
        }[self.prefix]


def _instant(raw: str) -> Instant:
    prefix, value = (raw[:2], raw[2:]) if raw[:2] in DATE_PREFIXES else ("eq", raw)
    problem = SearchProblem(
        "_lastUpdated",
        "Give _lastUpdated as a date (YYYY-MM-DD) or a date and time with a time zone, "
        "optionally after eq, gt, ge, lt or le.",
    )
    try:
        if len(value) == len("YYYY-MM-DD"):
            day = datetime.fromisoformat(value).replace(tzinfo=UTC)
            return Instant(prefix, day, day + timedelta(days=1))
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise problem from None
    if moment.tzinfo is None:
        raise problem
    return Instant(prefix, moment, moment + timedelta(microseconds=1))


def plans_matching(plans: Sequence[CarePlan], criteria: dict[str, str]) -> list[CarePlan]:
    """The plans that meet the criteria other than the person."""
    status = criteria.get("status")
    if status is not None and status not in CARE_PLAN_STATUSES:
        raise SearchProblem(
            "status", "Give status as a CarePlan status, such as active.", code="code-invalid"
        )
    updated = _instant(criteria["_lastUpdated"]) if "_lastUpdated" in criteria else None
    return [
        plan
        for plan in plans
        if ("_id" not in criteria or str(plan.pk) == criteria["_id"])
        and (status is None or mapping_careplans.PLAN_STATUS[PlanStatus(plan.status)] == status)
        and (updated is None or updated.matches(plan.updated_at))
    ]


# -- CarePlan: read and search --------------------------------------------------------------


def _find_plans(actor: Actor, criteria: dict[str, str]) -> list[PlanView]:
    person_id = person_criterion(criteria)
    views: list[PlanView] = []
    if person_id is None and "_id" not in criteria:
        raise SearchProblem(
            "patient", "Search by patient (Patient/<id>), subject or _id.", code="required"
        )
    plans_matching([], criteria)  # checks the criteria before anything is read or audited
    with contextlib.suppress(NotFound):
        if person_id is not None:
            views = care_plans_of_for(actor, person_id)
        else:
            views = [care_plan_by_id_for(actor, criteria["_id"])]
    kept = plans_matching([view.plan for view in views if view.plan is not None], criteria)
    return [
        view
        for view in views
        if view.plan in kept and (person_id is None or str(view.person.pk) == person_id)
    ]


@fhir_endpoint
def care_plan_search(request: HttpRequest) -> HttpResponse:
    return person_search(
        request, "CarePlan", CARE_PLAN_CRITERIA, _find_plans, mapping_careplans.care_plan
    )


@fhir_endpoint
def care_plan_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        view = care_plan_by_id_for(actor, resource_id)
    except NotFound:
        return not_found()
    return plan_answer(view)


# -- CarePlan: versions ---------------------------------------------------------------------


def _version_resource(versions: PlanVersions, version: CarePlanVersion) -> Json:
    plan = versions.view.plan
    assert plan is not None  # noqa: S101 - plan_versions_for always finds a plan
    if version.number == plan.version:
        return mapping_careplans.care_plan(versions.view)
    return mapping_careplans.care_plan_version(plan, version, versions.shows)


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def care_plan_history(request: HttpRequest, resource_id: str) -> HttpResponse:
    """Every version of the plan, newest first, as a history Bundle: the current version as a
    read gives it, earlier ones from the snapshots kept, without the items the token's
    organisation may not see. One audit event (careplans.selectors.plan_versions_for)."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        versions = plan_versions_for(actor, resource_id)
    except NotFound:
        return not_found()
    root = base_url(request)
    plan_url = f"{root}/CarePlan/{resource_id}"
    entries = [
        {
            "fullUrl": plan_url,
            "resource": _version_resource(versions, version),
            "request": {
                "method": "POST" if version.number == 1 else "PUT",
                "url": "CarePlan" if version.number == 1 else f"CarePlan/{resource_id}",
            },
            "response": {
                "status": "201" if version.number == 1 else "200",
                "etag": f'W/"{version.number}"',
                "lastModified": version.created_at.isoformat(),
            },
        }
        for version in reversed(versions.versions)
    ]
    bundle: Json = {
        "resourceType": "Bundle",
        "type": "history",
        "total": len(entries),
        "link": [{"relation": "self", "url": f"{plan_url}/_history"}],
    }
    if entries:
        bundle["entry"] = entries
    return fhir_response(bundle)


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def care_plan_vread(request: HttpRequest, resource_id: str, version_id: str) -> HttpResponse:
    """One version of the plan (vread): the current one as a read gives it, an earlier one from
    its snapshot. 404 for a version that was never made. One audit event."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        versions = plan_versions_for(actor, resource_id)
    except NotFound:
        return not_found()
    found = [v for v in versions.versions if str(v.number) == version_id]
    if not found:
        return not_found()
    return answer(
        _version_resource(versions, found[0]),
        etag=strong_etag(found[0].plan_id, found[0].number),
    )


# -- Goal -----------------------------------------------------------------------------------


def _find_goals(actor: Actor, criteria: dict[str, str]) -> list[Goal]:
    person_id = person_criterion(criteria)
    if person_id is None and "_id" not in criteria:
        raise SearchProblem(
            "patient", "Search by patient (Patient/<id>), subject or _id.", code="required"
        )
    status = criteria.get("lifecycle-status")
    if status is not None and status not in GOAL_STATUSES:
        raise SearchProblem(
            "lifecycle-status",
            "Give lifecycle-status as a Goal lifecycle status, such as active.",
            code="code-invalid",
        )
    goals: list[Goal] = []
    with contextlib.suppress(NotFound):
        goals = (
            goals_of_for(actor, person_id)
            if person_id is not None
            else [goal_for(actor, criteria["_id"])]
        )
    return [
        goal
        for goal in goals
        if ("_id" not in criteria or str(goal.pk) == criteria["_id"])
        and (person_id is None or str(goal.plan.person_id) == person_id)
        and (status is None or mapping_careplans.GOAL_LIFECYCLE[GoalStatus(goal.status)] == status)
    ]


@fhir_endpoint
def goal_search(request: HttpRequest) -> HttpResponse:
    return person_search(request, "Goal", GOAL_CRITERIA, _find_goals, mapping_careplans.goal)


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def goal(request: HttpRequest, resource_id: str) -> HttpResponse:
    """One goal, if the token may see the person and its organisation may see the goal (its
    information category decides): 404 alike otherwise. One audit event."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        found = goal_for(actor, resource_id)
    except NotFound:
        return not_found()
    return fhir_response(mapping_careplans.goal(found))
