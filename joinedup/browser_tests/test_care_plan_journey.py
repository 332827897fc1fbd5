"""The care plan in a real browser: Nadia, the community nurse, starts Peggy's care plan and
sets a goal with her; Sam, the social worker who leads her care, scores it at a review and the
plan's T-score shows. The plan page and the review form must pass axe-core's WCAG 2.2 A and AA
rules, and the nurse's part must work with JavaScript turned off."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from joinedup.browser_tests.accessibility import assert_accessible
from joinedup.browser_tests.conftest import NewPage
from joinedup.browser_tests.signing_in import path_is, sign_in_through_pages
from joinedup.careplans.services import (
    GoalScoreTerms,
    GoalTerms,
    OptionTerms,
    ParticipantView,
    ReviewTerms,
    add_action,
    add_need,
    record_decision,
    record_informed_choice,
    record_plan_agreement,
    record_review,
    set_goal,
    start_care_plan,
)
from joinedup.conftest import Region
from joinedup.people.models import Person, Relationship

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOAL_WORDS = "I want to get to the shops again on my own."


def plan_path(person: Person) -> str:
    return f"/people/{person.pk}/care-plan/"


def open_plan(page: Page, person: Person) -> None:
    page.goto(plan_path(person))
    expect(page.get_by_role("heading", level=1)).to_have_text("Care plan")


def start_plan_and_set_a_goal(page: Page, person: Person) -> None:
    open_plan(page, person)
    page.get_by_role("button", name="Start a care plan").click()
    expect(page.get_by_text("Peggy's care plan has been started.")).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^Set a goal")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set a goal")
    page.get_by_label("The goal, in Peggy's own words").fill(GOAL_WORDS)
    page.get_by_label("How will everyone know it is achieved?").fill(
        "Walks to the corner shop on her own once a week"
    )
    levels = {
        "+2: much more than expected": "Walks to the market in town on her own",
        "+1: somewhat more than expected": "Walks to the shop on her own twice a week",
        "0: the expected outcome": "Walks to the corner shop on her own once a week",
        "−1: somewhat less than expected": "Gets to the corner shop with Sarah",
        "−2: much less than expected": "Cannot get to the shop at all",
    }
    for label, words in levels.items():
        page.get_by_role("textbox", name=label).fill(words)
    page.get_by_role("group", name="Where is Peggy now?").get_by_label(
        "−1: somewhat less than expected"
    ).check()
    page.get_by_role("button", name="Set the goal").click()

    expect(page).to_have_url(path_is(plan_path(person)))
    expect(page.get_by_text("The goal has been set.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"“{GOAL_WORDS}”")).to_be_visible()


def test_the_nurse_sets_a_goal_and_the_social_worker_scores_it_at_a_review(
    new_page: NewPage, region: Region
) -> None:
    margaret = region.margaret
    nadia = new_page()
    sign_in_through_pages(nadia, region, "nurse")
    open_plan(nadia, margaret)
    assert_accessible(nadia, "care plan page before a plan is started")

    start_plan_and_set_a_goal(nadia, margaret)
    assert_accessible(nadia, "care plan page with a goal")

    sam = new_page()
    sign_in_through_pages(sam, region, "social_worker")
    open_plan(sam, margaret)
    sam.get_by_role("link", name=re.compile(r"^Record a review")).click()
    expect(sam.get_by_role("heading", level=1)).to_have_text("Record a review")
    assert_accessible(sam, "review form")

    sam.get_by_role("button", name="Record the review").click()
    expect(sam.get_by_role("alert")).to_contain_text("Record who came to the review")
    assert_accessible(sam, "review form showing errors")

    sam.get_by_label("Who came?").fill("Peggy, Sarah, Nadia Okafor and Sam Whitaker")
    sam.get_by_role("group", name=re.compile("^Level reached")).get_by_label(
        "+1: somewhat more than expected"
    ).check()
    sam.get_by_label("Peggy's view of this goal (optional)").fill("I got to the shop twice!")
    sam.get_by_role("button", name="Record the review").click()

    expect(sam).to_have_url(path_is(plan_path(margaret)))
    # One goal of weight 1 at +1: T = 50 + 10·1/√(0.7 + 0.3) = 60.0
    expect(sam.get_by_text("The plan's T-score is now 60.0")).to_be_visible()
    scores = sam.get_by_role("table", name="T-score at each review, oldest first")
    expect(scores).to_contain_text("60.0")
    expect(sam.get_by_text("Peggy said: “I got to the shop twice!”")).to_be_visible()
    assert_accessible(sam, "care plan page after a review")


def test_starting_a_plan_and_setting_a_goal_work_without_javascript(
    new_page: NewPage, region: Region
) -> None:
    page = new_page(javascript=False)
    sign_in_through_pages(page, region, "nurse")

    start_plan_and_set_a_goal(page, region.margaret)


def a_plan_with_everything(region: Region) -> None:
    """Peggy's plan with one of each thing in it, made through the services as her care team."""
    nadia, sam = region.actor("nurse"), region.actor("social_worker")
    margaret = region.margaret
    today = timezone.localdate()
    plan = start_care_plan(actor=nadia, person=margaret)
    add_need(
        actor=nadia,
        plan=plan,
        expected_version=None,
        kind="strength",
        description="Sarah visits every day",
        category="general",
    )
    goal = set_goal(
        actor=nadia,
        plan=plan,
        expected_version=None,
        terms=GoalTerms(
            GOAL_WORDS, "Walks to the corner shop", {-2: "a", -1: "b", 0: "c", 1: "d", 2: "e"}
        ),
    )
    add_action(
        actor=nadia,
        plan=plan,
        expected_version=None,
        what="Change the dressing",
        action_type="wound_care",
        due_on=today + timedelta(days=2),
        assignee=region.role_profile("nurse"),
        goal=goal,
    )
    record_informed_choice(
        actor=sam,
        plan=plan,
        expected_version=None,
        question="How to manage the bath",
        options=[
            OptionTerms("A bath lift", "A seat", "Keeps her baths", "A wait"),
            OptionTerms("A strip wash", "A carer helps", "Starts now", "No bath"),
        ],
        explained_how="In large print",
        chosen=0,
        reasons="I like my bath",
        capacity="has_capacity",
    )
    sarah = Relationship.objects.get(person=margaret, given_name="Sarah")
    record_decision(
        actor=sam,
        plan=plan,
        expected_version=None,
        what="Day centre on Thursdays",
        views=[
            ParticipantView("family", "Sarah Price", "disagree", "Too tiring", relationship=sarah)
        ],
        person_agreed=True,
        person_view="I'll try it",
    )
    record_review(
        actor=sam,
        plan=plan,
        expected_version=None,
        terms=ReviewTerms(
            held_on=today,
            attendance="Peggy and Sarah",
            next_review_on=today + timedelta(days=7),
            scores=[GoalScoreTerms(goal, 0)],
        ),
    )
    record_review(
        actor=sam,
        plan=plan,
        expected_version=None,
        terms=ReviewTerms(
            held_on=today,
            attendance="Peggy, Sarah and Nadia",
            next_review_on=today + timedelta(days=14),
            scores=[GoalScoreTerms(goal, 1)],
        ),
    )  # a second review, so the T-score is also drawn as a line
    record_plan_agreement(actor=sam, plan=plan, agrees=False, not_agreed="Mornings")


def test_every_care_plan_page_passes_axe(new_page: NewPage, region: Region) -> None:
    a_plan_with_everything(region)
    margaret = region.margaret
    page = new_page()
    sign_in_through_pages(page, region, "social_worker")

    for path, where in [
        (plan_path(margaret), "care plan with every section filled"),
        (plan_path(margaret) + "history/", "care plan history"),
        (plan_path(margaret) + "sections/", "sections form"),
        (plan_path(margaret) + "needs/add/", "strength or need form"),
        (plan_path(margaret) + "actions/add/", "action form"),
        (plan_path(margaret) + "choices/add/", "options and choice form"),
        (plan_path(margaret) + "decisions/add/", "decision form"),
        (plan_path(margaret) + "agreement/", "agreement form"),
        (plan_path(margaret) + "print/", "My care plan (printable)"),
        ("/care-plans/my-actions/", "my actions"),
        ("/care-plans/reviews-due/", "reviews due"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, where)
