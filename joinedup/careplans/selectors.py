"""Reading care plans: the plan with only the items the reader's organisation may see, its
history, my actions across all my people, and the reviews that are due."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from joinedup.accounts.models import RoleProfile
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
from joinedup.careteams.models import CareTeamMember, in_force_on
from joinedup.core.errors import NotFound
from joinedup.directory.models import Organisation
from joinedup.people.models import Person, Relationship
from joinedup.people.selectors import get_person_for, parse_person_id
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import Action, decide, items_visible_q, people_visible_to

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
    return plan_view_of(actor, get_person_for(actor, person_id))


def plan_view_of(actor: Actor, person: Person) -> PlanView:
    """care_plan_for without opening the person: for a person the caller has already opened,
    audited or left to the write (people.selectors.open_for_change, for the care plan's write
    pages). Not audited here. (Split out of care_plan_for with the pages; its body unchanged.)"""
    plan = (
        CarePlan.objects.filter(person=person, status=PlanStatus.ACTIVE)
        .select_related("owner__practitioner", "owner__organisation")
        .first()
    )
    if plan is None:
        return PlanView(person, None, [], [], [], [], [], [], None)
    return _view_of(actor, person, plan)


def _view_of(actor: Actor, person: Person, plan: CarePlan) -> PlanView:
    """One plan (active or closed) with the items the reader's organisation may see."""
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
                "author_organisation",
                "goal",
                "category",
            )
            .order_by(_open_first(), "due_on")
        ),
        choices=list(
            _visible(actor, InformedChoice.objects.filter(plan=plan))
            .select_related(
                "chosen",
                "explained_by__practitioner",
                "explained_by__organisation",
                "attorney",
                "category",
                "author_organisation",
            )
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


# -- for interfaces that change a plan (the JSON API) -----------------------------------------
# Resolving what a request names into the objects careplans.services take. A successful look-up
# is not audited here: the service that makes the change audits it, so a write is one event.


@dataclass(frozen=True)
class PlanToChange:
    person: Person
    plan: CarePlan | None


def plan_to_change_for(actor: Actor, person_id: object) -> PlanToChange:
    """The person and their active plan (None if there is none yet), for a service to change.
    NotFound, audited as a refused open, when the person is missing or the actor may not see
    them; whether the actor may change the plan is the service's to decide (care_plan.edit)."""
    parsed = parse_person_id(person_id)
    person = Person.objects.filter(pk=parsed).first() if parsed else None
    if person is None or not decide(actor, Action.VIEW_PERSON, person).allowed:
        get_person_for(actor, person_id)  # audits the refusal and raises NotFound
        raise NotFound  # visible a moment later: still refused this time
    plan = (
        CarePlan.objects.filter(person=person, status=PlanStatus.ACTIVE)
        .select_related("owner__practitioner", "owner__organisation")
        .first()
    )
    if plan is not None:
        plan.person = person
    return PlanToChange(person, plan)


def care_team_role_profile(person: Person, role_profile_id: uuid.UUID) -> RoleProfile | None:
    """A role profile in the person's care team today, with its practitioner and organisation
    (whom an action can be given to), or None."""
    member = (
        CareTeamMember.objects.filter(
            in_force_on(timezone.localdate()), person=person, role_profile_id=role_profile_id
        )
        .select_related("role_profile__practitioner", "role_profile__organisation")
        .first()
    )
    return member.role_profile if member is not None else None


def care_team_organisation(person: Person, organisation_id: uuid.UUID) -> Organisation | None:
    """An organisation with someone in the person's care team today, or None."""
    member = (
        CareTeamMember.objects.filter(
            in_force_on(timezone.localdate()), person=person, organisation_id=organisation_id
        )
        .select_related("organisation")
        .first()
    )
    return member.organisation if member is not None else None


def organisation_by_id(organisation_id: uuid.UUID) -> Organisation | None:
    """Any organisation in the directory (a professional taking part in a decision may come
    from outside the care team), or None."""
    return Organisation.objects.filter(pk=organisation_id).first()


def relationship_of(person: Person, relationship_id: uuid.UUID) -> Relationship | None:
    """One of the person's relationships (an attorney, a representative, family), or None."""
    return Relationship.objects.filter(person=person, pk=relationship_id).first()


def goals_to_change_for(
    actor: Actor, plan: CarePlan, goal_ids: Iterable[uuid.UUID]
) -> dict[Any, Goal]:
    """Those of the named goals that are in this plan and that the actor's organisation may see,
    by id. A goal the actor may not see cannot be linked or scored by them."""
    goals = _visible(actor, Goal.objects.filter(plan=plan, pk__in=list(goal_ids)))
    return {goal.pk: goal for goal in goals}


def action_to_change_for(actor: Actor, plan: CarePlan, action_id: uuid.UUID) -> PlanAction | None:
    """The plan's action, if the actor's organisation may see it, or None."""
    return _visible(actor, PlanAction.objects.filter(plan=plan, pk=action_id)).first()


# -- for the care plan pages -------------------------------------------------------------------
# Added with the pages (careplans/views.py). New functions only; the ones above are unchanged.


def people_in_their_life(person: Person) -> list[Relationship]:
    """The person's current family, carers, advocates and attorneys: the plan's forms offer them
    as attorneys, representatives and participants in decisions. For a person the caller has
    already opened (care_plan_for, which audits the read); not audited again."""
    return list(
        Relationship.objects.filter(person=person, ends_on__isnull=True).order_by(
            "family_name", "given_name", "pk"
        )
    )


def changes_since(actor: Actor, plan: CarePlan, opened: int) -> list[VersionChanges]:
    """The versions of the plan after version `opened`, oldest first, with what changed in words:
    what the conflict page shows someone whose edit met a newer version. Changes to items the
    reader's organisation may not see are counted, never described (as plan_history_for). For
    a plan the caller has already opened (care_plan_for); not audited again."""
    versions = list(
        CarePlanVersion.objects.filter(plan=plan, number__gte=opened)
        .select_related("created_by", "created_by_role__organisation")
        .order_by("number")
    )
    may_see = _visible_item_ids(actor, plan)
    previous: dict[str, Any] | None = None
    found: list[VersionChanges] = []
    for version in versions:
        if version.number == opened:
            previous = version.snapshot
            continue
        changes = changes_between(previous, version.snapshot)
        shown = [c for c in changes if c.item_id is None or _seen(c, may_see, actor)]
        found.append(VersionChanges(version, shown, len(changes) - len(shown)))
        previous = version.snapshot
    return found


def reviews_due_list_for(actor: Actor, *, within_days: int = 14) -> list[CarePlan]:
    """reviews_due_for as the "reviews due" page shows it: the plans I own as lead professional
    whose review is due within `within_days` or overdue, soonest first. Audited as one list
    read, like my actions."""
    record_event(
        actor=actor, action="care_plan.reviews_due", target_type="CarePlan", reason="Reviews due"
    )
    return list(reviews_due_for(actor, within_days=within_days))


# -- for the FHIR interface (fhir/careplan_views.py) -------------------------------------------
# CarePlan and Goal resources are addressed by the plan's and the goal's own ids, and a person
# may have closed plans as well as their active one. New functions only; the ones above are
# unchanged (plan_view_of now hands the plan it found to _view_of).


def _plan_with_owner(plan_id: object) -> CarePlan | None:
    parsed = parse_person_id(plan_id)
    if parsed is None:
        return None
    return (
        CarePlan.objects.select_related("owner__practitioner", "owner__organisation")
        .filter(pk=parsed)
        .first()
    )


def _refuse_missing(actor: Actor, target_type: str, target_id: object, words: str) -> None:
    record_event(
        actor=actor,
        action=Action.VIEW_PERSON,
        target_type=target_type,
        target_id=target_id,
        allowed=False,
        reason=f"No such {words}.",
    )


def care_plan_by_id_for(actor: Actor, plan_id: object) -> PlanView:
    """One care plan (active or closed) by its own id, with the items the reader's organisation
    may see. NotFound alike for a plan that does not exist and one whose person the actor may
    not see. Audited as one read of the person's record (get_person_for), or one refusal."""
    plan = _plan_with_owner(plan_id)
    if plan is None:
        _refuse_missing(actor, "CarePlan", plan_id, "care plan")
        raise NotFound
    person = get_person_for(actor, plan.person_id)
    plan.person = person
    return _view_of(actor, person, plan)


def care_plans_of_for(actor: Actor, person_id: object) -> list[PlanView]:
    """Every care plan of the person, the active one first and then the closed ones, newest
    first, each with the items the reader's organisation may see. NotFound when the person is
    missing or the actor may not see them. Audited as one read of the person's record."""
    person = get_person_for(actor, person_id)
    plans = CarePlan.objects.filter(person=person).select_related(
        "owner__practitioner", "owner__organisation"
    )
    ordered = sorted(
        plans, key=lambda plan: (plan.status != PlanStatus.ACTIVE, -plan.created_at.timestamp())
    )
    for plan in ordered:
        plan.person = person
    return [_view_of(actor, person, plan) for plan in ordered]


@dataclass(frozen=True)
class PlanVersions:
    """A plan as the reader may see it now, and every version of it, oldest first. `shows`
    says whether an item kept in a version's snapshot may be shown to the reader."""

    view: PlanView
    versions: list[CarePlanVersion]
    visible_item_ids: frozenset[str]
    organisation_id: str

    def shows(self, item: dict[str, Any]) -> bool:
        # As plan_history_for: an item still in the plan is judged by today's rules; one
        # removed since is shown only to its author organisation.
        return (
            item.get("id") in self.visible_item_ids
            or item.get("author_organisation") == self.organisation_id
        )


def plan_versions_for(actor: Actor, plan_id: object) -> PlanVersions:
    """The plan (care_plan_by_id_for: NotFound alike for missing and forbidden; one audit
    event) with every version kept of it, for the FHIR _history and vread."""
    view = care_plan_by_id_for(actor, plan_id)
    assert view.plan is not None  # noqa: S101 - care_plan_by_id_for always finds a plan
    versions = list(
        CarePlanVersion.objects.filter(plan=view.plan)
        .select_related("created_by_role__practitioner")
        .order_by("number")
    )
    return PlanVersions(
        view=view,
        versions=versions,
        visible_item_ids=frozenset(_visible_item_ids(actor, view.plan)),
        organisation_id=str(actor.organisation_id),
    )


def _goals_with_scores(actor: Actor, goals: QuerySet[Goal]) -> list[Goal]:
    return list(
        _visible(actor, goals)
        .select_related("category", "plan")
        .prefetch_related(
            Prefetch(
                "scores",
                queryset=GoalScore.objects.select_related("review").order_by(
                    "review__held_on", "review__created_at"
                ),
            )
        )
    )


def goal_for(actor: Actor, goal_id: object) -> Goal:
    """One goal by its id, with its plan and its scores oldest first, if the actor may see the
    person and their organisation may see the goal (its information category decides). NotFound
    alike for a goal that does not exist, one whose person the actor may not see and one the
    organisation may not see. Audited as one read of the person's record, or one refusal."""
    parsed = parse_person_id(goal_id)
    found = (
        Goal.objects.filter(pk=parsed).values_list("plan__person_id", flat=True).first()
        if parsed is not None
        else None
    )
    if parsed is None or found is None:
        _refuse_missing(actor, "Goal", goal_id, "goal")
        raise NotFound
    person = get_person_for(actor, found)
    goals = _goals_with_scores(actor, Goal.objects.filter(pk=parsed))
    if not goals:
        raise NotFound
    goals[0].plan.person = person
    return goals[0]


def goals_of_for(actor: Actor, person_id: object) -> list[Goal]:
    """Every goal of the person's plans (active and closed) that the actor's organisation may
    see, each with its plan and its scores oldest first. NotFound when the person is missing or
    the actor may not see them. Audited as one read of the person's record."""
    person = get_person_for(actor, person_id)
    goals = _goals_with_scores(
        actor, Goal.objects.filter(plan__person=person).order_by("set_on", "created_at")
    )
    for goal in goals:
        goal.plan.person = person
    return goals


def plan_to_change_by_id_for(actor: Actor, plan_id: object) -> CarePlan:
    """The plan with this id, with its person, for a service to change (the service audits the
    change and decides whether the actor may make it). NotFound, audited as a refusal, when the
    plan is missing or the actor may not see its person."""
    plan = _plan_with_owner(plan_id)
    if plan is None:
        _refuse_missing(actor, "CarePlan", plan_id, "care plan")
        raise NotFound
    plan.person = plan_to_change_for(actor, plan.person_id).person
    return plan


def plans_to_change_for(actor: Actor, person_id: object) -> tuple[Person, list[CarePlan]]:
    """The person and all their plans, the active one first, for a conditional create to count
    (the create or the read that follows audits the access). NotFound, audited as a refusal,
    when the person is missing or the actor may not see them."""
    person = plan_to_change_for(actor, person_id).person
    plans = sorted(
        CarePlan.objects.filter(person=person),
        key=lambda plan: (plan.status != PlanStatus.ACTIVE, -plan.created_at.timestamp()),
    )
    return person, plans
