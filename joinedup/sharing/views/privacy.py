"""Emergency access (break-glass) and the privacy officer's work: the alerts and review queue
for break-glass, and the disclosures whose serious-harm exemption needs review.

Emergency access: a member of staff whose role may break glass finds a person by their exact
NHS number (outside the normal policy, so the lookup is audited as its own event), sees only
their name, date of birth and NHS number to confirm who they are, gives a reason, confirms and
proves it is them with a fresh authenticator code. sharing.services.start_break_glass does
the rest. They can end it early from "My emergency access".

Privacy officers (policy.may_govern_information) see their organisation's alerts, open each
one (an audited read of who opened whose record and what they did with it) and record an
outcome with review_break_glass; and end exemptions with end_disclosure_exemption. Everyone
else gets a page saying this is the privacy officer's work."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils import timezone

from joinedup.audit.selectors import action_words
from joinedup.core.context import actor_for, needs_actor, render_page
from joinedup.core.errors import DomainRuleBroken, NotAllowed, NotFound
from joinedup.core.routes import Access, Audit, route
from joinedup.people.views import add_rule_error, person_not_found
from joinedup.sharing.actors import Actor
from joinedup.sharing.forms.privacy import (
    EndExemptionForm,
    FindForEmergencyForm,
    ReviewBreakGlassForm,
    StartEmergencyAccessForm,
)
from joinedup.sharing.models import BreakGlass, BreakGlassReason, PrivacyAlert
from joinedup.sharing.policy import (
    Basis,
    may_break_glass,
    may_govern_information,
)
from joinedup.sharing.selectors import (
    EmergencyMatch,
    exemption_for,
    exemptions_listed_for,
    find_for_break_glass,
    get_privacy_alert,
    my_emergency_access,
    my_emergency_accesses,
    privacy_alert_review_for,
    privacy_queue_for,
)
from joinedup.sharing.services import (
    break_glass_minutes,
    end_break_glass,
    end_disclosure_exemption,
    review_break_glass,
    start_break_glass,
)

View = Callable[..., HttpResponse]


# -- Shared page pieces -----------------------------------------------------------------------


def _until_words(moment: datetime) -> str:
    """'14:05 today', or '00:30 on 5 March 2026' when it is another day."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M} today"
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def _duration_words(access: BreakGlass) -> str:
    def minutes(span: timedelta) -> str:
        count = max(1, round(span.total_seconds() / 60))
        return "1 minute" if count == 1 else f"{count} minutes"

    granted = minutes(access.expires_at - access.starts_at)
    if access.ended_at is not None and access.ended_at < access.expires_at:
        return f"{granted} granted; ended early after {minutes(access.ended_at - access.starts_at)}"
    return granted


def cannot_break_glass(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Roles without emergency access get a plain page saying so and whom to ask."""
    return render_page(
        request,
        "sharing/privacy/cannot_break_glass.jinja",
        {"role_profile": actor.role_profile},
        page_title="You cannot use emergency access",
        status=403,
    )


def not_privacy_officer(request: HttpRequest) -> HttpResponse:
    return render_page(
        request,
        "sharing/privacy/not_privacy_officer.jinja",
        page_title="Only privacy officers can see this page",
        status=403,
    )


def breaks_glass(view: View) -> View:
    """Only for roles that may use emergency access; the others get a page saying so."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = actor_for(request)
        if not may_break_glass(actor):
            return cannot_break_glass(request, actor)
        try:
            return view(request, *args, **kwargs)
        except NotAllowed:
            return cannot_break_glass(request, actor)

    return wrapped


def governs_information(view: View) -> View:
    """Only for privacy officers (policy.may_govern_information); others are told it is not
    their page. Their own organisation's alerts only: any other is not found."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_govern_information(actor_for(request)):
            return not_privacy_officer(request)
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            return render_page(
                request, "people/not_found.jinja", page_title="Page not found", status=404
            )
        except NotAllowed:
            return not_privacy_officer(request)

    return wrapped


# -- Emergency access -------------------------------------------------------------------------


@route(access=Access.STAFF, audit=Audit.READ)
@needs_actor
@breaks_glass
def emergency_access(request: HttpRequest) -> HttpResponse:
    """Find the person by exact NHS number. Searching is by POST, so the number stays out of
    addresses and logs; each search is audited by find_for_break_glass."""
    actor = actor_for(request)
    form = FindForEmergencyForm(request.POST if request.method == "POST" else None)
    searched = False
    if form.is_bound and form.is_valid():
        nhs_number = form.cleaned_data["nhs_number"]
        matches = find_for_break_glass(actor, nhs_number)
        if matches:
            chosen = matches[0].person.pk if len(matches) == 1 else None
            start = StartEmergencyAccessForm(initial={"nhs_number": nhs_number, "person": chosen})
            return _start_page(request, matches, start)
        searched = True
    return render_page(
        request,
        "sharing/privacy/emergency_find.jinja",
        {"form": form, "searched": searched, "minutes": break_glass_minutes()},
        page_title="Emergency access to a record",
    )


@route(access=Access.STAFF, audit=Audit.WRITE)
@needs_actor
@breaks_glass
def start_emergency_access(request: HttpRequest) -> HttpResponse:
    """Start emergency access. Errors keep what was typed, except the code: a code is used
    once, so the next try needs the next one."""
    if request.method != "POST":
        return redirect("sharing:emergency-access")
    actor = actor_for(request)
    form = StartEmergencyAccessForm(request.POST)
    if form.is_valid():
        try:
            started = start_break_glass(actor=actor, **form.service_arguments())
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        except NotFound:
            return person_not_found(request)
        else:
            access = started.access
            messages.success(request, _started_message(access, [o.name for o in started.alerted]))
            return redirect("people:summary", person_id=access.person_id)
    nhs_number = form.cleaned_data.get("nhs_number")
    if not nhs_number:  # the hidden number was changed: start again
        return redirect("sharing:emergency-access")
    matches = find_for_break_glass(actor, nhs_number, shown_again=True)
    if not matches:
        return person_not_found(request)
    return _start_page(request, matches, form)


def _started_message(access: BreakGlass, alerted: Sequence[str]) -> str:
    told = (
        f" The privacy officers of {', '.join(alerted)} have been told and will review it."
        if alerted
        else " Your access will be reviewed."
    )
    return (
        f"You have emergency access to {access.person.full_name}'s record until "
        f"{_until_words(access.expires_at)}.{told}"
    )


def _start_page(
    request: HttpRequest, matches: list[EmergencyMatch], form: StartEmergencyAccessForm
) -> HttpResponse:
    only = matches[0] if len(matches) == 1 else None
    return render_page(
        request,
        "sharing/privacy/emergency_start.jinja",
        {
            "form": form,
            "matches": matches,
            "only": only,
            "already_open": only is not None and only.already_open,
            "already_break_glass": only is not None and only.decision.basis is Basis.BREAK_GLASS,
            "chosen": str(form["person"].value() or ""),
            "minutes": break_glass_minutes(),
            "reason_hints": _REASON_HINTS,
        },
        page_title="Confirm emergency access",
    )


_REASON_HINTS = {
    BreakGlassReason.OTHER.value: "Say what it is in your own words below.",
}


@route(access=Access.STAFF, audit=Audit.READ)
@needs_actor
def my_emergency_access_list(request: HttpRequest) -> HttpResponse:
    """My emergency accesses in force now, each with a button to end it. Open to every staff
    role: one without emergency access simply has none."""
    actor = actor_for(request)
    accesses = my_emergency_accesses(actor)
    rows = [(access, _until_words(access.expires_at)) for access in accesses]
    return render_page(
        request,
        "sharing/privacy/emergency_mine.jinja",
        {"rows": rows, "may_break_glass": may_break_glass(actor)},
        page_title="My emergency access",
    )


@route(access=Access.STAFF, audit=Audit.WRITE)
@needs_actor
def end_emergency_access(request: HttpRequest, access_id: uuid.UUID) -> HttpResponse:
    """End one of my emergency accesses now (POST only; the button is on My emergency access)."""
    if request.method != "POST":
        return redirect("sharing:my-emergency-access")
    actor = actor_for(request)
    try:
        access = end_break_glass(actor=actor, access=my_emergency_access(actor, access_id))
    except NotFound:
        return person_not_found(request)
    messages.success(
        request, f"Your emergency access to {access.person.full_name}'s record has ended."
    )
    return redirect("sharing:my-emergency-access")


# -- The privacy officer's review queue -------------------------------------------------------


@dataclass(frozen=True)
class AlertRow:
    alert: PrivacyAlert
    access: BreakGlass
    duration: str


def _rows(alerts: list[PrivacyAlert]) -> list[AlertRow]:
    return [
        AlertRow(alert, alert.break_glass, _duration_words(alert.break_glass)) for alert in alerts
    ]


@route(access=Access.STAFF, audit=Audit.READ)
@needs_actor
@governs_information
def privacy_alerts(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    return render_page(
        request,
        "sharing/privacy/alerts.jinja",
        {"rows": _rows(privacy_queue_for(actor)), "reviewed": False, "actor": actor},
        page_title="Privacy alerts to review",
    )


@route(access=Access.STAFF, audit=Audit.READ)
@needs_actor
@governs_information
def reviewed_alerts(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    return render_page(
        request,
        "sharing/privacy/alerts.jinja",
        {"rows": _rows(privacy_queue_for(actor, reviewed=True)), "reviewed": True, "actor": actor},
        page_title="Reviewed privacy alerts",
    )


@route(access=Access.STAFF, audit=Audit.WRITE)
@needs_actor
@governs_information
def privacy_alert(request: HttpRequest, alert_id: uuid.UUID) -> HttpResponse:
    """One alert: who opened whose record, when, why and what they did; and the review form
    while it is open. Each showing is an audited read (privacy_alert_review_for)."""
    actor = actor_for(request)
    alert = get_privacy_alert(actor, alert_id)
    form = ReviewBreakGlassForm(request.POST if request.method == "POST" else None)
    if form.is_bound and alert.review_id is None and form.is_valid():
        try:
            review_break_glass(actor=actor, alert=alert, **form.cleaned_data)
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        else:
            access = alert.break_glass
            messages.success(
                request,
                f"Your review of {access.user.get_full_name()}'s emergency access to "
                f"{access.person.full_name}'s record is recorded.",
            )
            return redirect("sharing:privacy-alerts")
    if form.is_bound and alert.review_id is not None:
        return redirect("sharing:privacy-alert", alert_id=alert.pk)
    review = privacy_alert_review_for(actor, alert)
    return render_page(
        request,
        "sharing/privacy/alert.jinja",
        {
            "review": review,
            "access": review.access,
            "done": alert.review,
            "duration": _duration_words(review.access),
            "action_words": action_words,
            "form": form,
        },
        page_title=f"Emergency access to {review.access.person.full_name}'s record",
    )


# -- Disclosures whose serious-harm exemption needs review ------------------------------------


@route(access=Access.STAFF, audit=Audit.READ)
@needs_actor
@governs_information
def exemptions(request: HttpRequest) -> HttpResponse:
    disclosures = exemptions_listed_for(actor_for(request))
    return render_page(
        request,
        "sharing/privacy/exemptions.jinja",
        {"disclosures": disclosures, "today": timezone.localdate()},
        page_title="Disclosures kept from people's access logs",
    )


@route(access=Access.STAFF, audit=Audit.WRITE)
@needs_actor
@governs_information
def exemption(request: HttpRequest, disclosure_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    form = EndExemptionForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        disclosure = exemption_for(actor, disclosure_id, audit=False)
        try:
            end_disclosure_exemption(
                actor=actor, disclosure=disclosure, notes=form.cleaned_data["notes"]
            )
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        else:
            messages.success(
                request,
                f"The exemption has ended. {disclosure.person.full_name} can now see this "
                "disclosure in the list of who has seen their record.",
            )
            return redirect("sharing:exemptions")
    disclosure = exemption_for(actor, disclosure_id)
    return render_page(
        request,
        "sharing/privacy/exemption.jinja",
        {"disclosure": disclosure, "form": form},
        page_title=f"Review an exemption: {disclosure.person.full_name}",
    )


urlpatterns: list[URLPattern] = [
    path("emergency-access/", emergency_access, name="emergency-access"),
    path("emergency-access/start/", start_emergency_access, name="emergency-access-start"),
    path("emergency-access/mine/", my_emergency_access_list, name="my-emergency-access"),
    path(
        "emergency-access/<uuid:access_id>/end/",
        end_emergency_access,
        name="end-emergency-access",
    ),
    path("privacy-alerts/", privacy_alerts, name="privacy-alerts"),
    path("privacy-alerts/reviewed/", reviewed_alerts, name="privacy-alerts-reviewed"),
    path("privacy-alerts/<uuid:alert_id>/", privacy_alert, name="privacy-alert"),
    path("exemptions/", exemptions, name="exemptions"),
    path("exemptions/<uuid:disclosure_id>/", exemption, name="exemption"),
]
