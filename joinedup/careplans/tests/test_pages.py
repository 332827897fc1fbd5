"""The care plan pages, as Margaret's care team uses them: Nadia the community nurse starts
Peggy's plan and sets a goal and an action; Sam, the social worker and lead professional,
records reviews and decisions; Aisha from the carers centre is not qualified to dress a leg
ulcer; Colin from another care home has no part in Peggy's care and finds nothing."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.session import ACTING_ROLE, LAST_SEEN_AT, SECOND_FACTOR_DONE, SIGNED_IN_AT
from joinedup.audit.models import AuditEvent
from joinedup.careplans.models import ActionStatus, CarePlan, Goal, PlanAction
from joinedup.careplans.services import (
    GoalScoreTerms,
    GoalTerms,
    ReviewTerms,
    add_action,
    record_review,
    set_goal,
    start_care_plan,
)
from joinedup.careteams.services import add_care_team_member
from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import form_value, main_text, table_rows
from joinedup.people.models import Person, Relationship

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

LEVELS = {
    "level_minus_2": "Cannot get to the shop at all",
    "level_minus_1": "Gets to the corner shop with Sarah",
    "level_0": "Walks to the corner shop on her own once a week",
    "level_plus_1": "Walks to the shop on her own twice a week",
    "level_plus_2": "Walks to the market in town on her own",
}
GOAL_WORDS = "I want to get to the shops again on my own."


def page(person: Person, name: str = "care-plan", **kwargs: Any) -> str:
    return reverse(f"people:{name}", kwargs={"person_id": person.pk, **kwargs})


def date_fields(name: str, day: date) -> dict[str, str]:
    return {
        f"{name}_day": str(day.day),
        f"{name}_month": str(day.month),
        f"{name}_year": str(day.year),
    }


def signed_in(region: Region, key: str) -> Client:
    """A second browser: another persona signed in at the same time (sign_in has only one)."""
    client = Client()
    client.force_login(region.user(key))
    session = client.session
    now = time.time()
    session[SECOND_FACTOR_DONE] = True
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN_AT] = now
    session[ACTING_ROLE] = str(region.role_profile(key).pk)
    session.save()
    return client


def pegs_plan(region: Region) -> CarePlan:
    return start_care_plan(actor=region.actor("nurse"), person=region.margaret)


def pegs_goal(region: Region, plan: CarePlan, *, category: str = "general") -> Goal:
    levels = {-2: "Cannot", -1: "With Sarah", 0: "Once a week", 1: "Twice a week", 2: "Market"}
    return set_goal(
        actor=region.actor("nurse"),
        plan=plan,
        expected_version=None,
        terms=GoalTerms(GOAL_WORDS, "Walks to the corner shop", levels, category=category),
    )


def nurses_action(region: Region, plan: CarePlan, what: str, due_in_days: int) -> PlanAction:
    return add_action(
        actor=region.actor("nurse"),
        plan=plan,
        expected_version=None,
        what=what,
        action_type="wound_care",
        due_on=timezone.localdate() + timedelta(days=due_in_days),
        assignee=region.role_profile("nurse"),
    )


def version_on(response: TestResponse) -> str:
    return form_value(response, "plan_version")


def goal_form(version: str, **changes: str) -> dict[str, str]:
    return {
        "plan_version": version,
        "in_their_words": GOAL_WORDS,
        "measurable": "Walks to the corner shop without help",
        **LEVELS,
        "baseline": "-1",
        "weight": "1",
        "category": "general",
        **changes,
    }


def action_form(version: str, region: Region, assignee_key: str, **changes: str) -> dict[str, str]:
    return {
        "plan_version": version,
        "what": "Change the leg ulcer dressing",
        "action_type": "wound_care",
        "assignee": f"person:{region.role_profile(assignee_key).pk}",
        **date_fields("due_on", timezone.localdate() + timedelta(days=7)),
        "category": "general",
        **changes,
    }


# -- starting a plan, a goal and an action -----------------------------------------------------


def test_the_nurse_starts_pegs_plan_and_adds_a_goal_and_an_action(
    sign_in: SignIn, region: Region
) -> None:
    nurse = sign_in("nurse")
    margaret = region.margaret

    empty = main_text(nurse.get(page(margaret)))
    assert "Peggy does not have a care plan yet." in empty
    assert "Start a care plan" in empty

    started = nurse.post(page(margaret, "care-plan-start"), follow=True)
    text = main_text(started)
    assert "Peggy's care plan has been started." in text
    assert "Lead professional (owns the plan) Sam Whitaker, Social worker" in text
    assert "Staying in my own home on Weavers Row" in text  # from her About Me

    opened = nurse.get(page(margaret, "care-plan-add-goal"))
    assert version_on(opened) == "1"
    set_ = nurse.post(page(margaret, "care-plan-add-goal"), goal_form("1"), follow=True)
    text = main_text(set_)
    assert "The goal has been set." in text
    assert f"“{GOAL_WORDS}”" in text
    assert "Where Peggy started −1: Gets to the corner shop with Sarah" in text
    assert "+2 Walks to the market in town on her own" in text

    opened = nurse.get(page(margaret, "care-plan-add-action"))
    goal = Goal.objects.get(plan__person=margaret)
    added = nurse.post(
        page(margaret, "care-plan-add-action"),
        action_form(version_on(opened), region, "nurse", goal=str(goal.pk)),
        follow=True,
    )
    text = main_text(added)
    due = timezone.localdate() + timedelta(days=7)
    assert "The action has been added: “Change the leg ulcer dressing”" in text
    [row] = [r for r in table_rows(added) if "Change the leg ulcer dressing" in r]
    assert "Nadia Okafor" in row
    assert "Calderbridge Community Health NHS Trust" in row
    assert f"{due.day} {due:%B %Y}" in row
    assert GOAL_WORDS in row
    assert "Planned" in row


def test_a_goal_without_all_five_levels_keeps_what_was_typed_and_says_which_is_missing(
    sign_in: SignIn, region: Region
) -> None:
    pegs_plan(region)
    nurse = sign_in("nurse")

    refused = nurse.post(
        page(region.margaret, "care-plan-add-goal"), goal_form("1", level_plus_1="")
    )

    assert refused.status_code == 200
    text = main_text(refused)
    assert "There is a problem" in text
    assert "Describe level +1 (somewhat more than expected) before the goal is set" in text
    assert form_value(refused, "in_their_words") == GOAL_WORDS
    assert form_value(refused, "level_plus_2") == LEVELS["level_plus_2"]
    assert not Goal.objects.filter(plan__person=region.margaret).exists()


def test_wound_care_cannot_be_given_to_aisha_and_the_page_says_why(
    sign_in: SignIn, region: Region
) -> None:
    pegs_plan(region)
    nurse = sign_in("nurse")

    refused = nurse.post(
        page(region.margaret, "care-plan-add-action"), action_form("1", region, "voluntary")
    )

    assert refused.status_code == 200
    html = refused.content.decode()
    reason = "needs a doctor or nurse with a verified registration"
    assert reason in main_text(refused)
    # Shown against "Who will do it?", and linked from the error summary.
    assert re.search(r'href="#id_assignee"\s*>\s*Aisha Khan is a support worker', html)
    assert 'id="id_assignee-error"' in html
    assert form_value(refused, "what") == "Change the leg ulcer dressing"
    assert form_value(refused, "assignee") == f"person:{region.role_profile('voluntary').pk}"
    assert not PlanAction.objects.filter(plan__person=region.margaret).exists()


# -- my actions and reviews due ------------------------------------------------------------------


def test_my_actions_lists_overdue_actions_first_and_marks_them(
    sign_in: SignIn, region: Region
) -> None:
    plan = pegs_plan(region)
    later = nurses_action(region, plan, "Check the dressing supplies", 30)
    soon = nurses_action(region, plan, "Doppler test on the left leg", 3)
    late = nurses_action(region, plan, "Measure the ulcer", 2)
    PlanAction.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=2))

    shown = sign_in("nurse").get(reverse("careplans:my-actions"))

    text = main_text(shown)
    assert text.index("Overdue") < text.index("Due in the next 7 days") < text.index("Due later")
    overdue = table_rows(shown, caption="Overdue: my actions")
    [row] = [r for r in overdue if late.what in r]
    assert "Margaret Price" in row and "Overdue" in row
    assert any(
        soon.what in r for r in table_rows(shown, caption="Due in the next 7 days: my actions")
    )
    assert any(later.what in r for r in table_rows(shown, caption="Due later: my actions"))
    assert f'href="{page(region.margaret)}#actions"' in shown.content.decode()


def test_the_lead_professional_sees_pegs_review_coming_up(sign_in: SignIn, region: Region) -> None:
    plan = pegs_plan(region)
    CarePlan.objects.filter(pk=plan.pk).update(
        next_review_on=timezone.localdate() + timedelta(days=5)
    )

    sam = main_text(sign_in("social_worker").get(reverse("careplans:reviews-due")))
    nadia = main_text(signed_in(region, "nurse").get(reverse("careplans:reviews-due")))

    assert "Margaret Price" in sam
    assert "Margaret Price" not in nadia  # Nadia does not own the plan


# -- two people editing at once ---------------------------------------------------------------------


def test_racing_edits_give_one_success_and_one_conflict_page_that_loses_nothing(
    sign_in: SignIn, region: Region
) -> None:
    pegs_plan(region)
    margaret = region.margaret
    nadia, sam = sign_in("nurse"), signed_in(region, "social_worker")
    sections = page(margaret, "care-plan-sections")
    nadias_form, sams_form = nadia.get(sections), sam.get(sections)
    assert version_on(nadias_form) == version_on(sams_form) == "1"

    def typed(response: TestResponse, **changes: str) -> dict[str, str]:
        return {
            "plan_version": version_on(response),
            "what_matters": form_value(response, "what_matters"),
            "contingency": "",
            "whom_to_call": "",
            "review_every_weeks": "12",
            **changes,
        }

    saved = nadia.post(
        sections, typed(nadias_form, contingency="If her leg gets hot and red, ring us.")
    )
    conflict = sam.post(sections, typed(sams_form, whom_to_call="Sarah Price, 07700 900456"))

    assert saved.status_code == 302
    assert conflict.status_code == 409
    text = main_text(conflict)
    assert "Nadia Okafor changed Peggy's plan while you were working on it" in text
    assert "You opened version 1. It is now version 2." in text
    # The plan as it is now, with Nadia's change, and what Sam typed, side by side.
    assert "If things go wrong If her leg gets hot and red, ring us." in text
    assert "What you typed" in text and "Whom to call Sarah Price, 07700 900456" in text
    assert form_value(conflict, "whom_to_call") == "Sarah Price, 07700 900456"
    assert form_value(conflict, "plan_version") == "2"
    plan = CarePlan.objects.get(person=margaret)
    assert (plan.version, plan.whom_to_call) == (2, "")

    # Sam keeps Nadia's words and saves his own on top, without retyping them.
    again = {
        name: form_value(conflict, name)
        for name in ("plan_version", "what_matters", "whom_to_call", "review_every_weeks")
    }
    again["contingency"] = plan.contingency
    assert sam.post(sections, again).status_code == 302
    plan.refresh_from_db()
    assert plan.version == 3
    assert plan.contingency == "If her leg gets hot and red, ring us."
    assert plan.whom_to_call == "Sarah Price, 07700 900456"


def test_a_goal_set_on_an_old_version_is_saved_after_the_conflict_without_retyping(
    sign_in: SignIn, region: Region
) -> None:
    plan = pegs_plan(region)
    nurse = sign_in("nurse")
    opened = nurse.get(page(region.margaret, "care-plan-add-goal"))
    pegs_goal(region, plan)  # Sam sets a goal meanwhile

    conflict = nurse.post(
        page(region.margaret, "care-plan-add-goal"),
        goal_form(version_on(opened), in_their_words="I want to sleep through the night."),
    )
    assert conflict.status_code == 409
    assert f"Goal added: {GOAL_WORDS}" in main_text(conflict)
    resent = {name: form_value(conflict, name) for name in goal_form("")}
    assert resent["in_their_words"] == "I want to sleep through the night."

    nurse.post(page(region.margaret, "care-plan-add-goal"), resent)

    goals = set(Goal.objects.filter(plan=plan).values_list("in_their_words", flat=True))
    assert goals == {GOAL_WORDS, "I want to sleep through the night."}


# -- decisions, choices, agreement and reviews ---------------------------------------------------


def test_a_decision_sarah_disagreed_with_is_shown_as_not_everyone_agreed(
    sign_in: SignIn, region: Region
) -> None:
    pegs_plan(region)
    margaret = region.margaret
    sarah = Relationship.objects.get(person=margaret, given_name="Sarah")
    sam = sign_in("social_worker")
    opened = sam.get(page(margaret, "care-plan-add-decision"))

    recorded = sam.post(
        page(margaret, "care-plan-add-decision"),
        {
            "plan_version": version_on(opened),
            "what": "Peggy will try the day centre on Thursdays for a month.",
            **date_fields("decided_on", timezone.localdate()),
            "person_agreed": "yes",
            "person_view": "I'll give it a go if Jean can come too.",
            "participant_1_who": f"relationship:{sarah.pk}",
            "participant_1_view": "disagree",
            "participant_1_words": "Mum gets too tired; I'd rather she stayed home.",
            "participant_2_who": f"professional:{region.role_profile('nurse').pk}",
            "participant_2_view": "agree",
            "category": "social_care",
        },
        follow=True,
    )

    text = main_text(recorded)
    assert "Not everyone agreed: the plan shows each view." in text
    assert "Peggy will try the day centre on Thursdays for a month. Not everyone agreed" in text
    assert "Peggy agreed. Peggy's view: “I'll give it a go if Jean can come too.”" in text
    rows = table_rows(recorded, caption="Who took part and their views")
    assert any("Sarah Price" in r and "Disagrees" in r and "Mum gets too tired" in r for r in rows)
    assert any("Nadia Okafor" in r and "Calderbridge Community Health" in r for r in rows)
    assert any("Margaret Price" in r and "The person" in r and "Agrees" in r for r in rows)


def test_a_disagreement_needs_the_persons_own_words(sign_in: SignIn, region: Region) -> None:
    pegs_plan(region)
    sarah = Relationship.objects.get(person=region.margaret, given_name="Sarah")

    refused = sign_in("social_worker").post(
        page(region.margaret, "care-plan-add-decision"),
        {
            "plan_version": "1",
            "what": "Move to a care home",
            **date_fields("decided_on", timezone.localdate()),
            "person_agreed": "not_asked",
            "participant_1_who": f"relationship:{sarah.pk}",
            "participant_1_view": "disagree",
            "category": "general",
        },
    )

    assert "Record Sarah Price's reasons for disagreeing, in their words" in main_text(refused)
    assert form_value(refused, "what") == "Move to a care home"


def test_pegs_informed_choice_is_recorded_with_the_options_and_her_reasons(
    sign_in: SignIn, region: Region
) -> None:
    pegs_plan(region)
    sam = sign_in("social_worker")
    choice = {
        "plan_version": "1",
        "question": "How to manage the bath",
        "option_1_title": "A bath lift",
        "option_1_involves": "An occupational therapist fits a seat that lowers into the bath",
        "option_1_benefits": "Peggy keeps her baths",
        "option_1_risks": "It takes a few weeks to arrive",
        "explained_how": "In large print, with Sarah there, facing Peggy",
        "capacity": "has_capacity",
        "chosen": "2",
        "reasons": "I've always had a bath, but I'd rather not wait.",
        "category": "general",
    }

    one_option = sam.post(page(region.margaret, "care-plan-add-choice"), choice)
    assert "Describe at least two options (doing nothing can be one)" in main_text(one_option)
    assert form_value(one_option, "option_1_title") == "A bath lift"

    choice |= {
        "option_2_title": "A strip wash with a carer",
        "option_2_involves": "A carer helps with a wash at the sink each morning",
        "option_2_benefits": "Can start this week",
        "option_2_risks": "Peggy misses her bath",
    }
    recorded = main_text(
        sam.post(page(region.margaret, "care-plan-add-choice"), choice, follow=True)
    )

    assert "The options and the choice have been recorded." in recorded
    assert "Option 2: A strip wash with a carer Chosen" in recorded
    assert "Peggy's reasons I've always had a bath, but I'd rather not wait." in recorded
    assert "Explained by Sam Whitaker" in recorded


def test_peggy_says_what_she_does_not_agree_with(sign_in: SignIn, region: Region) -> None:
    pegs_plan(region)

    recorded = main_text(
        sign_in("social_worker").post(
            page(region.margaret, "care-plan-agreement"),
            {
                "plan_version": "1",
                "agrees": "no",
                "not_agreed": "I don't want carers before 9 in the morning.",
                "who": "person",
            },
            follow=True,
        )
    )

    assert "Recorded what Peggy does not agree with." in recorded
    assert "Peggy does not agree with all of this plan" in recorded
    assert "Peggy said on" in recorded
    assert "“I don't want carers before 9 in the morning.”" in recorded


def test_sam_scores_the_goal_at_a_review_and_sees_the_t_score(
    sign_in: SignIn, region: Region
) -> None:
    plan = pegs_plan(region)
    goal = pegs_goal(region, plan)
    sam = sign_in("social_worker")
    opened = sam.get(page(region.margaret, "care-plan-add-review"))
    today = timezone.localdate()

    reviewed = sam.post(
        page(region.margaret, "care-plan-add-review"),
        {
            "plan_version": version_on(opened),
            **date_fields("held_on", today),
            "attendance": "Peggy, Sarah, Nadia Okafor, Sam Whitaker",
            f"score_{goal.pk.hex}": "-1",
            f"view_{goal.pk.hex}": "My leg is still sore.",
            "what_changed": "Dressings twice a week now.",
            **date_fields("next_review_on", today + timedelta(weeks=12)),
        },
        follow=True,
    )

    text = main_text(reviewed)
    # One goal of weight 1 at −1: T = 50 + 10·(−1)/√(0.7·1 + 0.3·1) = 40.0
    assert "The plan's T-score is now 40.0" in text
    assert table_rows(reviewed, caption="T-score at each review, oldest first")[1:] == [
        f"{today.day} {today:%B %Y} 40.0"
    ]
    assert "Latest score −1: With Sarah, at the review on" in text
    assert "Peggy said: “My leg is still sore.”" in text


def test_the_t_score_over_time_is_a_table_and_a_line_with_words(
    sign_in: SignIn, region: Region
) -> None:
    plan = pegs_plan(region)
    goal = pegs_goal(region, plan)
    today = timezone.localdate()
    for level in (-1, 1):
        record_review(
            actor=region.actor("social_worker"),
            plan=plan,
            expected_version=None,
            terms=ReviewTerms(
                held_on=today,
                attendance="Peggy and Sarah",
                next_review_on=today + timedelta(weeks=6),
                scores=[GoalScoreTerms(goal, level)],
            ),
        )

    shown = sign_in("nurse").get(page(region.margaret))

    on = f"{today.day} {today:%B %Y}"
    assert table_rows(shown, caption="T-score at each review, oldest first")[1:] == [
        f"{on} 40.0",
        f"{on} 60.0",
    ]
    html = shown.content.decode()
    assert '<svg class="app-sparkline" role="img"' in html
    words = (
        f"T-score 40.0 on {on}, rising to 60.0 on {on}. 50 means the goals were met as expected."
    )
    assert 'aria-labelledby="t-score-chart-title"' in html
    assert words in main_text(shown)  # the line in words, beside it, for everyone


def test_cancelling_an_action_needs_a_reason(sign_in: SignIn, region: Region) -> None:
    plan = pegs_plan(region)
    action = nurses_action(region, plan, "Measure the ulcer", 5)
    nurse = sign_in("nurse")
    url = page(region.margaret, "care-plan-action", action_id=action.pk)

    refused = nurse.post(url, {"plan_version": "2", "status": "cancelled"})
    assert "Say why the action is cancelled" in main_text(refused)

    done = nurse.post(
        url, {"plan_version": "2", "status": "cancelled", "reason": "Healed"}, follow=True
    )
    assert "“Measure the ulcer” is now cancelled." in main_text(done)
    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED


# -- history ------------------------------------------------------------------------------------


def test_the_history_says_who_changed_what_and_counts_what_aisha_may_not_see(
    sign_in: SignIn, region: Region
) -> None:
    plan = pegs_plan(region)
    pegs_goal(region, plan)
    pegs_goal(region, plan, category="mental_health")

    nadia = main_text(sign_in("nurse").get(page(region.margaret, "care-plan-history")))
    aisha = main_text(
        signed_in(region, "voluntary").get(page(region.margaret, "care-plan-history"))
    )

    assert "Nadia Okafor Community nurse, Calderbridge Community Health NHS Trust" in nadia
    assert f"Goal set Goal added: {GOAL_WORDS}" in nadia
    assert "Plan started" in nadia
    assert "change you cannot see" not in nadia
    assert aisha.count(f"Goal added: {GOAL_WORDS}") == 1  # the general one only
    assert "1 change you cannot see" in aisha


# -- audit ------------------------------------------------------------------------------------------


def test_each_use_of_a_plan_page_is_one_audit_event(sign_in: SignIn, region: Region) -> None:
    pegs_plan(region)
    nurse = sign_in("nurse")
    goal_page = page(region.margaret, "care-plan-add-goal")

    def events_of(visit: Callable[[], object]) -> list[str]:
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        visit()
        return [event.action for event in AuditEvent.objects.filter(pk__gt=before)]

    assert events_of(lambda: nurse.get(page(region.margaret))) == ["person.view"]
    assert events_of(lambda: nurse.get(goal_page)) == ["person.view"]
    # The form shown again with its errors is a read; a saved change is the write alone.
    assert events_of(lambda: nurse.post(goal_page, goal_form("1", level_0=""))) == ["person.view"]
    assert events_of(lambda: nurse.post(goal_page, goal_form("1"))) == ["care_plan.edit"]
    assert events_of(lambda: nurse.post(goal_page, goal_form("1"))) == ["person.view"]  # conflict


# -- who may use the pages ---------------------------------------------------------------------

WRITE_PAGES = [
    "care-plan-start",
    "care-plan-sections",
    "care-plan-add-need",
    "care-plan-add-goal",
    "care-plan-add-action",
    "care-plan-action",
    "care-plan-add-choice",
    "care-plan-add-decision",
    "care-plan-agreement",
    "care-plan-add-review",
]
READ_PAGES = ["care-plan", "care-plan-history", "care-plan-print", "care-plan-pdf"]


def _url_for(name: str, region: Region, action: PlanAction) -> str:
    extra = {"action_id": action.pk} if name == "care-plan-action" else {}
    return page(region.margaret, name, **extra)


@pytest.mark.parametrize("name", WRITE_PAGES)
def test_the_outsider_cannot_change_pegs_plan(sign_in: SignIn, region: Region, name: str) -> None:
    plan = pegs_plan(region)
    action = nurses_action(region, plan, "Measure the ulcer", 5)
    colin = sign_in("outsider")
    url = _url_for(name, region, action)

    shown = colin.get(url)
    posted = colin.post(url, goal_form("2") | {"status": "done", "what": "Colin's action"})

    assert shown.status_code == posted.status_code == 404
    assert "Page not found" in main_text(posted)
    assert CarePlan.objects.get(pk=plan.pk).version == 2


@pytest.mark.parametrize("name", READ_PAGES)
def test_the_outsider_cannot_read_pegs_plan(sign_in: SignIn, region: Region, name: str) -> None:
    pegs_plan(region)

    shown = sign_in("outsider").get(page(region.margaret, name))

    assert shown.status_code == 404
    assert GOAL_WORDS.encode() not in shown.content
    assert b"Weavers Row" not in shown.content


def test_the_outsider_cannot_start_a_plan_for_peggy(sign_in: SignIn, region: Region) -> None:
    posted = sign_in("outsider").post(page(region.margaret, "care-plan-start"))

    assert posted.status_code == 404
    assert not CarePlan.objects.filter(person=region.margaret).exists()


def test_a_privacy_officer_in_the_care_team_may_read_the_plan_but_not_change_it(
    sign_in: SignIn, region: Region
) -> None:
    plan = pegs_plan(region)
    add_care_team_member(
        actor=region.actor("nurse"),
        person=region.margaret,
        role_profile=region.role_profile("privacy_officer"),
        responsibilities="Checking how Peggy's information is shared",
    )
    helen = sign_in("privacy_officer")

    read = main_text(helen.get(page(region.margaret)))
    refused = helen.post(page(region.margaret, "care-plan-add-goal"), goal_form("1"))

    assert "Staying in my own home on Weavers Row" in read
    assert "Set a goal" not in read
    assert refused.status_code == 403
    assert "You cannot make this change" in main_text(refused)
    assert CarePlan.objects.get(pk=plan.pk).version == 1
