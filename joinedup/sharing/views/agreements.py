"""An organisation's sharing agreements, for its information-governance lead: the list, one
agreement with its terms, parties and history, and the pages that draft, change, sign,
suspend, resume, review and end one.

Any staff member may read the agreements their organisation is party to; only its privacy
officer acts on them (sharing.policy.may_govern_information). Reads go through
sharing.selectors and touch no person data, so are not audited; changes go through
sharing.services, which check who may act and audit each change. An agreement the actor's
organisation is not party to does not exist for them: the same 404 as a missing one."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils import timezone

from joinedup.core.context import actor_for, needs_actor, render_page
from joinedup.core.errors import DomainRuleBroken, EditConflict, NotAllowed, NotFound
from joinedup.core.jinja import format_date
from joinedup.core.routes import Access, Audit, route
from joinedup.directory.models import Organisation, OrganisationType
from joinedup.directory.selectors import search_organisations
from joinedup.people.views import add_rule_error
from joinedup.sharing.actors import Actor
from joinedup.sharing.forms.agreements import (
    COMMON_LAW_HINTS,
    PURPOSE_HINTS,
    ChangeDraftForm,
    DraftAgreementForm,
    EndAgreementForm,
    ResumeAgreementForm,
    ReviewAgreementForm,
    SignAgreementForm,
    SuspendAgreementForm,
    category_hints,
    typed_initial,
)
from joinedup.sharing.models import AgreementParty, AgreementStatus, SharingAgreement
from joinedup.sharing.policy import may_govern_information
from joinedup.sharing.selectors import agreement_for, agreements_for
from joinedup.sharing.services import (
    change_draft_agreement,
    draft_agreement,
    end_agreement,
    resume_agreement,
    review_agreement,
    sign_agreement,
    suspend_agreement,
)

View = Callable[..., HttpResponse]

ONLY_PRIVACY_OFFICER = (
    "Only your organisation's privacy officer can draft, sign, suspend, resume, review or end "
    "sharing agreements."
)
NOT_A_DRAFT = (
    "This agreement is no longer a draft, so its terms cannot be changed. Review it to change "
    "the kinds of information shared, or end it and draft a new one."
)
CHANGED_BY_SOMEONE_ELSE = (
    "Someone else changed this draft while you were editing it. The saved version is shown "
    "below your changes. Check both, then save again."
)

# How each effective status is shown, in the order the list shows them.
STATUS_LABELS = {
    AgreementStatus.ACTIVE: "In force",
    AgreementStatus.DRAFT: "Draft",
    AgreementStatus.SUSPENDED: "Suspended",
    AgreementStatus.EXPIRED: "Expired",
}
STATUS_HEADINGS = {
    AgreementStatus.ACTIVE: "In force",
    AgreementStatus.DRAFT: "Drafts and agreements not yet started",
    AgreementStatus.SUSPENDED: "Suspended",
    AgreementStatus.EXPIRED: "Expired or ended",
}


# -- errors ------------------------------------------------------------------------------------


def agreement_not_found(request: HttpRequest) -> HttpResponse:
    """The one page for an agreement that does not exist or that the actor's organisation is
    not party to."""
    return render_page(
        request, "sharing/agreements/not_found.jinja", page_title="Page not found", status=404
    )


def not_allowed(
    request: HttpRequest, reason: str, agreement: SharingAgreement | None = None
) -> HttpResponse:
    return render_page(
        request,
        "sharing/agreements/not_allowed.jinja",
        {"reason": reason, "agreement": agreement},
        page_title="You cannot make this change",
        status=403,
    )


def answers_agreement_errors(view: View) -> View:
    """Turn the selectors' and services' NotFound and NotAllowed into their pages."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            return agreement_not_found(request)
        except NotAllowed as refusal:
            return not_allowed(request, refusal.reason)

    return wrapped


# -- how an agreement is shown -----------------------------------------------------------------


@dataclass(frozen=True)
class AgreementRow:
    """An agreement as the policy sees it today."""

    agreement: SharingAgreement
    status: str
    review_overdue: bool

    @property
    def label(self) -> str:
        if self.waiting_to_start:
            return "Signed, not started"
        return STATUS_LABELS[AgreementStatus(self.status)]

    @property
    def waiting_to_start(self) -> bool:
        """Signed by every party, but its start date is still to come."""
        return self.status == AgreementStatus.DRAFT and (
            self.agreement.status == AgreementStatus.ACTIVE
        )

    @property
    def explanation(self) -> str:
        agreement = self.agreement
        if self.waiting_to_start:
            return f"Every party has signed. Sharing starts on {format_date(agreement.starts_on)}."
        if self.status == AgreementStatus.DRAFT:
            return "Nothing is shared until every party has signed."
        if self.status == AgreementStatus.SUSPENDED:
            return "Nothing is shared under this agreement while it is suspended."
        if self.status == AgreementStatus.EXPIRED and agreement.ends_on:
            return f"Sharing under this agreement stopped on {format_date(agreement.ends_on)}."
        if self.status == AgreementStatus.EXPIRED:
            return "Nothing is shared under this agreement any more."
        return "Items of the kinds it covers cross between its parties."


def row_for(agreement: SharingAgreement, today: date | None = None) -> AgreementRow:
    day = today or timezone.localdate()
    status = agreement.effective_status(day)
    return AgreementRow(
        agreement=agreement,
        status=status,
        review_overdue=status != AgreementStatus.EXPIRED and agreement.review_on < day,
    )


@dataclass(frozen=True)
class ActionLink:
    text: str
    url_name: str


def actions_for(
    actor: Actor, row: AgreementRow, parties: Iterable[AgreementParty]
) -> list[ActionLink]:
    """What the actor's privacy officer may do to the agreement now; nothing for anyone else."""
    if not may_govern_information(actor):
        return []
    agreement = row.agreement
    if agreement.status == AgreementStatus.DRAFT:
        links = [ActionLink("Change the draft", "sharing:agreement-change")]
        own = [party for party in parties if party.organisation_id == actor.organisation_id]
        if own and own[0].signed_at is None:
            name = own[0].organisation.name
            links.insert(0, ActionLink(f"Sign for {name}", "sharing:agreement-sign"))
        return links
    if row.status == AgreementStatus.EXPIRED:
        return []
    pause_or_resume = (
        ActionLink("Resume sharing", "sharing:agreement-resume")
        if agreement.status == AgreementStatus.SUSPENDED
        else ActionLink("Suspend sharing", "sharing:agreement-suspend")
    )
    return [
        ActionLink("Record a review", "sharing:agreement-review"),
        pause_or_resume,
        ActionLink("End the agreement", "sharing:agreement-end"),
    ]


def _organisation(actor: Actor) -> Organisation:
    if actor.role_profile is None:
        raise NotAllowed(ONLY_PRIVACY_OFFICER)
    return actor.role_profile.organisation


# -- reading -----------------------------------------------------------------------------------


@route(access=Access.STAFF, audit=Audit.NONE)
@needs_actor
@answers_agreement_errors
def agreement_list(request: HttpRequest) -> HttpResponse:
    """The agreements the actor's organisation is party to, grouped by their status today."""
    actor = actor_for(request)
    today = timezone.localdate()
    rows = [row_for(agreement, today) for agreement in agreements_for(actor)]
    groups = [
        (status.value, STATUS_HEADINGS[status], [row for row in rows if row.status == status])
        for status in STATUS_HEADINGS
    ]
    return render_page(
        request,
        "sharing/agreements/list.jinja",
        {
            "organisation": _organisation(actor),
            "groups": groups,
            "count": len(rows),
            "overdue": sum(row.review_overdue for row in rows),
            "may_govern": may_govern_information(actor),
        },
        page_title="Sharing agreements",
    )


@route(access=Access.STAFF, audit=Audit.NONE)
@needs_actor
@answers_agreement_errors
def agreement_detail(request: HttpRequest, agreement_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    agreement = agreement_for(actor, agreement_id)
    parties = list(agreement.parties.all())
    row = row_for(agreement)
    return render_page(
        request,
        "sharing/agreements/detail.jinja",
        {
            "agreement": agreement,
            "row": row,
            "parties": parties,
            # Events name the party that acted; parties come with their organisations already.
            "party_names": {party.organisation_id: party.organisation.name for party in parties},
            "events": list(agreement.events.all()),
            "actions": actions_for(actor, row, parties),
            "may_govern": may_govern_information(actor),
        },
        page_title=agreement.title,
    )


# -- drafting and changing a draft -------------------------------------------------------------


def _uuids(values: Iterable[str]) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            continue
    return found


def partner_groups(
    form: DraftAgreementForm, own: Organisation
) -> list[tuple[str, str, list[Organisation]]]:
    """The organisations to choose partners from, by type: those whose name matches the
    filter, and those already chosen (so a choice is never lost by filtering)."""
    find = str(form["find"].value() or "")
    chosen = _uuids(form.chosen_partner_ids())
    shown = {org.pk: org for org in search_organisations(name=find).exclude(pk=own.pk)}
    if chosen:
        extra = search_organisations().filter(pk__in=chosen).exclude(pk=own.pk)
        shown |= {org.pk: org for org in extra}
    ordered = sorted(shown.values(), key=lambda org: (org.name.lower(), str(org.pk)))
    return [
        (value, str(label), [org for org in ordered if org.org_type == value])
        for value, label in OrganisationType.choices
        if any(org.org_type == value for org in ordered)
    ]


def _terms_hints() -> dict[str, Any]:
    return {
        "purpose_hints": {str(key): value for key, value in PURPOSE_HINTS.items()},
        "common_law_hints": {str(key): value for key, value in COMMON_LAW_HINTS.items()},
        "category_hints": category_hints(),
    }


def _draft_page(request: HttpRequest, form: DraftAgreementForm, own: Organisation) -> HttpResponse:
    return render_page(
        request,
        "sharing/agreements/draft.jinja",
        {
            "form": form,
            "organisation": own,
            "groups": partner_groups(form, own),
            "chosen": form.chosen_partner_ids(),
            "filtered": bool(str(form["find"].value() or "").strip()),
        }
        | _terms_hints(),
        page_title="Draft a sharing agreement",
    )


@route(access=Access.STAFF, audit=Audit.WRITE)
@needs_actor
@answers_agreement_errors
def agreement_new(request: HttpRequest) -> HttpResponse:
    """Draft an agreement between the actor's organisation and the partners chosen. "Filter"
    narrows the list of organisations and keeps everything typed; "Save draft" saves it."""
    actor = actor_for(request)
    if not may_govern_information(actor):
        return not_allowed(request, ONLY_PRIVACY_OFFICER)
    own = _organisation(actor)
    if request.method != "POST":
        initial = DraftAgreementForm.initial_for_direct_care()
        return _draft_page(request, DraftAgreementForm(initial=initial, own_organisation=own), own)
    if request.POST.get("action") == "filter":
        typed = typed_initial(DraftAgreementForm, request.POST)
        return _draft_page(request, DraftAgreementForm(initial=typed, own_organisation=own), own)
    form = DraftAgreementForm(request.POST, own_organisation=own)
    if form.is_valid():
        try:
            agreement = draft_agreement(
                actor=actor, terms=form.terms(), partners=form.cleaned_data["partners"]
            )
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        else:
            messages.success(
                request,
                "The draft is saved. Nothing is shared under it until every party has signed.",
            )
            return redirect("sharing:agreement", agreement_id=agreement.pk)
    return _draft_page(request, form, own)


def _change_page(
    request: HttpRequest,
    agreement: SharingAgreement,
    form: ChangeDraftForm,
    *,
    conflict: bool = False,
) -> HttpResponse:
    return render_page(
        request,
        "sharing/agreements/change.jinja",
        {
            "agreement": agreement,
            "row": row_for(agreement),
            "parties": list(agreement.parties.all()),
            "form": form,
            "conflict": conflict,
        }
        | _terms_hints(),
        page_title=f"Change the draft: {agreement.title}",
    )


@route(access=Access.STAFF, audit=Audit.WRITE)
@needs_actor
@answers_agreement_errors
def agreement_change(request: HttpRequest, agreement_id: uuid.UUID) -> HttpResponse:
    """Change a draft's terms. Signatures already given are cleared. If someone else saved the
    draft while this form was open, show their version beside what was typed."""
    actor = actor_for(request)
    agreement = agreement_for(actor, agreement_id)
    if not may_govern_information(actor):
        return not_allowed(request, ONLY_PRIVACY_OFFICER, agreement)
    if request.method != "POST":
        if agreement.status != AgreementStatus.DRAFT:
            return not_allowed(request, NOT_A_DRAFT, agreement)
        initial = ChangeDraftForm.initial_from(agreement) | {"lock_version": agreement.lock_version}
        return _change_page(request, agreement, ChangeDraftForm(initial=initial))
    form = ChangeDraftForm(request.POST)
    if form.is_valid():
        try:
            change_draft_agreement(
                actor=actor,
                agreement=agreement,
                terms=form.terms(),
                lock_version=form.cleaned_data["lock_version"],
            )
        except EditConflict:
            return _change_conflict(request, agreement_for(actor, agreement.pk))
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        else:
            messages.success(
                request,
                "The draft is changed. Any signatures given before are cleared: every party "
                "signs the new terms.",
            )
            return redirect("sharing:agreement", agreement_id=agreement.pk)
    return _change_page(request, agreement, form)


def _change_conflict(request: HttpRequest, saved: SharingAgreement) -> HttpResponse:
    # Keep what was typed (every box too), point the next save at the version now saved, and
    # say what happened.
    data = request.POST.copy()
    data["lock_version"] = str(saved.lock_version)
    form = ChangeDraftForm(data)
    form.is_valid()
    form.add_error(None, CHANGED_BY_SOMEONE_ELSE)
    return _change_page(request, saved, form, conflict=True)


# -- signing, suspending, resuming, reviewing and ending ---------------------------------------


Act = Callable[[Actor, SharingAgreement, dict[str, Any]], SharingAgreement]


@dataclass(frozen=True)
class AgreementAction:
    """One of the privacy officer's actions on an agreement: its form and page, the service
    that does it and what to say when done."""

    form: type[forms.Form]
    template: str
    page_title: str
    act: Act
    done: Callable[[SharingAgreement], str]
    initial: Callable[[SharingAgreement], dict[str, Any]] | None = None


def _act(request: HttpRequest, agreement_id: uuid.UUID, action: AgreementAction) -> HttpResponse:
    actor = actor_for(request)
    agreement = agreement_for(actor, agreement_id)
    if not may_govern_information(actor):
        return not_allowed(request, ONLY_PRIVACY_OFFICER, agreement)
    if request.method == "POST":
        form = action.form(request.POST)
    else:
        form = action.form(initial=action.initial(agreement) if action.initial else None)
    if form.is_bound and form.is_valid():
        try:
            changed = action.act(actor, agreement, form.cleaned_data)
        except DomainRuleBroken as error:
            add_rule_error(form, error)
        else:
            messages.success(request, action.done(changed))
            return redirect("sharing:agreement", agreement_id=agreement.pk)
    parties = list(agreement.parties.all())
    return render_page(
        request,
        action.template,
        {
            "agreement": agreement,
            "row": row_for(agreement),
            "parties": parties,
            "own": next((p for p in parties if p.organisation_id == actor.organisation_id), None),
            "form": form,
            "category_hints": category_hints(),
        },
        page_title=f"{action.page_title}: {agreement.title}",
    )


def _signed(agreement: SharingAgreement) -> str:
    if agreement.status == AgreementStatus.ACTIVE:
        return (
            "You have signed. Every party has now signed, so the agreement is in force from "
            f"{format_date(agreement.starts_on)}."
        )
    return "You have signed. The agreement comes into force when every party has signed."


SIGN = AgreementAction(
    form=SignAgreementForm,
    template="sharing/agreements/sign.jinja",
    page_title="Sign",
    act=lambda actor, agreement, data: sign_agreement(
        actor=actor, agreement=agreement, signatory_role=data["signatory_role"]
    ),
    done=_signed,
)
SUSPEND = AgreementAction(
    form=SuspendAgreementForm,
    template="sharing/agreements/suspend.jinja",
    page_title="Suspend",
    act=lambda actor, agreement, data: suspend_agreement(
        actor=actor, agreement=agreement, reason=data["reason"]
    ),
    done=lambda agreement: (
        "The agreement is suspended. Sharing under it has stopped for every party."
    ),
)
RESUME = AgreementAction(
    form=ResumeAgreementForm,
    template="sharing/agreements/resume.jinja",
    page_title="Resume",
    act=lambda actor, agreement, data: resume_agreement(
        actor=actor, agreement=agreement, reason=data["reason"]
    ),
    done=lambda agreement: (
        "The agreement is in force again. Sharing under it has restarted for every party."
    ),
)
REVIEW = AgreementAction(
    form=ReviewAgreementForm,
    template="sharing/agreements/review.jinja",
    page_title="Review",
    act=lambda actor, agreement, data: review_agreement(
        actor=actor,
        agreement=agreement,
        notes=data["notes"],
        next_review_on=data["next_review_on"],
        categories=list(data["categories"]),
    ),
    done=lambda agreement: (
        f"The review is recorded. Next review by {format_date(agreement.review_on)}."
    ),
    initial=lambda agreement: {
        "categories": [category.pk for category in agreement.categories.all()]
    },
)
END = AgreementAction(
    form=EndAgreementForm,
    template="sharing/agreements/end.jinja",
    page_title="End",
    act=lambda actor, agreement, data: end_agreement(
        actor=actor, agreement=agreement, reason=data["reason"]
    ),
    done=lambda agreement: "The agreement has ended. Sharing under it has stopped for every party.",
)


@route(access=Access.STAFF, audit=Audit.WRITE)
@needs_actor
@answers_agreement_errors
def agreement_sign(request: HttpRequest, agreement_id: uuid.UUID) -> HttpResponse:
    return _act(request, agreement_id, SIGN)


@route(access=Access.STAFF, audit=Audit.WRITE)
@needs_actor
@answers_agreement_errors
def agreement_suspend(request: HttpRequest, agreement_id: uuid.UUID) -> HttpResponse:
    return _act(request, agreement_id, SUSPEND)


@route(access=Access.STAFF, audit=Audit.WRITE)
@needs_actor
@answers_agreement_errors
def agreement_resume(request: HttpRequest, agreement_id: uuid.UUID) -> HttpResponse:
    return _act(request, agreement_id, RESUME)


@route(access=Access.STAFF, audit=Audit.WRITE)
@needs_actor
@answers_agreement_errors
def agreement_review(request: HttpRequest, agreement_id: uuid.UUID) -> HttpResponse:
    return _act(request, agreement_id, REVIEW)


@route(access=Access.STAFF, audit=Audit.WRITE)
@needs_actor
@answers_agreement_errors
def agreement_end(request: HttpRequest, agreement_id: uuid.UUID) -> HttpResponse:
    return _act(request, agreement_id, END)


urlpatterns: list[URLPattern] = [
    path("", agreement_list, name="agreements"),
    path("new/", agreement_new, name="agreement-new"),
    path("<uuid:agreement_id>/", agreement_detail, name="agreement"),
    path("<uuid:agreement_id>/change/", agreement_change, name="agreement-change"),
    path("<uuid:agreement_id>/sign/", agreement_sign, name="agreement-sign"),
    path("<uuid:agreement_id>/suspend/", agreement_suspend, name="agreement-suspend"),
    path("<uuid:agreement_id>/resume/", agreement_resume, name="agreement-resume"),
    path("<uuid:agreement_id>/review/", agreement_review, name="agreement-review"),
    path("<uuid:agreement_id>/end/", agreement_end, name="agreement-end"),
]
