"""Care plan services, as Margaret's care team uses them: the nurse (community trust), the
social worker and lead professional (council), the GP, and Aisha from the carers centre."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from joinedup.careplans.models import ActionStatus, CapacityForDecision, CarePlan
from joinedup.careplans.selectors import care_plan_for, my_actions_for, plan_history_for
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
from joinedup.conftest import Region
from joinedup.core.errors import DomainRuleBroken, NotFound
from joinedup.people.models import Relationship, RelationshipKind

LEVELS = {
    -2: "Cannot get to the shop at all",
    -1: "Gets to the corner shop with Sarah",
    0: "Walks to the corner shop on her own once a week",
    1: "Walks to the shop on her own twice a week",
    2: "Walks to the market in town on her own",
}


def _plan(region: Region) -> CarePlan:
    return start_care_plan(actor=region.actor("nurse"), person=region.margaret)


def _goal(region: Region, plan: CarePlan, *, weight: str = "1.0", category: str = "general"):  # type: ignore[no-untyped-def]
    return set_goal(
        actor=region.actor("nurse"),
        plan=plan,
        expected_version=None,
        terms=GoalTerms(
            in_their_words="I want to get to the shops again on my own.",
            measurable="Walks to the corner shop without help",
            levels=LEVELS,
            weight=Decimal(weight),
            category=category,
        ),
    )


def test_the_plan_is_owned_by_margarets_lead_professional_and_starts_from_her_about_me(
    region: Region,
) -> None:
    plan = _plan(region)

    assert plan.owner == region.role_profile("social_worker")
    assert "Weavers Row" in plan.what_matters
    assert plan.version == 1
    with pytest.raises(DomainRuleBroken, match="already has a care plan"):
        _plan(region)


def test_a_goal_needs_all_five_levels_described_when_it_is_set(region: Region) -> None:
    plan = _plan(region)
    with pytest.raises(DomainRuleBroken, match="all five levels") as refused:
        set_goal(
            actor=region.actor("nurse"),
            plan=plan,
            expected_version=plan.version,
            terms=GoalTerms("Get out more", "Out twice a week", {0: "Out twice a week"}),
        )
    assert refused.value.field == "level_minus_2"


def test_a_review_scores_goals_and_gives_the_t_score_worked_by_hand(region: Region) -> None:
    plan = _plan(region)
    walking = _goal(region, plan, weight="3.0")
    shopping = _goal(region, plan, weight="1.0")

    review = record_review(
        actor=region.actor("social_worker"),
        plan=plan,
        expected_version=plan.version,
        terms=ReviewTerms(
            held_on=timezone.localdate(),
            attendance="Peggy, Sarah, Nadia Okafor, Sam Whitaker",
            next_review_on=timezone.localdate() + timedelta(weeks=12),
            scores=[
                GoalScoreTerms(walking, -2, "My leg is still too sore."),
                GoalScoreTerms(shopping, 0),
            ],
        ),
    )

    # weights 3 and 1, levels −2 and 0: T = 50 + 10·(−6)/√(0.7·10 + 0.3·16) = 32.53
    assert review.t_score == Decimal("32.53")
    view = care_plan_for(region.actor("nurse"), region.margaret.pk)
    [(held_on, score)] = view.t_scores
    assert held_on == timezone.localdate()
    assert score == pytest.approx(32.53)
    assert view.plan is not None
    assert view.plan.next_review_on == timezone.localdate() + timedelta(weeks=12)


def test_wound_care_cannot_be_delegated_to_a_volunteer_and_says_why(region: Region) -> None:
    plan = _plan(region)
    due = timezone.localdate() + timedelta(days=3)

    with pytest.raises(DomainRuleBroken, match="needs a doctor or nurse") as refused:
        add_action(
            actor=region.actor("nurse"),
            plan=plan,
            expected_version=plan.version,
            what="Change the leg ulcer dressing",
            action_type="wound_care",
            due_on=due,
            assignee=region.role_profile("voluntary"),
        )
    assert refused.value.field == "assignee"

    done = add_action(
        actor=region.actor("nurse"),
        plan=plan,
        expected_version=plan.version,
        what="Change the leg ulcer dressing",
        action_type="wound_care",
        due_on=due,
        assignee=region.role_profile("nurse"),
    )
    assert done.assignee_organisation == region.role_profile("nurse").organisation


def test_a_volunteer_signed_off_for_carer_support_can_take_it_on(region: Region) -> None:
    plan = _plan(region)
    aisha = region.role_profile("voluntary").practitioner
    aisha.competencies = ["Carer support"]
    aisha.save(update_fields=["competencies"])

    action = add_action(
        actor=region.actor("social_worker"),
        plan=plan,
        expected_version=None,
        what="Arrange a carer's break for Sarah",
        action_type="carer_support",
        due_on=timezone.localdate() + timedelta(days=14),
        assignee=region.role_profile("voluntary"),
    )

    assert action.status == ActionStatus.PLANNED


def test_two_people_editing_the_same_version_never_overwrite_each_other(region: Region) -> None:
    plan = _plan(region)
    seen = plan.version
    change_plan_sections(
        actor=region.actor("nurse"),
        plan=plan,
        expected_version=seen,
        what_matters="Staying at home on Weavers Row.",
        contingency="If her leg gets hot and red, ring the district nurses.",
        whom_to_call="District nurses 0300 000 0000",
        review_every_weeks=12,
        next_review_on=None,
    )

    stale = CarePlan.objects.get(pk=plan.pk)
    with pytest.raises(PlanConflict) as conflict:
        change_plan_sections(
            actor=region.actor("social_worker"),
            plan=stale,
            expected_version=seen,
            what_matters="Something else",
            contingency="",
            whom_to_call="",
            review_every_weeks=6,
            next_review_on=None,
        )

    assert conflict.value.current.contingency.startswith("If her leg gets hot")
    assert CarePlan.objects.get(pk=plan.pk).what_matters == "Staying at home on Weavers Row."


def test_a_mental_health_need_stays_with_the_health_partners(region: Region) -> None:
    plan = _plan(region)
    add_need(
        actor=region.actor("nurse"),
        plan=plan,
        expected_version=None,
        kind="need",
        description="Low mood since her fall; needs company",
        category="mental_health",
    )
    add_need(
        actor=region.actor("nurse"),
        plan=plan,
        expected_version=None,
        kind="strength",
        description="Sarah visits every day",
        category="general",
    )

    def needs(key: str) -> set[str]:
        return {n.description for n in care_plan_for(region.actor(key), region.margaret.pk).needs}

    assert needs("gp") == {"Low mood since her fall; needs company", "Sarah visits every day"}
    assert needs("social_worker") == {"Sarah visits every day"}

    _, history = plan_history_for(region.actor("social_worker"), region.margaret.pk)
    words = [change.words for version in history for change in version.changes]
    assert not any("Low mood" in w for w in words)
    assert sum(version.hidden for version in history) == 1


def test_a_decision_with_a_dissent_is_kept_as_one(region: Region) -> None:
    plan = _plan(region)
    council = region.role_profile("social_worker").organisation
    trust = region.role_profile("nurse").organisation
    record_decision(
        actor=region.actor("social_worker"),
        plan=plan,
        expected_version=None,
        what="Peggy stays at home with home care twice a day",
        person_agreed=True,
        person_view="I want to stay in my own home.",
        views=[
            ParticipantView("person", "Peggy Price", "agree", "It's my home."),
            ParticipantView("professional", "Sam Whitaker", "agree", organisation=council),
            ParticipantView(
                "professional",
                "Nadia Okafor",
                "disagree",
                "The risk of another fall at night is high; a short respite stay first.",
                organisation=trust,
            ),
        ],
    )

    view = care_plan_for(region.actor("gp"), region.margaret.pk)
    assert [d.what for d in view.dissenting_decisions] == [
        "Peggy stays at home with home care twice a day"
    ]


def test_a_best_interests_decision_needs_the_assessment_and_who_was_consulted(
    region: Region,
) -> None:
    plan = _plan(region)
    options = [
        OptionTerms("Stay at home", "Home care twice a day", "Her own home", "Falls at night"),
        OptionTerms("Respite stay", "Two weeks at Hollybank", "Safe at night", "Unsettling"),
    ]
    sarah = Relationship.objects.get(person=region.margaret, kind=RelationshipKind.ATTORNEY)

    with pytest.raises(DomainRuleBroken, match="capacity assessment"):
        record_informed_choice(
            actor=region.actor("social_worker"),
            plan=plan,
            expected_version=None,
            question="Where to live after her fall",
            options=options,
            explained_how="Face to face, large print, hearing loop",
            chosen=None,
            reasons="",
            capacity=CapacityForDecision.LACKS_CAPACITY,
        )

    choice = record_informed_choice(
        actor=region.actor("social_worker"),
        plan=plan,
        expected_version=None,
        question="Where to live after her fall",
        options=options,
        explained_how="Face to face, large print, hearing loop",
        chosen=1,
        reasons="",
        capacity=CapacityForDecision.LACKS_CAPACITY,
        capacity_assessment="Assessed by Sam Whitaker on a two-stage test; could not retain "
        "the information.",
        best_interests_decision="A two-week respite stay, then review.",
        consulted="Sarah Price (attorney), David Price, Dr Shah",
        attorney=sarah,
    )
    assert choice.chosen is not None and choice.chosen.title == "Respite stay"


def test_a_person_with_capacity_makes_the_choice_with_their_reasons(region: Region) -> None:
    plan = _plan(region)
    options = [
        OptionTerms("Stay at home", "Home care", "Own home", "Falls"),
        OptionTerms("Move", "Care home", "Company", "Leaving home"),
    ]
    with pytest.raises(DomainRuleBroken, match="choice and their reasons"):
        record_informed_choice(
            actor=region.actor("social_worker"),
            plan=plan,
            expected_version=None,
            question="Where to live",
            options=options,
            explained_how="Talked it through with large-print notes",
            chosen=0,
            reasons="",
            capacity=CapacityForDecision.HAS_CAPACITY,
        )


def test_my_actions_show_overdue_first(region: Region) -> None:
    plan = _plan(region)
    nurse = region.actor("nurse")
    later = add_action(
        actor=nurse,
        plan=plan,
        expected_version=None,
        what="Check blood sugar diary",
        action_type="general",
        due_on=timezone.localdate() + timedelta(days=10),
        assignee=nurse.role_profile,
    )
    overdue = add_action(
        actor=nurse,
        plan=plan,
        expected_version=None,
        what="Measure the ulcer",
        action_type="wound_care",
        due_on=timezone.localdate() + timedelta(days=1),
        assignee=nurse.role_profile,
    )
    overdue.due_on = timezone.localdate() - timedelta(days=2)  # time has passed
    overdue.save(update_fields=["due_on"])

    mine = list(my_actions_for(nurse))

    assert mine[0].what == "Measure the ulcer"  # overdue first
    assert "Check blood sugar diary" in [a.what for a in mine]
    later_due = [a.due_on for a in mine[1:]]
    assert later_due == sorted(later_due)  # then soonest due
    change_action_status(actor=nurse, action=later, status=ActionStatus.DONE, expected_version=None)
    assert "Check blood sugar diary" not in {a.what for a in my_actions_for(nurse)}


def test_cancelling_an_action_needs_a_reason_and_done_is_final(region: Region) -> None:
    plan = _plan(region)
    nurse = region.actor("nurse")
    action = add_action(
        actor=nurse,
        plan=plan,
        expected_version=None,
        what="Measure the ulcer",
        action_type="wound_care",
        due_on=timezone.localdate() + timedelta(days=1),
        assignee=nurse.role_profile,
    )
    with pytest.raises(DomainRuleBroken, match="why"):
        change_action_status(
            actor=nurse, action=action, status=ActionStatus.CANCELLED, expected_version=None
        )
    done = change_action_status(
        actor=nurse, action=action, status=ActionStatus.DONE, expected_version=None
    )
    with pytest.raises(DomainRuleBroken):
        change_action_status(
            actor=nurse, action=done, status=ActionStatus.PLANNED, expected_version=None
        )
    assert [c.status for c in done.changes.all()] == ["planned", "done"]


def test_margaret_agrees_with_the_plan_or_says_what_she_does_not(region: Region) -> None:
    plan = _plan(region)
    with pytest.raises(DomainRuleBroken, match="do not agree with"):
        record_plan_agreement(actor=region.actor("nurse"), plan=plan, agrees=False)
    agreed = record_plan_agreement(actor=region.actor("nurse"), plan=plan, agrees=True)
    assert agreed.plan_version == plan.version and agreed.by_person


def test_the_outsider_cannot_touch_margarets_plan(region: Region) -> None:
    plan = _plan(region)
    with pytest.raises(NotFound):
        add_need(
            actor=region.actor("outsider"),
            plan=plan,
            expected_version=None,
            kind="need",
            description="Anything",
            category="general",
        )
    with pytest.raises(NotFound):
        care_plan_for(region.actor("outsider"), region.margaret.pk)
