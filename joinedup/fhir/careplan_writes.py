"""/fhir/R4/ CarePlan and Goal writes: starting a plan (POST, with If-None-Exist), changing
its sections (PUT with If-Match) and setting a goal (POST) (docs/fhir.md, "CarePlan and Goal"),
and the addresses that take them, which hand GET to careplan_views.py.

Writes go through careplans.services, which decide who may change a plan and audit the
change; the plan a write names is found through careplans.selectors, so the access policy
decides (404 alike for a plan that does not exist and one the token may not see). The
answers to what a write gets wrong are fhir/writes.py's."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from joinedup.careplans.models import CarePlan, PlanStatus
from joinedup.careplans.selectors import (
    care_plan_by_id_for,
    plan_to_change_by_id_for,
    plan_to_change_for,
    plan_view_of,
    plans_to_change_for,
)
from joinedup.careplans.services import (
    GoalTerms,
    PlanConflict,
    change_plan_sections,
    set_goal,
    start_care_plan,
)
from joinedup.core.errors import DomainRuleBroken, NotFound
from joinedup.core.routes import Access, Audit, route
from joinedup.fhir import mapping_careplans
from joinedup.fhir.careplan_views import (
    CARE_PLAN_CRITERIA,
    GOAL_ELEMENT,
    PLAN_ELEMENT,
    care_plan_read,
    care_plan_search,
    goal_search,
    person_criterion,
    plan_answer,
    plan_record,
    plans_matching,
    version_url,
)
from joinedup.fhir.mapping import Json
from joinedup.fhir.mapping_careplans import BadElement, Sections
from joinedup.fhir.outcomes import invalid_parameter, unauthorised
from joinedup.fhir.views import SearchProblem, base_url, fhir_actor
from joinedup.fhir.writes import (
    REFUSALS,
    Refusals,
    answer,
    answering,
    condition_criteria,
    expected_version,
    refused,
    resource_body,
    several_match,
    stale,
    update,
)
from joinedup.sharing.actors import Actor

NOT_YOURS = "Your role cannot change this person's care plan."


# -- the addresses --------------------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@csrf_exempt
def care_plans(request: HttpRequest) -> HttpResponse:
    """GET: plans by `patient`/`subject`, `_id`, `status`, `_lastUpdated` (one audit event per
    search, by careplans.selectors). POST: start a person's plan through careplans.services
    (which audit it), with If-None-Exist honoured."""
    return answering(
        request,
        "GET, POST",
        {"GET": lambda: care_plan_search(request), "POST": lambda: _care_plan_create(request)},
    )


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@csrf_exempt
def care_plan(request: HttpRequest, resource_id: str) -> HttpResponse:
    """GET: one plan with what the token's organisation may see (one audit event). PUT:
    change the plan's sections through careplans.services (If-Match required)."""
    return answering(
        request,
        "GET, PUT",
        {
            "GET": lambda: care_plan_read(request, resource_id),
            "PUT": lambda: _care_plan_update(request, resource_id),
        },
    )


# -- what a plan sent must say ---------------------------------------------------------------


def _status_stays(body: Json, status: str) -> None:
    if body.get("status") != status:
        raise BadElement(
            f"Send status {status}: a plan is started active, and closing a plan is done on "
            "the care plan pages.",
            "CarePlan.status",
            code="business-rule",
        )
    if body.get("intent") != "plan":
        raise BadElement("Send intent plan.", "CarePlan.intent", code="code-invalid")


# -- CarePlan: create -----------------------------------------------------------------------


def _condition(raw: str) -> dict[str, str]:
    criteria = condition_criteria(raw, "CarePlan", CARE_PLAN_CRITERIA)
    if person_criterion(criteria) is None:
        raise SearchProblem(
            "If-None-Exist",
            "If-None-Exist must name the person: patient=Patient/<id>.",
            code="required",
        )
    return criteria


def _existing(request: HttpRequest, actor: Actor, raw: str) -> HttpResponse | None:
    """The answer to a conditional create when the condition matches plans (200 with the one
    found, 412 when several are), or None to go on and create."""
    try:
        criteria = _condition(raw)
        person_id = person_criterion(criteria)
        try:
            _, plans = plans_to_change_for(actor, person_id)
        except NotFound:
            plans = []
        matched = plans_matching(plans, criteria)
    except SearchProblem as problem:
        return invalid_parameter(problem.name, problem.diagnostics, code=problem.code)
    if not matched:
        return None
    if len(matched) > 1:
        return several_match(len(matched), "care plans", code="duplicate")
    view = care_plan_by_id_for(actor, matched[0].pk)
    assert view.plan is not None  # noqa: S101
    return plan_answer(view, location=version_url(request, view.plan))


def _start(actor: Actor, person_id: str, sections: Sections) -> CarePlan:
    try:
        person = plan_to_change_for(actor, person_id).person
    except NotFound:
        raise BadElement(
            "There is no patient with this id that you can see.",
            "CarePlan.subject",
            code="not-found",
        ) from None
    with transaction.atomic():
        plan = start_care_plan(
            actor=actor,
            person=person,
            what_matters=sections.what_matters,
            review_every_weeks=sections.review_every_weeks or 12,
        )
        next_on = sections.next_review_on or plan.next_review_on
        if sections.contingency or sections.whom_to_call or next_on != plan.next_review_on:
            change_plan_sections(
                actor=actor,
                plan=plan,
                expected_version=plan.version,
                what_matters=plan.what_matters,
                contingency=sections.contingency,
                whom_to_call=sections.whom_to_call,
                review_every_weeks=plan.review_every_weeks,
                next_review_on=next_on,
            )
    return plan


def _care_plan_create(request: HttpRequest) -> HttpResponse:
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        body = resource_body(request, "CarePlan", None)
        condition = request.headers.get("If-None-Exist", "").strip()
        found = _existing(request, actor, condition) if condition else None
        if found is not None:
            return found
        _status_stays(body, "active")
        person_id = mapping_careplans.patient_id_of(body, "subject")
        plan = _start(actor, person_id, mapping_careplans.plan_sections(body))
    except REFUSALS as error:
        return refused(error, Refusals(PLAN_ELEMENT, "CarePlan.subject", NOT_YOURS))
    view = plan_view_of(actor, plan.person)  # the start was audited: not again
    return plan_answer(view, status=201, location=version_url(request, plan))


# -- CarePlan: update -----------------------------------------------------------------------


def _care_plan_update(request: HttpRequest, resource_id: str) -> HttpResponse:
    return update(
        request,
        "CarePlan",
        resource_id,
        find=plan_to_change_by_id_for,
        record=plan_record,
        change=_changed,
        how=Refusals(PLAN_ELEMENT, "CarePlan", NOT_YOURS),
    )


def _changed(actor: Actor, plan: CarePlan, body: Json, version: int) -> HttpResponse:
    if mapping_careplans.patient_id_of(body, "subject") != str(plan.person_id):
        raise BadElement("A plan's person cannot change.", "CarePlan.subject")
    _status_stays(body, mapping_careplans.PLAN_STATUS[PlanStatus(plan.status)])
    sections = mapping_careplans.plan_sections(body)
    scheduled = sections.review_every_weeks is not None
    try:
        changed = change_plan_sections(
            actor=actor,
            plan=plan,
            expected_version=version,
            what_matters=sections.what_matters,
            contingency=sections.contingency,
            whom_to_call=sections.whom_to_call,
            review_every_weeks=sections.review_every_weeks or plan.review_every_weeks,
            next_review_on=sections.next_review_on if scheduled else plan.next_review_on,
        )
    except PlanConflict as conflict:
        return stale(plan_record(conflict.current))
    view = plan_view_of(actor, changed.person)  # the change was audited: not again
    return plan_answer(view)


# -- Goal: set ------------------------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@csrf_exempt
def goals(request: HttpRequest) -> HttpResponse:
    """GET: goals by `patient`/`subject`, `_id`, `lifecycle-status` (one audit event per
    search). POST: set a goal in the person's active plan through careplans.services (which
    audit it); If-Match, if sent, must name the plan's current version."""
    return answering(
        request,
        "GET, POST",
        {"GET": lambda: goal_search(request), "POST": lambda: _goal_create(request)},
    )


def _plan_of(actor: Actor, body: Json) -> CarePlan:
    person_id = mapping_careplans.patient_id_of(body, "subject")
    try:
        plan = plan_to_change_for(actor, person_id).plan
    except NotFound:
        raise BadElement(
            "There is no patient with this id that you can see.", "Goal.subject", code="not-found"
        ) from None
    if plan is None:
        raise BadElement(
            "This person has no care plan yet: start one (POST a CarePlan) before setting goals.",
            "Goal.subject",
            code="business-rule",
        )
    return plan


def _goal_create(request: HttpRequest) -> HttpResponse:
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        body = resource_body(request, "Goal", None)
        if body.get("lifecycleStatus") != "active":
            raise BadElement(
                "A goal is set as active: send lifecycleStatus active.",
                "Goal.lifecycleStatus",
                code="business-rule",
            )
        fields = mapping_careplans.goal_fields(body)
        plan = _plan_of(actor, body)
        version: int | None = None
        if request.headers.get("If-Match"):
            named = expected_version(request, plan_record(plan))
            if isinstance(named, HttpResponse):
                return named
            version = named
        made = set_goal(
            actor=actor,
            plan=plan,
            expected_version=version,
            terms=GoalTerms(
                in_their_words=fields.in_their_words,
                measurable=fields.measurable,
                levels=fields.levels,
                baseline=fields.baseline,
                weight=fields.weight,
                category=fields.category,
            ),
        )
    except PlanConflict as conflict:
        return stale(plan_record(conflict.current))
    except REFUSALS as error:
        levels = isinstance(error, DomainRuleBroken) and (error.field or "").startswith("level_")
        element = "Goal.target" if levels else "Goal"
        return refused(error, Refusals(GOAL_ELEMENT, element, NOT_YOURS))
    made.plan.person = plan.person
    return answer(
        mapping_careplans.goal(made),
        status=201,
        etag=plan_record(plan).etag,
        location=f"{base_url(request)}/Goal/{made.pk}",
    )
