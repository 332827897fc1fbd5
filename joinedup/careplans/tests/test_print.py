""" "My care plan" for the person to keep: a printable page and a PDF in plain language,
addressed to them. Peggy needs large print; Arthur, who lives with dementia, needs easy read."""

from __future__ import annotations

import re
import zlib
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.careplans.models import CarePlan, PlanStatus
from joinedup.careplans.services import (
    GoalTerms,
    add_action,
    change_plan_sections,
    set_goal,
    start_care_plan,
)
from joinedup.conftest import Region, SignIn
from joinedup.core.tests.pages import main_text
from joinedup.people.models import Person

GOAL_WORDS = "I want to get to the shops again on my own."
LEVELS = {-2: "Cannot", -1: "With Sarah", 0: "Once a week", 1: "Twice a week", 2: "Market"}


def page(person: Person, name: str) -> str:
    return reverse(f"people:{name}", kwargs={"person_id": person.pk})


def long_date(days: int) -> str:
    day = timezone.localdate() + timedelta(days=days)
    return f"{day.day} {day:%B %Y}"


def pegs_plan(region: Region) -> CarePlan:
    nurse = region.actor("nurse")
    plan = start_care_plan(actor=nurse, person=region.margaret)
    change_plan_sections(
        actor=nurse,
        plan=plan,
        expected_version=plan.version,
        what_matters=plan.what_matters,
        contingency="If your leg gets hot, red or smells, do not wait for the next visit.",
        whom_to_call="the district nurses on 0300 000 0000",
        review_every_weeks=12,
        next_review_on=timezone.localdate() + timedelta(weeks=6),
    )
    goal = set_goal(
        actor=nurse,
        plan=plan,
        expected_version=plan.version,
        terms=GoalTerms(GOAL_WORDS, "Walks to the corner shop on her own", LEVELS),
    )
    add_action(
        actor=nurse,
        plan=plan,
        expected_version=plan.version,
        what="Change the leg ulcer dressing",
        action_type="wound_care",
        due_on=timezone.localdate() + timedelta(days=7),
        assignee=region.role_profile("nurse"),
        goal=goal,
    )
    return plan


def arthurs_plan(region: Region) -> CarePlan:
    grace = region.actor("care_home_manager")
    plan = CarePlan.objects.filter(
        person=region.arthur, status=PlanStatus.ACTIVE
    ).first() or start_care_plan(actor=grace, person=region.arthur)
    add_action(
        actor=grace,
        plan=plan,
        expected_version=None,
        what="Play Arthur's Glenn Miller records after tea",
        action_type="general",
        due_on=timezone.localdate() + timedelta(days=5),
        organisation=region.role_profile("care_home_manager").organisation,
    )
    return plan


def pdf_text(document: bytes) -> str:
    """The words of a PDF made with the built-in fonts: every shown string, in order, from its
    (compressed) page streams."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", document, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue  # not a page's content
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", content):
            unescaped = re.sub(rb"\\(.)", rb"\1", literal)
            shown.append(unescaped.decode("cp1252"))
    return " ".join(shown)


def type_sizes(document: bytes) -> set[float]:
    sizes: set[float] = set()
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", document, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        sizes.update(float(size) for size in re.findall(rb"/F\d+ ([\d.]+) Tf", content))
    return sizes


def test_my_care_plan_speaks_to_peggy_in_plain_words_with_who_does_what_by_when(
    sign_in: SignIn, region: Region
) -> None:
    pegs_plan(region)

    shown = sign_in("nurse").get(page(region.margaret, "care-plan-print"))

    text = main_text(shown)
    assert "My care plan Margaret Price This is your care plan, Peggy." in text
    assert "What matters to me Staying in my own home on Weavers Row" in text
    assert (
        f"My goals {GOAL_WORDS} We will know it is working when: Walks to the corner shop on "
        "her own." in text
    )
    assert (
        "Who is doing what, and by when Change the leg ulcer dressing Nadia Okafor, from "
        f"Calderbridge Community Health NHS Trust, will do this by {long_date(7)}." in text
    )
    assert "If things go wrong, call the district nurses on 0300 000 0000." in text
    assert f"My next review is on {long_date(42)}." in text
    for jargon in ("T-score", "information category", "version 3", "wound_care"):
        assert jargon not in text
    # Peggy needs large print: a larger type on the page, and print styles for paper.
    assert 'class="app-my-care-plan app-large-print"' in shown.content.decode()


def test_arthurs_plan_is_in_easy_read_short_sentences(sign_in: SignIn, region: Region) -> None:
    arthurs_plan(region)

    shown = sign_in("care_home_manager").get(page(region.arthur, "care-plan-print"))

    text = main_text(shown)
    html = shown.content.decode()
    assert "This is your care plan, Arthur. You made it with the people who help you." in text
    assert (
        "Play Arthur's Glenn Miller records after tea Who: Hollybank Care Home. "
        f"By: {long_date(5)}." in text
    )
    assert "app-easy-read" in html
    assert "app-large-print" not in html


def test_the_pdf_has_the_same_words_in_large_print_for_peggy(
    sign_in: SignIn, region: Region
) -> None:
    pegs_plan(region)

    response = sign_in("nurse").get(page(region.margaret, "care-plan-pdf"))

    assert response["Content-Type"] == "application/pdf"
    document = response.content
    assert document.startswith(b"%PDF")
    words = pdf_text(document)
    assert "My care plan" in words
    assert GOAL_WORDS in words
    assert (
        "Nadia Okafor, from Calderbridge Community Health NHS Trust, will do this by "
        f"{long_date(7)}." in words
    )
    assert f"My next review is on {long_date(42)}." in words
    assert min(type_sizes(document)) >= 16  # large print: nothing smaller than 16 point


def test_arthurs_pdf_is_in_regular_type(sign_in: SignIn, region: Region) -> None:
    arthurs_plan(region)

    document = sign_in("care_home_manager").get(page(region.arthur, "care-plan-pdf")).content

    assert 12.0 in type_sizes(document)
    assert "Who: Hollybank Care Home." in pdf_text(document)


def test_printing_is_one_audited_read_of_pegs_record(sign_in: SignIn, region: Region) -> None:
    pegs_plan(region)
    nurse = sign_in("nurse")

    for name in ("care-plan-print", "care-plan-pdf"):
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        nurse.get(page(region.margaret, name))
        events = list(AuditEvent.objects.filter(pk__gt=before))
        assert [(e.action, e.person_id, e.user_id) for e in events] == [
            ("person.view", region.margaret.pk, region.user("nurse").pk)
        ], name


def test_there_is_nothing_to_print_before_a_plan_is_started(
    sign_in: SignIn, region: Region
) -> None:
    nurse = sign_in("nurse")

    printed = nurse.get(page(region.margaret, "care-plan-pdf"))

    assert printed.status_code == 302
    assert printed["Location"] == page(region.margaret, "care-plan")
