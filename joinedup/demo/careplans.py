"""Care plans in the demo region, of varied maturity.

- Arthur Bell (Hollybank): a plan mid-way, with a review and its T-score, a best-interests
  decision about his room (he lacks capacity for it; Edna and his advocate were consulted) and
  a decision Edna disagreed with. Made through the care-plan services as his care team, so it
  has versions and audit events like any other plan.
- Fatima Hussain: a new plan, one goal and one action, no review yet.
- Margaret Price has no plan: the demo shows starting one.
- About a third of the other people with a lead professional: generated plans, some new, some
  with a review, written in bulk (no versions beyond the first)."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from joinedup.careplans.gas import Scored, t_score
from joinedup.careplans.models import (
    ActionStatus,
    ActionStatusChange,
    CapacityForDecision,
    CarePlan,
    CarePlanVersion,
    Goal,
    GoalScore,
    PlanAction,
    PlanReview,
)
from joinedup.careplans.services import (
    GoalScoreTerms,
    GoalTerms,
    OptionTerms,
    ParticipantView,
    ReviewTerms,
    add_action,
    add_need,
    change_plan_sections,
    record_decision,
    record_informed_choice,
    record_plan_agreement,
    record_review,
    set_goal,
    start_care_plan,
)
from joinedup.careteams.models import CareTeamMember, CareTeamRole
from joinedup.people.models import Person, Relationship
from joinedup.sharing.actors import Actor

if TYPE_CHECKING:
    from joinedup.demo.region import RegionBuilder

CHUNK = 5_000

_GOALS = (
    (
        "I want to get out into the garden every day.",
        "Goes into the garden on her own, most days",
        (
            "Stays indoors all week",
            "Gets out with help once a week",
            "Gets out on her own three days a week",
            "Gets out on her own most days",
            "Gardens for an hour most days",
        ),
    ),
    (
        "I want to cook my own tea.",
        "Makes a hot meal without help",
        (
            "Relies on others for every meal",
            "Makes a sandwich or snack",
            "Makes a hot meal twice a week",
            "Makes a hot meal most days",
            "Cooks for a friend or family",
        ),
    ),
    (
        "I want to sleep through the night without falling.",
        "No falls at night, sleeps six hours",
        (
            "Falls more than once a month",
            "One fall a month",
            "No falls in three months",
            "No falls and sleeps well most nights",
            "No falls and no longer afraid at night",
        ),
    ),
)


def _actor(builder: RegionBuilder, key: str) -> Actor:
    profile = builder.persona_profiles[key]
    user = profile.practitioner.user
    assert user is not None  # noqa: S101 - personas have accounts
    return Actor.staff(user, profile)


def _levels(texts: tuple[str, ...]) -> dict[int, str]:
    return dict(zip((-2, -1, 0, 1, 2), texts, strict=True))


def seed_care_plans(builder: RegionBuilder) -> None:
    _arthur(builder)
    _fatima(builder)
    _generated(builder)


def _arthur(builder: RegionBuilder) -> None:
    arthur = Person.objects.get(nhs_number="9990002045")
    grace, sam = _actor(builder, "care_home_manager"), _actor(builder, "social_worker")
    plan = start_care_plan(actor=grace, person=arthur)
    change_plan_sections(
        actor=grace,
        plan=plan,
        expected_version=plan.version,
        what_matters=plan.what_matters,
        contingency="If Arthur is distressed in the evening, play his Glenn Miller records and "
        "sit with him. If he has a fall or a high temperature, call the GP surgery, or 111 "
        "out of hours.",
        whom_to_call="Edna Bell (wife), then Hollybank's manager on duty.",
        review_every_weeks=12,
        next_review_on=timezone.localdate() + timedelta(weeks=10),
    )
    add_need(
        actor=grace,
        plan=plan,
        expected_version=None,
        kind="strength",
        description="Enjoys music and company in the lounge; knows Edna and lights up when she visits.",
        category="general",
    )
    add_need(
        actor=grace,
        plan=plan,
        expected_version=None,
        kind="need",
        description="Needs help with washing and dressing; one carer, prompting step by step.",
        category="social_care",
    )
    lounge = set_goal(
        actor=grace,
        plan=plan,
        expected_version=None,
        terms=GoalTerms(
            in_their_words="I like being with the others.",
            measurable="Spends the afternoon in the lounge, settled",
            levels=_levels(
                (
                    "Stays in his room all day",
                    "In the lounge once or twice a week",
                    "In the lounge most afternoons",
                    "In the lounge most afternoons and joins an activity",
                    "Joins activities every day",
                )
            ),
            baseline=-1,
        ),
    )
    add_action(
        actor=grace,
        plan=plan,
        expected_version=None,
        what="Invite Arthur to the Tuesday music afternoon and sit with him for the first hour",
        action_type="personal_care",
        due_on=timezone.localdate() + timedelta(days=7),
        assignee=builder.persona_profiles["care_home_manager"],
        goal=lounge,
    )
    edna = Relationship.objects.get(person=arthur, given_name="Edna")
    owen = Relationship.objects.get(person=arthur, given_name="Owen")
    record_informed_choice(
        actor=sam,
        plan=plan,
        expected_version=None,
        question="Whether Arthur moves to a ground-floor room near the lounge",
        options=[
            OptionTerms(
                "Stay in his room upstairs",
                "No change; staff help him on the stairs and in the lift",
                "A room he knows, with his photographs",
                "Two falls near the lift this year; further from the lounge",
            ),
            OptionTerms(
                "Move to a ground-floor room",
                "A room by the lounge, with his photographs and chair moved with him",
                "Closer to company; no stairs or lift",
                "May be unsettled for a few weeks after the move",
            ),
        ],
        explained_how="Shown both rooms with Edna, one question at a time, over two visits.",
        chosen=1,
        reasons="",
        capacity=CapacityForDecision.LACKS_CAPACITY,
        capacity_assessment="Assessed by Sam Whitaker and Grace Mensah: Arthur could not retain "
        "the information about the two rooms long enough to weigh it.",
        best_interests_decision="Move to the ground-floor room, keeping his furniture and "
        "photographs, and review in four weeks.",
        consulted="Edna Bell (wife), Owen Rhys (independent advocate), Dr Priya Shah",
        category="social_care",
    )
    council = builder.persona_profiles["social_worker"].organisation
    home = builder.persona_profiles["care_home_manager"].organisation
    record_decision(
        actor=sam,
        plan=plan,
        expected_version=None,
        what="Arthur has his evening meal in the lounge with the others",
        person_agreed=None,
        views=[
            ParticipantView("professional", "Grace Mensah", "agree", organisation=home),
            ParticipantView("professional", "Sam Whitaker", "agree", organisation=council),
            ParticipantView(
                "family",
                "Edna Bell",
                "disagree",
                "He has always eaten quietly; the noise upsets him in the evening.",
                relationship=edna,
            ),
            ParticipantView(
                "family", "Owen Rhys", "abstain", "Try it for two weeks.", relationship=owen
            ),
        ],
    )
    record_review(
        actor=sam,
        plan=plan,
        expected_version=None,
        terms=ReviewTerms(
            held_on=timezone.localdate() - timedelta(days=2),
            attendance="Arthur, Edna Bell, Grace Mensah, Sam Whitaker, Owen Rhys",
            next_review_on=timezone.localdate() + timedelta(weeks=10),
            what_changed="Moved to the ground-floor room; settling well.",
            person_view="Arthur smiled when asked about the music afternoons.",
            scores=[GoalScoreTerms(lounge, 0, "“I like it down here.”")],
        ),
    )
    record_plan_agreement(
        actor=sam,
        plan=plan,
        agrees=False,
        not_agreed="Edna, speaking for Arthur, does not agree with evening meals in the lounge.",
        representative=edna,
    )


def _fatima(builder: RegionBuilder) -> None:
    fatima = Person.objects.get(nhs_number="9990003025")
    nadia = _actor(builder, "nurse")
    plan = start_care_plan(actor=nadia, person=fatima)
    goal = set_goal(
        actor=nadia,
        plan=plan,
        expected_version=None,
        terms=GoalTerms(
            in_their_words="I want to give my own insulin so Imran can go back to college.",
            measurable="Gives her own insulin safely every day",
            levels=_levels(
                (
                    "Nurse gives every dose",
                    "Gives the evening dose with the nurse watching",
                    "Gives both doses, nurse checks twice a week",
                    "Gives both doses, nurse checks weekly",
                    "Gives both doses and adjusts with her diary",
                )
            ),
            baseline=-2,
        ),
    )
    add_action(
        actor=nadia,
        plan=plan,
        expected_version=None,
        what="Teach insulin pen technique, with an Urdu interpreter on the phone",
        action_type="medication_administration",
        due_on=timezone.localdate() + timedelta(days=5),
        assignee=builder.persona_profiles["nurse"],
        goal=goal,
    )


def _generated(builder: RegionBuilder) -> None:
    """Plans for a third of the other people with a lead professional, in bulk."""
    featured = {"9990001111", "9990002045", "9990003025"}
    leads = (
        CareTeamMember.objects.filter(
            role=CareTeamRole.LEAD_PROFESSIONAL, role_profile__isnull=False
        )
        .exclude(person__nhs_number__in=featured)
        .order_by("person_id")
        .values_list("person_id", "role_profile_id", "organisation_id")
    )
    rng = builder.rng
    today = timezone.localdate()
    batch: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]] = []
    for index, row in enumerate(leads.iterator(chunk_size=CHUNK)):
        if index % 3 == 0:
            batch.append(row)
        if len(batch) >= CHUNK:
            _bulk_plans(builder, batch, today, rng)
            batch = []
    if batch:
        _bulk_plans(builder, batch, today, rng)


def _bulk_plans(
    builder: RegionBuilder,
    rows: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]],
    today: date,
    rng: random.Random,
) -> None:
    plans: list[CarePlan] = []
    versions: list[CarePlanVersion] = []
    goals: list[Goal] = []
    actions: list[PlanAction] = []
    changes: list[ActionStatusChange] = []
    reviews: list[PlanReview] = []
    scores: list[GoalScore] = []
    for person_id, profile_id, organisation_id in rows:
        plan = CarePlan(
            id=builder._uuid(),
            person_id=person_id,
            owner_id=profile_id,
            what_matters="",
            review_every_weeks=12,
            next_review_on=today + timedelta(days=rng.randrange(-20, 80)),
        )
        plans.append(plan)
        versions.append(
            CarePlanVersion(
                plan=plan,
                number=1,
                summary="Plan made when the region was generated",
                snapshot={"sections": {}, "needs": [], "goals": [], "actions": []},
            )
        )
        words, measurable, levels = rng.choice(_GOALS)
        goal = Goal(
            id=builder._uuid(),
            plan=plan,
            in_their_words=words,
            measurable=measurable,
            level_minus_2=levels[0],
            level_minus_1=levels[1],
            level_0=levels[2],
            level_plus_1=levels[3],
            level_plus_2=levels[4],
            baseline=-1,
            weight=Decimal("1.0"),
            category_id="general",
            author_organisation_id=organisation_id,
        )
        goals.append(goal)
        action = PlanAction(
            id=builder._uuid(),
            plan=plan,
            what="Review progress with the person and their family",
            action_type="general",
            assignee_id=profile_id,
            assignee_organisation_id=organisation_id,
            due_on=today + timedelta(days=rng.randrange(-10, 40)),
            goal=goal,
            category_id="general",
            author_organisation_id=organisation_id,
            status=ActionStatus.PLANNED,
        )
        actions.append(action)
        changes.append(ActionStatusChange(action=action, status=ActionStatus.PLANNED))
        if rng.random() < 0.5:
            level = rng.choice((-1, 0, 0, 1))
            review = PlanReview(
                id=builder._uuid(),
                plan=plan,
                held_on=today - timedelta(days=rng.randrange(10, 90)),
                attendance="The person, their family and the lead professional",
                next_review_on=plan.next_review_on or today,
                t_score=Decimal(f"{t_score([Scored(level)]) or 50:.2f}"),
                recorded_by_role_id=profile_id,
            )
            reviews.append(review)
            scores.append(GoalScore(review=review, goal=goal, level=level, weight=goal.weight))
    CarePlan.objects.bulk_create(plans, batch_size=CHUNK)
    CarePlanVersion.objects.bulk_create(versions, batch_size=CHUNK)
    Goal.objects.bulk_create(goals, batch_size=CHUNK)
    PlanAction.objects.bulk_create(actions, batch_size=CHUNK)
    ActionStatusChange.objects.bulk_create(changes, batch_size=CHUNK)
    PlanReview.objects.bulk_create(reviews, batch_size=CHUNK)
    GoalScore.objects.bulk_create(scores, batch_size=CHUNK)
