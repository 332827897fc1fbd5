"""Care plans as FHIR R4 CarePlan and Goal resources, and back (docs/fhir.md, "CarePlan and
Goal" holds the mapping tables).

A CarePlan has the plan's id and version; a Goal has the goal's id. Both show only the items the
reader's organisation may see: they are built from what careplans.selectors returned, which
applied the access policy. The way back (`plan_sections`, `goal_terms`) reads the few elements
a write uses and names the element at fault when one is missing or wrong.

Pure functions: nothing here reads the database on purpose or audits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from joinedup.careplans.competence import action_types
from joinedup.careplans.gas import LEVELS
from joinedup.careplans.models import (
    ActionStatus,
    CarePlan,
    CarePlanVersion,
    Goal,
    GoalScore,
    GoalStatus,
    PlanStatus,
)
from joinedup.careplans.selectors import PlanView
from joinedup.fhir.mapping import Json, without_empty
from joinedup.fhir.mapping_directory import organisation_ref
from joinedup.fhir.mapping_referrals import role_ref

# Our own code systems and extensions: FHIR and UK Core have none for these.
ACTION_TYPE_SYSTEM = "https://joinedup.example/fhir/CodeSystem/care-plan-action-type"
ACTIVITY_SYSTEM = "https://joinedup.example/fhir/CodeSystem/care-plan-activity"
GAS_LEVEL_SYSTEM = "https://joinedup.example/fhir/CodeSystem/goal-attainment-level"
INFORMATION_CATEGORY_SYSTEM = "https://joinedup.example/fhir/CodeSystem/information-category"
BASELINE_EXTENSION = "https://joinedup.example/fhir/StructureDefinition/goal-attainment-baseline"
WEIGHT_EXTENSION = "https://joinedup.example/fhir/StructureDefinition/goal-attainment-weight"
GOAL_ACHIEVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/goal-achievement"

PLAN_TITLE = "Care and support plan"
PLAN_CATEGORY = "Person-centred care and support plan, shared across health and social care"
REVIEW = "Care plan review"
CONTINGENCY = "If things go wrong: "
WHOM_TO_CALL = "Whom to call: "

PLAN_STATUS = {PlanStatus.ACTIVE: "active", PlanStatus.CLOSED: "completed"}
ACTIVITY_STATUS = {
    ActionStatus.PLANNED: "not-started",
    ActionStatus.IN_PROGRESS: "in-progress",
    ActionStatus.DONE: "completed",
    ActionStatus.CANCELLED: "cancelled",
}
GOAL_LIFECYCLE = {
    GoalStatus.ACTIVE: "active",
    GoalStatus.ACHIEVED: "completed",
    GoalStatus.STOPPED: "cancelled",
}
LEVEL_WORDS = {
    -2: "Much less than expected",
    -1: "Somewhat less than expected",
    0: "The expected outcome",
    1: "Somewhat more than expected",
    2: "Much more than expected",
}
ACHIEVEMENT_WORDS = {
    "in-progress": "Not scored at a review yet",
    "achieved": "Reached the expected outcome or better",
    "improving": "Improving, not yet at the expected outcome",
    "no-change": "No change since it was last scored",
    "worsening": "Worse than when it was last scored",
}


def _ref(resource_type: str, resource_id: object, display: str | None = None) -> Json:
    return {"reference": f"{resource_type}/{resource_id}", "display": display}


def level_code(level: int) -> str:
    return f"{level:+d}" if level else "0"


# -- CarePlan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sections:
    """The plan's own sections: what a CarePlan write changes."""

    what_matters: str
    contingency: str
    whom_to_call: str
    review_every_weeks: int | None
    next_review_on: date | None


def _sections_of(plan: CarePlan) -> Sections:
    return Sections(
        plan.what_matters,
        plan.contingency,
        plan.whom_to_call,
        plan.review_every_weeks,
        plan.next_review_on,
    )


def _review_activity(sections: Sections, owner: Json) -> Json:
    return {
        "detail": {
            "code": {
                "coding": [{"system": ACTIVITY_SYSTEM, "code": "review", "display": REVIEW}],
                "text": REVIEW,
            },
            "status": "scheduled",
            "scheduledTiming": {
                "event": [sections.next_review_on.isoformat()] if sections.next_review_on else [],
                "repeat": {
                    "frequency": 1,
                    "period": sections.review_every_weeks,
                    "periodUnit": "wk",
                },
            },
            "performer": [owner],
        }
    }


def _section_notes(sections: Sections) -> list[Json | None]:
    return [
        {"text": CONTINGENCY + sections.contingency} if sections.contingency else None,
        {"text": WHOM_TO_CALL + sections.whom_to_call} if sections.whom_to_call else None,
    ]


def _action_code(action_type: str) -> Json:
    known = action_types().get(action_type)
    label = known.label if known else action_type
    return {
        "coding": [{"system": ACTION_TYPE_SYSTEM, "code": action_type, "display": label}],
        "text": label,
    }


def _plan_frame(plan: CarePlan, person_display: str | None) -> Json:
    """What every version of the plan has: who it is for, since when, the care team."""
    return {
        "resourceType": "CarePlan",
        "id": str(plan.pk),
        "intent": "plan",
        "category": [{"text": PLAN_CATEGORY}],
        "title": PLAN_TITLE,
        "subject": _ref("Patient", plan.person_id, person_display),
        "period": {"start": plan.created_at.date().isoformat()},
        "created": plan.created_at.isoformat(),
        "careTeam": [_ref("CareTeam", plan.person_id, "Care team")],
    }


def care_plan(view: PlanView) -> Json:
    """The plan as it is now, with the goals, actions, strengths and needs the reader may see.
    Strengths and needs are display-only supportingInfo: they are not served as resources."""
    plan = view.plan
    assert plan is not None  # noqa: S101 - only plans that exist are mapped
    owner = role_ref(plan.owner)
    closed = plan.status == PlanStatus.CLOSED
    frame = _plan_frame(plan, view.person.full_name)
    resource: Json = {
        **frame,
        "meta": {"versionId": str(plan.version), "lastUpdated": plan.updated_at.isoformat()},
        "status": PLAN_STATUS[PlanStatus(plan.status)],
        "description": plan.what_matters,
        "period": {
            **frame["period"],
            "end": plan.updated_at.date().isoformat() if closed else None,
        },
        "author": owner,
        "supportingInfo": [
            {"display": f"{need.get_kind_display()}: {need.description}"} for need in view.needs
        ],
        "goal": [_ref("Goal", goal.pk, goal.in_their_words) for goal in view.goals],
        "activity": [
            _review_activity(_sections_of(plan), owner),
            *(_action_activity(action, {g.pk for g in view.goals}) for action in view.actions),
        ],
        "note": [
            *_section_notes(_sections_of(plan)),
            *({"time": r.held_on.isoformat(), "text": _review_words(r)} for r in view.reviews),
            _agreement_note(view),
        ],
    }
    cleaned: Json = without_empty(resource)
    return cleaned


def _action_activity(action: Any, visible_goals: set[Any]) -> Json:
    performer = (
        role_ref(action.assignee)
        if action.assignee is not None
        else organisation_ref(action.assignee_organisation)
    )
    return {
        "detail": {
            "code": _action_code(action.action_type),
            "status": ACTIVITY_STATUS[ActionStatus(action.status)],
            "description": action.what,
            "scheduledPeriod": {"end": action.due_on.isoformat()},
            "performer": [performer],
            "goal": [_ref("Goal", action.goal_id, action.goal.in_their_words)]
            if action.goal_id in visible_goals
            else [],
        }
    }


def _review_words(review: Any) -> str:
    words = [f"Review held on {review.held_on.day} {review.held_on:%B %Y}."]
    if review.t_score is not None:
        words.append(f"Goal attainment T-score {review.t_score:.1f}.")
    if review.what_changed:
        words.append(f"What changed: {review.what_changed}")
    if review.person_view:
        words.append(f"The person's view: {review.person_view}")
    return " ".join(words)


def _agreement_note(view: PlanView) -> Json | None:
    agreement = view.latest_agreement
    if agreement is None:
        return None
    who = "The person" if agreement.by_person else "Their representative"
    if agreement.agrees:
        text = f"{who} agreed with version {agreement.plan_version} of this plan."
    else:
        text = (
            f"{who} did not agree with version {agreement.plan_version} of this plan: "
            f"{agreement.not_agreed}"
        )
    return {"time": agreement.created_at.isoformat(), "text": text}


def care_plan_version(
    plan: CarePlan, version: CarePlanVersion, shows: Callable[[dict[str, Any]], bool]
) -> Json:
    """An earlier version of the plan, from the snapshot kept when it was made: its sections,
    owner, goals, actions, strengths and needs, leaving out the items `shows` refuses. The
    snapshot keeps ids and words, not names, so references carry no display."""
    snapshot = version.snapshot
    kept = snapshot["sections"]
    sections = Sections(
        kept.get("what_matters", ""),
        kept.get("contingency", ""),
        kept.get("whom_to_call", ""),
        kept.get("review_every_weeks"),
        date.fromisoformat(kept["next_review_on"]) if kept.get("next_review_on") else None,
    )
    owner = _ref("PractitionerRole", snapshot["owner"])
    resource: Json = {
        **_plan_frame(plan, None),
        "meta": {"versionId": str(version.number), "lastUpdated": version.created_at.isoformat()},
        # Only an active plan is changed, so every kept version was of an active plan.
        "status": "active",
        "description": sections.what_matters,
        "author": owner,
        "supportingInfo": [
            {"display": item["text"]} for item in snapshot.get("needs", []) if shows(item)
        ],
        "goal": [
            _ref("Goal", item["id"], item["text"])
            for item in snapshot.get("goals", [])
            if shows(item)
        ],
        "activity": [
            _review_activity(sections, owner),
            *(_kept_action(item) for item in snapshot.get("actions", []) if shows(item)),
        ],
        "note": _section_notes(sections),
    }
    cleaned: Json = without_empty(resource)
    return cleaned


def _kept_action(item: dict[str, Any]) -> Json:
    performer = (
        _ref("PractitionerRole", item["assignee"])
        if item.get("assignee")
        else _ref("Organization", item["organisation"])
    )
    return {
        "detail": {
            "status": ACTIVITY_STATUS[ActionStatus(item["status"])],
            "description": item["text"],
            "scheduledPeriod": {"end": item["due_on"]},
            "performer": [performer],
        }
    }


# -- Goal -----------------------------------------------------------------------------------


def goal(item: Goal) -> Json:
    """A goal in the person's words, its five goal attainment levels as targets (each target's
    detail is the coded level with its description), its baseline and weight as extensions,
    and how it is going from the latest score."""
    scores = list(item.scores.all())
    resource: Json = {
        "resourceType": "Goal",
        "id": str(item.pk),
        "meta": {"lastUpdated": item.updated_at.isoformat()},
        "extension": [
            {"url": BASELINE_EXTENSION, "valueInteger": item.baseline},
            {"url": WEIGHT_EXTENSION, "valueDecimal": float(item.weight)},
        ],
        "lifecycleStatus": GOAL_LIFECYCLE[GoalStatus(item.status)],
        "achievementStatus": _achievement(item, scores),
        "category": [
            {
                "coding": [
                    {
                        "system": INFORMATION_CATEGORY_SYSTEM,
                        "code": item.category_id,
                        "display": item.category.name,
                    }
                ],
                "text": item.category.name,
            }
        ],
        "description": {"text": item.in_their_words},
        "subject": _ref("Patient", item.plan.person_id, item.plan.person.full_name),
        "startDate": item.set_on.isoformat(),
        "target": [
            {
                "measure": {"text": item.measurable},
                "detailCodeableConcept": {
                    "coding": [
                        {
                            "system": GAS_LEVEL_SYSTEM,
                            "code": level_code(level),
                            "display": LEVEL_WORDS[level],
                        }
                    ],
                    "text": item.level_description(level),
                },
            }
            for level in LEVELS
        ],
        "expressedBy": _ref("Patient", item.plan.person_id, item.plan.person.full_name),
        "note": [{"time": s.review.held_on.isoformat(), "text": _score_words(s)} for s in scores],
    }
    cleaned: Json = without_empty(resource)
    return cleaned


def _achievement(item: Goal, scores: list[GoalScore]) -> Json:
    if not scores:
        code = "in-progress"
    else:
        latest = scores[-1].level
        before = scores[-2].level if len(scores) > 1 else item.baseline
        code = (
            "achieved"
            if latest >= 0
            else "improving"
            if latest > before
            else "worsening"
            if latest < before
            else "no-change"
        )
    return {
        "coding": [{"system": GOAL_ACHIEVEMENT_SYSTEM, "code": code}],
        "text": ACHIEVEMENT_WORDS[code],
    }


def _score_words(score: GoalScore) -> str:
    words = (
        f"Scored {level_code(score.level)} ({LEVEL_WORDS[score.level].lower()}) at the review "
        f"on {score.review.held_on.day} {score.review.held_on:%B %Y}."
    )
    return f"{words} The person's view: {score.person_view}" if score.person_view else words


# -- the way back: FHIR → what the services take ---------------------------------------------


class BadElement(Exception):
    """An element of a resource sent to us is missing or wrong: `expression` names it. 422
    unless said otherwise: valid FHIR that joinedup cannot act on."""

    def __init__(
        self,
        diagnostics: str,
        expression: str | None,
        *,
        code: str = "invalid",
        status: int = 422,
    ) -> None:
        super().__init__(diagnostics)
        self.diagnostics = diagnostics
        self.expression = expression
        self.code = code
        self.status = status


def patient_id_of(resource: Json, element: str) -> str:
    """The id in a `Patient/<id>` reference held in `element`."""
    reference = str((resource.get(element) or {}).get("reference", ""))
    kind, _, patient_id = reference.rstrip("/").rpartition("/")
    if not patient_id or not kind.endswith("Patient"):
        raise BadElement(
            f"Give {element} as a reference to the Patient: Patient/<id>.",
            f"{resource['resourceType']}.{element}",
        )
    return patient_id


def plan_sections(resource: Json) -> Sections:
    """The sections a CarePlan sets: description (what matters to me), the notes starting "If
    things go wrong: " and "Whom to call: ", and the review activity's timing. The review
    schedule is None when the CarePlan has no review activity."""
    notes = [str(note.get("text", "")) for note in resource.get("note") or []]
    every, next_on = _review_schedule(resource)
    return Sections(
        what_matters=str(resource.get("description", "")),
        contingency=_note(notes, CONTINGENCY),
        whom_to_call=_note(notes, WHOM_TO_CALL),
        review_every_weeks=every,
        next_review_on=next_on,
    )


def _note(notes: list[str], prefix: str) -> str:
    return "\n".join(note.removeprefix(prefix) for note in notes if note.startswith(prefix))


def _is_review(activity: Json) -> bool:
    codings = ((activity.get("detail") or {}).get("code") or {}).get("coding") or []
    return any(c.get("system") == ACTIVITY_SYSTEM and c.get("code") == "review" for c in codings)


def _review_schedule(resource: Json) -> tuple[int | None, date | None]:
    reviews = [a for a in resource.get("activity") or [] if _is_review(a)]
    if not reviews:
        return None, None
    if len(reviews) > 1:
        raise BadElement("Give one care plan review activity.", "CarePlan.activity")
    timing = reviews[0]["detail"].get("scheduledTiming") or {}
    repeat = timing.get("repeat") or {}
    where = "CarePlan.activity.detail.scheduledTiming"
    if repeat.get("periodUnit") != "wk" or repeat.get("frequency", 1) != 1:
        raise BadElement(
            "Give the review schedule as once every so many weeks: repeat.frequency 1, "
            "repeat.period the number of weeks, repeat.periodUnit wk.",
            f"{where}.repeat",
        )
    period = repeat.get("period")
    if not isinstance(period, int | float | Decimal) or int(period) != period:
        raise BadElement("Give repeat.period as a whole number of weeks.", f"{where}.repeat")
    events = timing.get("event") or []
    if len(events) > 1:
        raise BadElement("Give one next review date in event.", f"{where}.event")
    return int(period), _day(events[0], f"{where}.event") if events else None


def _day(value: Any, expression: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise BadElement("Give the date as YYYY-MM-DD.", expression) from None


@dataclass(frozen=True)
class GoalFields:
    """What a Goal sets, in the shape careplans.services.GoalTerms takes."""

    in_their_words: str
    measurable: str
    levels: dict[int, str]
    baseline: int
    weight: Decimal
    category: str


def goal_fields(resource: Json) -> GoalFields:
    """The goal a Goal describes: description.text (in the person's words), the targets' coded
    levels with their text and their measure's text (how we will know), the baseline and weight
    extensions (−1 and 1.0 when left out) and the information category (general when left
    out)."""
    levels: dict[int, str] = {}
    measurable = ""
    codes = {level_code(level): level for level in LEVELS}
    for target in resource.get("target") or []:
        measurable = measurable or str((target.get("measure") or {}).get("text", ""))
        detail = target.get("detailCodeableConcept") or {}
        for coding in detail.get("coding") or []:
            if coding.get("system") != GAS_LEVEL_SYSTEM:
                continue
            if coding.get("code") not in codes:
                raise BadElement(
                    "Code each goal attainment level as -2, -1, 0, +1 or +2.",
                    "Goal.target.detailCodeableConcept",
                    code="code-invalid",
                )
            levels[codes[coding["code"]]] = str(detail.get("text", ""))
    return GoalFields(
        in_their_words=str((resource.get("description") or {}).get("text", "")),
        measurable=measurable,
        levels=levels,
        baseline=_baseline(resource),
        weight=_weight(resource),
        category=_category(resource),
    )


def _extension(resource: Json, url: str) -> Json | None:
    found = [e for e in resource.get("extension") or [] if e.get("url") == url]
    return found[0] if found else None


def _baseline(resource: Json) -> int:
    extension = _extension(resource, BASELINE_EXTENSION)
    if extension is None:
        return -1
    value = extension.get("valueInteger")
    if not isinstance(value, int) or value not in LEVELS:
        raise BadElement(
            "Give the baseline as valueInteger, a level from -2 to 2.", "Goal.extension"
        )
    return value


def _weight(resource: Json) -> Decimal:
    extension = _extension(resource, WEIGHT_EXTENSION)
    if extension is None:
        return Decimal("1.0")
    try:
        weight = Decimal(str(extension.get("valueDecimal"))).quantize(Decimal("0.1"))
    except InvalidOperation:
        weight = Decimal("NaN")
    if not weight.is_finite():
        raise BadElement("Give the weight as valueDecimal, such as 1.0.", "Goal.extension")
    return weight


def _category(resource: Json) -> str:
    for category in resource.get("category") or []:
        for coding in category.get("coding") or []:
            if coding.get("system") == INFORMATION_CATEGORY_SYSTEM and coding.get("code"):
                return str(coding["code"])
    return "general"
