"""Every error under /fhir/R4/ is an OperationOutcome (application/fhir+json): never an HTML
page, never a stack trace. Each issue has a severity, a code from the FHIR issue-type value set,
plain-English diagnostics and, where a parameter is at fault, its name as the expression."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("joinedup.fhir")

FHIR_JSON = "application/fhir+json"
BEARER_REALM = 'Bearer realm="joinedup"'


def fhir_response(resource: dict[str, Any], *, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(resource), status=status, content_type=FHIR_JSON)
    # Answers about people must not linger in caches.
    response["Cache-Control"] = "no-store"
    return response


def operation_outcome(
    *, severity: str, code: str, diagnostics: str, expression: str | None = None
) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def outcome_response(
    status: int, *, code: str, diagnostics: str, expression: str | None = None
) -> HttpResponse:
    return fhir_response(
        operation_outcome(
            severity="error", code=code, diagnostics=diagnostics, expression=expression
        ),
        status=status,
    )


def not_found() -> HttpResponse:
    # The same answer, byte for byte, for a record that does not exist and one the caller may
    # not see: nothing in it depends on what was asked for.
    return outcome_response(
        404, code="not-found", diagnostics="There is nothing at this address that you can see."
    )


def unauthorised(request: HttpRequest) -> HttpResponse:
    sent_a_token = bool(request.headers.get("Authorization"))
    response = outcome_response(
        401,
        code="login",
        diagnostics=(
            "The API token is not valid: it may be mistyped, revoked or expired."
            if sent_a_token
            else "Send an API token in the Authorization header: 'Bearer <token>'."
        ),
    )
    response["WWW-Authenticate"] = (
        f'{BEARER_REALM}, error="invalid_token"' if sent_a_token else BEARER_REALM
    )
    return response


def invalid_parameter(name: str, diagnostics: str, *, code: str = "value") -> HttpResponse:
    return outcome_response(400, code=code, diagnostics=diagnostics, expression=name)


def not_acceptable(asked_for: str) -> HttpResponse:
    return outcome_response(
        406,
        code="not-supported",
        diagnostics=f"This server answers in JSON only ({FHIR_JSON}), not {asked_for}.",
        expression="_format",
    )


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    response = outcome_response(
        405,
        code="not-supported",
        diagnostics=f"This address does not accept {request.method}. It accepts: {allowed}.",
    )
    response["Allow"] = allowed
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    logger.exception("Unhandled error answering %s %s", request.method, request.path)
    return outcome_response(
        500,
        code="exception",
        diagnostics="The server could not answer this request. The error has been logged.",
    )
