"""Changing a care plan. Every change:

- needs care_plan.edit on the person (the access policy);
- takes the plan's version the writer last saw and refuses with EditConflict if someone else
  changed the plan since, so no one silently overwrites anyone (the web shows both versions;
  the API answers 412);
- bumps the version, keeps a snapshot of the whole plan (CarePlanVersion) with who, when and a
  summary, and writes one audit event, all in one transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
from joinedup.audit.services import record_event
from joinedup.careplans.competence import fits
from joinedup.careplans.gas import LEVELS, Scored, t_score
from joinedup.careplans.models import (
    ActionStatus,
    ActionStatusChange,
    CapacityForDecision,
    CarePlan,
    CarePlanVersion,
    ChoiceOption,
    Decision,
    DecisionView,
    Goal,
    GoalScore,
    GoalStatus,
    InformedChoice,
    NeedKind,
    ParticipantKind,
    PlanAction,
    PlanAgreement,
    PlanNeed,
    PlanReview,
    PlanStatus,
    View,
)
from joinedup.careplans.snapshots import snapshot_of
from joinedup.careteams.models import CareTeamMember, CareTeamRole, in_force_on
from joinedup.core.errors import DomainRuleBroken, EditConflict
from joinedup.directory.models import Organisation
from joinedup.people.models import (
    AboutMe,
    LastingPowerOfAttorney,
    LpaStatus,
    LpaType,
    LpaVerification,
    Person,
    Relationship,
)
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import InformationCategory
from joinedup.sharing.policy import Action, require


class PlanConflict(EditConflict):
    """Someone changed the plan after the writer opened it. Carries the plan as it is now."""

    def __init__(self, current: CarePlan) -> None:
        super().__init__()
        self.current = current


def _category(code: str) -> InformationCategory:
    label = InformationCategory.objects.filter(pk=code).first()
    if label is None:
        raise DomainRuleBroken("Choose an information category.", field="category")
    return label


def _organisation_of(actor: Actor) -> Organisation:
    assert actor.role_profile is not None  # noqa: S101 - require() needs a role profile
    return actor.role_profile.organisation


@contextmanager
def _changing(
    actor: Actor, plan: CarePlan, expected_version: int | None, summary: str
) -> Iterator[CarePlan]:
    """Lock the plan, check the version the writer saw, let the caller change it, then record
    the new version and audit it. Must run inside a transaction."""
    locked = CarePlan.objects.select_for_update().select_related("person").get(pk=plan.pk)
    decision = require(actor, Action.EDIT_CARE_PLAN, locked.person)
    if locked.status != PlanStatus.ACTIVE:
        raise DomainRuleBroken("This plan is closed. Start a new plan to make changes.")
    if expected_version is not None and expected_version != locked.version:
        raise PlanConflict(locked)
    yield locked
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])
    CarePlanVersion.objects.create(
        plan=locked,
        number=locked.version,
        summary=summary[:300],
        snapshot=snapshot_of(locked),
        created_by=actor.user,
        created_by_role=actor.role_profile,
    )
    record_event(
        actor=actor,
        action=Action.EDIT_CARE_PLAN,
        target_type="CarePlan",
        target_id=locked.pk,
        person=locked.person,
        basis=decision.basis or "",
        reason=f"Version {locked.version}: {summary}",
    )
    plan.version = locked.version


def _lead_professional(person: Person) -> RoleProfile | None:
    lead = (
        CareTeamMember.objects.filter(
            in_force_on(timezone.localdate()),
            person=person,
            role=CareTeamRole.LEAD_PROFESSIONAL,
            role_profile__isnull=False,
        )
        .select_related("role_profile")
        .first()
    )
    return lead.role_profile if lead else None


@transaction.atomic
def start_care_plan(
    *, actor: Actor, person: Person, what_matters: str | None = None, review_every_weeks: int = 12
) -> CarePlan:
    """Start the person's care plan. It is owned by their lead professional (or the actor, if
    there is none yet). "What matters to me" starts from their About Me unless given."""
    decision = require(actor, Action.EDIT_CARE_PLAN, person)
    assert actor.role_profile is not None  # noqa: S101
    if CarePlan.objects.filter(person=person, status=PlanStatus.ACTIVE).exists():
        raise DomainRuleBroken("This person already has a care plan. Add to it instead.")
    if not 1 <= review_every_weeks <= 104:
        raise DomainRuleBroken("Review every 1 to 104 weeks.", field="review_every_weeks")
    if what_matters is None:
        about_me = AboutMe.objects.filter(person=person).order_by("-version").first()
        what_matters = about_me.what_matters_most if about_me else ""
    today = timezone.localdate()
    plan = CarePlan.objects.create(
        person=person,
        owner=_lead_professional(person) or actor.role_profile,
        what_matters=what_matters.strip(),
        review_every_weeks=review_every_weeks,
        next_review_on=today + timedelta(weeks=review_every_weeks),
        created_by=actor.user,
    )
    CarePlanVersion.objects.create(
        plan=plan,
        number=1,
        summary="Plan started",
        snapshot=snapshot_of(plan),
        created_by=actor.user,
        created_by_role=actor.role_profile,
    )
    record_event(
        actor=actor,
        action="care_plan.start",
        target_type="CarePlan",
        target_id=plan.pk,
        person=person,
        basis=decision.basis or "",
        reason="Care plan started.",
    )
    return plan


@transaction.atomic
def change_plan_sections(
    *,
    actor: Actor,
    plan: CarePlan,
    expected_version: int,
    what_matters: str,
    contingency: str,
    whom_to_call: str,
    review_every_weeks: int,
    next_review_on: date | None,
) -> CarePlan:
    """Change what matters to me, the crisis plan, whom to call and the review schedule."""
    if not 1 <= review_every_weeks <= 104:
        raise DomainRuleBroken("Review every 1 to 104 weeks.", field="review_every_weeks")
    with _changing(actor, plan, expected_version, "Plan sections changed") as locked:
        locked.what_matters = what_matters.strip()
        locked.contingency = contingency.strip()
        locked.whom_to_call = whom_to_call.strip()
        locked.review_every_weeks = review_every_weeks
        locked.next_review_on = next_review_on
        locked.save(
            update_fields=[
                "what_matters",
                "contingency",
                "whom_to_call",
                "review_every_weeks",
                "next_review_on",
            ]
        )
    return locked


@transaction.atomic
def add_need(
    *,
    actor: Actor,
    plan: CarePlan,
    expected_version: int | None,
    kind: str,
    description: str,
    category: str,
) -> PlanNeed:
    """Add a strength or a need, labelled with its information category."""
    if kind not in NeedKind.values:
        raise DomainRuleBroken("Choose strength or need.", field="kind")
    if not description.strip():
        raise DomainRuleBroken(
            "Describe it, in the person's words where you can.", field="description"
        )
    label = _category(category)
    with _changing(actor, plan, expected_version, f"{NeedKind(kind).label} added") as locked:
        return PlanNeed.objects.create(
            plan=locked,
            kind=kind,
            description=description.strip(),
            category=label,
            author_organisation=_organisation_of(actor),
            created_by=actor.user,
        )


@dataclass(frozen=True)
class GoalTerms:
    in_their_words: str
    measurable: str
    levels: dict[int, str]
    baseline: int = -1
    weight: Decimal = Decimal("1.0")
    category: str = "general"


def _check_goal(terms: GoalTerms) -> None:
    if not terms.in_their_words.strip():
        raise DomainRuleBroken("Write the goal in the person's own words.", field="in_their_words")
    if not terms.measurable.strip():
        raise DomainRuleBroken("Say how everyone will know it is achieved.", field="measurable")
    missing = [level for level in LEVELS if not terms.levels.get(level, "").strip()]
    if missing:
        raise DomainRuleBroken(
            "Describe all five levels, from much less than expected (−2) to much more (+2), "
            "before the goal is set.",
            field=f"level_{'minus_' if missing[0] < 0 else 'plus_' if missing[0] > 0 else ''}"
            f"{abs(missing[0])}",
        )
    if terms.baseline not in LEVELS:
        raise DomainRuleBroken("The baseline is a level from −2 to +2.", field="baseline")
    if not Decimal("0.1") <= terms.weight <= Decimal("99.9"):
        raise DomainRuleBroken("A goal's weight is between 0.1 and 99.9.", field="weight")


@transaction.atomic
def set_goal(
    *, actor: Actor, plan: CarePlan, expected_version: int | None, terms: GoalTerms
) -> Goal:
    """Set a goal: the person's words, how we will know, the five levels described now, the
    baseline and the weight."""
    _check_goal(terms)
    label = _category(terms.category)
    with _changing(actor, plan, expected_version, "Goal set") as locked:
        return Goal.objects.create(
            plan=locked,
            in_their_words=terms.in_their_words.strip(),
            measurable=terms.measurable.strip(),
            level_minus_2=terms.levels[-2].strip(),
            level_minus_1=terms.levels[-1].strip(),
            level_0=terms.levels[0].strip(),
            level_plus_1=terms.levels[1].strip(),
            level_plus_2=terms.levels[2].strip(),
            baseline=terms.baseline,
            weight=terms.weight,
            category=label,
            author_organisation=_organisation_of(actor),
            created_by=actor.user,
        )


@transaction.atomic
def add_action(
    *,
    actor: Actor,
    plan: CarePlan,
    expected_version: int | None,
    what: str,
    action_type: str,
    due_on: date,
    assignee: RoleProfile | None = None,
    organisation: Organisation | None = None,
    goal: Goal | None = None,
    category: str = "general",
) -> PlanAction:
    """Who does what by when. An action goes to a care-team member whose profession,
    registration or competencies fit its type (never to someone unqualified), or to an
    organisation in the care team, which allocates it."""
    if not what.strip():
        raise DomainRuleBroken("Say what will be done.", field="what")
    if (assignee is None) == (organisation is None):
        raise DomainRuleBroken("Choose one person or one organisation to do it.", field="assignee")
    if goal is not None and goal.plan_id != plan.pk:
        raise DomainRuleBroken("That goal belongs to another plan.", field="goal")
    if due_on < timezone.localdate():
        raise DomainRuleBroken("The date it is due by cannot be in the past.", field="due_on")
    label = _category(category)
    today = timezone.localdate()
    in_team = CareTeamMember.objects.filter(in_force_on(today), person_id=plan.person_id)
    if assignee is not None:
        if not in_team.filter(role_profile=assignee).exists():
            raise DomainRuleBroken(
                "Only someone in the person's care team can be given an action. Add them to "
                "the care team first.",
                field="assignee",
            )
        fit = fits(assignee.practitioner, action_type)
        if not fit.ok:
            raise DomainRuleBroken(fit.reason, field="assignee")
        organisation = assignee.organisation
    else:
        assert organisation is not None  # noqa: S101 - checked above
        if not in_team.filter(organisation=organisation).exists():
            raise DomainRuleBroken(
                "Only an organisation in the person's care team can be given an action.",
                field="assignee",
            )
        from joinedup.careplans.competence import action_types

        if action_type not in action_types():
            raise DomainRuleBroken("Choose a type of action from the list.", field="action_type")
    with _changing(actor, plan, expected_version, f"Action added: {what.strip()[:80]}") as locked:
        action = PlanAction.objects.create(
            plan=locked,
            what=what.strip(),
            action_type=action_type,
            assignee=assignee,
            assignee_organisation=organisation,
            due_on=due_on,
            goal=goal,
            category=label,
            author_organisation=_organisation_of(actor),
            created_by=actor.user,
        )
        ActionStatusChange.objects.create(
            action=action, status=ActionStatus.PLANNED, created_by=actor.user
        )
    return action


_NEXT_STATUSES = {
    ActionStatus.PLANNED: {ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.CANCELLED},
    ActionStatus.IN_PROGRESS: {ActionStatus.PLANNED, ActionStatus.DONE, ActionStatus.CANCELLED},
    ActionStatus.DONE: set(),
    ActionStatus.CANCELLED: set(),
}


@transaction.atomic
def change_action_status(
    *, actor: Actor, action: PlanAction, status: str, reason: str = "", expected_version: int | None
) -> PlanAction:
    """Move an action on: planned, in progress, done, or cancelled with a reason. Each change
    is an immutable row; done and cancelled are final."""
    current = ActionStatus(action.status)
    if status not in ActionStatus.values or status not in _NEXT_STATUSES[current]:
        raise DomainRuleBroken(
            f"An action that is {current.label.lower()} cannot become that.", field="status"
        )
    if status == ActionStatus.CANCELLED and not reason.strip():
        raise DomainRuleBroken("Say why the action is cancelled.", field="reason")
    plan = CarePlan.objects.get(pk=action.plan_id)
    summary = f"Action {ActionStatus(status).label.lower()}: {action.what[:80]}"
    with _changing(actor, plan, expected_version, summary):
        locked = PlanAction.objects.select_for_update().get(pk=action.pk)
        if locked.status != action.status:
            raise PlanConflict(plan)
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        ActionStatusChange.objects.create(
            action=locked, status=status, reason=reason.strip()[:300], created_by=actor.user
        )
    return locked


@dataclass(frozen=True)
class OptionTerms:
    title: str
    involves: str
    benefits: str
    risks: str


def _registered_welfare_attorney(person: Person, attorney: Relationship) -> bool:
    return (
        LastingPowerOfAttorney.objects.filter(
            person=person,
            lpa_type=LpaType.HEALTH_AND_WELFARE,
            status=LpaStatus.REGISTERED,
            attorneys=attorney,
        )
        .exclude(verification=LpaVerification.NOT_VERIFIED)
        .exists()
    )


@transaction.atomic
def record_informed_choice(
    *,
    actor: Actor,
    plan: CarePlan,
    expected_version: int | None,
    question: str,
    options: Sequence[OptionTerms],
    explained_how: str,
    chosen: int | None,
    reasons: str,
    capacity: str,
    capacity_assessment: str = "",
    best_interests_decision: str = "",
    consulted: str = "",
    attorney: Relationship | None = None,
    category: str = "general",
) -> InformedChoice:
    """The options offered for a decision, in plain words, how they were explained, and the
    person's choice with their reasons. Where the person lacked capacity for this decision, a
    best-interests decision with who was consulted (including their attorney, under a
    registered and verified health and welfare LPA) is required."""
    if not question.strip():
        raise DomainRuleBroken("Say what the decision is about.", field="question")
    if len(options) < 2:
        raise DomainRuleBroken(
            "Offer at least two options (doing nothing can be one).", field="options"
        )
    for option in options:
        if not all(
            text.strip() for text in (option.title, option.involves, option.benefits, option.risks)
        ):
            raise DomainRuleBroken(
                "For each option, say what it involves, its benefits and its risks.",
                field="options",
            )
    if not explained_how.strip():
        raise DomainRuleBroken(
            "Say how the options were explained, and how the person's communication needs "
            "were met.",
            field="explained_how",
        )
    if chosen is not None and not 0 <= chosen < len(options):
        raise DomainRuleBroken("Choose one of the options.", field="chosen")
    if capacity not in CapacityForDecision.values:
        raise DomainRuleBroken(
            "Say whether the person had capacity for this decision.", field="capacity"
        )
    person = plan.person
    if capacity == CapacityForDecision.LACKS_CAPACITY:
        if not capacity_assessment.strip():
            raise DomainRuleBroken(
                "Record the capacity assessment for this decision: who, when, what they found.",
                field="capacity_assessment",
            )
        if not best_interests_decision.strip() or not consulted.strip():
            raise DomainRuleBroken(
                "Record the best-interests decision and who was consulted.",
                field="best_interests_decision",
            )
        if attorney is not None and not _registered_welfare_attorney(person, attorney):
            raise DomainRuleBroken(
                "That person is not an attorney under a registered, verified health and "
                "welfare lasting power of attorney.",
                field="attorney",
            )
    else:
        if chosen is None or not reasons.strip():
            raise DomainRuleBroken(
                "Record the person's choice and their reasons, in their words.", field="chosen"
            )
        if attorney is not None or best_interests_decision.strip():
            raise DomainRuleBroken(
                "A person with capacity makes this decision themselves; a best-interests "
                "decision is only for a person assessed as lacking capacity for it.",
                field="capacity",
            )
    label = _category(category)
    assert actor.role_profile is not None  # noqa: S101 - the policy in _changing needs one
    with _changing(
        actor, plan, expected_version, f"Choice recorded: {question.strip()[:80]}"
    ) as locked:
        choice = InformedChoice.objects.create(
            plan=locked,
            question=question.strip(),
            explained_by=actor.role_profile,
            explained_how=explained_how.strip(),
            reasons=reasons.strip(),
            capacity=capacity,
            capacity_assessment=capacity_assessment.strip(),
            best_interests_decision=best_interests_decision.strip(),
            consulted=consulted.strip(),
            attorney=attorney,
            category=label,
            author_organisation=_organisation_of(actor),
            created_by=actor.user,
        )
        made = ChoiceOption.objects.bulk_create(
            ChoiceOption(
                choice=choice,
                title=option.title.strip(),
                involves=option.involves.strip(),
                benefits=option.benefits.strip(),
                risks=option.risks.strip(),
                position=index,
            )
            for index, option in enumerate(options)
        )
        if chosen is not None:
            choice.chosen = made[chosen]
            choice.save(update_fields=["chosen"])
    return choice


@dataclass(frozen=True)
class ParticipantView:
    kind: str
    name: str
    view: str
    words: str = ""
    role_profile: RoleProfile | None = None
    relationship: Relationship | None = None
    organisation: Organisation | None = None


@transaction.atomic
def record_decision(
    *,
    actor: Actor,
    plan: CarePlan,
    expected_version: int | None,
    what: str,
    views: Sequence[ParticipantView],
    person_agreed: bool | None,
    person_view: str = "",
    decided_on: date | None = None,
    category: str = "general",
) -> Decision:
    """A decision taken together, with each participant's view. Dissent is kept and shown."""
    if not what.strip():
        raise DomainRuleBroken("Say what was decided.", field="what")
    if not views:
        raise DomainRuleBroken("Record who took part and their view.", field="views")
    for item in views:
        if item.kind not in ParticipantKind.values or item.view not in View.values:
            raise DomainRuleBroken("Give each participant a part and a view.", field="views")
        if not item.name.strip():
            raise DomainRuleBroken("Name each participant.", field="views")
        if item.view == View.DISAGREE and not item.words.strip():
            raise DomainRuleBroken(
                f"Record {item.name}'s reasons for disagreeing, in their words.", field="views"
            )
        if item.kind == ParticipantKind.PROFESSIONAL and item.organisation is None:
            raise DomainRuleBroken(f"Say which organisation {item.name} is from.", field="views")
    if person_agreed is False and not person_view.strip():
        raise DomainRuleBroken(
            "The person did not agree: record their view in their words.", field="person_view"
        )
    label = _category(category)
    day = decided_on or timezone.localdate()
    dissent = any(item.view == View.DISAGREE for item in views) or person_agreed is False
    summary = f"Decision recorded{' with dissent' if dissent else ''}: {what.strip()[:80]}"
    with _changing(actor, plan, expected_version, summary) as locked:
        decision = Decision.objects.create(
            plan=locked,
            what=what.strip(),
            decided_on=day,
            person_agreed=person_agreed,
            person_view=person_view.strip(),
            category=label,
            author_organisation=_organisation_of(actor),
            created_by=actor.user,
        )
        DecisionView.objects.bulk_create(
            DecisionView(
                decision=decision,
                kind=item.kind,
                name=item.name.strip(),
                role_profile=item.role_profile,
                relationship=item.relationship,
                organisation=item.organisation,
                view=item.view,
                words=item.words.strip(),
            )
            for item in views
        )
    return decision


@transaction.atomic
def record_plan_agreement(
    *,
    actor: Actor,
    plan: CarePlan,
    agrees: bool,
    not_agreed: str = "",
    representative: Relationship | None = None,
    expected_version: int | None = None,
) -> PlanAgreement:
    """The person (or their representative) agrees with this version of the plan, or says
    what they do not agree with. Not a change to the plan, so the version stays; given
    `expected_version` (the version the person was shown), PlanConflict if the plan has
    changed since, so no one agrees to a version they have not seen."""
    person = plan.person
    decision = require(actor, Action.EDIT_CARE_PLAN, person)
    if expected_version is not None:
        plan = CarePlan.objects.select_for_update().get(pk=plan.pk)
        if plan.version != expected_version:
            raise PlanConflict(plan)
    if not agrees and not not_agreed.strip():
        raise DomainRuleBroken(
            "Record what they do not agree with, in their words.", field="not_agreed"
        )
    if representative is not None and representative.person_id != person.pk:
        raise DomainRuleBroken("That representative is someone else's.", field="representative")
    agreement = PlanAgreement.objects.create(
        plan=plan,
        plan_version=plan.version,
        agrees=agrees,
        not_agreed=not_agreed.strip(),
        by_person=representative is None,
        representative=representative,
        recorded_by_role=actor.role_profile,
        created_by=actor.user,
    )
    who = "the person" if representative is None else "their representative"
    record_event(
        actor=actor,
        action="care_plan.agreement",
        target_type="CarePlan",
        target_id=plan.pk,
        person=person,
        basis=decision.basis or "",
        reason=f"Recorded that {who} {'agrees' if agrees else 'does not agree'} with version "
        f"{plan.version}.",
    )
    return agreement


@dataclass(frozen=True)
class GoalScoreTerms:
    goal: Goal
    level: int
    person_view: str = ""


@dataclass
class ReviewTerms:
    held_on: date
    attendance: str
    next_review_on: date
    what_changed: str = ""
    person_view: str = ""
    scores: list[GoalScoreTerms] = field(default_factory=list)


@transaction.atomic
def record_review(
    *, actor: Actor, plan: CarePlan, expected_version: int | None, terms: ReviewTerms
) -> PlanReview:
    """A review: who came, each goal's level reached (with the person's view), what changed,
    and the next review date. Works out the plan's T-score from the goals scored."""
    if not terms.attendance.strip():
        raise DomainRuleBroken("Record who came to the review.", field="attendance")
    if terms.held_on > timezone.localdate():
        raise DomainRuleBroken("A review cannot be recorded before it happens.", field="held_on")
    if terms.next_review_on <= terms.held_on:
        raise DomainRuleBroken("The next review must be after this one.", field="next_review_on")
    seen: set[Any] = set()
    for score in terms.scores:
        if score.goal.plan_id != plan.pk or score.goal.status != GoalStatus.ACTIVE:
            raise DomainRuleBroken("Score only this plan's current goals.", field="scores")
        if score.level not in LEVELS:
            raise DomainRuleBroken("Score each goal from −2 to +2.", field="scores")
        if score.goal.pk in seen:
            raise DomainRuleBroken("Score each goal once.", field="scores")
        seen.add(score.goal.pk)
    result = t_score(Scored(s.level, s.goal.weight) for s in terms.scores)
    summary = "Review recorded" + (f": T-score {result:.1f}" if result is not None else "")
    with _changing(actor, plan, expected_version, summary) as locked:
        assert actor.role_profile is not None  # noqa: S101
        review = PlanReview.objects.create(
            plan=locked,
            held_on=terms.held_on,
            attendance=terms.attendance.strip(),
            what_changed=terms.what_changed.strip(),
            person_view=terms.person_view.strip(),
            next_review_on=terms.next_review_on,
            t_score=Decimal(f"{result:.2f}") if result is not None else None,
            recorded_by_role=actor.role_profile,
            created_by=actor.user,
        )
        GoalScore.objects.bulk_create(
            GoalScore(
                review=review,
                goal=score.goal,
                level=score.level,
                weight=score.goal.weight,
                scored_by=actor.user,
                person_view=score.person_view.strip(),
            )
            for score in terms.scores
        )
        locked.next_review_on = terms.next_review_on
        locked.save(update_fields=["next_review_on"])
    return review
