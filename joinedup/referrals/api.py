"""The referral endpoints of /api/v1/referrals: the lists of referrals to and from the token's
organisation, one referral with what was sent and its history, making and sending a referral,
each side's changes to it, and the measures of how referrals are answered.

Reads go through referrals.selectors and writes through referrals.services, which decide who
may set each state (the referrer sends and cancels; the receiving service accepts, rejects,
starts, holds, completes and fails) and audit; these functions check input, turn ids into the
objects the services take and shape output.

Concurrency: a referral's ETag is strong, `"<referral id>-<version>"`, and every change to an
existing referral needs it in If-Match (428 without; 412, changing nothing, when stale). Every
POST accepts an Idempotency-Key (api/idempotency.py)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.params import HeaderEx, P

from joinedup.accounts.models import RoleProfile
from joinedup.api.auth import actor_of
from joinedup.api.declarations import declare
from joinedup.api.idempotency import HEADER_DESCRIPTION, idempotent
from joinedup.api.problems import problem
from joinedup.api.schemas import Coded, OrganisationRef, Problem
from joinedup.api.schemas_careplans import StaffRef
from joinedup.api.schemas_referrals import (
    CancelIn,
    DurationsOut,
    ItemOut,
    MeasuresOut,
    OrganisationMeasuresOut,
    PersonRef,
    ReasonCount,
    ReferralIn,
    ReferralListOut,
    ReferralOut,
    ReferralRow,
    ServiceMeasuresOut,
    ServiceRef,
    Sides,
    StatusChangeOut,
    StatusIn,
)
from joinedup.api.versions import IfMatchMissing, strong_etag, version_named
from joinedup.core.errors import DomainRuleBroken, EditConflict, NotFound
from joinedup.core.routes import Access, Audit
from joinedup.directory.models import Organisation, Service
from joinedup.directory.selectors import get_role_profile
from joinedup.people.selectors import open_for_change
from joinedup.referrals.measures import (
    Durations,
    Measures,
    organisation_by_reference,
    reason_label,
    referral_measures_for,
)
from joinedup.referrals.models import Referral, ReferralStatus
from joinedup.referrals.selectors import (
    overriding_disclosure_for,
    referral_as_changed,
    referral_for,
    referral_for_change,
    referrals_listed_for,
    service_to_refer_to,
)
from joinedup.referrals.services import (
    ItemChoice,
    cancel_referral,
    draft_referral,
    respond_to_referral,
    send_referral,
)
from joinedup.sharing.actors import Actor

router = Router(tags=["referrals"])

JSON = "application/json; charset=utf-8"
PAGE_SIZE = 25

ETAG_RULE = (
    "The ETag header names the referral's version, as a strong entity tag: "
    '`"<referral id>-<version>"`. It changes with every change to the referral.'
)
IF_MATCH_RULE = (
    "**Needs `If-Match`** with the referral's ETag as you last read it (from GET, or from the "
    "answer to your last change). Without it: 428. If the referral changed after you read "
    "it: 412 with the current ETag, and nothing is changed, so no one's answer is silently "
    "overwritten. Send the same `Idempotency-Key` to retry safely."
)
SIDES_RULE = (
    "404 for anyone outside the two organisations, as for a referral that does not exist; "
    "403 for the wrong side (the referrer sends and cancels, the receiving service answers); "
    "422 naming the member at fault when a rule of the step is broken."
)
IF_MATCH_DESCRIPTION = (
    'Required. The referral\'s ETag as you last read it, e.g. `"<referral id>-<version>"`. '
    "Without it: 428; stale: 412 and nothing changes."
)

IfMatch = HeaderEx[str | None, P(alias="If-Match", description=IF_MATCH_DESCRIPTION)]
IdempotencyKey = HeaderEx[str | None, P(alias="Idempotency-Key", description=HEADER_DESCRIPTION)]

_READ = {400: Problem, 401: Problem, 404: Problem}
_CREATE = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem}
_CHANGE = {**_CREATE, 412: Problem, 428: Problem}

_READS = declare(access=Access.PERSON_POLICY, audit=Audit.READ)
_WRITES = declare(access=Access.PERSON_POLICY, audit=Audit.WRITE)


def _rules(description: str) -> str:
    return "\n\n".join((description, SIDES_RULE, IF_MATCH_RULE, ETAG_RULE))


# -- versions -------------------------------------------------------------------------------


def etag_of(referral: Referral) -> str:
    return strong_etag(referral.pk, referral.version)


def _expected_version(request: HttpRequest, referral: Referral) -> int:
    """The version the If-Match header names (412 when it names no version of this one)."""
    version = version_named(request, referral.pk, referral.version, what="referral id")
    if version is None:
        raise EditConflict
    return version


def _if_match_required(request: HttpRequest) -> HttpResponse:
    return problem(
        request,
        status=428,
        slug="if-match-required",
        title="Say which version you changed",
        detail="Send If-Match with the ETag of the referral as you last read it (GET the "
        "referral to see it), so that no one's change is overwritten. `*` is not enough.",
    )


def _changed_since(request: HttpRequest, referral: Referral) -> HttpResponse:
    response = problem(
        request,
        status=412,
        slug="referral-changed",
        title="The referral has changed",
        detail=f"Someone changed this referral after you read it: it is now version "
        f"{referral.version} (ETag {etag_of(referral)}). Nothing was changed. Read it again, "
        "check your change still stands, and send it with the new ETag in If-Match.",
    )
    response["ETag"] = etag_of(referral)
    return response


def _changing(
    request: HttpRequest,
    referral_id: uuid.UUID,
    change: Callable[[Actor, Referral, int], Referral],
) -> HttpResponse:
    """The shared path of every change to an existing referral: find it among the token's
    organisation's referrals (404), read If-Match (428, 400, 412), then make the change once
    per Idempotency-Key; answer 200 with the referral and its new ETag."""
    actor = actor_of(request)
    referral = referral_for_change(actor, referral_id)
    try:
        version = _expected_version(request, referral)
    except IfMatchMissing:
        return _if_match_required(request)
    except EditConflict:
        return _changed_since(request, referral)

    def respond() -> HttpResponse:
        try:
            changed = change(actor, referral, version)
        except EditConflict:
            # Changed between the If-Match check and the lock: name the version it is now.
            return _changed_since(request, referral_as_changed(referral))
        return _answer(200, referral_out(referral_as_changed(changed)), etag=etag_of(changed))

    return idempotent(request, respond)


def _answer(status: int, body: Schema, *, etag: str, location: str | None = None) -> HttpResponse:
    response = HttpResponse(body.model_dump_json(), status=status, content_type=JSON)
    response["ETag"] = etag
    if location is not None:
        response["Location"] = location
    return response


# -- reading --------------------------------------------------------------------------------


class ReferralFilters(Schema):
    to: Literal["mine"] | None = Field(
        None, description="`mine`: referrals sent to the token's organisation."
    )
    from_: Literal["mine"] | None = Field(
        None, alias="from", description="`mine`: referrals the token's organisation made."
    )
    status: ReferralStatus | None = Field(None, description="Only referrals in this state.")
    overdue: bool = Field(
        False, description="`true`: only those waiting for an answer past their deadline."
    )
    page: int = Field(1, ge=1, le=100_000, description=f"Pages of {PAGE_SIZE}, from 1.")


@router.get(
    "",
    response={200: ReferralListOut, 400: Problem, 401: Problem},
    summary="Referrals to and from the token's organisation",
    description=(
        "Referrals sent to the token's organisation (`to=mine`), made by it (`from=mine`), or "
        "both (neither, or both, given). A draft is listed only to the organisation writing "
        "it. Overdue first, then by the deadline for an answer. Filter by `status` and "
        f"`overdue=true`; {PAGE_SIZE} to a page. Audited as one list read."
    ),
    openapi_extra=_READS,
)
def list_referrals(request: HttpRequest, filters: Query[ReferralFilters]) -> ReferralListOut:
    referrals = referrals_listed_for(
        actor_of(request),
        to_mine=filters.to == "mine",
        from_mine=filters.from_ == "mine",
        status=filters.status or "",
        overdue=filters.overdue,
    )
    count = referrals.count()
    start = (filters.page - 1) * PAGE_SIZE
    return ReferralListOut(
        results=[_row(referral) for referral in referrals[start : start + PAGE_SIZE]],
        count=count,
        page=filters.page,
        pages=max(1, math.ceil(count / PAGE_SIZE)),
    )


class MeasuresFilter(Schema):
    organisation: str = Field(
        "",
        max_length=64,
        description="The receiving organisation, by id or ODS code; the token's own if not given.",
    )


@router.get(
    "/measures",
    response={200: OrganisationMeasuresOut, 400: Problem, 401: Problem, 404: Problem},
    summary="How an organisation's services answer referrals",
    description=(
        "For each of the organisation's services, and the organisation as a whole: referrals "
        "received, accepted, rejected (by reason), overdue now, and the median and 90th "
        "percentile time to respond (sent → accepted or rejected) and to complete (sent → "
        "completed), in hours. Counts of referrals, naming no one: any token may ask about any "
        "organisation, and reading them is not audited (audit: none). 404 for no such "
        "organisation."
    ),
    url_name="referral_measures",
    openapi_extra=declare(access=Access.STAFF, audit=Audit.NONE),
)
def referral_measures(
    request: HttpRequest, filters: Query[MeasuresFilter]
) -> OrganisationMeasuresOut:
    actor = actor_of(request)
    if filters.organisation:
        organisation = organisation_by_reference(filters.organisation)
    elif actor.role_profile is not None:
        organisation = actor.role_profile.organisation
    else:
        raise NotFound
    found = referral_measures_for(organisation)
    return OrganisationMeasuresOut(
        organisation=_organisation(organisation),
        measures=measures_out(found.measures),
        services=[
            ServiceMeasuresOut(service=_service(item.service), measures=measures_out(item.measures))
            for item in found.services
        ],
        computed_at=found.computed_at,
    )


@router.get(
    "/{referral_id}",
    response={200: ReferralOut, **_READ},
    summary="One referral: what was sent and its history",
    description=(
        "For the referrer's organisation and the receiving one: the referral, the items of "
        "information sent with it (exactly as sent), and every step of its history with who, "
        "when and why. 404 for anyone else, as for a referral that does not exist. Audited "
        "as one read of the person's record.\n\n" + ETAG_RULE + " Send it back in If-Match "
        "when you change the referral."
    ),
    url_name="referral",
    openapi_extra=_READS,
)
def get_referral(
    request: HttpRequest, referral_id: uuid.UUID, response: HttpResponse
) -> ReferralOut:
    referral = referral_for(actor_of(request), referral_id)
    response["ETag"] = etag_of(referral)
    return referral_out(referral)


# -- making and changing --------------------------------------------------------------------


@router.post(
    "",
    response={201: ReferralOut, **_CREATE},
    summary="Make a draft referral",
    description=(
        "A draft referral of a person the token may refer (a member of their care team) to a "
        "service of the directory, with the information to send chosen item by item. Nothing "
        "is sent until `POST /{id}/send`. 404 for a person the token may not see; 403 for a "
        "role that may not refer; 422 naming the member at fault (a service that does not "
        "take referrals or cannot be held accountable, an entry the token cannot see). "
        "Answers 201 with Location and ETag. Send an `Idempotency-Key` to retry safely."
    ),
    openapi_extra=_WRITES,
)
def make_referral(
    request: HttpRequest, body: ReferralIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    actor = actor_of(request)
    person = open_for_change(actor, body.person_id).person

    def make() -> HttpResponse:
        referral = draft_referral(
            actor=actor,
            person=person,
            service=_service_to_refer_to(body.service_id),
            reason=body.reason,
            urgency=body.urgency,
            kind=body.kind,
            what_matters=body.what_matters,
            questions=body.questions,
            items=[ItemChoice(item.source_type, item.source_id) for item in body.items],
            recipient=_role_profile(body.recipient_id, field="recipient_id"),
        )
        location = reverse("api-v1:referral", kwargs={"referral_id": referral.pk})
        shown = referral_as_changed(referral)
        return _answer(201, referral_out(shown), etag=etag_of(shown), location=location)

    return idempotent(request, make)


@router.post(
    "/{referral_id}/send",
    response={200: ReferralOut, **_CHANGE},
    summary="Send a draft referral",
    description=_rules(
        "The referrer sends the draft: what may be shared is checked (an objection by the "
        "person, or a category no sharing agreement covers and they have not consented to, "
        "is a 422 on `items`), the deadline for an answer is set from the service's response "
        "target, and the service is told. An objection is overridden only by a decision to "
        "share without consent already recorded for this person and the receiving "
        "organisation, covering every item's category: send with `with_disclosure=true` to "
        "rely on it (the referral then names it), as the referral's page does when the "
        "referrer confirms it."
    ),
    openapi_extra=_WRITES,
)
def send(
    request: HttpRequest,
    referral_id: uuid.UUID,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
    with_disclosure: bool = False,
) -> HttpResponse:
    return _changing(
        request,
        referral_id,
        lambda actor, referral, version: send_referral(
            actor=actor,
            referral=referral,
            expected_version=version,
            overriding_disclosure=overriding_disclosure_for(referral) if with_disclosure else None,
        ),
    )


@router.post(
    "/{referral_id}/status",
    response={200: ReferralOut, **_CHANGE},
    summary="Answer a referral, or move it on (the receiving service)",
    description=_rules(
        "The receiving service accepts (assigning a practitioner, who joins the person's care "
        "team) or rejects (with a reason code and words, perhaps suggesting another service) "
        "a referral waiting for an answer; then starts it, puts it on hold (say why), "
        "completes it (with the outcome, which goes back to the referrer) or records that it "
        "could not be done (say why)."
    ),
    openapi_extra=_WRITES,
)
def change_status(
    request: HttpRequest,
    referral_id: uuid.UUID,
    body: StatusIn,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    return _changing(
        request,
        referral_id,
        lambda actor, referral, version: respond_to_referral(
            actor=actor,
            referral=referral,
            status=body.status,
            reason_code=body.reason_code,
            reason=body.reason,
            assigned_to=_role_profile(body.assigned_to, field="assigned_to"),
            outcome_summary=body.outcome_summary,
            suggested_service=_service_named(
                body.suggested_service_id, field="suggested_service_id"
            ),
            expected_version=version,
        ),
    )


@router.post(
    "/{referral_id}/cancel",
    response={200: ReferralOut, **_CHANGE},
    summary="Cancel a referral (the referrer)",
    description=_rules(
        "The referrer withdraws the referral, saying why; the receiving service is told. Not "
        "once it is rejected, completed, failed or already cancelled (422)."
    ),
    openapi_extra=_WRITES,
)
def cancel(
    request: HttpRequest,
    referral_id: uuid.UUID,
    body: CancelIn,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    return _changing(
        request,
        referral_id,
        lambda actor, referral, version: cancel_referral(
            actor=actor, referral=referral, reason=body.reason, expected_version=version
        ),
    )


# -- input: the ids a request names, as the objects the services take -----------------------


def _service_to_refer_to(service_id: uuid.UUID) -> Service:
    service = _service_named(service_id, field="service_id")
    assert service is not None  # noqa: S101 - an id was given
    return service


def _service_named(service_id: uuid.UUID | None, *, field: str) -> Service | None:
    if service_id is None:
        return None
    try:
        return service_to_refer_to(service_id)
    except NotFound:
        raise DomainRuleBroken(
            "There is no such service taking referrals in the directory.", field=field
        ) from None


def _role_profile(role_profile_id: uuid.UUID | None, *, field: str) -> RoleProfile | None:
    if role_profile_id is None:
        return None
    try:
        return get_role_profile(role_profile_id)
    except NotFound:
        raise DomainRuleBroken(
            "There is no such practitioner working now in the directory.", field=field
        ) from None


# -- output ---------------------------------------------------------------------------------


def _code(value: str, label: object) -> Coded:
    return Coded(code=value, label=str(label))


def _organisation(organisation: Organisation) -> OrganisationRef:
    return OrganisationRef(
        id=organisation.pk,
        name=organisation.name,
        ods_code=organisation.ods_code,
        type=_code(organisation.org_type, organisation.get_org_type_display()),
    )


def _staff(profile: RoleProfile | None) -> StaffRef | None:
    if profile is None:
        return None
    return StaffRef(
        role_profile_id=profile.pk,
        name=profile.practitioner.display_name,
        job_role=_code(profile.job_role, profile.get_job_role_display()),
        organisation=_organisation(profile.organisation),
    )


def _service(service: Service) -> ServiceRef:
    return ServiceRef(id=service.pk, name=service.name)


def _common(referral: Referral) -> dict[str, object]:
    person = referral.person
    return {
        "id": referral.pk,
        "kind": _code(referral.kind, referral.get_kind_display()),
        "person": PersonRef(id=person.pk, name=person.full_name, nhs_number=person.nhs_number),
        "service": _service(referral.service),
        "organisations": Sides(
            referrer=_organisation(referral.requester_organisation),
            receiver=_organisation(referral.receiving_organisation),
        ),
        "urgency": _code(referral.urgency, referral.get_urgency_display()),
        "status": _code(referral.status, referral.get_status_display()),
        "respond_by": referral.respond_by,
        "overdue": referral.is_overdue(),
    }


def _row(referral: Referral) -> ReferralRow:
    return ReferralRow.model_validate(_common(referral))


def _user_name(user: object) -> str:
    get_full_name = getattr(user, "get_full_name", None)
    if get_full_name is None:
        return "joinedup"
    return str(get_full_name() or getattr(user, "username", ""))


def referral_out(referral: Referral) -> ReferralOut:
    requester = _staff(referral.requester)
    assert requester is not None  # noqa: S101 - a referral always has one
    return ReferralOut.model_validate(
        {
            **_common(referral),
            "version": referral.version,
            "requester": requester,
            "recipient": _staff(referral.recipient),
            "assigned_to": _staff(referral.assigned_to),
            "reason": referral.reason,
            "what_matters": referral.what_matters,
            "questions": referral.questions,
            "requested_at": referral.requested_at,
            "responded_at": referral.responded_at,
            "escalated_at": referral.escalated_at,
            "outcome_summary": referral.outcome_summary,
            "suggested_service": _service(referral.suggested_service)
            if referral.suggested_service
            else None,
            "items": [
                ItemOut(
                    label=item.label,
                    text=item.text,
                    category=_code(item.category_id, item.category.name),
                    source_type=item.source_type,
                    source_id=item.source_id,
                )
                for item in referral.items.all()
            ],
            "shared_without_consent": referral.disclosure_id is not None,
            "history": [
                StatusChangeOut(
                    status=_code(change.status, change.get_status_display()),
                    reason_code=change.reason_code,
                    reason=change.reason,
                    by=_user_name(change.by),
                    organisation=_organisation(change.by_role.organisation)
                    if change.by_role
                    else None,
                    at=change.at,
                )
                for change in referral.changes.all()
            ],
        }
    )


def _hours(duration: timedelta | None) -> float | None:
    return round(duration.total_seconds() / 3600, 2) if duration is not None else None


def _durations(durations: Durations) -> DurationsOut:
    return DurationsOut(
        count=durations.count,
        median_hours=_hours(durations.median),
        p90_hours=_hours(durations.p90),
    )


def measures_out(measures: Measures) -> MeasuresOut:
    return MeasuresOut(
        received=measures.received,
        accepted=measures.accepted,
        rejected=measures.rejected,
        rejected_by_reason=[
            ReasonCount(reason=_code(code, reason_label(code)), count=count)
            for code, count in measures.rejected_by_reason.items()
        ],
        overdue_now=measures.overdue_now,
        time_to_respond=_durations(measures.to_respond),
        time_to_complete=_durations(measures.to_complete),
    )
