"""Care plan pages: the plan, the forms that change it, its history, "my actions", the reviews
due, and "My care plan" for the person to keep (a printable page and a PDF).

Routes live under people/<person_id>/care-plan/ (the "people" namespace) and /care-plans/
(careplans/urls.py). Reads go through careplans.selectors, which filter each item by its
information category and audit the read; changes go through careplans.services, which check
the access policy, keep a version and audit the change. Every form carries the version of the
plan it was opened with: if someone else changed the plan since, the writer gets a page with
both (what they typed and the plan as it is now) and can save again without retyping.

The nine forms share one pattern (`_change`); each is a few lines below it: its form, how it
saves, and its route."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from joinedup.careplans import forms as plan_forms
from joinedup.careplans.models import CarePlan, PlanAction
from joinedup.careplans.printing import my_care_plan, render_pdf
from joinedup.careplans.selectors import (
    PlanView,
    VersionChanges,
    care_plan_for,
    changes_since,
    my_actions_for,
    people_in_their_life,
    plan_history_for,
    plan_view_of,
    reviews_due_list_for,
)
from joinedup.careplans.services import (
    PlanConflict,
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
from joinedup.careteams.selectors import current_care_team
from joinedup.core.context import actor_for, needs_actor, render_page
from joinedup.core.errors import DomainRuleBroken, NotFound
from joinedup.core.jinja import format_date
from joinedup.core.routes import Access, Audit, route
from joinedup.people.selectors import open_for_change
from joinedup.people.views import add_rule_error, answers_person_errors, not_allowed, refusal_for
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import Action, decide

DUE_SOON_DAYS = 7
# Rules the services report against a group of fields: shown beside the group's first field.
_FIELD_FOR = {"options": "option_1_title", "views": "participant_1_who", "scores": "attendance"}


def plan_url(person_id: object) -> str:
    return reverse("people:care-plan", kwargs={"person_id": person_id})


# -- reading the plan -----------------------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@needs_actor
@answers_person_errors
def plan(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    view = care_plan_for(actor, person_id)
    person = view.person
    today = timezone.localdate()
    return render_page(
        request,
        "careplans/plan.jinja",
        {
            "view": view,
            "person": person,
            "care_plan": view.plan,
            "may_edit": decide(actor, Action.EDIT_CARE_PLAN, person).allowed,
            "today": today,
            "due_soon": today + timedelta(days=DUE_SOON_DAYS),
            "dissenting": {decision.pk for decision in view.dissenting_decisions},
            "chart": sparkline(view.t_scores),
            "level_words": plan_forms.LEVEL_WORDS,
            "signed": plan_forms.signed,
        },
        page_title=f"Care plan: {person.full_name}",
    )


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@needs_actor
@answers_person_errors
def history(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    person, versions = plan_history_for(actor_for(request), person_id)
    return render_page(
        request,
        "careplans/history.jinja",
        {"person": person, "versions": versions},
        page_title=f"Care plan history: {person.full_name}",
    )


@dataclass(frozen=True)
class Sparkline:
    """The T-score over time drawn as a line, with its words for people who cannot see it."""

    points: str
    dots: list[tuple[float, float]]
    expected_y: float
    width: int
    height: int
    words: str


def sparkline(
    scores: list[tuple[date, float]], width: int = 320, height: int = 90
) -> Sparkline | None:
    """A small line chart of the T-scores (oldest first), scaled from 20 to 80 with a line at
    50 (the goals met as expected). None until there are two reviews to join up."""
    if len(scores) < 2:
        return None
    low, high, pad = 20.0, 80.0, 8.0

    def y(score: float) -> float:
        clamped = min(max(score, low), high)
        return round(pad + (high - clamped) / (high - low) * (height - 2 * pad), 1)

    step = (width - 2 * pad) / (len(scores) - 1)
    dots = [(round(pad + index * step, 1), y(score)) for index, (_, score) in enumerate(scores)]
    first, last = scores[0], scores[-1]
    trend = "rising" if last[1] > first[1] else "falling" if last[1] < first[1] else "unchanged"
    words = (
        f"T-score {first[1]:.1f} on {format_date(first[0])}, {trend} to {last[1]:.1f} on "
        f"{format_date(last[0])}. 50 means the goals were met as expected."
    )
    return Sparkline(
        points=" ".join(f"{x},{y_}" for x, y_ in dots),
        dots=dots,
        expected_y=y(50.0),
        width=width,
        height=height,
        words=words,
    )


# -- starting a plan ----------------------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def start(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """The "Start a care plan" button on the plan page posts here."""
    actor = actor_for(request)
    opened = open_for_change(actor, person_id)
    person = opened.person
    refusal = refusal_for(actor, Action.EDIT_CARE_PLAN, person)
    if refusal:
        return not_allowed(request, refusal, opened.shown())
    if request.method != "POST":
        return redirect(plan_url(person.pk))
    try:
        start_care_plan(actor=actor, person=person)
    except DomainRuleBroken as error:
        messages.warning(request, error.message)
    else:
        messages.success(
            request,
            f"{person.known_as}'s care plan has been started. Add what matters, goals and "
            "actions with the care team.",
        )
    return redirect(plan_url(person.pk))


# -- changing the plan: one pattern for every form ---------------------------------------------


Form = plan_forms.PlanChangeForm
Data = QueryDict | None
Initial = dict[str, Any] | None


class MakeForm(Protocol):
    def __call__(
        self, view: PlanView, data: Data, *, initial: Initial = None, subject: Any = None
    ) -> Form: ...


@dataclass(frozen=True)
class Change:
    """One of the forms that change the plan: its page, its form and how to save it."""

    title: str
    template: str  # the form itself, included in careplans/change.jinja
    make_form: MakeForm
    save: Callable[[Actor, CarePlan, Any], str]  # returns the success message


def _change(
    request: HttpRequest,
    person_id: uuid.UUID,
    change: Change,
    initial: Callable[[CarePlan], dict[str, Any]] | None = None,
    *,
    item: Callable[[PlanView], Any] | None = None,
) -> HttpResponse:
    """One access, one audit event: the service's write when the change is saved; otherwise
    (the form, its errors, a conflict, a refusal) one read of the record, as the page shows it."""
    actor = actor_for(request)
    opened = open_for_change(actor, person_id)
    person = opened.person
    refusal = refusal_for(actor, Action.EDIT_CARE_PLAN, person)
    if refusal:
        return not_allowed(request, refusal, opened.shown())
    view = plan_view_of(actor, person)
    if view.plan is None:
        messages.warning(request, f"{person.known_as} has no care plan yet. Start one first.")
        return redirect(plan_url(person.pk))
    care_plan = view.plan
    subject = item(view) if item else None
    if request.method != "POST":
        start = initial(care_plan) if initial else {"plan_version": care_plan.version}
        form = change.make_form(view, None, initial=start, subject=subject)
        opened.shown()
        return _change_page(request, view, change, form, subject=subject)
    form = change.make_form(view, request.POST, subject=subject)
    if form.is_valid():
        try:
            message = change.save(actor, care_plan, form)
        except PlanConflict as conflict:
            opened.shown()
            return _conflict_page(request, actor, view, change, form, conflict.current, subject)
        except DomainRuleBroken as error:
            error.field = _FIELD_FOR.get(error.field or "", error.field)
            add_rule_error(form, error)
        else:
            messages.success(request, message)
            return redirect(plan_url(person.pk))
    opened.shown()
    return _change_page(request, view, change, form, subject=subject)


def _change_page(
    request: HttpRequest,
    view: PlanView,
    change: Change,
    form: plan_forms.PlanChangeForm,
    *,
    subject: Any = None,
    conflict: dict[str, Any] | None = None,
) -> HttpResponse:
    return render_page(
        request,
        "careplans/change.jinja",
        {
            "person": view.person,
            "view": view,
            "change": change,
            "form": form,
            "subject": subject,
            "conflict": conflict,
            "form_action": request.path,
        },
        page_title=f"{change.title}: {view.person.full_name}",
        status=409 if conflict else 200,
    )


def _conflict_page(
    request: HttpRequest,
    actor: Actor,
    view: PlanView,
    change: Change,
    form: plan_forms.PlanChangeForm,
    current: CarePlan,
    subject: Any,
) -> HttpResponse:
    """Someone else changed the plan after this form was opened. Show what the writer typed
    and the plan as it is now, and give them the form back, filled in as they left it and
    pointed at the current version, to save again without retyping."""
    opened = form.opened_version
    typed = plan_forms.typed_summary(form)
    data = request.POST.copy()
    data["plan_version"] = str(current.version)
    again = change.make_form(view, data, subject=subject)
    again.is_valid()
    versions = changes_since(actor, current, opened)
    again.add_error(
        None,
        f"{_changed_by(versions)} changed {view.person.known_as}'s plan while you were working "
        "on it, so your changes have not been saved yet. Nothing you typed has been lost: check "
        "the plan as it is now, then save again.",
    )
    return _change_page(
        request,
        view,
        change,
        again,
        subject=subject,
        conflict={"opened": opened, "current": current, "versions": versions, "typed": typed},
    )


def _changed_by(versions: list[VersionChanges]) -> str:
    names: list[str] = []
    for found in versions:
        user = found.version.created_by
        name = (user.get_full_name() or user.username) if user else "Someone else"
        if name not in names:
            names.append(name)
    return " and ".join(names) if names else "Someone else"


# -- the forms -----------------------------------------------------------------------------------


def _sections_form(
    view: PlanView, data: Data, *, initial: Initial = None, subject: Any = None
) -> Form:
    return plan_forms.SectionsForm(data, plan=view, initial=initial)


def _save_sections(actor: Actor, care_plan: CarePlan, form: Any) -> str:
    change_plan_sections(
        actor=actor,
        plan=care_plan,
        expected_version=form.opened_version,
        **form.service_arguments(),
    )
    return "The plan has been updated."


SECTIONS = Change(
    title="Change what matters, the crisis plan and reviews",
    template="careplans/forms/sections.jinja",
    make_form=_sections_form,
    save=_save_sections,
)


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def change_sections(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    return _change(request, person_id, SECTIONS, plan_forms.SectionsForm.initial_from)


def _need_form(view: PlanView, data: Data, *, initial: Initial = None, subject: Any = None) -> Form:
    return plan_forms.NeedForm(data, plan=view, initial=initial)


def _save_need(actor: Actor, care_plan: CarePlan, form: Any) -> str:
    need = add_need(
        actor=actor,
        plan=care_plan,
        expected_version=form.opened_version,
        **form.service_arguments(),
    )
    return f"The {need.get_kind_display().lower()} has been added to the plan."


NEED = Change(
    title="Add a strength or need",
    template="careplans/forms/need.jinja",
    make_form=_need_form,
    save=_save_need,
)


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def add_need_page(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    return _change(request, person_id, NEED)


def _goal_form(view: PlanView, data: Data, *, initial: Initial = None, subject: Any = None) -> Form:
    return plan_forms.GoalForm(data, plan=view, initial=initial)


def _save_goal(actor: Actor, care_plan: CarePlan, form: Any) -> str:
    set_goal(actor=actor, plan=care_plan, expected_version=form.opened_version, terms=form.terms())
    return "The goal has been set."


GOAL = Change(
    title="Set a goal",
    template="careplans/forms/goal.jinja",
    make_form=_goal_form,
    save=_save_goal,
)


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def add_goal(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    return _change(request, person_id, GOAL)


def _action_form(
    view: PlanView, data: Data, *, initial: Initial = None, subject: Any = None
) -> Form:
    return plan_forms.ActionForm(
        data, plan=view, team=current_care_team(view.person), initial=initial
    )


def _save_action(actor: Actor, care_plan: CarePlan, form: Any) -> str:
    action = add_action(
        actor=actor,
        plan=care_plan,
        expected_version=form.opened_version,
        **form.service_arguments(),
    )
    return f"The action has been added: \u201c{action.what}\u201d, due by {format_date(action.due_on)}."


ACTION = Change(
    title="Add an action",
    template="careplans/forms/action.jinja",
    make_form=_action_form,
    save=_save_action,
)


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def add_action_page(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    return _change(request, person_id, ACTION)


def _status_form(
    view: PlanView, data: Data, *, initial: Initial = None, subject: Any = None
) -> Form:
    return plan_forms.ActionStatusForm(data, plan=view, action=subject, initial=initial)


def _save_status(actor: Actor, care_plan: CarePlan, form: Any) -> str:
    action = change_action_status(
        actor=actor,
        action=form.action,
        status=form.cleaned_data["status"],
        reason=form.cleaned_data["reason"],
        expected_version=form.opened_version,
    )
    return f"\u201c{action.what}\u201d is now {action.get_status_display().lower()}."


STATUS = Change(
    title="Update an action",
    template="careplans/forms/action_status.jinja",
    make_form=_status_form,
    save=_save_status,
)


def _action(action_id: uuid.UUID) -> Callable[[PlanView], PlanAction]:
    def find(view: PlanView) -> PlanAction:
        for action in view.actions:
            if action.pk == action_id:
                return action
        raise NotFound  # not in this plan, or not visible to the reader's organisation

    return find


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def change_action(request: HttpRequest, person_id: uuid.UUID, action_id: uuid.UUID) -> HttpResponse:
    return _change(request, person_id, STATUS, item=_action(action_id))


def _choice_form(
    view: PlanView, data: Data, *, initial: Initial = None, subject: Any = None
) -> Form:
    return plan_forms.ChoiceForm(
        data,
        plan=view,
        relationships=people_in_their_life(view.person),
        initial=initial,
    )


def _save_choice(actor: Actor, care_plan: CarePlan, form: Any) -> str:
    record_informed_choice(
        actor=actor,
        plan=care_plan,
        expected_version=form.opened_version,
        **form.service_arguments(),
    )
    return "The options and the choice have been recorded."


CHOICE = Change(
    title="Record options and a choice",
    template="careplans/forms/choice.jinja",
    make_form=_choice_form,
    save=_save_choice,
)


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def add_choice(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    return _change(request, person_id, CHOICE)


def _decision_form(
    view: PlanView, data: Data, *, initial: Initial = None, subject: Any = None
) -> Form:
    return plan_forms.DecisionForm(
        data,
        plan=view,
        team=current_care_team(view.person),
        relationships=people_in_their_life(view.person),
        initial=initial,
    )


def _save_decision(actor: Actor, care_plan: CarePlan, form: Any) -> str:
    decision = record_decision(
        actor=actor,
        plan=care_plan,
        expected_version=form.opened_version,
        **form.service_arguments(),
    )
    dissent = decision.person_agreed is False or any(
        view.view == "disagree" for view in decision.views.all()
    )
    return "The decision has been recorded" + (
        ". Not everyone agreed: the plan shows each view." if dissent else "."
    )


DECISION = Change(
    title="Record a decision",
    template="careplans/forms/decision.jinja",
    make_form=_decision_form,
    save=_save_decision,
)


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def add_decision(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    return _change(
        request,
        person_id,
        DECISION,
        lambda p: {"plan_version": p.version, "decided_on": timezone.localdate()},
    )


def _agreement_form(
    view: PlanView, data: Data, *, initial: Initial = None, subject: Any = None
) -> Form:
    return plan_forms.AgreementForm(
        data,
        plan=view,
        relationships=people_in_their_life(view.person),
        initial=initial,
    )


def _save_agreement(actor: Actor, care_plan: CarePlan, form: Any) -> str:
    # An agreement is with the plan as the person saw it: the service refuses it (PlanConflict)
    # if the plan has changed since, so they see the new version first.
    agreement = record_plan_agreement(
        actor=actor,
        plan=care_plan,
        expected_version=form.opened_version,
        **form.service_arguments(),
    )
    person = care_plan.person
    if agreement.agrees:
        return f"Recorded that {person.known_as} agrees with this plan."
    return f"Recorded what {person.known_as} does not agree with."


AGREEMENT = Change(
    title="Record whether they agree with the plan",
    template="careplans/forms/agreement.jinja",
    make_form=_agreement_form,
    save=_save_agreement,
)


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def record_agreement(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    return _change(request, person_id, AGREEMENT)


def _review_form(
    view: PlanView, data: Data, *, initial: Initial = None, subject: Any = None
) -> Form:
    return plan_forms.ReviewForm(data, plan=view, initial=initial)


def _save_review(actor: Actor, care_plan: CarePlan, form: Any) -> str:
    review = record_review(
        actor=actor, plan=care_plan, expected_version=form.opened_version, terms=form.terms()
    )
    if review.t_score is None:
        return "The review has been recorded. No goals were scored, so there is no T-score."
    return (
        f"The review has been recorded. The plan's T-score is now {review.t_score:.1f} "
        "(50 means the goals were met as expected)."
    )


REVIEW = Change(
    title="Record a review",
    template="careplans/forms/review.jinja",
    make_form=_review_form,
    save=_save_review,
)


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def add_review(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    return _change(request, person_id, REVIEW, plan_forms.ReviewForm.initial_for)


# -- my actions and reviews due ------------------------------------------------------------------


@route(access=Access.STAFF, audit=Audit.READ)
@needs_actor
def my_actions(request: HttpRequest) -> HttpResponse:
    """My open actions across all my people: overdue first, then due soon, then later."""
    today = timezone.localdate()
    soon = today + timedelta(days=DUE_SOON_DAYS)
    actions = list(my_actions_for(actor_for(request), today=today))
    groups = [
        ("overdue", "Overdue", [a for a in actions if a.due_on < today]),
        (
            "due-soon",
            f"Due in the next {DUE_SOON_DAYS} days",
            [a for a in actions if today <= a.due_on <= soon],
        ),
        ("later", "Due later", [a for a in actions if a.due_on > soon]),
    ]
    return render_page(
        request,
        "careplans/my_actions.jinja",
        {"groups": groups, "count": len(actions), "today": today},
        page_title="My actions",
    )


@route(access=Access.STAFF, audit=Audit.READ)
@needs_actor
def reviews_due(request: HttpRequest) -> HttpResponse:
    """Plans I own as lead professional whose review is due in the next two weeks, or overdue."""
    return render_page(
        request,
        "careplans/reviews_due.jinja",
        {"plans": reviews_due_list_for(actor_for(request)), "today": timezone.localdate()},
        page_title="Care plan reviews due",
    )


# -- My care plan, for the person --------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@needs_actor
@answers_person_errors
def print_page(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    view = care_plan_for(actor_for(request), person_id)
    if view.plan is None:
        return redirect(plan_url(view.person.pk))
    return render_page(
        request,
        "careplans/print.jinja",
        {"person": view.person, "mine": my_care_plan(view, timezone.localdate())},
        page_title=f"My care plan: {view.person.full_name}",
    )


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@needs_actor
@answers_person_errors
def print_pdf(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    view = care_plan_for(actor_for(request), person_id)
    if view.plan is None:
        return redirect(plan_url(view.person.pk))
    document = render_pdf(my_care_plan(view, timezone.localdate()))
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="my-care-plan.pdf"'
    return response
