"""/fhir/R4/ ServiceRequest and Task: referrals in the SDOH Clinical Care referral pattern
(docs/fhir.md, "Referrals"). Both have the referral's id; Task.focus is the ServiceRequest.

Only the two sides of a referral (the referrer's organisation and the receiving one) can read
it: referrals.selectors decide and audit (one event per read or search), and anyone else gets
the same 404 as for a referral that does not exist. `PUT /Task/{id}` moves the referral on
through referrals.services, which decide who may set each status; If-Match is required."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from joinedup.accounts.models import RoleProfile
from joinedup.core.errors import NotFound
from joinedup.core.routes import Access, Audit, route
from joinedup.directory.selectors import get_role_profile
from joinedup.fhir import mapping_referrals
from joinedup.fhir.mapping import Json
from joinedup.fhir.outcomes import not_found, unauthorised
from joinedup.fhir.resource_views import person_search, reference_id
from joinedup.fhir.views import SearchProblem, fhir_actor, fhir_endpoint
from joinedup.fhir.writes import (
    BadElement,
    Record,
    Refusals,
    answer,
    answering,
    update,
)
from joinedup.people.selectors import parse_person_id
from joinedup.referrals.models import Referral, ReferralItem, ReferralStatusChange
from joinedup.referrals.selectors import referral_for, referral_for_change, referrals_listed_for
from joinedup.referrals.services import cancel_referral, respond_to_referral
from joinedup.sharing.actors import Actor

SERVICE_REQUEST_CRITERIA = ("_id", "status", "subject", "patient")
TASK_CRITERIA = ("_id", "focus", "owner", "status", "patient")

# The element of the Task each field a referral service names comes from.
TASK_ELEMENT = {
    "status": "Task.status",
    "reason": "Task.statusReason",
    "outcome_summary": "Task.output",
    "assigned_to": "Task.owner",
}


def _record(referral: Referral) -> Record:
    return Record("referral", "Task", referral.pk, referral.version)


def _with_etag(resource: Json, referral: Referral) -> HttpResponse:
    return answer(resource, etag=_record(referral).etag)


ToResource = Callable[[Referral], Json]


def _read(request: HttpRequest, resource_id: str, to_resource: ToResource) -> HttpResponse:
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        referral = referral_for(actor, resource_id)
    except NotFound:
        return not_found()
    return _with_etag(to_resource(referral), referral)


# -- searching ------------------------------------------------------------------------------


def _ready(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """What the mapping follows, fetched with the page."""
    return referrals.select_related(
        "service",
        "requester__practitioner",
        "recipient__practitioner",
        "assigned_to__practitioner",
        "suggested_service",
    ).prefetch_related(
        Prefetch("items", queryset=ReferralItem.objects.order_by("position", "id")),
        Prefetch("changes", queryset=ReferralStatusChange.objects.order_by("at", "id")),
    )


def _by_id(referrals: QuerySet[Referral], name: str, value: str) -> QuerySet[Referral]:
    parsed = parse_person_id(value)
    if parsed is None:
        raise SearchProblem(name, f"Give {name} as a referral's id.")
    return referrals.filter(pk=parsed)


def _by_patient(referrals: QuerySet[Referral], criteria: dict[str, str]) -> QuerySet[Referral]:
    for name in ("subject", "patient"):
        if name in criteria:
            person_id = parse_person_id(reference_id(name, criteria[name], "Patient"))
            if person_id is None:
                raise SearchProblem(name, f"Give {name} as Patient/<id>.")
            referrals = referrals.filter(person_id=person_id)
    return referrals


def _find_service_requests(actor: Actor, criteria: dict[str, str]) -> QuerySet[Referral]:
    referrals = _by_patient(referrals_listed_for(actor), criteria)
    if "_id" in criteria:
        referrals = _by_id(referrals, "_id", criteria["_id"])
    if "status" in criteria:
        statuses = mapping_referrals.statuses_for_service_request(criteria["status"])
        if not statuses:
            raise SearchProblem(
                "status", "Give status as draft, active, completed or revoked.", code="code-invalid"
            )
        referrals = referrals.filter(status__in=statuses)
    return _ready(referrals)


def _owner(referrals: QuerySet[Referral], value: str) -> QuerySet[Referral]:
    parts = value.rstrip("/").split("/")
    kind = parts[-2] if len(parts) >= 2 else ""
    parsed = parse_person_id(parts[-1])
    if kind not in ("Organization", "PractitionerRole") or parsed is None:
        raise SearchProblem("owner", "Give owner as Organization/<id> or PractitionerRole/<id>.")
    if kind == "Organization":
        return referrals.filter(receiving_organisation_id=parsed)
    return referrals.filter(assigned_to_id=parsed)


def _find_tasks(actor: Actor, criteria: dict[str, str]) -> QuerySet[Referral]:
    referrals = _by_patient(referrals_listed_for(actor), criteria)
    if "_id" in criteria:
        referrals = _by_id(referrals, "_id", criteria["_id"])
    if "focus" in criteria:
        referrals = _by_id(
            referrals, "focus", reference_id("focus", criteria["focus"], "ServiceRequest")
        )
    if "owner" in criteria:
        referrals = _owner(referrals, criteria["owner"])
    if "status" in criteria:
        status = mapping_referrals.REFERRAL_STATUS_OF_TASK.get(criteria["status"])
        if status is None:
            raise SearchProblem(
                "status",
                "Give status as one of: " + ", ".join(mapping_referrals.TASK_STATUS.values()),
                code="code-invalid",
            )
        referrals = referrals.filter(status=status)
    return _ready(referrals)


# -- ServiceRequest -------------------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def service_request_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    """One referral as a ServiceRequest, for either side only (404 otherwise). One audit event,
    by referrals.selectors.referral_for."""
    return _read(request, resource_id, mapping_referrals.service_request)


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def service_request_search(request: HttpRequest) -> HttpResponse:
    """Referrals to or from the token's organisation, by `_id`, `status`, `subject`/`patient`.
    Audited as one list read per search."""
    return person_search(
        request,
        "ServiceRequest",
        SERVICE_REQUEST_CRITERIA,
        _find_service_requests,
        mapping_referrals.service_request,
    )


# -- Task -----------------------------------------------------------------------------------


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@fhir_endpoint
def task_search(request: HttpRequest) -> HttpResponse:
    """Referral Tasks to or from the token's organisation, by `_id`, `focus`, `owner`,
    `status`, `patient`. Audited as one list read per search."""
    return person_search(request, "Task", TASK_CRITERIA, _find_tasks, mapping_referrals.task)


@fhir_endpoint
def _task_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    return _read(request, resource_id, mapping_referrals.task)


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@csrf_exempt
def task(request: HttpRequest, resource_id: str) -> HttpResponse:
    """GET: one referral's Task, for either side only (one audit event, by referral_for).
    PUT: change its status through referrals.services (which audit the change)."""
    return answering(
        request,
        "GET, PUT",
        {
            "GET": lambda: _task_read(request, resource_id),
            "PUT": lambda: _task_update(request, resource_id),
        },
    )


# -- PUT /Task/{id} -------------------------------------------------------------------------


def _status(body: Json) -> str:
    status = mapping_referrals.REFERRAL_STATUS_OF_TASK.get(str(body.get("status", "")))
    if status is None:
        raise BadElement(
            "Give status as one of: " + ", ".join(mapping_referrals.TASK_STATUS.values()) + ".",
            "Task.status",
            code="code-invalid",
            status=400,
        )
    return status


def _reason(body: Json) -> tuple[str, str]:
    reason = body.get("statusReason") or {}
    codes = [c.get("code", "") for c in reason.get("coding", []) if isinstance(c, dict)]
    return (codes[0] if codes else ""), str(reason.get("text", ""))


def _outcome(body: Json) -> str:
    for output in body.get("output") or []:
        if isinstance(output, dict) and output.get("valueString"):
            return str(output["valueString"])
    return ""


def _assigned(body: Json) -> RoleProfile | None:
    reference = str((body.get("owner") or {}).get("reference", ""))
    if not reference.startswith("PractitionerRole/"):
        return None
    try:
        return get_role_profile(reference.removeprefix("PractitionerRole/"))
    except NotFound:
        raise BadElement(
            "There is no such practitioner working now in the directory.",
            "Task.owner",
            code="business-rule",
        ) from None


def _change(actor: Actor, referral: Referral, body: Json, version: int) -> Referral:
    status = _status(body)
    reason_code, reason = _reason(body)
    if status == "cancelled":
        return cancel_referral(
            actor=actor, referral=referral, reason=reason, expected_version=version
        )
    return respond_to_referral(
        actor=actor,
        referral=referral,
        status=status,
        reason_code=reason_code,
        reason=reason,
        assigned_to=_assigned(body) if status == "accepted" else None,
        outcome_summary=_outcome(body),
        expected_version=version,
    )


def _task_update(request: HttpRequest, resource_id: str) -> HttpResponse:
    return update(
        request,
        "Task",
        resource_id,
        find=referral_for_change,
        record=_record,
        change=_changed,
        how=Refusals(elements=TASK_ELEMENT),
        id_required=False,
    )


def _changed(actor: Actor, referral: Referral, body: Json, version: int) -> HttpResponse:
    changed = _change(actor, referral, body, version)
    return _with_etag(mapping_referrals.task(changed), changed)
