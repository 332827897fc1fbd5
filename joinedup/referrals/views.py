"""Referral pages: finding a service and referring a person to it, checking and sending what
goes with the referral, one referral with what was sent, its history and what each side may do
next, and the referrals sent to my organisation and from it.

Reads go through referrals.selectors (which ask the access policy and audit); changes through
referrals.services. Every change carries the referral's version, so a change someone else made
in the meantime is shown rather than overwritten."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect

from joinedup.core.context import actor_for, needs_actor, render_page
from joinedup.core.errors import DomainRuleBroken, EditConflict, NotFound
from joinedup.core.routes import Access, Audit, route
from joinedup.people.views import add_rule_error, answers_person_errors, not_allowed, refusal_for
from joinedup.referrals.forms import (
    AcceptForm,
    CancelForm,
    CompleteForm,
    FindServiceForm,
    ReasonForm,
    ReferralFilterForm,
    ReferralForm,
    RejectForm,
    SendForm,
    StartForm,
    VersionedForm,
)
from joinedup.referrals.models import Referral, ReferralStatus, Urgency
from joinedup.referrals.selectors import (
    ReferralSources,
    is_receiver,
    overriding_disclosure_for,
    postcode_district,
    practitioners_at,
    referral_for,
    referral_for_change,
    referral_list_for,
    referral_sources_for,
    service_to_refer_to,
    services_to_refer_to,
)
from joinedup.referrals.services import (
    RECEIVER_MOVES,
    REQUESTER_MOVES,
    cancel_referral,
    draft_referral,
    leave_out_of_referral,
    respond_to_referral,
    send_referral,
    sharing_problems,
)
from joinedup.sharing.actors import Actor
from joinedup.sharing.policy import Action

S = ReferralStatus
LIST_LIMIT = 200
SERVICE_RESULTS = 50


# -- the lists ---------------------------------------------------------------------------------


def _list_page(request: HttpRequest, side: str, title: str) -> HttpResponse:
    actor = actor_for(request)
    form = ReferralFilterForm(request.GET if request.GET else None)
    status, overdue = "", False
    if form.is_bound and form.is_valid():
        status, overdue = form.cleaned_data["status"], form.cleaned_data["overdue"]
    referrals = list(
        referral_list_for(actor, side=side, status=status, overdue_only=overdue)[:LIST_LIMIT]
    )
    return render_page(
        request,
        "referrals/list.jinja",
        {"referrals": referrals, "side": side, "form": form, "filtered": bool(status or overdue)},
        page_title=title,
    )


@route(access=Access.STAFF, audit=Audit.READ)
@needs_actor
def incoming(request: HttpRequest) -> HttpResponse:
    return _list_page(request, "received", "Referrals to your organisation")


@route(access=Access.STAFF, audit=Audit.READ)
@needs_actor
def outgoing(request: HttpRequest) -> HttpResponse:
    return _list_page(request, "sent", "Referrals your organisation made")


# -- referring a person: find a service, then say why and choose what to send ----------------


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def new(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """GET: search the directory for a service, or (with ?service=) the referral form for it.
    POST: save the referral as a draft and go on to check it before sending."""
    actor = actor_for(request)
    sources = referral_sources_for(actor, person_id)
    refusal = refusal_for(actor, Action.MAKE_REFERRAL, sources.person)
    if refusal:
        return not_allowed(request, refusal, sources.shown())
    if request.method == "POST":
        service = service_to_refer_to(request.POST.get("service"))
        form = _referral_form(sources, service.organisation_id, request.POST)
        if form.is_valid():
            try:
                referral = draft_referral(
                    actor=actor,
                    person=sources.person,
                    service=service,
                    reason=form.cleaned_data["reason"],
                    urgency=form.cleaned_data["urgency"],
                    what_matters=form.cleaned_data["what_matters"],
                    questions=form.cleaned_data["questions"],
                    items=form.item_choices(),
                    recipient=form.chosen_recipient(),
                )
            except DomainRuleBroken as error:
                add_rule_error(form, error)
            else:
                messages.success(request, "Referral saved as a draft. Check it, then send it.")
                return redirect("referrals:check", referral_id=referral.pk)
        return _referral_form_page(request, sources, service, form)
    if request.GET.get("service"):
        service = service_to_refer_to(request.GET["service"])
        about = sources.about_me
        form = _referral_form(
            sources,
            service.organisation_id,
            initial={
                "urgency": Urgency.ROUTINE,
                "what_matters": about.what_matters_most if about else "",
            },
        )
        return _referral_form_page(request, sources, service, form)
    return _find_service_page(request, sources)


def _referral_form(
    sources: ReferralSources, organisation_id: object, data: QueryDict | None = None, **kwargs: Any
) -> ReferralForm:
    return ReferralForm(
        data,
        entries=sources.entries,
        about_me=sources.about_me,
        recipients=practitioners_at(organisation_id),
        **kwargs,
    )


def _find_service_page(request: HttpRequest, sources: ReferralSources) -> HttpResponse:
    person = sources.shown()
    searched = bool(request.GET)
    form = FindServiceForm(
        request.GET if searched else {"area": postcode_district(person), "need": "", "name": ""}
    )
    services = []
    if form.is_valid():
        services = list(services_to_refer_to(**form.cleaned_data)[:SERVICE_RESULTS])
    return render_page(
        request,
        "referrals/find_service.jinja",
        {"person": person, "form": form, "services": services},
        page_title=f"Refer {person.full_name}: find a service",
    )


def _referral_form_page(
    request: HttpRequest, sources: ReferralSources, service: Any, form: ReferralForm
) -> HttpResponse:
    person = sources.shown()
    return render_page(
        request,
        "referrals/new.jinja",
        {"person": person, "service": service, "form": form},
        page_title=f"Refer {person.full_name} to {service.name}",
    )


# -- check and send ----------------------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def check(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    """What will be sent, exactly, and anything stopping it; then send it or leave items out."""
    actor = actor_for(request)
    if request.method != "POST":
        found = referral_for(actor, referral_id)
        if found.status != S.DRAFT or not _on_requester_side(actor, found):
            return redirect("referrals:referral", referral_id=found.pk)
        return _check_page(request, found, _send_form(found, initial={"version": found.version}))
    changing = referral_for_change(actor, referral_id)
    form = _send_form(changing, request.POST)
    if form.is_valid():
        version = form.cleaned_data["version"]
        try:
            if request.POST.get("action") == "leave_out":
                leave_out_of_referral(
                    actor=actor,
                    referral=changing,
                    item_ids=form.items_to_leave_out(),
                    expected_version=version,
                )
                messages.success(request, "The items you chose will not be sent.")
                return redirect("referrals:check", referral_id=changing.pk)
            sent = send_referral(
                actor=actor,
                referral=changing,
                expected_version=version,
                overriding_disclosure=overriding_disclosure_for(changing),
            )
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        except EditConflict:
            return _conflict(request, referral_id, _send_form, _check_page)
        else:
            messages.success(request, f"Referral sent to {sent.service.name}.")
            return redirect("referrals:referral", referral_id=sent.pk)
    return _check_page(request, referral_for(actor, referral_id), form)


def _send_form(referral: Referral, data: QueryDict | None = None, **kwargs: Any) -> SendForm:
    choices = [(str(item.pk), item.label) for item in referral.items.all()]
    return SendForm(data, item_choices=choices, **kwargs)


def _check_page(
    request: HttpRequest, referral: Referral, form: Any, *, conflict: bool = False
) -> HttpResponse:
    problems = sharing_problems(referral) if referral.status == S.DRAFT else []
    problem_words = " ".join(problems).lower()
    blocked = {
        item.pk for item in referral.items.all() if item.category.name.lower() in problem_words
    }
    return render_page(
        request,
        "referrals/check.jinja",
        {
            "referral": referral,
            "form": form,
            "problems": problems,
            "blocked": blocked,
            "disclosure": overriding_disclosure_for(referral) if problems else None,
            "conflict": conflict,
        },
        page_title=f"Check and send: referral of {referral.person.full_name}",
        status=409 if conflict else 200,
    )


# -- one referral, and what each side may do to it ---------------------------------------------


@dataclass(frozen=True)
class Move:
    """Something one side may do to a referral: its button, its form and the service call."""

    slug: str
    status: str
    side: str  # "requester" or "receiver"
    button: str
    heading: str
    form: type[VersionedForm]
    warning: bool = False


MOVES: dict[str, Move] = {
    move.slug: move
    for move in (
        Move("accept", S.ACCEPTED, "receiver", "Accept", "Accept this referral", AcceptForm),
        Move(
            "reject",
            S.REJECTED,
            "receiver",
            "Do not accept",
            "Do not accept it",
            RejectForm,
            warning=True,
        ),
        Move("start", S.IN_PROGRESS, "receiver", "Start work", "Start work on it", StartForm),
        Move("hold", S.ON_HOLD, "receiver", "Put on hold", "Put it on hold", ReasonForm),
        Move("complete", S.COMPLETED, "receiver", "Complete", "Complete it", CompleteForm),
        Move(
            "fail",
            S.FAILED,
            "receiver",
            "It could not be done",
            "Say it could not be done",
            ReasonForm,
            warning=True,
        ),
        Move(
            "cancel",
            S.CANCELLED,
            "requester",
            "Cancel this referral",
            "Cancel this referral",
            CancelForm,
            warning=True,
        ),
    )
}


def _on_requester_side(actor: Actor, referral: Referral) -> bool:
    return actor.organisation_id == referral.requester_organisation_id


def _sides(actor: Actor, referral: Referral) -> set[str]:
    sides = set()
    if _on_requester_side(actor, referral):
        sides.add("requester")
    if is_receiver(actor, referral):
        sides.add("receiver")
    return sides


def moves_for(actor: Actor, referral: Referral) -> list[Move]:
    """What this actor's side may do next. The services check again on every change."""
    sides = _sides(actor, referral)
    allowed = []
    for move in MOVES.values():
        moves = REQUESTER_MOVES if move.side == "requester" else RECEIVER_MOVES
        if move.side in sides and referral.status in moves[move.status]:
            allowed.append(move)
    return allowed


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@needs_actor
@answers_person_errors
def referral(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    found = referral_for(actor, referral_id)
    return render_page(
        request,
        "referrals/referral.jinja",
        {
            "referral": found,
            "receiving": is_receiver(actor, found),
            "requesting": _on_requester_side(actor, found),
            "moves": moves_for(actor, found),
        },
        page_title=f"{found.get_kind_display()} of {found.person.full_name}",
    )


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def move(request: HttpRequest, referral_id: uuid.UUID, action: str) -> HttpResponse:
    """One step of the workflow: GET shows its form, POST asks the service to take it."""
    chosen = MOVES.get(action)
    if chosen is None:
        raise NotFound
    actor = actor_for(request)
    if request.method != "POST":
        found = referral_for(actor, referral_id)
        if chosen not in moves_for(actor, found):
            return not_allowed(request, _why_not(actor, found, chosen))
        form = _move_form(chosen, actor, found, initial={"version": found.version})
        return _move_page(request, found, chosen, form)
    changing = referral_for_change(actor, referral_id)
    form = _move_form(chosen, actor, changing, request.POST)
    if form.is_valid():
        try:
            _take(chosen, actor, changing, form)
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        except EditConflict:
            return _conflict(
                request,
                referral_id,
                lambda current, typed: _move_form(chosen, actor, current, typed),
                _page_for(chosen),
            )
        else:
            messages.success(request, _done_words(chosen))
            return redirect("referrals:referral", referral_id=changing.pk)
    elif chosen.side not in _sides(actor, changing):
        # The other side's form cannot even be filled in (no one here to assign, say); a valid
        # one goes to the service, which refuses it in the same words.
        return not_allowed(request, _why_not(actor, changing, chosen))
    return _move_page(request, referral_for(actor, referral_id), chosen, form)


def _why_not(actor: Actor, referral: Referral, chosen: Move) -> str:
    if chosen.side == "requester" and not _on_requester_side(actor, referral):
        return "Only the referrer's side can cancel a referral."
    if chosen.side == "receiver" and not is_receiver(actor, referral):
        return "Only the service the referral was sent to can do this."
    return f"A referral that is {referral.get_status_display().lower()} cannot be changed this way."


def _move_form(
    chosen: Move, actor: Actor, referral: Referral, data: QueryDict | None = None, **kwargs: Any
) -> VersionedForm:
    if chosen.form is AcceptForm:
        practitioners = practitioners_at(referral.receiving_organisation_id)
        mine = actor.role_profile
        if mine is not None and "initial" in kwargs:
            kwargs["initial"]["assigned_to"] = str(mine.pk)
        return AcceptForm(data, practitioners=practitioners, **kwargs)
    if chosen.form is RejectForm:
        services = [s for s in services_to_refer_to() if s.pk != referral.service_id]
        return RejectForm(data, services=services, **kwargs)
    return chosen.form(data, **kwargs)


def _take(chosen: Move, actor: Actor, referral: Referral, form: VersionedForm) -> None:
    data = form.cleaned_data
    version = data["version"]
    if chosen.slug == "cancel":
        cancel_referral(
            actor=actor, referral=referral, reason=data["reason"], expected_version=version
        )
        return
    extra: dict[str, Any] = {}
    if isinstance(form, AcceptForm):
        extra["assigned_to"] = form.assignee()
    elif isinstance(form, RejectForm):
        extra = {
            "reason_code": data["reason_code"],
            "reason": data["reason"],
            "suggested_service": form.suggestion(),
        }
    elif isinstance(form, CompleteForm):
        extra["outcome_summary"] = data["outcome_summary"]
    elif isinstance(form, ReasonForm):
        extra["reason"] = data["reason"]
    respond_to_referral(
        actor=actor,
        referral=referral,
        status=chosen.status,
        expected_version=version,
        **extra,
    )


def _done_words(chosen: Move) -> str:
    return {
        "accept": "Referral accepted. They have joined the person's care team.",
        "reject": "The referrer has been told you cannot accept it.",
        "start": "Work has started.",
        "hold": "The referral is on hold. The referrer has been told why.",
        "complete": "Referral completed. The outcome has gone to the referrer.",
        "fail": "The referrer has been told it could not be done.",
        "cancel": "Referral cancelled.",
    }[chosen.slug]


PageMaker = Callable[..., HttpResponse]


def _page_for(chosen: Move) -> PageMaker:
    def page(
        request: HttpRequest, found: Referral, form: Any, *, conflict: bool = False
    ) -> HttpResponse:
        return _move_page(request, found, chosen, form, conflict=conflict)

    return page


def _move_page(
    request: HttpRequest,
    referral: Referral,
    chosen: Move,
    form: Any,
    *,
    conflict: bool = False,
) -> HttpResponse:
    return render_page(
        request,
        "referrals/move.jinja",
        {"referral": referral, "move": chosen, "form": form, "conflict": conflict},
        page_title=f"{chosen.heading}: {referral.person.full_name}",
        status=409 if conflict else 200,
    )


def _conflict(
    request: HttpRequest,
    referral_id: uuid.UUID,
    make_form: Callable[[Referral, QueryDict], Any],
    page: PageMaker,
) -> HttpResponse:
    """Someone changed the referral after this page was opened: show it as it is now, with
    what was typed kept in the form, now pointing at the current version."""
    current = referral_for(actor_for(request), referral_id)
    typed = request.POST.copy()
    typed["version"] = str(current.version)
    kept = make_form(current, typed)
    kept.is_valid()  # shows what was typed, checked against the referral as it is now
    return page(request, current, kept, conflict=True)
