"""Reading care plans: the plan with only the items the reader's organisation may see, its
history, my actions across all my people, and the reviews that are due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from joinedup.audit.services import record_event
from joinedup.careplans.models import (
    ActionStatus,
    CarePlan,
    CarePlanVersion,
    ChoiceOption,
    Decision,
    DecisionView,
    Goal,
    GoalScore,
    InformedChoice,
    PlanAction,
    PlanAgreement,
    PlanNeed,
    PlanReview,
    PlanStatus,
)
from joinedup.careplans.snapshots import Change, changes_between
from joinedup.people.models import Person
from joinedup.people.selectors import get_person_for
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import Action, items_visible_q, people_visible_to

PLAN_PATH = "plan__person"


@dataclass(frozen=True)
class PlanView:
    """A person's active plan as the reader may see it (None if there is none yet)."""

    person: Person
    plan: CarePlan | None
    needs: list[PlanNeed]
    goals: list[Goal]
    actions: list[PlanAction]
    choices: list[InformedChoice]
    decisions: list[Decision]
    reviews: list[PlanReview]
    latest_agreement: PlanAgreement | None

    @property
    def t_scores(self) -> list[tuple[date, float]]:
        """The plan's T-score at each review, oldest first, for the chart over time."""
        return [
            (review.held_on, float(review.t_score))
            for review in reversed(self.reviews)
            if review.t_score is not None
        ]

    @property
    def dissenting_decisions(self) -> list[Decision]:
        return [
            decision
            for decision in self.decisions
            if decision.person_agreed is False
            or any(view.view == "disagree" for view in decision.views.all())
        ]


def _visible(actor: Actor, queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.filter(items_visible_q(actor, person_path=PLAN_PATH))


def care_plan_for(actor: Actor, person_id: object) -> PlanView:
    """The person's active care plan with the items the reader's organisation may see (each
    item's information category decides, as for record entries). Audited as one read of the
    record (get_person_for) naming the plan."""
    person = get_person_for(actor, person_id)
    plan = (
        CarePlan.objects.filter(person=person, status=PlanStatus.ACTIVE)
        .select_related("owner__practitioner", "owner__organisation")
        .first()
    )
    if plan is None:
        return PlanView(person, None, [], [], [], [], [], [], None)
    goals = list(
        _visible(actor, Goal.objects.filter(plan=plan))
        .select_related("category", "author_organisation")
        .prefetch_related(Prefetch("scores", queryset=GoalScore.objects.select_related("review")))
    )
    return PlanView(
        person=person,
        plan=plan,
        needs=list(
            _visible(
                actor, PlanNeed.objects.filter(plan=plan, removed_at__isnull=True)
            ).select_related("category", "author_organisation")
        ),
        goals=goals,
        actions=list(
            _visible(actor, PlanAction.objects.filter(plan=plan))
            .select_related(
                "assignee__practitioner",
                "assignee__organisation",
                "assignee_organisation",
                "goal",
                "category",
            )
            .order_by(_open_first(), "due_on")
        ),
        choices=list(
            _visible(actor, InformedChoice.objects.filter(plan=plan))
            .select_related("chosen", "explained_by__practitioner", "attorney", "category")
            .prefetch_related(Prefetch("options", queryset=ChoiceOption.objects.all()))
        ),
        decisions=list(
            _visible(actor, Decision.objects.filter(plan=plan))
            .select_related("category", "author_organisation")
            .prefetch_related(
                Prefetch("views", queryset=DecisionView.objects.select_related("organisation"))
            )
        ),
        reviews=list(
            PlanReview.objects.filter(plan=plan).select_related(
                "recorded_by_role__practitioner", "recorded_by_role__organisation"
            )
        ),
        latest_agreement=PlanAgreement.objects.filter(plan=plan)
        .select_related("representative", "recorded_by_role__practitioner")
        .first(),
    )


def _open_first() -> Case:
    return Case(
        When(status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS], then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class VersionChanges:
    version: CarePlanVersion
    changes: list[Change]
    hidden: int


def plan_history_for(actor: Actor, person_id: object) -> tuple[Person, list[VersionChanges]]:
    """Every version of the person's active plan, newest first, with what changed in words.
    Changes to items the reader's organisation may not see are counted, never described."""
    person = get_person_for(actor, person_id)
    plan = CarePlan.objects.filter(person=person, status=PlanStatus.ACTIVE).first()
    if plan is None:
        return person, []
    versions = list(
        CarePlanVersion.objects.filter(plan=plan)
        .select_related("created_by", "created_by_role__organisation")
        .order_by("number")
    )
    may_see = _visible_item_ids(actor, plan)
    history: list[VersionChanges] = []
    previous: dict[str, Any] | None = None
    for version in versions:
        changes = changes_between(previous, version.snapshot)
        shown = [c for c in changes if c.item_id is None or _seen(c, may_see, actor)]
        history.append(VersionChanges(version, shown, len(changes) - len(shown)))
        previous = version.snapshot
    history.reverse()
    return person, history


def _visible_item_ids(actor: Actor, plan: CarePlan) -> set[str]:
    ids: set[str] = set()
    for model in (PlanNeed, Goal, PlanAction, InformedChoice, Decision):
        ids.update(
            str(pk)
            for pk in _visible(actor, model.objects.filter(plan=plan)).values_list("pk", flat=True)
        )
    return ids


def _seen(change: Change, may_see: set[str], actor: Actor) -> bool:
    # An item still in the plan is judged by today's rules; one removed since is shown only to
    # its author organisation.
    if change.item_id in may_see:
        return True
    return change.author_organisation == str(actor.organisation_id)


def my_actions_for(actor: Actor, *, today: date | None = None) -> QuerySet[PlanAction]:
    """Open actions assigned to me (the acting role profile) across all my people, overdue
    first, then due soonest. Only people the actor may still see. Audited as one list read."""
    day = today or timezone.localdate()
    record_event(
        actor=actor, action="care_plan.my_actions", target_type="PlanAction", reason="My actions"
    )
    return (
        PlanAction.objects.filter(
            assignee=actor.role_profile,
            status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS],
            plan__status=PlanStatus.ACTIVE,
            plan__person__in=people_visible_to(actor),
        )
        .annotate(
            overdue=Case(
                When(due_on__lt=day, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .select_related("plan__person", "goal")
        .order_by("overdue", "due_on", "created_at")
    )


def reviews_due_for(actor: Actor, *, within_days: int = 14) -> QuerySet[CarePlan]:
    """Plans I own (as lead professional) whose review is due within `within_days` or overdue,
    soonest first. Only people the actor may see."""
    day = timezone.localdate() + timedelta(days=within_days)
    return (
        CarePlan.objects.filter(
            Q(next_review_on__lte=day),
            owner=actor.role_profile,
            status=PlanStatus.ACTIVE,
            person__in=people_visible_to(actor, Action.VIEW_PERSON),
        )
        .select_related("person")
        .order_by("next_review_on")
    )
