"""The API's input and output for care plans (careplans/api.py): the plan and its sections,
strengths and needs, goals scored by goal attainment scaling, actions, informed choices,
decisions with each participant's view, the person's agreement, reviews and the history.

Inputs check shape and size; the rules of the domain (five levels described, a reason to
cancel, the delegation check, capacity and best interests, …) are the services' to check, and
come back as 422 problems naming the member at fault."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from joinedup.api.schemas import Coded, OrganisationRef
from joinedup.careplans.competence import action_types

SHORT = 300  # the model's CharFields for levels, questions and reasons
LONG = 5000  # free text: generous, but bounded

CATEGORY = Field(
    "general",
    max_length=40,
    description="The information category, which decides who may see this item: `general`, "
    "`mental_health`, `sexual_health`, `social_care`, `safeguarding` (or one your "
    "organisation added). It reaches another organisation only where a sharing agreement "
    "covers the category and the person has not objected. Defaults to `general`.",
    examples=["general"],
)


# -- shared pieces --------------------------------------------------------------------------


class StaffRef(Schema):
    """A practitioner working in one role for one organisation (a role profile)."""

    role_profile_id: uuid.UUID
    name: str
    job_role: Coded
    organisation: OrganisationRef


class PersonInLifeRef(Schema):
    """Someone from the person's own life, as recorded in their relationships."""

    relationship_id: uuid.UUID
    name: str


class Labelled(Schema):
    """Who wrote an item, and the information category that decides who may see it."""

    category: Coded = Field(..., description="The information category, e.g. mental_health.")
    author_organisation: OrganisationRef = Field(
        ..., description="The organisation whose professional added it."
    )


# -- the plan -------------------------------------------------------------------------------


class PlanStartIn(Schema):
    """Start the person's care plan. The lead professional in their care team owns it (the
    token's role profile, if there is no lead professional yet)."""

    what_matters: str | None = Field(
        None,
        max_length=LONG,
        description="What matters to the person, in their own words. Leave it out to start "
        "from the person's About Me.",
    )
    review_every_weeks: int = Field(
        12, ge=1, le=104, description="How often the plan is reviewed, in weeks (1 to 104)."
    )


class PlanSectionsIn(Schema):
    """The plan's own sections. Members you leave out stay as they are; send at least one.
    A text member sent as "" or null is emptied."""

    what_matters: str | None = Field(
        None, max_length=LONG, description="What matters to the person, in their own words."
    )
    contingency: str | None = Field(
        None,
        max_length=LONG,
        description="If things go wrong: what to do in a crisis, and the signs to look out for.",
    )
    whom_to_call: str | None = Field(
        None, max_length=LONG, description="Whom to call, with their numbers, day and night."
    )
    review_every_weeks: int | None = Field(
        None, ge=1, le=104, description="How often the plan is reviewed, in weeks (1 to 104)."
    )
    next_review_on: date | None = Field(
        None, description="The date of the next review (YYYY-MM-DD), or null for none set."
    )

    @field_validator("review_every_weeks")
    @classmethod
    def _weeks_given(cls, value: int | None) -> int | None:
        if value is None:
            raise PydanticCustomError(
                "review_every_weeks", "Give a number of weeks from 1 to 104, or leave it out."
            )
        return value


class PlanOut(Schema):
    """The care plan itself: who owns it, its sections and its review schedule. The ETag
    header names this version."""

    id: uuid.UUID
    person_id: uuid.UUID
    version: int = Field(
        ..., description="Goes up by one with every change; the ETag header carries it."
    )
    status: Coded
    owner: StaffRef = Field(..., description="The lead professional, who owns the plan.")
    what_matters: str = Field(..., description="What matters to the person, in their words.")
    contingency: str = Field(..., description="If things go wrong: what to do in a crisis.")
    whom_to_call: str
    review_every_weeks: int
    next_review_on: date | None
    started_at: datetime
    updated_at: datetime


# -- strengths and needs --------------------------------------------------------------------


class NeedIn(Schema):
    """A strength or a need, in the person's words where you can."""

    kind: Literal["strength", "need"] = Field(..., description="`strength` or `need`.")
    description: str = Field(..., max_length=LONG, examples=["Sarah visits every day"])
    category: str = CATEGORY


class NeedOut(Labelled):
    id: uuid.UUID
    kind: Coded
    description: str
    recorded_at: datetime


# -- goals ----------------------------------------------------------------------------------


class GoalIn(Schema):
    """A goal in the person's words, how everyone will know it is achieved, and what each of
    the five goal attainment levels would look like, all described when the goal is set."""

    in_their_words: str = Field(
        ...,
        max_length=LONG,
        description="The goal as the person puts it.",
        examples=["I want to get to the shops again on my own."],
    )
    measurable: str = Field(
        ...,
        max_length=LONG,
        description="How everyone will know it is achieved.",
        examples=["Walks to the corner shop on her own once a week"],
    )
    level_minus_2: str = Field(
        ..., max_length=SHORT, description="Much less than expected (−2): what it looks like."
    )
    level_minus_1: str = Field(
        ..., max_length=SHORT, description="Somewhat less than expected (−1)."
    )
    level_0: str = Field(..., max_length=SHORT, description="The expected outcome (0).")
    level_plus_1: str = Field(
        ..., max_length=SHORT, description="Somewhat more than expected (+1)."
    )
    level_plus_2: str = Field(..., max_length=SHORT, description="Much more than expected (+2).")
    baseline: int = Field(
        -1,
        ge=-2,
        le=2,
        description="Where the person is now, as a level from −2 to +2: usually −1 or −2.",
    )
    weight: Decimal = Field(
        Decimal("1.0"),
        ge=Decimal("0.1"),
        le=Decimal("99.9"),
        max_digits=3,
        decimal_places=1,
        description="How much this goal counts in the plan's T-score beside the others, from "
        "0.1 to 99.9 (one decimal place). Usually 1.",
    )
    category: str = CATEGORY


class GoalScoreOut(Schema):
    """The level the goal reached at one review."""

    review_id: uuid.UUID
    held_on: date
    level: int = Field(..., description="−2 (much less than expected) to +2 (much more).")
    person_view: str = Field(..., description="The person's own view of how it went.")


class GoalOut(Labelled):
    id: uuid.UUID
    in_their_words: str
    measurable: str
    level_minus_2: str
    level_minus_1: str
    level_0: str
    level_plus_1: str
    level_plus_2: str
    baseline: int
    weight: float
    status: Coded
    set_on: date
    scores: list[GoalScoreOut] = Field(..., description="At each review, oldest first.")


# -- actions --------------------------------------------------------------------------------

_ACTION_TYPES = action_types()


class ActionIn(Schema):
    """Who does what by when. Give `assignee` (a person in the care team) or `organisation` (an
    organisation in the care team, which allocates it), not both. Giving an action to a person
    checks they are qualified for its type: their profession, a verified registration where
    the type needs one, or a competency they are signed off for."""

    what: str = Field(..., max_length=LONG, examples=["Change the leg ulcer dressing"])
    action_type: str = Field(
        ...,
        description="The kind of action, which says who is qualified to do it: "
        + "; ".join(f"`{code}` ({kind.label})" for code, kind in _ACTION_TYPES.items())
        + ".",
        json_schema_extra={"enum": list(_ACTION_TYPES)},
        examples=["general"],
    )
    due_on: date = Field(..., description="The date it is due by (YYYY-MM-DD), not in the past.")
    assignee: uuid.UUID | None = Field(
        None,
        description="The care-team member who will do it: the role profile id of a "
        "practitioner in the person's care team.",
    )
    organisation: uuid.UUID | None = Field(
        None, description="Or the id of an organisation in the care team, to allocate it."
    )
    goal: uuid.UUID | None = Field(
        None, description="The id of the plan's goal this action works towards, if any."
    )
    category: str = CATEGORY

    @field_validator("action_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in _ACTION_TYPES:
            raise PydanticCustomError(
                "action_type",
                "Use one of: {choices}.",
                {"choices": ", ".join(_ACTION_TYPES)},
            )
        return value


class ActionStatusIn(Schema):
    """Move an action on. Planned and in-progress actions can become any other status; done
    and cancelled are final."""

    status: Literal["planned", "in_progress", "done", "cancelled"]
    reason: str = Field(
        "", max_length=SHORT, description="Why, in a few words. Needed to cancel an action."
    )


class ActionOut(Labelled):
    id: uuid.UUID
    what: str
    action_type: Coded
    assignee: StaffRef | None = Field(
        ..., description="The person doing it; null while the organisation allocates it."
    )
    organisation: OrganisationRef = Field(..., description="The organisation doing it.")
    due_on: date
    overdue: bool = Field(..., description="Still open and past the date it was due by.")
    goal_id: uuid.UUID | None
    status: Coded


# -- informed choices -----------------------------------------------------------------------


class OptionIn(Schema):
    """One option offered, in plain language."""

    title: str = Field(..., max_length=200, examples=["A two-week respite stay"])
    involves: str = Field(..., max_length=LONG, description="What it involves.")
    benefits: str = Field(..., max_length=LONG)
    risks: str = Field(..., max_length=LONG)


class ChoiceIn(Schema):
    """The options offered for one decision, how they were explained, and what the person
    chose and why. If the person was assessed as lacking capacity for this decision, record
    the assessment, the best-interests decision and who was consulted (an attorney under a
    registered, verified health and welfare lasting power of attorney may be named)."""

    question: str = Field(
        ..., max_length=SHORT, description="The decision, e.g. 'Where to live after her fall'."
    )
    options: list[OptionIn] = Field(
        ..., max_length=10, description="At least two (doing nothing can be one)."
    )
    explained_how: str = Field(
        ...,
        max_length=LONG,
        description="How the options were explained, and how the person's communication "
        "needs were met (large print, an interpreter, a hearing loop, …).",
    )
    chosen: int | None = Field(
        None,
        ge=0,
        description="The option chosen: its position in `options`, counting from 0.",
    )
    reasons: str = Field("", max_length=LONG, description="The person's reasons, in their words.")
    capacity: Literal["has_capacity", "lacks_capacity"] = Field(
        ...,
        description="`has_capacity` (assumed or assessed) or `lacks_capacity` (assessed as "
        "lacking capacity for this decision).",
    )
    capacity_assessment: str = Field(
        "", max_length=LONG, description="Who assessed capacity, when, and what they found."
    )
    best_interests_decision: str = Field("", max_length=LONG)
    consulted: str = Field(
        "", max_length=LONG, description="Who was consulted: family, carers, an attorney, …"
    )
    attorney: uuid.UUID | None = Field(
        None, description="The attorney's relationship id, from the person's relationships."
    )
    category: str = CATEGORY


class OptionOut(Schema):
    position: int = Field(..., description="Counting from 0, as `chosen` counts.")
    title: str
    involves: str
    benefits: str
    risks: str


class ChoiceOut(Labelled):
    id: uuid.UUID
    question: str
    options: list[OptionOut]
    explained_by: StaffRef
    explained_how: str
    chosen: int | None = Field(..., description="The position of the option chosen, if any.")
    reasons: str
    capacity: Coded
    capacity_assessment: str
    best_interests_decision: str
    consulted: str
    attorney: PersonInLifeRef | None
    decided_on: date


# -- decisions ------------------------------------------------------------------------------


class ParticipantIn(Schema):
    """Someone who took part in a decision, and their view."""

    kind: Literal["person", "family", "professional"] = Field(
        ..., description="`person`, `family` (family, carer or representative) or `professional`."
    )
    name: str = Field(..., max_length=200)
    view: Literal["agree", "disagree", "abstain"]
    words: str = Field(
        "", max_length=LONG, description="Their view in their words; needed when they disagree."
    )
    role_profile: uuid.UUID | None = Field(
        None, description="For a professional who uses joinedup: their role profile id."
    )
    relationship: uuid.UUID | None = Field(
        None, description="For family or a representative: their relationship id."
    )
    organisation: uuid.UUID | None = Field(
        None,
        description="For a professional: their organisation's id (taken from `role_profile` "
        "when left out).",
    )


class DecisionIn(Schema):
    """A decision taken together, with everyone's view. A disagreement stays visible."""

    what: str = Field(..., max_length=LONG, description="What was decided.")
    views: list[ParticipantIn] = Field(..., max_length=30)
    person_agreed: bool | None = Field(
        ..., description="Whether the person agreed; null if they were not asked."
    )
    person_view: str = Field(
        "",
        max_length=LONG,
        description="The person's view in their words; needed if they did not agree.",
    )
    decided_on: date | None = Field(None, description="Today when left out.")
    category: str = CATEGORY


class ParticipantOut(Schema):
    kind: Coded
    name: str
    view: Coded
    words: str
    organisation: OrganisationRef | None
    role_profile_id: uuid.UUID | None
    relationship_id: uuid.UUID | None


class DecisionOut(Labelled):
    id: uuid.UUID
    what: str
    decided_on: date
    person_agreed: bool | None
    person_view: str
    views: list[ParticipantOut]
    dissent: bool = Field(
        ..., description="Someone disagreed, or the person did not agree: shown as such."
    )


# -- the person's agreement -----------------------------------------------------------------


class AgreementIn(Schema):
    """The person (or their representative) agrees with this version of the plan, or says
    what they do not agree with."""

    agrees: bool
    not_agreed: str = Field(
        "",
        max_length=LONG,
        description="What they do not agree with, in their words; needed when `agrees` is false.",
    )
    representative: uuid.UUID | None = Field(
        None,
        description="The relationship id of the representative who answered for the person; "
        "leave out when the person answered themselves.",
    )


class AgreementOut(Schema):
    id: uuid.UUID
    plan_version: int = Field(..., description="The version of the plan agreed with (or not).")
    agrees: bool
    not_agreed: str
    by_person: bool = Field(..., description="The person answered themselves.")
    representative: PersonInLifeRef | None
    recorded_by: StaffRef | None
    recorded_at: datetime


# -- reviews --------------------------------------------------------------------------------


class GoalScoreIn(Schema):
    goal: uuid.UUID = Field(..., description="The id of one of the plan's current goals.")
    level: int = Field(
        ..., ge=-2, le=2, description="The level reached: −2 (much less than expected) to +2."
    )
    person_view: str = Field("", max_length=LONG, description="The person's own view.")


class ReviewIn(Schema):
    """A review: who came, the level each goal reached, what changed and when next. The plan's
    T-score is worked out from the goals scored."""

    held_on: date = Field(..., description="The day it was held: today or earlier.")
    attendance: str = Field(..., max_length=LONG, description="Who came.")
    next_review_on: date = Field(..., description="After held_on; becomes the plan's next review.")
    what_changed: str = Field("", max_length=LONG)
    person_view: str = Field(
        "", max_length=LONG, description="The person's view of how it is going."
    )
    scores: list[GoalScoreIn] = Field(default_factory=list, max_length=50)


class ReviewScoreOut(Schema):
    goal_id: uuid.UUID
    level: int
    weight: float
    person_view: str


class ReviewOut(Schema):
    id: uuid.UUID
    held_on: date
    attendance: str
    what_changed: str
    person_view: str
    next_review_on: date
    t_score: float | None = Field(
        ...,
        description="The Kiresuk–Sherman T-score of the goals scored (50 = every goal as "
        "expected; ρ = 0.3), to two decimal places; null when no goal was scored.",
    )
    recorded_by: StaffRef
    scores: list[ReviewScoreOut] = Field(
        ..., description="The scores of the goals the token's organisation may see."
    )


class TScoreOut(Schema):
    held_on: date
    t_score: float


# -- the whole plan as read -----------------------------------------------------------------


class CarePlanOut(PlanOut):
    """The person's active care plan with the items the token's organisation may see: each
    item's information category decides, as for record entries (sharing agreements, the
    person's objections, disclosures). Items it may not see are left out without saying they
    exist."""

    needs: list[NeedOut]
    goals: list[GoalOut]
    actions: list[ActionOut] = Field(..., description="Open actions first, then by due date.")
    choices: list[ChoiceOut]
    decisions: list[DecisionOut]
    reviews: list[ReviewOut] = Field(..., description="Newest first.")
    latest_agreement: AgreementOut | None = Field(
        ..., description="The person's latest word on the plan: agreed or not, when and who."
    )
    t_scores: list[TScoreOut] = Field(..., description="The T-score at each review, oldest first.")


class VersionOut(Schema):
    number: int
    summary: str
    changed_at: datetime
    changed_by: str = Field(..., description="The practitioner who made the change.")
    organisation: OrganisationRef | None
    changes: list[str] = Field(..., description="What changed from the version before, in words.")
    hidden_changes: int = Field(
        ...,
        description="Changes to items the token's organisation may not see: counted, never "
        "described.",
    )


class PlanHistoryOut(Schema):
    plan_id: uuid.UUID
    versions: list[VersionOut] = Field(..., description="Newest first.")
