"""Handover, cover and transfer-of-care pages, under /handovers/.

Reads go through handovers.selectors (and referrals.transfers.transfer_for); changes through
handovers.services and referrals.transfers, which check who may act and audit."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from joinedup.accounts.models import RoleProfile
from joinedup.core.context import actor_for, needs_actor, render_page
from joinedup.core.errors import DomainRuleBroken, NotFound
from joinedup.core.routes import Access, Audit, route
from joinedup.directory.models import Team
from joinedup.handovers.forms import (
    MY_TEAM,
    AcknowledgeForm,
    CoverForm,
    HandOverForm,
    TransferForm,
)
from joinedup.handovers.selectors import (
    caseload_for_handover,
    colleague,
    colleagues_named,
    cover_arrangement_for,
    cover_for,
    handover_for,
    handover_to_change_for,
    handovers_waiting_for,
    people_chosen_from_caseload,
    people_i_may_arrange_cover_for,
    services_for_transfer,
)
from joinedup.handovers.services import (
    acknowledge_handover,
    arrange_cover,
    cancel_cover,
    hand_over,
    is_receiver,
)
from joinedup.people.models import Person
from joinedup.people.selectors import OpenedForChange, open_for_change
from joinedup.people.views import add_rule_error, answers_person_errors, not_allowed
from joinedup.referrals.models import ReferralStatus
from joinedup.referrals.selectors import is_receiver as is_referral_receiver
from joinedup.referrals.services import ItemChoice
from joinedup.referrals.transfers import (
    ACKNOWLEDGEABLE,
    acknowledge_transfer,
    start_transfer,
    transfer_for,
    transfer_to_change_for,
)
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import Action, decide


def _name(profile: RoleProfile) -> str:
    return profile.practitioner.display_name


@route(access=Access.STAFF, audit=Audit.READ)
@needs_actor
def my_handovers(request: HttpRequest) -> HttpResponse:
    waiting = handovers_waiting_for(actor_for(request))
    return render_page(
        request,
        "handovers/list.jinja",
        {"given": waiting.given, "received": waiting.received},
        page_title="My handovers",
    )


def _receiver_from(actor: Actor, chosen: str) -> tuple[RoleProfile | None, Team | None]:
    profile = actor.role_profile
    if chosen == MY_TEAM and profile is not None and profile.team is not None:
        return None, profile.team
    return colleague(actor, chosen), None


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def hand_over_page(request: HttpRequest) -> HttpResponse:
    """Hand over people from my caseload, or one person (?person=<id>, from their record).
    "Search" finds colleagues and keeps everything typed; "Hand over" asks the service."""
    actor = actor_for(request)
    person_id = request.GET.get("person", "")
    opened = open_for_change(actor, person_id) if person_id else None
    caseload = None if opened else caseload_for_handover(actor)
    choices = (
        None
        if caseload is None
        else [
            (str(m.person_id), f"{m.person.full_name} ({m.get_role_display()})") for m in caseload
        ]
    )
    searching = request.method != "POST" or request.POST.get("action") == "search"
    if searching:
        typed = request.POST if request.method == "POST" else request.GET
        form = HandOverForm(initial=typed.dict(), caseload=choices)
        if request.method == "POST":
            form.initial["people"] = typed.getlist("people")
        return _hand_over_page(request, actor, form, opened, typed.get("query", ""))
    form = HandOverForm(request.POST, caseload=choices)
    if form.is_valid():
        data = form.cleaned_data
        people: list[Person] = (
            [opened.person]
            if opened
            else [m.person for m in people_chosen_from_caseload(actor, data["people"])]
        )
        try:
            to_role, to_team = _receiver_from(actor, data["to_role"])
            handover = hand_over(
                actor=actor,
                people=people,
                sbar=form.sbar(),
                to_role=to_role,
                to_team=to_team,
                reason=data["reason"],
            )
        except NotFound:
            form.add_error("to_role", "That colleague is no longer in the directory")
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        else:
            messages.success(request, "Handed over. It stays on your list until acknowledged.")
            return redirect("handovers:handover", handover_id=handover.pk)
    return _hand_over_page(request, actor, form, opened, request.POST.get("query", ""))


def _hand_over_page(
    request: HttpRequest,
    actor: Actor,
    form: HandOverForm,
    opened: OpenedForChange | None,
    query: str,
) -> HttpResponse:
    candidates = colleagues_named(actor, query)
    chosen = str(form["to_role"].value() or "")
    if chosen and chosen != MY_TEAM and chosen not in {str(c.pk) for c in candidates}:
        try:
            candidates.insert(0, colleague(actor, chosen))
        except NotFound:
            chosen = ""
    return render_page(
        request,
        "handovers/hand_over.jinja",
        {
            "form": form,
            "person": opened.shown() if opened else None,
            "candidates": candidates,
            "chosen": chosen,
            "searched": bool(query.strip()),
            "team": actor.role_profile.team if actor.role_profile else None,
        },
        page_title="Hand over",
    )


@route(access=Access.STAFF, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def handover(request: HttpRequest, handover_id: uuid.UUID) -> HttpResponse:
    """The handover, with the read-back form for the receiver while it is waiting."""
    actor = actor_for(request)
    form = AcknowledgeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        # The acknowledgement is the access's one audit event; a page shown again is a read.
        to_change = handover_to_change_for(actor, handover_id)
        if not is_receiver(actor, to_change):
            return not_allowed(request, "Only the person it was handed to can acknowledge it.")
        if form.is_valid():
            try:
                acknowledge_handover(
                    actor=actor, handover=to_change, read_back=form.cleaned_data["read_back"]
                )
            except DomainRuleBroken as error:
                add_rule_error(form, error)
            else:
                messages.success(request, "Handover acknowledged.")
                return redirect("handovers:handover", handover_id=to_change.pk)
    found = handover_for(actor, handover_id)
    receiver = is_receiver(actor, found)
    return render_page(
        request,
        "handovers/handover.jinja",
        {"handover": found, "form": form, "may_acknowledge": receiver and found.waiting},
        page_title="Handover",
    )


# --- Cover ----------------------------------------------------------------------------------


@route(access=Access.STAFF, audit=Audit.WRITE)
@needs_actor
def cover(request: HttpRequest) -> HttpResponse:
    """My cover arrangements, and the form to arrange cover (for me, or as a manager)."""
    actor = actor_for(request)
    absent_options = people_i_may_arrange_cover_for(actor)
    choices = [
        (str(p.pk), "Me" if p == actor.role_profile else f"{_name(p)}, {p.get_job_role_display()}")
        for p in absent_options
    ]
    searching = request.method != "POST" or request.POST.get("action") == "search"
    if searching:
        typed = request.POST.dict() if request.method == "POST" else {}
        typed.setdefault("absent", choices[0][0] if choices else "")
        form = CoverForm(initial=typed, absent_choices=choices)
        return _cover_page(request, actor, form, typed.get("query", ""))
    form = CoverForm(request.POST, absent_choices=choices)
    if form.is_valid():
        data = form.cleaned_data
        absent = next(p for p in absent_options if str(p.pk) == data["absent"])
        try:
            arrange_cover(
                actor=actor,
                absent=absent,
                covering=colleague(actor, data["covering"]),
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                reason=data["reason"],
            )
        except NotFound:
            form.add_error("covering", "That colleague is no longer in the directory")
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        else:
            messages.success(request, "Cover arranged.")
            return redirect("handovers:cover")
    return _cover_page(request, actor, form, request.POST.get("query", ""))


def _cover_page(request: HttpRequest, actor: Actor, form: CoverForm, query: str) -> HttpResponse:
    candidates = colleagues_named(actor, query)
    chosen = str(form["covering"].value() or "")
    if chosen and chosen not in {str(c.pk) for c in candidates}:
        try:
            candidates.insert(0, colleague(actor, chosen))
        except NotFound:
            chosen = ""
    return render_page(
        request,
        "handovers/cover.jinja",
        {
            "form": form,
            "mine": cover_for(actor),
            "candidates": candidates,
            "chosen": chosen,
            "searched": bool(query.strip()),
        },
        page_title="Cover while someone is away",
    )


@route(access=Access.STAFF, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def cancel_cover_page(request: HttpRequest, cover_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    arrangement = cover_arrangement_for(actor, cover_id)
    if request.method == "POST":
        try:
            cancel_cover(actor=actor, cover=arrangement)
        except DomainRuleBroken as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Cover cancelled.")
        return redirect("handovers:cover")
    return render_page(
        request,
        "handovers/cancel_cover.jinja",
        {"cover": arrangement},
        page_title="Cancel cover",
    )


# --- Transfers of care ----------------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def start_transfer_page(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """The sender's side (a discharge coordinator, say): the discharge summary and where to."""
    actor = actor_for(request)
    opened = open_for_change(actor, person_id)
    person = opened.person
    decision = decide(actor, Action.MAKE_REFERRAL, person)
    if not decision.allowed:
        return not_allowed(request, decision.reason, opened.shown())
    services = services_for_transfer(actor)
    choices = [(str(s.pk), f"{s.name}, {s.organisation.name}") for s in services]
    form = TransferForm(request.POST if request.method == "POST" else None, services=choices)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        service = next(s for s in services if str(s.pk) == data["service"])
        try:
            referral = start_transfer(
                actor=actor,
                person=person,
                service=service,
                reason=data["reason"],
                sections=form.sections(),
                items=[ItemChoice(kind) for kind in data["items"]],
            )
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        else:
            messages.success(request, f"Transfer of care sent to {service.name}.")
            return redirect("handovers:transfer", referral_id=referral.pk)
    return render_page(
        request,
        "handovers/start_transfer.jinja",
        {"person": opened.shown(), "form": form},
        page_title=f"Transfer {person.full_name}'s care",
    )


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def transfer(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    """The transfer document for either side; the receiver acknowledges it with a read-back
    once accepted, which makes their practitioner the lead professional."""
    actor = actor_for(request)
    form = AcknowledgeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        # The acknowledgement is the access's one audit event; a page shown again is a read.
        to_change = transfer_to_change_for(actor, referral_id)
        if not is_referral_receiver(actor, to_change):
            return not_allowed(request, "Only the service the transfer was sent to can do this.")
        if form.is_valid():
            try:
                acknowledge_transfer(
                    actor=actor, referral=to_change, read_back=form.cleaned_data["read_back"]
                )
            except DomainRuleBroken as error:
                add_rule_error(form, error)
            else:
                messages.success(
                    request,
                    "Transfer acknowledged. Your practitioner is now the lead professional.",
                )
                return redirect("handovers:transfer", referral_id=to_change.pk)
    referral, document = transfer_for(actor, referral_id)
    receiver = is_referral_receiver(actor, referral)
    return render_page(
        request,
        "handovers/transfer.jinja",
        {
            "referral": referral,
            "document": document,
            "form": form,
            "receiver": receiver,
            "may_acknowledge": receiver
            and document.acknowledged_at is None
            and referral.status in ACKNOWLEDGEABLE,
            "waiting_to_accept": receiver and referral.status == ReferralStatus.REQUESTED,
        },
        page_title="Transfer of care",
    )
