"""/fhir/R4/ ServiceRequest and Task: referrals in the SDOH Clinical Care referral pattern
(docs/fhir.md, "Referrals"). Both have the referral's id; Task.focus is the ServiceRequest.

Only the two sides of a referral (the referrer's organisation and the receiving one) can read
it: referrals.selectors decide and audit (one event per read or search), and anyone else gets
the same 404 as for a referral that does not exist. `PUT /Task/{id}` moves the referral on
through referrals.services, which decide who may set each status; If-Match is required."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from fhir.resources.R4B.task import Task
from pydantic import ValidationError

from joinedup.accounts.models import RoleProfile
from joinedup.api.problems import InvalidInput
from joinedup.api.versions import IfMatchMissing, strong_etag, version_named
from joinedup.core.errors import DomainRuleBroken, EditConflict, NotAllowed, NotFound
from joinedup.core.routes import Access, Audit, route
from joinedup.directory.selectors import get_role_profile
from joinedup.fhir import mapping_referrals
from joinedup.fhir.mapping import Json
from joinedup.fhir.outcomes import (
    fhir_response,
    invalid_parameter,
    method_not_allowed,
    not_found,
    outcome_response,
    server_error,
    unauthorised,
)
from joinedup.fhir.resource_views import parse_search, reference_id, searchset_response
from joinedup.fhir.views import SearchProblem, fhir_actor, fhir_endpoint
from joinedup.people.selectors import parse_person_id
from joinedup.referrals.models import Referral, ReferralItem, ReferralStatusChange
from joinedup.referrals.selectors import referral_for, referral_for_change, referrals_listed_for
from joinedup.referrals.services import cancel_referral, respond_to_referral
from joinedup.sharing.actors import Actor

SERVICE_REQUEST_CRITERIA = ("_id", "status", "subject", "patient")
TASK_CRITERIA = ("_id", "focus", "owner", "status", "patient")
JSON_BODIES = frozenset({"application/fhir+json", "application/json", "application/json+fhir"})

# The element of the Task each field a referral service names comes from.
TASK_ELEMENT = {
    "status": "Task.status",
    "reason": "Task.statusReason",
    "outcome_summary": "Task.output",
    "assigned_to": "Task.owner",
}


def etag_of(referral: Referral) -> str:
    return strong_etag(referral.pk, referral.version)


def _with_etag(resource: Json, referral: Referral) -> HttpResponse:
    response = fhir_response(resource)
    response["ETag"] = etag_of(referral)
    return response


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


def _search(
    request: HttpRequest,
    resource_type: str,
    known: tuple[str, ...],
    find: Callable[[Actor, dict[str, str]], QuerySet[Referral]],
    to_resource: ToResource,
) -> HttpResponse:
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        asked = parse_search(request, known)
        found = find(actor, asked.criteria)
    except SearchProblem as problem:
        return invalid_parameter(problem.name, problem.diagnostics, code=problem.code)
    return searchset_response(request, resource_type, asked, found, to_resource)


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
    return _search(
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
    return _search(request, "Task", TASK_CRITERIA, _find_tasks, mapping_referrals.task)


@fhir_endpoint
def _task_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    return _read(request, resource_id, mapping_referrals.task)


@route(access=Access.PERSON_POLICY, audit=Audit.WRITE)
@csrf_exempt
def task(request: HttpRequest, resource_id: str) -> HttpResponse:
    """GET: one referral's Task, for either side only (one audit event, by referral_for).
    PUT: change its status through referrals.services (which audit the change)."""
    if request.method == "GET":
        return _task_read(request, resource_id)
    if request.method != "PUT":
        return method_not_allowed(request, "GET, PUT")
    try:
        return _task_update(request, resource_id)
    except Exception:
        return server_error(request)


# -- PUT /Task/{id} -------------------------------------------------------------------------


class BadTask(Exception):
    def __init__(self, diagnostics: str, *, expression: str | None, code: str = "invalid"):
        super().__init__(diagnostics)
        self.diagnostics = diagnostics
        self.expression = expression
        self.code = code


def _if_match_required() -> HttpResponse:
    return outcome_response(
        428,
        code="required",
        diagnostics="Send If-Match with the Task's ETag as you last read it (GET the Task to see "
        "it), so that no one's change is overwritten. '*' is not enough.",
        expression="If-Match",
    )


def _changed_since(referral: Referral) -> HttpResponse:
    response = outcome_response(
        412,
        code="conflict",
        diagnostics="Someone changed this referral after you read it: it is now version "
        f"{referral.version}. Nothing was changed. Read the Task again, check your change "
        "still stands, and send it with the new ETag in If-Match.",
        expression="If-Match",
    )
    response["ETag"] = etag_of(referral)
    return response


def _body(request: HttpRequest, resource_id: str) -> Json:
    content_type = request.content_type or ""
    if content_type.lower() not in JSON_BODIES:
        raise BadTask(
            "Send the Task as JSON (application/fhir+json).", expression=None, code="not-supported"
        )
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise BadTask("The body is not JSON.", expression=None, code="structure") from None
    if not isinstance(body, dict) or body.get("resourceType") != "Task":
        raise BadTask("Send a Task resource.", expression="Task.resourceType")
    if body.get("id") not in (None, resource_id):
        raise BadTask("The Task's id must be the id in the address.", expression="Task.id")
    try:
        Task.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"] if not isinstance(part, int))
        raise BadTask(
            f"The Task is not valid FHIR: {first['msg']}.",
            expression=f"Task.{where}" if where else "Task",
            code="structure",
        ) from None
    result: Json = body
    return result


def _status(body: Json) -> str:
    status = mapping_referrals.REFERRAL_STATUS_OF_TASK.get(str(body.get("status", "")))
    if status is None:
        raise BadTask(
            "Give status as one of: " + ", ".join(mapping_referrals.TASK_STATUS.values()) + ".",
            expression="Task.status",
            code="code-invalid",
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
        raise BadTask(
            "There is no such practitioner working now in the directory.",
            expression="Task.owner",
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
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        referral = referral_for_change(actor, resource_id)
    except NotFound:
        return not_found()
    try:
        version = version_named(request, referral.pk, referral.version, what="Task id")
    except IfMatchMissing:
        return _if_match_required()
    except InvalidInput as error:
        return outcome_response(
            400, code="invalid", diagnostics=error.problems[0].detail, expression="If-Match"
        )
    if version is None:
        return _changed_since(referral)
    try:
        changed = _change(actor, referral, _body(request, resource_id), version)
    except BadTask as bad:
        status = 422 if bad.code == "business-rule" else 415 if bad.code == "not-supported" else 400
        return outcome_response(
            status, code=bad.code, diagnostics=bad.diagnostics, expression=bad.expression
        )
    except EditConflict:
        return _changed_since(referral)
    except NotAllowed as error:
        return outcome_response(403, code="forbidden", diagnostics=str(error) or "Not allowed.")
    except NotFound:
        return not_found()
    except DomainRuleBroken as error:
        return outcome_response(
            422,
            code="business-rule",
            diagnostics=str(error),
            expression=TASK_ELEMENT.get(error.field or ""),
        )
    return _with_etag(mapping_referrals.task(changed), changed)
