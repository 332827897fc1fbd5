"""Care team pages: the history of changes, adding a practitioner and ending a membership.

Routes live under people/<person_id>/care-team/ (careteams/urls.py, included by people/urls.py).
Reads go through careteams.selectors and people.selectors; changes through careteams.services,
which check the access policy and audit each change."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from joinedup.accounts.models import RoleProfile
from joinedup.careteams.forms import AddCareTeamMemberForm, EndCareTeamMembershipForm
from joinedup.careteams.models import CareTeamMember
from joinedup.careteams.selectors import care_team_history_for, current_care_team
from joinedup.careteams.services import add_care_team_member, end_care_team_membership
from joinedup.core.context import actor_for, needs_actor, render_page
from joinedup.core.errors import DomainRuleBroken, NotFound
from joinedup.core.routes import Access, Audit, route
from joinedup.directory.selectors import get_role_profile, search_role_profiles
from joinedup.people.models import Person
from joinedup.people.selectors import open_for_change
from joinedup.people.views import add_rule_error, answers_person_errors, not_allowed, refusal_for
from joinedup.sharing.policy import Action

SEARCH_RESULTS = 20


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@needs_actor
@answers_person_errors
def history(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    person, changes = care_team_history_for(actor_for(request), person_id)
    return render_page(
        request,
        "careteams/history.jinja",
        {"person": person, "changes": list(changes)},
        page_title=f"Care team history: {person.full_name}",
    )


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def add_member(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """One form: "Search" finds practitioners in the directory and keeps everything typed;
    "Add to care team" checks the form and asks the service to add the chosen one."""
    actor = actor_for(request)
    opened = open_for_change(actor, person_id)
    person = opened.person
    refusal = refusal_for(actor, Action.EDIT_CARE_TEAM, person)
    if refusal:
        return not_allowed(request, refusal, opened.shown())
    if request.method != "POST" or request.POST.get("action") == "search":
        typed = request.POST.dict() if request.method == "POST" else request.GET.dict()
        form = AddCareTeamMemberForm(initial=typed)
        return _add_page(request, opened.shown(), form, query=typed.get("query", ""))
    form = AddCareTeamMemberForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            member = add_care_team_member(
                actor=actor,
                person=person,
                role_profile=data["role_profile"],
                role=data["role"],
                responsibilities=data["responsibilities"].strip(),
                reason=data["reason"].strip(),
            )
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        else:
            assert member.role_profile is not None  # noqa: S101 - added from a role profile
            messages.success(
                request,
                f"{member.role_profile.practitioner.display_name} has joined "
                f"{person.known_as}'s care team.",
            )
            return redirect("people:summary", person_id=person.pk)
    return _add_page(request, opened.shown(), form, query=request.POST.get("query", ""))


def _add_page(
    request: HttpRequest, person: Person, form: AddCareTeamMemberForm, *, query: str
) -> HttpResponse:
    candidates: list[RoleProfile] = list(search_role_profiles(name=query)[:SEARCH_RESULTS])
    chosen = str(form["role_profile"].value() or "")
    if chosen and chosen not in {str(candidate.pk) for candidate in candidates}:
        # The search changed after a practitioner was chosen: keep the choice on the page.
        try:
            candidates.insert(0, get_role_profile(chosen))
        except NotFound:
            chosen = ""
    in_team = {
        member.role_profile_id for member in current_care_team(person) if member.role_profile_id
    }
    return render_page(
        request,
        "careteams/add_member.jinja",
        {
            "person": person,
            "form": form,
            "searched": bool(query.strip()),
            "candidates": candidates,
            "chosen": chosen,
            "in_team": in_team,
        },
        page_title=f"Add someone to {person.full_name}'s care team",
    )


def _member_of(person: Person, member_id: uuid.UUID) -> CareTeamMember:
    """A current member of this person's care team, or NotFound."""
    for member in current_care_team(person):
        if member.pk == member_id:
            return member
    raise NotFound


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def end_membership(
    request: HttpRequest, person_id: uuid.UUID, member_id: uuid.UUID
) -> HttpResponse:
    actor = actor_for(request)
    opened = open_for_change(actor, person_id)
    person = opened.person
    member = _member_of(person, member_id)
    refusal = refusal_for(actor, Action.EDIT_CARE_TEAM, person)
    if refusal:
        return not_allowed(request, refusal, opened.shown())
    form = EndCareTeamMembershipForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            end_care_team_membership(actor=actor, member=member, **form.service_arguments())
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        else:
            messages.success(request, f"{_member_name(member)} has left the care team.")
            return redirect("people:summary", person_id=person.pk)
    return render_page(
        request,
        "careteams/end_membership.jinja",
        {
            "person": opened.shown(),
            "member": member,
            "member_name": _member_name(member),
            "form": form,
        },
        page_title=f"End care team membership: {person.full_name}",
    )


def _member_name(member: CareTeamMember) -> str:
    return member.display_name
