"""Referral pages: the referrals sent to my organisation and from it, and one referral with
what was sent and its history. Reads go through referrals.selectors; changes through
referrals.services."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse

from joinedup.core.context import actor_for, needs_actor, render_page
from joinedup.core.routes import Access, Audit, route
from joinedup.people.views import answers_person_errors
from joinedup.referrals.selectors import (
    is_receiver,
    referral_for,
    referrals_received,
    referrals_sent,
)


@route(access=Access.STAFF, audit=Audit.READ)
@needs_actor
def incoming(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    return render_page(
        request,
        "referrals/list.jinja",
        {"referrals": list(referrals_received(actor)[:200]), "side": "received"},
        page_title="Referrals to your organisation",
    )


@route(access=Access.STAFF, audit=Audit.READ)
@needs_actor
def outgoing(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    return render_page(
        request,
        "referrals/list.jinja",
        {"referrals": list(referrals_sent(actor)[:200]), "side": "sent"},
        page_title="Referrals your organisation made",
    )


@route(access=Access.STAFF, audit=Audit.READ)
@needs_actor
@answers_person_errors
def referral(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    found = referral_for(actor, referral_id)
    return render_page(
        request,
        "referrals/referral.jinja",
        {"referral": found, "receiving": is_receiver(actor, found)},
        page_title=f"{found.get_kind_display()} to {found.service.name}",
    )
