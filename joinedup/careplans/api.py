"""The care plan endpoints of /api/v1/people/{person_id}/care-plan: the plan as the token's
organisation may see it, its history, and every change to it.

Reads go through careplans.selectors and writes through careplans.services, which ask the
access policy, keep every version and audit; these functions check input, turn ids into the
objects the services take (through selectors) and shape output.

Concurrency: the ETag of a plan is strong, `"<plan id>-<version>"`, and every write to an
existing plan needs it in If-Match (428 without; 412, changing nothing, when stale). Creates
accept an Idempotency-Key (api/idempotency.py)."""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Router, Schema
from ninja.params import HeaderEx, P

from joinedup.accounts.models import RoleProfile
from joinedup.api.auth import actor_of
from joinedup.api.declarations import declare
from joinedup.api.idempotency import HEADER_DESCRIPTION, idempotent
from joinedup.api.problems import FieldProblem, InvalidInput, problem
from joinedup.api.schemas import Coded, OrganisationRef, Problem
from joinedup.api.schemas_careplans import (
    ActionIn,
    ActionOut,
    ActionStatusIn,
    AgreementIn,
    AgreementOut,
    CarePlanOut,
    ChoiceIn,
    ChoiceOut,
    DecisionIn,
    DecisionOut,
    GoalIn,
    GoalOut,
    GoalScoreOut,
    NeedIn,
    NeedOut,
    OptionOut,
    ParticipantOut,
    PersonInLifeRef,
    PlanHistoryOut,
    PlanOut,
    PlanSectionsIn,
    PlanStartIn,
    ReviewIn,
    ReviewOut,
    ReviewScoreOut,
    StaffRef,
    TScoreOut,
    VersionOut,
)
from joinedup.api.versions import IfMatchMissing, strong_etag, version_named
from joinedup.careplans.competence import action_types
from joinedup.careplans.models import (
    CarePlan,
    Decision,
    GoalScore,
    InformedChoice,
    PlanAction,
    PlanAgreement,
    PlanNeed,
    PlanReview,
    View,
)
from joinedup.careplans.models import Goal as GoalModel
from joinedup.careplans.selectors import (
    PlanView,
    action_to_change_for,
    care_plan_for,
    care_team_organisation,
    care_team_role_profile,
    goals_to_change_for,
    organisation_by_id,
    plan_history_for,
    plan_to_change_for,
    relationship_of,
)
from joinedup.careplans.services import (
    GoalScoreTerms,
    GoalTerms,
    OptionTerms,
    ParticipantView,
    PlanConflict,
    ReviewTerms,
    add_action,
    add_need,
    change_action_status,
    change_plan_sections,
    record_decision,
    record_informed_choice,
    record_plan_agreement,
    record_review,
    set_goal,
    start_care_plan,
)
from joinedup.core.errors import DomainRuleBroken, NotFound
from joinedup.core.routes import Access, Audit
from joinedup.directory.models import Organisation
from joinedup.directory.selectors import get_role_profile
from joinedup.people.models import Person, Relationship
from joinedup.sharing.actors import Actor

router = Router(tags=["care plans"])

PLAN = "/{person_id}/care-plan"
JSON = "application/json; charset=utf-8"

ETAG_RULE = (
    "The ETag header names the plan's version, as a strong entity tag: "
    '`"<plan id>-<version>"`, for example `"3f0c…-4"`. It changes with every change to the '
    "plan (recording the person's agreement does not change the version)."
)
IF_MATCH_RULE = (
    "**Every change to an existing plan needs `If-Match`** with the ETag of the plan as you "
    "last read it (from GET, or from the answer to your own last change). Without it the "
    "answer is 428. If someone changed the plan after you read it, the answer is 412 with the "
    "current ETag and version, and nothing is changed: read the plan again and decide whether "
    "your change still stands. So two people never silently overwrite each other."
)
IDEMPOTENCY_RULE = (
    "Send an `Idempotency-Key` to make retrying safe: the same key and request get the first "
    "answer again instead of a second item."
)
IF_MATCH_DESCRIPTION = (
    'Required. The plan\'s ETag as you last read it, e.g. `"<plan id>-<version>"`. Without it: '
    "428; stale: 412 and nothing changes."
)

# Header parameters, declared so the OpenAPI document shows them; the values are read from the
# request where they are used.
IfMatch = HeaderEx[str | None, P(alias="If-Match", description=IF_MATCH_DESCRIPTION)]
IdempotencyKey = HeaderEx[str | None, P(alias="Idempotency-Key", description=HEADER_DESCRIPTION)]

_READ = {400: Problem, 401: Problem, 404: Problem}
_START = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem}
_CHANGE = {**_START, 412: Problem, 428: Problem}

_P = ParamSpec("_P")
_R = TypeVar("_R")


_READS = declare(access=Access.PERSON_POLICY, audit=Audit.READ)
_WRITES = declare(access=Access.PERSON_POLICY, audit=Audit.WRITE)


def _change_rules(description: str, *, versioned: bool = True) -> str:
    """An operation's description followed by the rules every change follows."""
    rules = [description, IF_MATCH_RULE if versioned else "", IDEMPOTENCY_RULE, ETAG_RULE]
    return "\n\n".join(rule for rule in rules if rule)


# -- answers that are not the happy path ----------------------------------------------------


class _NoCarePlan(Exception):
    """The person (whom the token may see) has no active care plan yet."""

    def __init__(self, person_id: object) -> None:
        super().__init__(person_id)
        self.person_id = person_id


def _plan_answers(
    view: Callable[Concatenate[HttpRequest, _P], _R],
) -> Callable[Concatenate[HttpRequest, _P], _R | HttpResponse]:
    """Answer the care plan's own refusals as problem details: no plan yet (404), no If-Match
    (428) and a stale one (412). Everything else is answered by api/problems.py."""

    @functools.wraps(view)
    def answered(request: HttpRequest, /, *args: _P.args, **kwargs: _P.kwargs) -> _R | HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except _NoCarePlan as missing:
            return _no_care_plan(request, missing.person_id)
        except IfMatchMissing:
            return _if_match_required(request)
        except PlanConflict as conflict:
            return _plan_changed(request, conflict.current)

    return answered


def _no_care_plan(request: HttpRequest, person_id: object) -> HttpResponse:
    return problem(
        request,
        status=404,
        slug="no-care-plan",
        title="No care plan yet",
        detail="This person has no care plan yet. To start one, POST to "
        f"{reverse('api-v1:care_plan', kwargs={'person_id': person_id})}.",
    )


def _if_match_required(request: HttpRequest) -> HttpResponse:
    return problem(
        request,
        status=428,
        slug="if-match-required",
        title="Say which version you changed",
        detail="Send If-Match with the ETag of the care plan as you last read it (GET the "
        "care plan to see it), so that no one's change is overwritten. `*` is not enough.",
    )


def _plan_changed(request: HttpRequest, current: CarePlan) -> HttpResponse:
    etag = etag_of(current)
    response = problem(
        request,
        status=412,
        slug="plan-changed",
        title="The care plan has changed",
        detail=f"Someone changed this care plan after you read it: it is now version "
        f"{current.version} (ETag {etag}). Nothing was changed. Read the plan again, check "
        "your change still stands, and send it with the new ETag in If-Match.",
    )
    response["ETag"] = etag
    return response


# -- versions -------------------------------------------------------------------------------


def etag_of(plan: CarePlan) -> str:
    return strong_etag(plan.pk, plan.version)


def _expected_version(request: HttpRequest, plan: CarePlan) -> int:
    """The plan version the If-Match header says the change was made against (412 when it
    names no version of this plan)."""
    version = version_named(request, plan.pk, plan.version, what="plan id")
    if version is None:
        raise PlanConflict(plan)
    return version


def _plan_to_change(actor: Actor, person_id: uuid.UUID) -> CarePlan:
    plan = plan_to_change_for(actor, person_id).plan
    if plan is None:
        raise _NoCarePlan(person_id)
    return plan


def _changing_plan(
    request: HttpRequest,
    person_id: uuid.UUID,
    change: Callable[[Actor, CarePlan, int], HttpResponse],
) -> HttpResponse:
    """The shared path of every change to an existing plan: find it (404), read If-Match
    (428, 400, 412), then make the change once per Idempotency-Key."""
    actor = actor_of(request)
    plan = _plan_to_change(actor, person_id)
    version = _expected_version(request, plan)
    return idempotent(request, lambda: change(actor, plan, version))


def _answer(status: int, body: Schema, *, etag: str, location: str | None = None) -> HttpResponse:
    response = HttpResponse(body.model_dump_json(), status=status, content_type=JSON)
    response["ETag"] = etag
    if location is not None:
        response["Location"] = location
    return response


def _url(name: str, person_id: uuid.UUID, **ids: uuid.UUID) -> str:
    return reverse(f"api-v1:{name}", kwargs={"person_id": person_id, **ids})


# -- reading --------------------------------------------------------------------------------


@router.get(
    PLAN,
    response={200: CarePlanOut, **_READ},
    summary="A person's care plan, as the token's organisation may see it",
    description=(
        "The person's active care plan: what matters to them, strengths and needs, goals with "
        "their goal attainment levels and scores, actions (open first), informed choices, "
        "decisions with everyone's view, the person's latest agreement, reviews and the "
        "T-score at each. Each item's information category decides whether it reaches the "
        "token's organisation, as for record entries; others are left out without saying "
        "they exist. 404 alike for a person who does not exist and one the token may not "
        "see; 404 `no-care-plan` for a person without a plan. Audited as one read of the "
        "person's record.\n\n" + ETAG_RULE + " Send it back in If-Match when you change the plan."
    ),
    url_name="care_plan",
    openapi_extra=_READS,
)
@_plan_answers
def care_plan(request: HttpRequest, person_id: uuid.UUID, response: HttpResponse) -> CarePlanOut:
    view = care_plan_for(actor_of(request), person_id)
    if view.plan is None:
        raise _NoCarePlan(person_id)
    response["ETag"] = etag_of(view.plan)
    return care_plan_out(view, view.plan)


def _item_read(
    request: HttpRequest, person_id: uuid.UUID, response: HttpResponse
) -> tuple[PlanView, CarePlan]:
    view = care_plan_for(actor_of(request), person_id)
    if view.plan is None:
        raise _NoCarePlan(person_id)
    response["ETag"] = etag_of(view.plan)
    return view, view.plan


def _one(items: Iterable[_R], item_id: uuid.UUID) -> _R:
    for item in items:
        if getattr(item, "pk", None) == item_id:
            return item
    raise NotFound


_ITEM_READ = (
    "Only if the token's organisation may see it (its information category decides); 404 "
    "otherwise, as for an item that does not exist. Audited as one read of the person's "
    "record. The ETag is the plan's."
)


@router.get(
    PLAN + "/needs/{need_id}",
    response={200: NeedOut, **_READ},
    summary="One strength or need",
    description=_ITEM_READ,
    url_name="care_plan_need",
    openapi_extra=_READS,
)
@_plan_answers
def care_plan_need(
    request: HttpRequest, person_id: uuid.UUID, need_id: uuid.UUID, response: HttpResponse
) -> NeedOut:
    view, _ = _item_read(request, person_id, response)
    return need_out(_one(view.needs, need_id))


@router.get(
    PLAN + "/goals/{goal_id}",
    response={200: GoalOut, **_READ},
    summary="One goal, with its scores",
    description=_ITEM_READ,
    url_name="care_plan_goal",
    openapi_extra=_READS,
)
@_plan_answers
def care_plan_goal(
    request: HttpRequest, person_id: uuid.UUID, goal_id: uuid.UUID, response: HttpResponse
) -> GoalOut:
    view, _ = _item_read(request, person_id, response)
    goal = _one(view.goals, goal_id)
    return goal_out(goal, goal.scores.all())


@router.get(
    PLAN + "/actions/{action_id}",
    response={200: ActionOut, **_READ},
    summary="One action",
    description=_ITEM_READ,
    url_name="care_plan_action",
    openapi_extra=_READS,
)
@_plan_answers
def care_plan_action(
    request: HttpRequest, person_id: uuid.UUID, action_id: uuid.UUID, response: HttpResponse
) -> ActionOut:
    view, _ = _item_read(request, person_id, response)
    return action_out(_one(view.actions, action_id))


@router.get(
    PLAN + "/choices/{choice_id}",
    response={200: ChoiceOut, **_READ},
    summary="One informed choice",
    description=_ITEM_READ,
    url_name="care_plan_choice",
    openapi_extra=_READS,
)
@_plan_answers
def care_plan_choice(
    request: HttpRequest, person_id: uuid.UUID, choice_id: uuid.UUID, response: HttpResponse
) -> ChoiceOut:
    view, _ = _item_read(request, person_id, response)
    return choice_out(_one(view.choices, choice_id))


@router.get(
    PLAN + "/decisions/{decision_id}",
    response={200: DecisionOut, **_READ},
    summary="One decision, with everyone's view",
    description=_ITEM_READ,
    url_name="care_plan_decision",
    openapi_extra=_READS,
)
@_plan_answers
def care_plan_decision(
    request: HttpRequest, person_id: uuid.UUID, decision_id: uuid.UUID, response: HttpResponse
) -> DecisionOut:
    view, _ = _item_read(request, person_id, response)
    return decision_out(_one(view.decisions, decision_id))


@router.get(
    PLAN + "/reviews/{review_id}",
    response={200: ReviewOut, **_READ},
    summary="One review, with its T-score",
    description=(
        "Scores are listed for the goals the token's organisation may see. Audited as one "
        "read of the person's record. The ETag is the plan's."
    ),
    url_name="care_plan_review",
    openapi_extra=_READS,
)
@_plan_answers
def care_plan_review(
    request: HttpRequest, person_id: uuid.UUID, review_id: uuid.UUID, response: HttpResponse
) -> ReviewOut:
    view, _ = _item_read(request, person_id, response)
    review = _one(view.reviews, review_id)
    return review_out(review, _scores_by_review(view.goals).get(review.pk, []))


@router.get(
    PLAN + "/history",
    response={200: PlanHistoryOut, **_READ},
    summary="Every version of the care plan, with what changed",
    description=(
        "Newest first: who changed the plan, when, and what changed from the version before, "
        "in words. Changes to items the token's organisation may not see are counted in "
        "`hidden_changes`, never described. Audited as one read of the person's record."
    ),
    openapi_extra=_READS,
)
@_plan_answers
def care_plan_history(request: HttpRequest, person_id: uuid.UUID) -> PlanHistoryOut:
    _, history = plan_history_for(actor_of(request), person_id)
    if not history:
        raise _NoCarePlan(person_id)
    return PlanHistoryOut(
        plan_id=history[0].version.plan_id,
        versions=[
            VersionOut(
                number=item.version.number,
                summary=item.version.summary,
                changed_at=item.version.created_at,
                changed_by=_user_name(item.version.created_by),
                organisation=_organisation(item.version.created_by_role.organisation)
                if item.version.created_by_role
                else None,
                changes=[change.words for change in item.changes],
                hidden_changes=item.hidden,
            )
            for item in history
        ],
    )


# -- starting and changing the plan ---------------------------------------------------------


@router.post(
    PLAN,
    response={201: PlanOut, **_START},
    summary="Start a person's care plan",
    description=_change_rules(
        "Starts the person's care plan, owned by their lead professional (the token's role "
        "profile if there is none yet); what matters to them starts from their About Me "
        "unless given. 422 if they already have one. Needs a role that may change the "
        "person's care plan (403 otherwise). Answers 201 with Location and ETag.",
        versioned=False,
    ),
    openapi_extra=_WRITES,
)
@_plan_answers
def start_plan(
    request: HttpRequest,
    person_id: uuid.UUID,
    body: PlanStartIn,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    actor = actor_of(request)
    person = plan_to_change_for(actor, person_id).person

    def start() -> HttpResponse:
        plan = start_care_plan(
            actor=actor,
            person=person,
            what_matters=body.what_matters,
            review_every_weeks=body.review_every_weeks,
        )
        return _answer(
            201, plan_out(plan), etag=etag_of(plan), location=_url("care_plan", person_id)
        )

    return idempotent(request, start)


_SECTIONS = ("what_matters", "contingency", "whom_to_call", "review_every_weeks", "next_review_on")


@router.patch(
    PLAN,
    response={200: PlanOut, **_CHANGE},
    summary="Change the plan's sections",
    description=_change_rules(
        "Changes what matters to the person, the crisis plan (`contingency`), whom to call and "
        "the review schedule. Members left out stay as they are. Answers the plan with its new "
        "ETag."
    ),
    openapi_extra=_WRITES,
)
@_plan_answers
def change_plan(
    request: HttpRequest, person_id: uuid.UUID, body: PlanSectionsIn, if_match: IfMatch = None
) -> HttpResponse:
    given = body.model_fields_set
    if not given:
        raise InvalidInput(
            [
                FieldProblem(
                    pointer="#/",
                    rule="required",
                    detail="Send at least one of: " + ", ".join(_SECTIONS) + ".",
                )
            ],
            status=422,
        )
    actor = actor_of(request)
    plan = _plan_to_change(actor, person_id)
    version = _expected_version(request, plan)

    def text(name: str, current: str) -> str:
        return (getattr(body, name) or "") if name in given else current

    changed = change_plan_sections(
        actor=actor,
        plan=plan,
        expected_version=version,
        what_matters=text("what_matters", plan.what_matters),
        contingency=text("contingency", plan.contingency),
        whom_to_call=text("whom_to_call", plan.whom_to_call),
        review_every_weeks=body.review_every_weeks or plan.review_every_weeks,
        next_review_on=body.next_review_on if "next_review_on" in given else plan.next_review_on,
    )
    return _answer(200, plan_out(changed), etag=etag_of(changed))


@router.post(
    PLAN + "/needs",
    response={201: NeedOut, **_CHANGE},
    summary="Add a strength or a need",
    description=_change_rules(
        "Labelled with its information category, which decides who may see it. Answers 201 "
        "with Location and the plan's new ETag."
    ),
    openapi_extra=_WRITES,
)
@_plan_answers
def add_plan_need(
    request: HttpRequest,
    person_id: uuid.UUID,
    body: NeedIn,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    def add(actor: Actor, plan: CarePlan, version: int) -> HttpResponse:
        need = add_need(
            actor=actor,
            plan=plan,
            expected_version=version,
            kind=body.kind,
            description=body.description,
            category=body.category,
        )
        location = _url("care_plan_need", person_id, need_id=need.pk)
        return _answer(201, need_out(need), etag=etag_of(plan), location=location)

    return _changing_plan(request, person_id, add)


@router.post(
    PLAN + "/goals",
    response={201: GoalOut, **_CHANGE},
    summary="Set a goal",
    description=_change_rules(
        "The person's words, how everyone will know, all five goal attainment levels (−2 to "
        "+2, each described now, 422 otherwise), the baseline and the weight. Answers 201 "
        "with Location and the plan's new ETag."
    ),
    openapi_extra=_WRITES,
)
@_plan_answers
def add_goal(
    request: HttpRequest,
    person_id: uuid.UUID,
    body: GoalIn,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    def add(actor: Actor, plan: CarePlan, version: int) -> HttpResponse:
        goal = set_goal(
            actor=actor,
            plan=plan,
            expected_version=version,
            terms=GoalTerms(
                in_their_words=body.in_their_words,
                measurable=body.measurable,
                levels={
                    -2: body.level_minus_2,
                    -1: body.level_minus_1,
                    0: body.level_0,
                    1: body.level_plus_1,
                    2: body.level_plus_2,
                },
                baseline=body.baseline,
                weight=body.weight,
                category=body.category,
            ),
        )
        location = _url("care_plan_goal", person_id, goal_id=goal.pk)
        return _answer(201, goal_out(goal, []), etag=etag_of(plan), location=location)

    return _changing_plan(request, person_id, add)


@router.post(
    PLAN + "/actions",
    response={201: ActionOut, **_CHANGE},
    summary="Add an action: who does what by when",
    description=_change_rules(
        "Given to a person in the care team (`assignee`) or to an organisation in it "
        "(`organisation`). Care is never delegated to someone unqualified: an assignee whose "
        "profession, registration and competencies do not fit the action type is refused "
        "(422, naming `assignee`, with the reason). Answers 201 with Location and the plan's "
        "new ETag."
    ),
    openapi_extra=_WRITES,
)
@_plan_answers
def add_plan_action(
    request: HttpRequest,
    person_id: uuid.UUID,
    body: ActionIn,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    def add(actor: Actor, plan: CarePlan, version: int) -> HttpResponse:
        person = plan.person
        assignee = _assignee(person, body.assignee)
        organisation = _team_organisation(person, body.organisation)
        goal = _goal(actor, plan, body.goal, field="goal")
        action = add_action(
            actor=actor,
            plan=plan,
            expected_version=version,
            what=body.what,
            action_type=body.action_type,
            due_on=body.due_on,
            assignee=assignee,
            organisation=organisation,
            goal=goal,
            category=body.category,
        )
        location = _url("care_plan_action", person_id, action_id=action.pk)
        return _answer(201, action_out(action), etag=etag_of(plan), location=location)

    return _changing_plan(request, person_id, add)


@router.post(
    PLAN + "/actions/{action_id}/status",
    response={200: ActionOut, **_CHANGE},
    summary="Move an action on: in progress, done, or cancelled with a reason",
    description=_change_rules(
        "Each change is kept as an immutable row; done and cancelled are final (422 after "
        "them). 404 for an action the token's organisation may not see. Answers the action "
        "with the plan's new ETag."
    ),
    openapi_extra=_WRITES,
)
@_plan_answers
def change_plan_action_status(
    request: HttpRequest,
    person_id: uuid.UUID,
    action_id: uuid.UUID,
    body: ActionStatusIn,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    def change(actor: Actor, plan: CarePlan, version: int) -> HttpResponse:
        action = action_to_change_for(actor, plan, action_id)
        if action is None:
            raise NotFound
        changed = change_action_status(
            actor=actor,
            action=action,
            status=body.status,
            reason=body.reason,
            expected_version=version,
        )
        # The service checked `version` under the plan's lock and added one to it.
        return _answer(200, action_out(changed), etag=f'"{plan.pk}-{version + 1}"')

    return _changing_plan(request, person_id, change)


@router.post(
    PLAN + "/choices",
    response={201: ChoiceOut, **_CHANGE},
    summary="Record an informed choice",
    description=_change_rules(
        "The options offered (at least two, each with what it involves, its benefits and "
        "risks), how they were explained, and the person's choice with their reasons. If the "
        "person was assessed as lacking capacity for this decision: the assessment, the "
        "best-interests decision and who was consulted (422 without them). Answers 201 with "
        "Location and the plan's new ETag."
    ),
    openapi_extra=_WRITES,
)
@_plan_answers
def add_choice(
    request: HttpRequest,
    person_id: uuid.UUID,
    body: ChoiceIn,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    def add(actor: Actor, plan: CarePlan, version: int) -> HttpResponse:
        choice = record_informed_choice(
            actor=actor,
            plan=plan,
            expected_version=version,
            question=body.question,
            options=[
                OptionTerms(
                    title=option.title,
                    involves=option.involves,
                    benefits=option.benefits,
                    risks=option.risks,
                )
                for option in body.options
            ],
            explained_how=body.explained_how,
            chosen=body.chosen,
            reasons=body.reasons,
            capacity=body.capacity,
            capacity_assessment=body.capacity_assessment,
            best_interests_decision=body.best_interests_decision,
            consulted=body.consulted,
            attorney=_relationship(plan.person, body.attorney, field="attorney"),
            category=body.category,
        )
        location = _url("care_plan_choice", person_id, choice_id=choice.pk)
        return _answer(201, choice_out(choice), etag=etag_of(plan), location=location)

    return _changing_plan(request, person_id, add)


@router.post(
    PLAN + "/decisions",
    response={201: DecisionOut, **_CHANGE},
    summary="Record a decision, with everyone's view",
    description=_change_rules(
        "Who took part (the person, family, professionals with their organisations), each "
        "one's view (agree, disagree with their reasons, abstain) and whether the person "
        "agreed. A decision with a disagreement is kept and shown as such (`dissent`). "
        "Answers 201 with Location and the plan's new ETag."
    ),
    openapi_extra=_WRITES,
)
@_plan_answers
def add_decision(
    request: HttpRequest,
    person_id: uuid.UUID,
    body: DecisionIn,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    def add(actor: Actor, plan: CarePlan, version: int) -> HttpResponse:
        decision = record_decision(
            actor=actor,
            plan=plan,
            expected_version=version,
            what=body.what,
            views=_participants(plan.person, body),
            person_agreed=body.person_agreed,
            person_view=body.person_view,
            decided_on=body.decided_on,
            category=body.category,
        )
        location = _url("care_plan_decision", person_id, decision_id=decision.pk)
        return _answer(201, decision_out(decision), etag=etag_of(plan), location=location)

    return _changing_plan(request, person_id, add)


@router.post(
    PLAN + "/agreement",
    response={201: AgreementOut, **_CHANGE},
    summary="Record whether the person agrees with the plan",
    description=_change_rules(
        "The person (or their representative) agrees with this version of the plan, or says "
        "what they do not agree with. It does not change the plan's version, but If-Match is "
        "still required: it says which version they were shown, so no one agrees to a "
        "version they have not seen (412 if it has changed since). Answers 201; the plan "
        "shows it as `latest_agreement`."
    ),
    openapi_extra=_WRITES,
)
@_plan_answers
def add_agreement(
    request: HttpRequest,
    person_id: uuid.UUID,
    body: AgreementIn,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    def add(actor: Actor, plan: CarePlan, version: int) -> HttpResponse:
        agreement = record_plan_agreement(
            actor=actor,
            plan=plan,
            agrees=body.agrees,
            not_agreed=body.not_agreed,
            representative=_relationship(plan.person, body.representative, field="representative"),
            expected_version=version,
        )
        return _answer(201, agreement_out(agreement), etag=f'"{plan.pk}-{version}"')

    return _changing_plan(request, person_id, add)


@router.post(
    PLAN + "/reviews",
    response={201: ReviewOut, **_CHANGE},
    summary="Record a review, scoring the goals",
    description=_change_rules(
        "Who came, the level each goal reached (−2 to +2, with the person's view), what "
        "changed and the next review date, which becomes the plan's. Answers 201 with the "
        "review's T-score (Kiresuk–Sherman, ρ = 0.3), Location and the plan's new ETag."
    ),
    openapi_extra=_WRITES,
)
@_plan_answers
def add_review(
    request: HttpRequest,
    person_id: uuid.UUID,
    body: ReviewIn,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    def add(actor: Actor, plan: CarePlan, version: int) -> HttpResponse:
        scores = [
            GoalScoreTerms(
                goal=_plan_goal(actor, plan, score.goal, field=f"scores/{index}/goal"),
                level=score.level,
                person_view=score.person_view,
            )
            for index, score in enumerate(body.scores)
        ]
        review = record_review(
            actor=actor,
            plan=plan,
            expected_version=version,
            terms=ReviewTerms(
                held_on=body.held_on,
                attendance=body.attendance,
                next_review_on=body.next_review_on,
                what_changed=body.what_changed,
                person_view=body.person_view,
                scores=scores,
            ),
        )
        out = review_out(
            review,
            [
                ReviewScoreOut(
                    goal_id=score.goal.pk,
                    level=score.level,
                    weight=float(score.goal.weight),
                    person_view=score.person_view.strip(),
                )
                for score in scores
            ],
        )
        location = _url("care_plan_review", person_id, review_id=review.pk)
        return _answer(201, out, etag=etag_of(plan), location=location)

    return _changing_plan(request, person_id, add)


# -- input: what the request names, as the objects the services take ------------------------


def _assignee(person: Person, role_profile_id: uuid.UUID | None) -> RoleProfile | None:
    if role_profile_id is None:
        return None
    profile = care_team_role_profile(person, role_profile_id)
    if profile is None:
        raise DomainRuleBroken(
            "Only someone in the person's care team can be given an action. Add them to the "
            "care team first.",
            field="assignee",
        )
    return profile


def _team_organisation(person: Person, organisation_id: uuid.UUID | None) -> Organisation | None:
    if organisation_id is None:
        return None
    organisation = care_team_organisation(person, organisation_id)
    if organisation is None:
        raise DomainRuleBroken(
            "Only an organisation in the person's care team can be given an action.",
            field="organisation",
        )
    return organisation


def _goal(
    actor: Actor, plan: CarePlan, goal_id: uuid.UUID | None, *, field: str
) -> GoalModel | None:
    return _plan_goal(actor, plan, goal_id, field=field) if goal_id is not None else None


def _plan_goal(actor: Actor, plan: CarePlan, goal_id: uuid.UUID, *, field: str) -> GoalModel:
    goal = goals_to_change_for(actor, plan, [goal_id]).get(goal_id)
    if goal is None:
        raise DomainRuleBroken("There is no such goal in this care plan.", field=field)
    return goal


def _relationship(
    person: Person, relationship_id: uuid.UUID | None, *, field: str
) -> Relationship | None:
    if relationship_id is None:
        return None
    relationship = relationship_of(person, relationship_id)
    if relationship is None:
        raise DomainRuleBroken(
            "That is not one of the person's relationships. Use an id from their record.",
            field=field,
        )
    return relationship


def _participants(person: Person, body: DecisionIn) -> list[ParticipantView]:
    views = []
    for index, item in enumerate(body.views):
        where = f"views/{index}"
        profile = None
        if item.role_profile is not None:
            try:
                profile = get_role_profile(item.role_profile)
            except NotFound:
                raise DomainRuleBroken(
                    "There is no such role profile in the directory.", field=f"{where}/role_profile"
                ) from None
        organisation = profile.organisation if profile is not None else None
        if item.organisation is not None:
            organisation = organisation_by_id(item.organisation)
            if organisation is None:
                raise DomainRuleBroken(
                    "There is no such organisation in the directory.",
                    field=f"{where}/organisation",
                )
        views.append(
            ParticipantView(
                kind=item.kind,
                name=item.name,
                view=item.view,
                words=item.words,
                role_profile=profile,
                relationship=_relationship(
                    person, item.relationship, field=f"{where}/relationship"
                ),
                organisation=organisation,
            )
        )
    return views


# -- output ---------------------------------------------------------------------------------


def _code(value: str, label: object) -> Coded:
    return Coded(code=value, label=str(label))


def _organisation(organisation: Organisation) -> OrganisationRef:
    return OrganisationRef(
        id=organisation.pk,
        name=organisation.name,
        ods_code=organisation.ods_code,
        type=_code(organisation.org_type, organisation.get_org_type_display()),
    )


def _staff(profile: RoleProfile) -> StaffRef:
    return StaffRef(
        role_profile_id=profile.pk,
        name=profile.practitioner.display_name,
        job_role=_code(profile.job_role, profile.get_job_role_display()),
        organisation=_organisation(profile.organisation),
    )


def _user_name(user: object) -> str:
    get_full_name = getattr(user, "get_full_name", None)
    if get_full_name is None:
        return "joinedup"
    return str(get_full_name() or getattr(user, "username", ""))


def _in_life(relationship: Relationship | None) -> PersonInLifeRef | None:
    if relationship is None:
        return None
    return PersonInLifeRef(relationship_id=relationship.pk, name=relationship.full_name)


def _category(item: PlanNeed | GoalModel | PlanAction | InformedChoice | Decision) -> Coded:
    return _code(item.category_id, item.category.name)


def plan_out(plan: CarePlan) -> PlanOut:
    return PlanOut(**_plan_fields(plan))


def _plan_fields(plan: CarePlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "person_id": plan.person_id,
        "version": plan.version,
        "status": _code(plan.status, plan.get_status_display()),
        "owner": _staff(plan.owner),
        "what_matters": plan.what_matters,
        "contingency": plan.contingency,
        "whom_to_call": plan.whom_to_call,
        "review_every_weeks": plan.review_every_weeks,
        "next_review_on": plan.next_review_on,
        "started_at": plan.created_at,
        "updated_at": plan.updated_at,
    }


def need_out(need: PlanNeed) -> NeedOut:
    return NeedOut(
        id=need.pk,
        kind=_code(need.kind, need.get_kind_display()),
        description=need.description,
        recorded_at=need.created_at,
        category=_category(need),
        author_organisation=_organisation(need.author_organisation),
    )


def goal_out(goal: GoalModel, scores: Iterable[GoalScore]) -> GoalOut:
    return GoalOut(
        id=goal.pk,
        in_their_words=goal.in_their_words,
        measurable=goal.measurable,
        level_minus_2=goal.level_minus_2,
        level_minus_1=goal.level_minus_1,
        level_0=goal.level_0,
        level_plus_1=goal.level_plus_1,
        level_plus_2=goal.level_plus_2,
        baseline=goal.baseline,
        weight=float(goal.weight),
        status=_code(goal.status, goal.get_status_display()),
        set_on=goal.set_on,
        scores=[
            GoalScoreOut(
                review_id=score.review_id,
                held_on=score.review.held_on,
                level=score.level,
                person_view=score.person_view,
            )
            for score in sorted(scores, key=lambda score: score.review.held_on)
        ],
        category=_category(goal),
        author_organisation=_organisation(goal.author_organisation),
    )


def action_out(action: PlanAction) -> ActionOut:
    kind = action_types().get(action.action_type)
    return ActionOut(
        id=action.pk,
        what=action.what,
        action_type=_code(action.action_type, kind.label if kind else action.action_type),
        assignee=_staff(action.assignee) if action.assignee is not None else None,
        organisation=_organisation(action.assignee_organisation),
        due_on=action.due_on,
        overdue=action.is_open and action.due_on < timezone.localdate(),
        goal_id=action.goal_id,
        status=_code(action.status, action.get_status_display()),
        category=_category(action),
        author_organisation=_organisation(action.author_organisation),
    )


def choice_out(choice: InformedChoice) -> ChoiceOut:
    return ChoiceOut(
        id=choice.pk,
        question=choice.question,
        options=[
            OptionOut(
                position=index,
                title=option.title,
                involves=option.involves,
                benefits=option.benefits,
                risks=option.risks,
            )
            for index, option in enumerate(choice.options.all())
        ],
        explained_by=_staff(choice.explained_by),
        explained_how=choice.explained_how,
        chosen=choice.chosen.position if choice.chosen is not None else None,
        reasons=choice.reasons,
        capacity=_code(choice.capacity, choice.get_capacity_display()),
        capacity_assessment=choice.capacity_assessment,
        best_interests_decision=choice.best_interests_decision,
        consulted=choice.consulted,
        attorney=_in_life(choice.attorney),
        decided_on=choice.decided_on,
        category=_category(choice),
        author_organisation=_organisation(choice.author_organisation),
    )


def decision_out(decision: Decision) -> DecisionOut:
    views = list(decision.views.all())
    return DecisionOut(
        id=decision.pk,
        what=decision.what,
        decided_on=decision.decided_on,
        person_agreed=decision.person_agreed,
        person_view=decision.person_view,
        views=[
            ParticipantOut(
                kind=_code(view.kind, view.get_kind_display()),
                name=view.name,
                view=_code(view.view, view.get_view_display()),
                words=view.words,
                organisation=_organisation(view.organisation) if view.organisation else None,
                role_profile_id=view.role_profile_id,
                relationship_id=view.relationship_id,
            )
            for view in views
        ],
        dissent=decision.person_agreed is False or any(v.view == View.DISAGREE for v in views),
        category=_category(decision),
        author_organisation=_organisation(decision.author_organisation),
    )


def agreement_out(agreement: PlanAgreement) -> AgreementOut:
    recorder = agreement.recorded_by_role
    return AgreementOut(
        id=agreement.pk,
        plan_version=agreement.plan_version,
        agrees=agreement.agrees,
        not_agreed=agreement.not_agreed,
        by_person=agreement.by_person,
        representative=_in_life(agreement.representative),
        recorded_by=_staff(recorder) if recorder is not None else None,
        recorded_at=agreement.created_at,
    )


def review_out(review: PlanReview, scores: list[ReviewScoreOut]) -> ReviewOut:
    return ReviewOut(
        id=review.pk,
        held_on=review.held_on,
        attendance=review.attendance,
        what_changed=review.what_changed,
        person_view=review.person_view,
        next_review_on=review.next_review_on,
        t_score=float(review.t_score) if review.t_score is not None else None,
        recorded_by=_staff(review.recorded_by_role),
        scores=scores,
    )


def _scores_by_review(goals: Iterable[GoalModel]) -> dict[uuid.UUID, list[ReviewScoreOut]]:
    """Scores from the goals the reader may see (prefetched with them), by review."""
    by_review: dict[uuid.UUID, list[ReviewScoreOut]] = defaultdict(list)
    for goal in goals:
        for score in goal.scores.all():
            by_review[score.review_id].append(
                ReviewScoreOut(
                    goal_id=goal.pk,
                    level=score.level,
                    weight=float(score.weight),
                    person_view=score.person_view,
                )
            )
    return by_review


def care_plan_out(view: PlanView, plan: CarePlan) -> CarePlanOut:
    scores = _scores_by_review(view.goals)
    return CarePlanOut(
        **_plan_fields(plan),
        needs=[need_out(need) for need in view.needs],
        goals=[goal_out(goal, goal.scores.all()) for goal in view.goals],
        actions=[action_out(action) for action in view.actions],
        choices=[choice_out(choice) for choice in view.choices],
        decisions=[decision_out(decision) for decision in view.decisions],
        reviews=[review_out(review, scores.get(review.pk, [])) for review in view.reviews],
        latest_agreement=agreement_out(view.latest_agreement) if view.latest_agreement else None,
        t_scores=[TScoreOut(held_on=day, t_score=score) for day, score in view.t_scores],
    )
