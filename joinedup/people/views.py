"""People pages: find a person, their summary, and About Me with its history.

Views validate and render; selectors read through the access policy and audit; services
write. A person the actor may not see does not exist for them: missing and forbidden records
get the same 404 page."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from joinedup.core.context import actor_for, needs_actor, render_page
from joinedup.core.errors import DomainRuleBroken, NotAllowed, NotFound
from joinedup.core.routes import Access, Audit, route
from joinedup.people.forms import AboutMeForm, PersonSearchForm
from joinedup.people.models import AboutMe, Person
from joinedup.people.selectors import about_me_history_for, person_summary_for, search_people
from joinedup.people.services import record_about_me
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import Action, decide

View = Callable[..., HttpResponse]

NOT_FOUND_TEMPLATE = "people/not_found.jinja"
NOT_ALLOWED_TEMPLATE = "people/not_allowed.jinja"


def person_not_found(request: HttpRequest) -> HttpResponse:
    """The one page for a person who does not exist or whom the actor may not see."""
    return render_page(request, NOT_FOUND_TEMPLATE, page_title="Page not found", status=404)


def not_allowed(request: HttpRequest, reason: str, person: Person | None = None) -> HttpResponse:
    """The actor can see the person but may not make this change: say why."""
    return render_page(
        request,
        NOT_ALLOWED_TEMPLATE,
        {"reason": reason, "person": person},
        page_title="You cannot make this change",
        status=403,
    )


def answers_person_errors(view: View) -> View:
    """Turn the selectors' and services' NotFound and NotAllowed into their pages."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            return person_not_found(request)
        except NotAllowed as refusal:
            return not_allowed(request, refusal.reason)

    return wrapped


def refusal_for(actor: Actor, action: Action, person: Person) -> str | None:
    """Why the actor may not do this to a person they can see, or None if they may."""
    decision = decide(actor, action, person)
    return None if decision.allowed else decision.reason


def add_rule_error(form: Any, error: DomainRuleBroken) -> None:
    """Show a broken domain rule beside its field, or at the top when it names none."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@needs_actor
def search(request: HttpRequest) -> HttpResponse:
    """Search by POST so NHS numbers, names and dates of birth stay out of URLs and logs."""
    actor = actor_for(request)
    form = PersonSearchForm(request.POST if request.method == "POST" else None)
    results: list[Person] | None = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if form.mode() == PersonSearchForm.BY_NHS_NUMBER:
            results = search_people(actor, nhs_number=data["nhs_number"])
        else:
            results = search_people(
                actor,
                family_name=data["family_name"],
                date_of_birth=data["date_of_birth"],
                given_name=data["given_name"],
            )
    return render_page(
        request,
        "people/search.jinja",
        {"form": form, "results": results},
        page_title="Find a person",
    )


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@needs_actor
@answers_person_errors
def summary(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    record = person_summary_for(actor, person_id)
    person = record.person
    organisations = {
        member.role_profile.organisation.name
        for member in record.care_team
        if member.role_profile is not None
    }
    return render_page(
        request,
        "people/summary.jinja",
        {
            "record": record,
            "person": person,
            "organisation_count": len(organisations),
            "may_edit_about_me": decide(actor, Action.EDIT_ABOUT_ME, person).allowed,
            "may_edit_care_team": decide(actor, Action.EDIT_CARE_TEAM, person).allowed,
            "sections": about_me_sections(),
        },
        page_title=person.full_name,
    )


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@needs_actor
@answers_person_errors
def about_me_history(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    person, versions = about_me_history_for(actor_for(request), person_id)
    return render_page(
        request,
        "people/about_me_history.jinja",
        {"person": person, "versions": versions, "sections": about_me_sections()},
        page_title=f"About Me history: {person.full_name}",
    )


def about_me_sections() -> list[tuple[str, str]]:
    """The PRSB About Me headings, in order, with the field that holds each."""
    form = AboutMeForm()
    return [(name, str(form.fields[name].label)) for name in AboutMe.SECTIONS]


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def about_me_edit(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Add a new About Me version, starting from the latest. If someone saved a version while
    this one was being written, show theirs beside it instead of replacing it silently."""
    actor = actor_for(request)
    person, versions = about_me_history_for(actor, person_id)
    refusal = refusal_for(actor, Action.EDIT_ABOUT_ME, person)
    if refusal:
        return not_allowed(request, refusal, person)
    latest = versions[0] if versions else None
    if request.method != "POST":
        form = AboutMeForm(initial=AboutMeForm.initial_from(latest))
        return _about_me_page(request, person, form, latest=latest)
    form = AboutMeForm(request.POST)
    if not form.is_valid():
        return _about_me_page(request, person, form, latest=latest)
    if (latest.version if latest else 0) != (form.cleaned_data["based_on"] or 0):
        return _about_me_conflict(request, person, form, latest=latest)
    try:
        record_about_me(actor=actor, person=person, **form.sections())
    except DomainRuleBroken as error:
        add_rule_error(form, error)
        return _about_me_page(request, person, form, latest=latest)
    messages.success(request, f"About Me for {person.known_as} has been updated.")
    return redirect("people:summary", person_id=person.pk)


def _about_me_conflict(
    request: HttpRequest, person: Person, form: AboutMeForm, *, latest: AboutMe | None
) -> HttpResponse:
    # Keep what was typed, point the next save at the version now saved, and say what happened.
    data = dict(form.data.items())
    data["based_on"] = str(latest.version if latest else 0)
    form = AboutMeForm(data)
    form.is_valid()
    form.add_error(
        None,
        "Someone else updated About Me while you were writing. Their version is shown below "
        "your changes. Check both, then save again.",
    )
    return _about_me_page(request, person, form, latest=latest, conflict=latest)


def _about_me_page(
    request: HttpRequest,
    person: Person,
    form: AboutMeForm,
    *,
    latest: AboutMe | None,
    conflict: AboutMe | None = None,
) -> HttpResponse:
    return render_page(
        request,
        "people/about_me_edit.jinja",
        {
            "person": person,
            "form": form,
            "latest": latest,
            "conflict": conflict,
            "sections": about_me_sections(),
        },
        page_title=f"Update About Me: {person.full_name}",
    )
