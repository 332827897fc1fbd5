"""A person's sharing page, under people/<person_id>/sharing/: why the reader can see the
record, the lawful basis for sharing for direct care, the person's consents and objections,
disclosures made without consent, and which kinds of information reach the reader's
organisation from each organisation holding the record, and why.

Reads go through sharing.selectors.sharing_overview_for (one audited read) and
people.selectors; changes through sharing.services, which check the access policy and audit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path

from joinedup.core.context import actor_for, needs_actor, render_page
from joinedup.core.errors import DomainRuleBroken
from joinedup.core.routes import Access, Audit, route
from joinedup.directory.selectors import search_organisations
from joinedup.people.models import Person
from joinedup.people.selectors import open_for_change
from joinedup.people.views import add_rule_error, answers_person_errors, not_allowed, refusal_for
from joinedup.sharing.actors import Actor
from joinedup.sharing.forms.person import (
    RecordChoiceForm,
    RecordDisclosureForm,
    WithdrawChoiceForm,
    information_categories,
)
from joinedup.sharing.models import (
    AgreementStatus,
    CommonLawBasis,
    GdprArticle6,
    GdprArticle9,
    Purpose,
)
from joinedup.sharing.policy import Action, decide
from joinedup.sharing.selectors import (
    SharingOverview,
    agreements_for,
    choice_of,
    sharing_overview_for,
)
from joinedup.sharing.services import (
    describe_choice,
    record_choice,
    record_disclosure,
    record_holding_organisations,
    withdraw_choice,
)

# --- the sharing page ------------------------------------------------------------------------


@dataclass(frozen=True)
class LawfulBasis:
    """The lawful basis for sharing for direct care, as one or more agreements state it."""

    article_6: str
    article_9: str
    common_law: str
    agreements: list[str]


# What joinedup rests on for direct care when no agreement in force says otherwise.
USUAL_BASIS = LawfulBasis(
    article_6=GdprArticle6.PUBLIC_TASK.label,
    article_9=GdprArticle9.HEALTH_OR_SOCIAL_CARE.label,
    common_law=CommonLawBasis.IMPLIED_CONSENT.label,
    agreements=[],
)


def lawful_bases_for_direct_care(actor: Actor) -> list[LawfulBasis]:
    """The bases stated by the direct-care agreements in force that the reader's organisation
    is party to, one per distinct combination; the usual basis when there are none."""
    bases: dict[tuple[str, str, str], list[str]] = {}
    for agreement in agreements_for(actor):
        in_force = agreement.effective_status() == AgreementStatus.ACTIVE
        if in_force and agreement.purpose == Purpose.DIRECT_CARE:
            key = (
                agreement.get_gdpr_article_6_display(),
                agreement.get_gdpr_article_9_display(),
                agreement.get_common_law_basis_display(),
            )
            bases.setdefault(key, []).append(agreement.title)
    return [
        LawfulBasis(article_6=a6, article_9=a9, common_law=law, agreements=sorted(titles))
        for (a6, a9, law), titles in bases.items()
    ] or [USUAL_BASIS]


def _withdraw_forms(overview: SharingOverview) -> dict[uuid.UUID, WithdrawChoiceForm]:
    # One small form per choice in force; ids differ so each label points at its own box.
    return {
        choice.pk: WithdrawChoiceForm(auto_id=f"withdraw-{choice.pk}-%s")
        for choice in overview.choices
        if choice.in_force
    }


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@needs_actor
@answers_person_errors
def sharing(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    overview = sharing_overview_for(actor, person_id)
    person = overview.person
    may_record_choice = decide(actor, Action.RECORD_CHOICE, person).allowed
    assert actor.role_profile is not None  # noqa: S101 - the overview needs one
    return render_page(
        request,
        "sharing/person/sharing.jinja",
        {
            "person": person,
            "overview": overview,
            "my_organisation": actor.role_profile.organisation,
            "lawful_bases": lawful_bases_for_direct_care(actor),
            "choices": [(choice, describe_choice(choice)) for choice in overview.choices],
            "withdraw_forms": _withdraw_forms(overview) if may_record_choice else {},
            "may_record_choice": may_record_choice,
            "may_record_disclosure": decide(actor, Action.RECORD_DISCLOSURE, person).allowed,
        },
        page_title=f"Sharing: {person.full_name}",
    )


# --- consents and objections -----------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def record_choice_page(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    opened = open_for_change(actor, person_id)
    person = opened.person
    refusal = refusal_for(actor, Action.RECORD_CHOICE, person)
    if refusal:
        return not_allowed(request, refusal, opened.shown())
    form = RecordChoiceForm(
        request.POST if request.method == "POST" else None,
        categories=information_categories(),
        organisations=record_holding_organisations(person),
    )
    if form.is_bound and form.is_valid():
        try:
            choice = record_choice(actor=actor, person=person, **form.service_arguments())
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        else:
            messages.success(
                request,
                f"{person.known_as}'s {describe_choice(choice)} has been recorded. "
                "It applies from now on.",
            )
            return redirect("people:sharing", person_id=person.pk)
    return render_page(
        request,
        "sharing/person/record_choice.jinja",
        {"person": opened.shown(), "form": form},
        page_title=f"Record a consent or objection: {person.full_name}",
    )


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def withdraw_choice_page(
    request: HttpRequest, person_id: uuid.UUID, choice_id: uuid.UUID
) -> HttpResponse:
    """The withdraw form is on the sharing page, beside each choice in force; this page shows
    it again on its own when something needs putting right."""
    actor = actor_for(request)
    opened = open_for_change(actor, person_id)
    person = opened.person
    choice = choice_of(person, choice_id)
    refusal = refusal_for(actor, Action.RECORD_CHOICE, person)
    if refusal:
        return not_allowed(request, refusal, opened.shown())
    form = WithdrawChoiceForm(request.POST if request.method == "POST" else None)
    if choice.in_force and form.is_bound and form.is_valid():
        try:
            withdraw_choice(actor=actor, choice=choice, reason=form.cleaned_data["reason"])
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        else:
            messages.success(
                request,
                f"{person.known_as}'s {describe_choice(choice)} has been withdrawn. "
                "It no longer applies.",
            )
            return redirect("people:sharing", person_id=person.pk)
    return render_page(
        request,
        "sharing/person/withdraw_choice.jinja",
        {
            "person": opened.shown(),
            "choice": choice,
            "described": describe_choice(choice),
            "form": form,
        },
        page_title=f"Withdraw a {choice.get_kind_display().lower()}: {person.full_name}",
    )


# --- disclosures without consent -------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@needs_actor
@answers_person_errors
def record_disclosure_page(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    opened = open_for_change(actor, person_id)
    person = opened.person
    refusal = refusal_for(actor, Action.RECORD_DISCLOSURE, person)
    if refusal:
        return not_allowed(request, refusal, opened.shown())
    form = RecordDisclosureForm(
        request.POST if request.method == "POST" else None,
        categories=information_categories(),
        organisations=list(search_organisations()),
    )
    if form.is_bound and form.is_valid():
        try:
            record_disclosure(actor=actor, person=person, **form.service_arguments())
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        else:
            messages.success(request, "The disclosure without consent has been recorded.")
            return redirect("people:sharing", person_id=person.pk)
    return _disclosure_page(request, opened.shown(), form)


def _disclosure_page(
    request: HttpRequest, person: Person, form: RecordDisclosureForm
) -> HttpResponse:
    return render_page(
        request,
        "sharing/person/record_disclosure.jinja",
        {"person": person, "form": form},
        page_title=f"Record a disclosure without consent: {person.full_name}",
    )


urlpatterns: list[URLPattern] = [
    path("", sharing, name="sharing"),
    path("choices/new/", record_choice_page, name="choice-record"),
    path("choices/<uuid:choice_id>/withdraw/", withdraw_choice_page, name="choice-withdraw"),
    path("disclosures/new/", record_disclosure_page, name="disclosure-record"),
]
