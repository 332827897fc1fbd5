"""People pages: find a person, register one, their summary, changing their details, and About
Me with its history.

Views validate and render; selectors read through the access policy and audit; services
write. A person the actor may not see does not exist for them: missing and forbidden records
get the same 404 page."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from joinedup.core.context import actor_for, needs_actor, render_page
from joinedup.core.errors import DomainRuleBroken, EditConflict, NotAllowed, NotFound
from joinedup.core.jinja import format_date
from joinedup.core.routes import Access, Audit, route
from joinedup.people.forms import (
    AboutMeForm,
    ChangeDetailsForm,
    PersonSearchForm,
    RegisterPersonForm,
)
from joinedup.people.models import AboutMe, Person
from joinedup.people.selectors import (
    about_me_history_for,
    about_me_versions,
    get_person_for,
    open_for_change,
    person_summary_for,
    possible_duplicate_count,
    possible_duplicates_for,
    search_people,
)
from joinedup.people.services import record_about_me, register_person, update_person_details
from joinedup.records.models import RecordEntry
from joinedup.sharing.actors import Actor
from joinedup.sharing.models import BreakGlass
from joinedup.sharing.policy import (
    Action,
    Basis,
    Decision,
    active_break_glass,
    decide,
    explain_entry,
    may_break_glass,
    may_register_people,
)

View = Callable[..., HttpResponse]

# What the record page offers, each link shown only to those the policy allows.
OFFERED_ON_THE_RECORD_PAGE = (
    Action.EDIT_PERSON,
    Action.EDIT_ABOUT_ME,
    Action.EDIT_CARE_TEAM,
    Action.ADD_ENTRY,
    Action.VIEW_ACCESS_LOG,
    Action.MAKE_REFERRAL,
)

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
        {
            "form": form,
            "results": results,
            "may_register": may_register_people(actor),
            "may_break_glass": may_break_glass(actor),
        },
        page_title="Find a person",
    )


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@needs_actor
@answers_person_errors
def summary(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    record = person_summary_for(actor, person_id, offering=OFFERED_ON_THE_RECORD_PAGE)
    person = record.person
    organisations = {
        member.organisation.name for member in record.care_team if member.organisation is not None
    }
    may = record.may
    return render_page(
        request,
        "people/summary.jinja",
        {
            "record": record,
            "person": person,
            "organisation_count": len(organisations),
            "duplicates": possible_duplicates_for(actor, person)
            if record.possible_duplicate_count
            else None,
            "may_edit_person": may[Action.EDIT_PERSON].allowed,
            "may_edit_about_me": may[Action.EDIT_ABOUT_ME].allowed,
            "may_edit_care_team": may[Action.EDIT_CARE_TEAM].allowed,
            "may_add_entry": may[Action.ADD_ENTRY].allowed,
            "may_see_access_log": may[Action.VIEW_ACCESS_LOG].allowed,
            "may_refer": may[Action.MAKE_REFERRAL].allowed,
            "in_care_team": record.decision.basis == Basis.CARE_TEAM,
            "sections": about_me_sections(),
            "entries": why_each_entry_is_shown(actor, record.entries),
            "emergency_access": _emergency_access(actor, record.decision, person),
        },
        page_title=person.full_name,
    )


def why_each_entry_is_shown(
    actor: Actor, entries: list[RecordEntry]
) -> list[tuple[RecordEntry, str]]:
    """Each entry with the policy's answer to "Why can I see this?". The answer depends only on
    who wrote the entry, its category and whether it is sealed, so the policy is asked once for
    each of those, however many entries share them."""
    answers: dict[tuple[object, str, bool], str] = {}
    shown = []
    for entry in entries:
        key = (entry.author_organisation_id, entry.category_id, entry.sealed)
        if key not in answers:
            answers[key] = explain_entry(actor, entry)
        shown.append((entry, answers[key]))
    return shown


@dataclass(frozen=True)
class EmergencyAccess:
    access: BreakGlass
    until: datetime  # local time


def _emergency_access(actor: Actor, decision: Decision, person: Person) -> EmergencyAccess | None:
    """The break-glass access the reader is using to see this person, if that is the basis."""
    if decision.basis is not Basis.BREAK_GLASS:
        return None
    access = active_break_glass(actor, person.pk, timezone.now()).order_by("-expires_at").first()
    if access is None:  # expired since the policy's decision
        return None
    return EmergencyAccess(access, timezone.localtime(access.expires_at))


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
    opened = open_for_change(actor, person_id)
    person, versions = opened.person, about_me_versions(opened)
    refusal = refusal_for(actor, Action.EDIT_ABOUT_ME, person)
    if refusal:
        return not_allowed(request, refusal, opened.shown())
    latest = versions[0] if versions else None
    if request.method != "POST":
        form = AboutMeForm(initial=AboutMeForm.initial_from(latest))
        return _about_me_page(request, opened.shown(), form, latest=latest)
    form = AboutMeForm(request.POST)
    if not form.is_valid():
        return _about_me_page(request, opened.shown(), form, latest=latest)
    if (latest.version if latest else 0) != (form.cleaned_data["based_on"] or 0):
        return _about_me_conflict(request, opened.shown(), form, latest=latest)
    try:
        record_about_me(actor=actor, person=person, **form.sections())
    except DomainRuleBroken as error:
        add_rule_error(form, error)
        return _about_me_page(request, opened.shown(), form, latest=latest)
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


# -- registering a person and changing their details ------------------------------------------


def cannot_register(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Roles that may not register people get a page saying why, not a form they cannot use."""
    return render_page(
        request,
        "people/cannot_register.jinja",
        {"role_profile": actor.role_profile},
        page_title="You cannot register people",
        status=403,
    )


@route(access=Access.STAFF, audit=Audit.WRITE)
@needs_actor
def register(request: HttpRequest) -> HttpResponse:
    """Register someone not yet on joinedup; the registrant joins their care team. The service
    flags possible duplicates rather than refusing them, so say how many were found."""
    actor = actor_for(request)
    if not may_register_people(actor):
        return cannot_register(request, actor)
    form = RegisterPersonForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            person = register_person(
                actor=actor, role=form.cleaned_data["care_team_role"], **form.person_fields()
            )
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        except NotAllowed:
            return cannot_register(request, actor)
        else:
            messages.success(
                request,
                f"{person.full_name} has been registered and you have joined their care team.",
            )
            duplicates = possible_duplicate_count(actor, person)
            if duplicates:
                messages.warning(request, duplicates_message(duplicates))
            return redirect("people:summary", person_id=person.pk)
    return render_page(
        request, "people/register.jinja", {"form": form}, page_title="Register a person"
    )


def duplicates_message(count: int) -> str:
    found = "1 possible duplicate" if count == 1 else f"{count} possible duplicates"
    return (
        f"This person may already be on joinedup: {found} found. Check the warning on their "
        "record, and tell your records team so the records can be merged if they are the "
        "same person."
    )


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def details_edit(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Change a person's details. If someone saved them while this form was open, show their
    version beside what was typed instead of replacing it silently."""
    actor = actor_for(request)
    opened = open_for_change(actor, person_id)
    person = opened.person
    refusal = refusal_for(actor, Action.EDIT_PERSON, person)
    if refusal:
        return not_allowed(request, refusal, opened.shown())
    if request.method != "POST":
        form = ChangeDetailsForm(initial=ChangeDetailsForm.initial_from(person))
        return _details_page(request, opened.shown(), form)
    form = ChangeDetailsForm(request.POST)
    if not form.is_valid():
        return _details_page(request, opened.shown(), form)
    based_on = form.cleaned_data["based_on"]
    if based_on != person.updated_at:
        return _details_conflict(request, opened.shown())
    try:
        update_person_details(
            actor=actor, person=person, unchanged_since=based_on, **form.person_fields()
        )
    except EditConflict:
        # Saved by someone else in the moment since this request read the record.
        return _details_conflict(request, get_person_for(actor, person.pk))
    except DomainRuleBroken as error:
        add_rule_error(form, error)
        return _details_page(request, opened.shown(), form)
    messages.success(request, f"{person.known_as}'s details have been updated.")
    return redirect("people:summary", person_id=person.pk)


def _details_conflict(request: HttpRequest, saved: Person) -> HttpResponse:
    # Keep what was typed (every checkbox too), point the next save at the details now saved,
    # and say what happened.
    data = request.POST.copy()
    data["based_on"] = saved.updated_at.isoformat()
    form = ChangeDetailsForm(data)
    form.is_valid()
    form.add_error(
        None,
        f"Someone else changed {saved.known_as}'s details while you were editing. The saved "
        "details are shown below your changes. Check both, then save again.",
    )
    return _details_page(request, saved, form, conflict=saved_details(saved, form))


def _details_page(
    request: HttpRequest,
    person: Person,
    form: ChangeDetailsForm,
    *,
    conflict: list[SavedDetail] | None = None,
) -> HttpResponse:
    return render_page(
        request,
        "people/details_edit.jinja",
        {"person": person, "form": form, "conflict": conflict},
        page_title=f"Change details: {person.full_name}",
    )


@dataclass(frozen=True)
class SavedDetail:
    label: str
    value: str
    differs: bool  # from what the writer typed


def saved_details(person: Person, form: ChangeDetailsForm) -> list[SavedDetail]:
    """The person's saved details, labelled as on the form, marking those that differ from
    what was typed."""
    cleaned = getattr(form, "cleaned_data", {})
    complete = all(name in cleaned for name in ChangeDetailsForm.PERSON_FIELDS)
    typed = form.person_fields() if complete else {}
    details = []
    for name in ChangeDetailsForm.PERSON_FIELDS:
        saved = getattr(person, name)
        mine = typed.get(name, saved)
        if isinstance(saved, list) and isinstance(mine, list):
            differs = set(saved) != set(mine)
        else:
            differs = mine != saved
        label = str(form.fields[name].label).removesuffix(" (optional)")
        details.append(SavedDetail(label, _shown(person, name), differs))
    return details


def _shown(person: Person, name: str) -> str:
    value = getattr(person, name)
    if name == "nhs_number":
        return person.nhs_number_display
    if name == "sex":
        return person.get_sex_display()
    if name == "gp_practice":
        return value.name if value else "Not known or not registered with a GP"
    if name == "interpreter_needed":
        return "Yes" if value else "No"
    if name == "communication_needs":
        return ", ".join(person.communication_need_labels()) or "None recorded"
    if isinstance(value, date):
        return format_date(value)
    return str(value or "Not recorded")
