"""What every FHIR write (create, update, conditional create) does the same way, whatever the
resource (docs/fhir.md, "Writing"): reading and checking the body sent, If-Match (428 without
it, 412 with the current ETag when it names an older version), If-None-Exist criteria, the
answer with its ETag and Location, and the OperationOutcome for each refusal the domain
services raise.

The views decide what a write means (careplan_views, person_views, referral_views); the
services they call decide who may make it and audit it. Nothing here reads the database."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import parse_qsl

from django.http import HttpRequest, HttpResponse

from joinedup.api.problems import InvalidInput
from joinedup.api.versions import IfMatchMissing, strong_etag
from joinedup.core.errors import DomainRuleBroken, EditConflict, NotAllowed, NotFound
from joinedup.fhir.mapping import Json
from joinedup.fhir.mapping_careplans import BadElement
from joinedup.fhir.outcomes import (
    fhir_response,
    method_not_allowed,
    not_found,
    outcome_response,
    server_error,
    unauthorised,
)
from joinedup.fhir.validation import InvalidResource, errors_in, invalid_response, validate
from joinedup.fhir.versions import fhir_version
from joinedup.fhir.views import fhir_actor
from joinedup.sharing.actors import Actor

__all__ = [
    "JSON_BODIES",
    "REFUSALS",
    "BadElement",
    "Record",
    "Refusals",
    "answer",
    "answering",
    "bad_element",
    "broken_rule",
    "condition_criteria",
    "expected_version",
    "forbidden",
    "refused",
    "resource_body",
    "several_match",
    "stale",
    "update",
]

T = TypeVar("T")

JSON_BODIES = frozenset({"application/fhir+json", "application/json", "application/json+fhir"})


# -- the address ----------------------------------------------------------------------------


def answering(
    request: HttpRequest, allowed: str, handlers: Mapping[str, Callable[[], HttpResponse]]
) -> HttpResponse:
    """The handler for the request's method (405 naming `allowed` for any other), with an
    OperationOutcome, not a stack trace, for anything that goes wrong in it."""
    handler = handlers.get(request.method or "")
    if handler is None:
        return method_not_allowed(request, allowed)
    try:
        return handler()
    except Exception:
        return server_error(request)


def answer(
    resource: Json, *, status: int = 200, etag: str | None = None, location: str | None = None
) -> HttpResponse:
    """The resource, with its ETag and (on a create: 201) its Location when given."""
    response = fhir_response(resource, status=status)
    if etag is not None:
        response["ETag"] = etag
    if location is not None:
        response["Location"] = location
    return response


# -- the body -------------------------------------------------------------------------------


def resource_body(
    request: HttpRequest,
    resource_type: str,
    resource_id: str | None,
    *,
    id_required: bool = True,
) -> Json:
    """The resource sent, checked by fhir/validation.py (structure, codes, reference types,
    NHS numbers: InvalidResource with every issue, each naming its element), or BadElement
    (415 not JSON, 400 unreadable or the wrong id). On an update (`resource_id` given) its id
    must be the one in the address (or, unless `id_required`, left out); on a create any id in
    it is ignored, as FHIR says."""
    if (request.content_type or "").lower() not in JSON_BODIES:
        raise BadElement(
            f"Send the {resource_type} as JSON (application/fhir+json).",
            None,
            code="not-supported",
            status=415,
        )
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise BadElement("The body is not JSON.", None, code="structure", status=400) from None
    except RecursionError:
        raise BadElement(
            f"The body nests too deeply to be a {resource_type}.",
            None,
            code="structure",
            status=400,
        ) from None
    issues = errors_in(validate(body, resource_type))
    if issues:
        raise InvalidResource(issues)
    result: Json = body
    sent_id = result.get("id")
    if resource_id is not None and sent_id != resource_id and (id_required or sent_id is not None):
        raise BadElement(
            f"The {resource_type}'s id must be the id in the address.",
            f"{resource_type}.id",
            status=400,
        )
    return result


def bad_element(bad: BadElement) -> HttpResponse:
    return outcome_response(
        bad.status, code=bad.code, diagnostics=bad.diagnostics, expression=bad.expression
    )


# -- If-Match -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """The record a write changes, as it is now: what it is in words ("care plan"), the FHIR
    resource type a client reads it as, and its key and version (which make its ETag)."""

    what: str
    resource_type: str
    key: uuid.UUID
    version: int

    @property
    def etag(self) -> str:
        return strong_etag(self.key, self.version)


def expected_version(request: HttpRequest, record: Record) -> int | HttpResponse:
    """The version If-Match names when it is the record's current one, else the answer that
    refuses the change: 428 without a usable If-Match, 400 for one that is not an entity tag,
    412 (with the current ETag) for an older version."""
    try:
        version = fhir_version(request, record.key, record.version)
    except IfMatchMissing:
        return outcome_response(
            428,
            code="required",
            diagnostics=f"Send If-Match with the {record.resource_type}'s ETag or its "
            'meta.versionId as you last read it (W/"3"), so that no one\'s change is '
            "overwritten. '*' is not enough.",
            expression="If-Match",
        )
    except InvalidInput as error:
        return outcome_response(
            400, code="invalid", diagnostics=error.problems[0].detail, expression="If-Match"
        )
    return stale(record) if version is None else version


def stale(record: Record) -> HttpResponse:
    """412: someone changed the record after the client read it (If-Match named an older
    version, or the service found the change had crossed another). The ETag is the current one."""
    response = outcome_response(
        412,
        code="conflict",
        diagnostics=f"Someone changed this {record.what} after you read it: it is now version "
        f"{record.version}. Nothing was changed. Read the {record.resource_type} again, check "
        "your change still stands, and send it with its new ETag in If-Match.",
        expression="If-Match",
    )
    response["ETag"] = record.etag
    return response


# -- If-None-Exist --------------------------------------------------------------------------


def condition_criteria(raw: str, resource_type: str, known: Sequence[str]) -> dict[str, str]:
    """The search an If-None-Exist header gives (`patient=Patient/1&status=active`, optionally
    after `<resource type>?`), each of `known` at most once with a value, or BadElement (400)
    naming the header."""
    query = raw.strip().removeprefix(resource_type).removeprefix("?")
    criteria: dict[str, str] = {}
    allowed = ", ".join(known)
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name not in known:
            raise BadElement(
                f"If-None-Exist can use {allowed}, each once with a value: {name} is not one "
                "of them.",
                "If-None-Exist",
                code="not-supported",
                status=400,
            )
        if name in criteria or not value.strip():
            raise BadElement(
                f"If-None-Exist can use {allowed}, each once with a value: give {name} once, "
                "with a value.",
                "If-None-Exist",
                status=400,
            )
        criteria[name] = value.strip()
    if not criteria:
        raise BadElement("If-None-Exist names no criteria.", "If-None-Exist", status=400)
    return criteria


def several_match(count: int, what: str, *, code: str) -> HttpResponse:
    """412: an If-None-Exist that matches more than one `what` (plural) creates nothing.
    `code` is the issue type the resource's tests and clients rely on."""
    return outcome_response(
        412,
        code=code,
        diagnostics=f"If-None-Exist matches {count} {what}, so nothing was created. Make the "
        "condition narrower, for example with status=active.",
        expression="If-None-Exist",
    )


# -- what the services refuse ---------------------------------------------------------------


def forbidden(
    error: NotAllowed, otherwise: str = "Your role cannot make this change."
) -> HttpResponse:
    """403: the token can see the record but its role may not make this change."""
    return outcome_response(403, code="forbidden", diagnostics=str(error) or otherwise)


def broken_rule(
    error: DomainRuleBroken, elements: Mapping[str, str], otherwise: str | None = None
) -> HttpResponse:
    """422: a change the domain's rules refuse, naming the element the service's field comes
    from (`elements`), or `otherwise`."""
    return outcome_response(
        422,
        code="business-rule",
        diagnostics=str(error),
        expression=elements.get(error.field or "", otherwise),
    )


@dataclass(frozen=True)
class Refusals:
    """How one resource's writes answer what is refused: the element each field a service
    names comes from (`elements`), the element when it names none (`otherwise`), and what to
    say when a NotAllowed gives no reason (`not_yours`)."""

    elements: Mapping[str, str] = field(default_factory=dict)
    otherwise: str | None = None
    not_yours: str = "Your role cannot make this change."


# What a write's body and its service may refuse with: `refused` answers each.
REFUSALS = (BadElement, InvalidResource, EditConflict, NotAllowed, NotFound, DomainRuleBroken)


def refused(error: Exception, how: Refusals, record: Record | None = None) -> HttpResponse:
    """The OperationOutcome for one of REFUSALS: the element at fault (400, 415, 422), every
    issue validation found, 412 with `record`'s ETag for a change that crossed another, 403,
    404 alike for missing and not to be seen, 422 for a broken rule of the domain."""
    if isinstance(error, BadElement):
        return bad_element(error)
    if isinstance(error, InvalidResource):
        return invalid_response(error.issues)
    if isinstance(error, EditConflict) and record is not None:
        return stale(record)
    if isinstance(error, NotAllowed):
        return forbidden(error, how.not_yours)
    if isinstance(error, NotFound):
        return not_found()
    if isinstance(error, DomainRuleBroken):
        return broken_rule(error, how.elements, how.otherwise)
    raise error


def update(
    request: HttpRequest,
    resource_type: str,
    resource_id: str,
    *,
    find: Callable[[Actor, str], T],
    record: Callable[[T], Record],
    change: Callable[[Actor, T, Json, int], HttpResponse],
    how: Refusals,
    id_required: bool = True,
) -> HttpResponse:
    """A PUT: the record the token may change (`find`, through a selector: 404 alike for
    missing and not to be seen), If-Match naming its current version (428, 400, 412), the body
    (`resource_body`), then `change`, which calls the service with that version and answers.
    Any refusal is answered by `refused`."""
    actor = fhir_actor(request)
    if actor is None:
        return unauthorised(request)
    try:
        current = find(actor, resource_id)
    except NotFound:
        return not_found()
    version = expected_version(request, record(current))
    if isinstance(version, HttpResponse):
        return version
    try:
        body = resource_body(request, resource_type, resource_id, id_required=id_required)
        return change(actor, current, body, version)
    except REFUSALS as error:
        return refused(error, how, record(current))
