"""What every staff page needs: the actor (the user in their acting role) and the shared
page context (page title, acting role in the header, whether the page shows errors).

A view that reads or writes through selectors and services:

    from joinedup.core.context import actor_for, needs_actor, render_page
    from joinedup.core.routes import Access, Audit, route

    @route(access=Access.PERSON_POLICY, audit=Audit.READ)
    @needs_actor
    def person_summary(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
        actor = actor_for(request)
        summary = person_summary_for(actor, person_id)
        return render_page(request, "people/summary.jinja", {"summary": summary},
                           page_title=summary.person.full_name)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Concatenate, ParamSpec
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from joinedup.accounts.models import User
from joinedup.accounts.session import acting_role_profile, is_fully_signed_in
from joinedup.sharing.actors import Actor

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]

_ACTOR_ATTRIBUTE = "_joinedup_actor"


class ActingRoleNeeded(Exception):
    """The user has not chosen which of their role profiles they are acting in (or has none).
    @needs_actor turns it into a redirect to the choose-role page."""


def actor_for(request: HttpRequest) -> Actor:
    """The fully signed-in staff user acting in their chosen role profile.

    Raises ActingRoleNeeded when no role is chosen yet (several profiles, none picked) or the
    chosen one has ended; decorate the view with @needs_actor to send the user to choose one
    and back again. Raises PermissionDenied if the request is not fully signed in (the
    sign-in middleware normally stops such requests first). The actor is kept on the request,
    so calling this more than once costs nothing."""
    cached = getattr(request, _ACTOR_ATTRIBUTE, None)
    if isinstance(cached, Actor):
        return cached
    user = request.user
    if not isinstance(user, User) or not is_fully_signed_in(request):
        raise PermissionDenied
    profile = acting_role_profile(request)
    if profile is None:
        raise ActingRoleNeeded
    actor = Actor.staff(user, profile)
    setattr(request, _ACTOR_ATTRIBUTE, actor)
    return actor


def needs_actor(view: View[P]) -> View[P]:
    """Send the user to choose a role (then back here) when actor_for finds none chosen."""

    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ActingRoleNeeded:
            return redirect(choose_role_url(request.get_full_path()))

    functools.update_wrapper(wrapper, view)  # keeps @route's declaration visible
    return wrapper


def choose_role_url(next_path: str = "") -> str:
    url = reverse("accounts:choose-role")
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


def acting_role_label(request: HttpRequest) -> str:
    """ "Community nurse, Calderbridge Community Health NHS Trust", or "" before a role is
    chosen or before the user is fully signed in."""
    if not is_fully_signed_in(request):
        return ""
    try:
        actor = actor_for(request)
    except (ActingRoleNeeded, PermissionDenied):
        return ""
    return str(actor.role_profile)


def navigation_for(request: HttpRequest) -> list[dict[str, str]]:
    """The header links for the signed-in actor's role: the work everyone does, then emergency
    access for roles that may use it and the privacy officer's queue for privacy officers."""
    if not is_fully_signed_in(request):
        return []
    items = [
        {"text": "My people", "href": reverse("core:home")},
        {"text": "Find a person", "href": reverse("people:search")},
    ]
    try:
        actor = actor_for(request)
    except (ActingRoleNeeded, PermissionDenied):
        return items
    from joinedup.sharing.policy import may_break_glass, may_govern_information

    if _route_exists("careplans:my-actions"):
        items.append({"text": "My actions", "href": reverse("careplans:my-actions")})
    items.append({"text": "Directory", "href": reverse("directory:index")})
    items.append({"text": "Sharing agreements", "href": reverse("sharing:agreements")})
    if _route_exists("referrals:incoming"):
        items.append({"text": "Referrals", "href": reverse("referrals:incoming")})
    if _route_exists("handovers:mine"):
        items.append({"text": "Handovers", "href": reverse("handovers:mine")})
    if actor.user is not None and _route_exists("notifications:inbox"):
        from joinedup.notifications.selectors import unread_count

        items.append(
            {"text": f"Inbox ({unread_count(actor.user)})", "href": reverse("notifications:inbox")}
        )
    if may_break_glass(actor):
        items.append({"text": "Emergency access", "href": reverse("sharing:emergency-access")})
    if may_govern_information(actor):
        items.append({"text": "Privacy alerts", "href": reverse("sharing:privacy-alerts")})
    return items


def _route_exists(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def render_page(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    page_title: str,
    status: int = 200,
) -> HttpResponse:
    """Render a page that extends core/base.jinja, adding what the layout needs: the page
    title, the acting role for the header, and `page_has_errors` (true when any form in the
    context has errors, so the browser title starts with "Error:")."""
    own = dict(context or {})
    page = {
        "page_title": page_title,
        "acting_role_label": acting_role_label(request),
        "navigation_items": navigation_for(request),
        "page_has_errors": any(_has_errors(value) for value in own.values()),
    }
    return render(request, template, page | own, status=status)


def _has_errors(value: object) -> bool:
    return isinstance(value, forms.BaseForm) and value.is_bound and bool(value.errors)
