""" "My care plan": the plan written for the person to keep, in plain language and addressed to
them, as a printable page and as a PDF with the same words.

It honours the person's communication needs (the Accessible Information Standard): large print
gives bigger type on the page and in the PDF; easy read gives shorter sentences, one thing to
a line. The content comes from the plan as the reader may see it (careplans.selectors
.care_plan_for, which audits the read), so nothing the reader's organisation may not see is
printed."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from joinedup.careplans.models import GoalStatus, PlanAction
from joinedup.careplans.selectors import PlanView
from joinedup.core.jinja import format_date
from joinedup.people.models import CommunicationNeed


@dataclass(frozen=True)
class Entry:
    """One goal or one action: its words, then a few short lines about it."""

    title: str
    lines: list[str]


@dataclass(frozen=True)
class Part:
    anchor: str
    heading: str
    paragraphs: list[str]
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class MyCarePlan:
    name: str
    known_as: str
    large_print: bool
    easy_read: bool
    intro: list[str]
    parts: list[Part]
    footer: str


def my_care_plan(view: PlanView, today: date) -> MyCarePlan:
    """The person's plan in their own terms, from a plan the reader has opened."""
    plan = view.plan
    assert plan is not None  # noqa: S101 - callers show this only for a plan
    person = view.person
    needs = set(person.communication_needs)
    easy = CommunicationNeed.EASY_READ.value in needs
    return MyCarePlan(
        name=person.full_name,
        known_as=person.known_as,
        large_print=CommunicationNeed.LARGE_PRINT.value in needs,
        easy_read=easy,
        intro=_intro(person.known_as, easy),
        parts=[
            _what_matters(plan.what_matters, easy),
            _goals(view, easy),
            _actions(view, easy),
            _if_things_go_wrong(view, easy),
            _review(view, easy),
            *_agreement(view),
        ],
        footer=f"Version {plan.version} of your care plan. Printed on {format_date(today)}.",
    )


def _intro(known_as: str, easy: bool) -> list[str]:
    if easy:
        return [
            f"This is your care plan, {known_as}.",
            "You made it with the people who help you.",
            "It says what matters to you.",
            "It says who will help you, and when.",
        ]
    return [
        f"This is your care plan, {known_as}. You made it with the people who support you. It "
        "says what matters to you, what you want to achieve, and who is doing what to help."
    ]


def _what_matters(words: str, easy: bool) -> Part:
    if words.strip():
        paragraphs = [words.strip()]
    elif easy:
        paragraphs = ["We have not written this yet.", "Tell us what matters most to you."]
    else:
        paragraphs = [
            "This has not been written yet. Tell the people who support you what matters most "
            "to you."
        ]
    return Part("what-matters", "What matters to me", paragraphs)


def _goals(view: PlanView, easy: bool) -> Part:
    entries = []
    for goal in view.goals:
        if goal.status == GoalStatus.STOPPED:
            continue
        lines = [
            f"How we will know: {goal.measurable}."
            if easy
            else f"We will know it is working when: {goal.measurable}."
        ]
        scores = sorted(goal.scores.all(), key=lambda s: (s.review.held_on, s.review.created_at))
        if scores:
            latest = scores[-1]
            lines.append(
                f"At your review on {format_date(latest.review.held_on)}: "
                f"{goal.level_description(latest.level)}."
            )
        if goal.status == GoalStatus.ACHIEVED:
            lines.append("You have achieved this goal.")
        entries.append(Entry(goal.in_their_words, [_full_stop(line) for line in lines]))
    paragraphs = [] if entries else ["You have not set any goals yet."]
    return Part("goals", "My goals", paragraphs, entries)


def _actions(view: PlanView, easy: bool) -> Part:
    entries = [
        Entry(action.what, _who_and_when(action, easy))
        for action in sorted(view.actions, key=lambda a: a.due_on)
        if action.is_open
    ]
    paragraphs = [] if entries else ["There is nothing for anyone to do at the moment."]
    return Part("who-does-what", "Who is doing what, and by when", paragraphs, entries)


def _who_and_when(action: PlanAction, easy: bool) -> list[str]:
    organisation = action.assignee_organisation.name
    when = format_date(action.due_on)
    if action.assignee is not None:
        name = action.assignee.practitioner.display_name
        if easy:
            return [f"Who: {name}.", f"From: {organisation}.", f"By: {when}."]
        return [f"{name}, from {organisation}, will do this by {when}."]
    if easy:
        return [f"Who: {organisation}.", f"By: {when}."]
    return [f"{organisation} will do this by {when}."]


def _if_things_go_wrong(view: PlanView, easy: bool) -> Part:
    plan = view.plan
    assert plan is not None  # noqa: S101
    paragraphs = []
    if plan.contingency.strip():
        paragraphs.append(plan.contingency.strip())
    if plan.whom_to_call.strip():
        paragraphs.append(f"If things go wrong, call {plan.whom_to_call.strip()}")
    else:
        lead = plan.owner.practitioner.display_name
        paragraphs.append(f"If you are worried, call {lead}, who looks after your care plan.")
    paragraphs.append("In an emergency, call 999.")
    return Part("if-things-go-wrong", "If things go wrong", [_full_stop(p) for p in paragraphs])


def _review(view: PlanView, easy: bool) -> Part:
    plan = view.plan
    assert plan is not None  # noqa: S101
    owner = plan.owner
    lead = owner.practitioner.display_name
    if plan.next_review_on:
        paragraphs = [f"My next review is on {format_date(plan.next_review_on)}."]
    else:
        paragraphs = ["The date of your next review has not been set yet."]
    if easy:
        paragraphs += [
            f"{lead} looks after your care plan.",
            f"{lead} works for {owner.organisation.name}.",
        ]
    else:
        paragraphs.append(
            f"{lead}, from {owner.organisation.name}, looks after your care plan. Talk to them "
            "if you want to change anything in it."
        )
    return Part("next-review", "My next review", paragraphs)


def _agreement(view: PlanView) -> list[Part]:
    agreement = view.latest_agreement
    if agreement is None:
        return []
    when = format_date(timezone.localtime(agreement.created_at).date())
    who = "You" if agreement.representative is None else agreement.representative.full_name
    on_behalf = "" if agreement.representative is None else " for you"
    if agreement.agrees:
        words = [f"{who} agreed with this plan{on_behalf} on {when}."]
    else:
        words = [
            f"{who} told us{on_behalf} on {when} what you do not agree with: "
            f"{_full_stop(agreement.not_agreed.strip())}"
        ]
    return [Part("agreement", "Do I agree with this plan?", words)]


def _full_stop(text: str) -> str:
    return text if text.endswith((".", "!", "?", "\u201d", '"')) else f"{text}."


# -- the PDF -----------------------------------------------------------------------------------------

MARGIN_MM = 20
POINT_MM = 0.3528


@dataclass(frozen=True)
class TypeSizes:
    body: int
    heading: int
    title: int


# Large print is 16 point or more (RNIB); 18 reads comfortably on A4.
REGULAR = TypeSizes(body=12, heading=16, title=24)
LARGE_PRINT = TypeSizes(body=18, heading=22, title=30)


def type_sizes(mine: MyCarePlan) -> TypeSizes:
    return LARGE_PRINT if mine.large_print else REGULAR


def render_pdf(mine: MyCarePlan) -> bytes:
    """The same words as the printable page, as an A4 PDF made here (no network, no browser)."""
    sizes = type_sizes(mine)
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title("My care plan")
    pdf.set_subject(f"Care plan for {_pdf_text(mine.name)}")
    pdf.set_author("joinedup")
    pdf.set_lang("en-GB")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=MARGIN_MM)
    pdf.add_page()
    writer = _Writer(pdf, sizes)
    writer.text("My care plan", size=sizes.title, bold=True)
    writer.text(mine.name, size=sizes.heading)
    writer.gap()
    for paragraph in mine.intro:
        writer.text(paragraph)
    for part in mine.parts:
        writer.gap()
        writer.text(part.heading, size=sizes.heading, bold=True)
        for paragraph in part.paragraphs:
            writer.text(paragraph)
        for entry in part.entries:
            writer.text(f"\u2022 {entry.title}", bold=True)
            for line in entry.lines:
                writer.text(line, indent=6)
    writer.gap()
    writer.text(mine.footer, size=max(sizes.body - 2, 10))
    return bytes(pdf.output())


class _Writer:
    def __init__(self, pdf: FPDF, sizes: TypeSizes) -> None:
        self.pdf = pdf
        self.sizes = sizes

    def text(
        self, words: str, *, size: int | None = None, bold: bool = False, indent: float = 0
    ) -> None:
        points = size or self.sizes.body
        self.pdf.set_font("Helvetica", style="B" if bold else "", size=points)
        self.pdf.set_x(MARGIN_MM + indent)
        self.pdf.multi_cell(
            w=self.pdf.epw - indent,
            h=points * POINT_MM * 1.4,
            text=_pdf_text(words),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.pdf.ln(points * POINT_MM * 0.4)

    def gap(self) -> None:
        self.pdf.ln(self.sizes.body * POINT_MM)


_PLAIN = str.maketrans({"\u2212": "-", "\u2010": "-", "\u2011": "-", "\u00a0": " "})


def _pdf_text(words: str) -> str:
    """The PDF's built-in Helvetica has the Windows-1252 characters (curly quotes, dashes,
    bullets, £); anything else is spelled out as its closest plain letter, or dropped."""
    text = words.translate(_PLAIN)
    out = []
    for char in text:
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", char).encode("cp1252", "ignore").decode("cp1252")
            out.append(plain)
        else:
            out.append(char)
    return "".join(out)
