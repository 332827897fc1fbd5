"""Every API error is RFC 9457 problem details (application/problem+json); never an HTML page,
never a stack trace.

Statuses: 400 for bad query or path parameters (including an invalid NHS number or date and
a search without its required parameters), 422 for a request body that parses but breaks a
rule, 401 without a valid token, 403 for NotAllowed, 404 for NotFound (the same body whether
the record is missing or forbidden), 405 for a method the address does not accept, 500 for
anything unexpected (logged, with nothing of the error in the body)."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from joinedup.api.schemas import Problem, ProblemField
from joinedup.core.errors import DomainRuleBroken, NotAllowed, NotFound
from joinedup.core.routes import Access, Audit, route

logger = logging.getLogger("joinedup.api")

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://joinedup.invalid/problems/"
BEARER_REALM = 'Bearer realm="joinedup"'

View = Callable[..., HttpResponseBase]
E = TypeVar("E", bound=Exception)


@dataclass(frozen=True)
class FieldProblem:
    """A parameter (or body member, by JSON pointer) at fault, the rule and what to do."""

    rule: str
    detail: str
    name: str | None = None
    pointer: str | None = None


class InvalidInput(Exception):
    """Raised by API views for input that the schemas alone cannot check (combinations)."""

    def __init__(self, problems: Sequence[FieldProblem], *, status: int = 400) -> None:
        super().__init__([problem.detail for problem in problems])
        self.problems = list(problems)
        self.status = status


def problem(
    request: HttpRequest,
    *,
    status: int,
    slug: str,
    detail: str,
    title: str | None = None,
    errors: Sequence[FieldProblem] = (),
    with_instance: bool = True,
) -> HttpResponse:
    body = Problem(
        type=TYPE_BASE + slug,
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.path if with_instance else None,
        errors=[
            ProblemField(name=e.name, pointer=e.pointer, rule=e.rule, detail=e.detail)
            for e in errors
        ]
        or None,
    )
    content = json.dumps(body.model_dump(mode="json", exclude_none=True))
    response = HttpResponse(content, status=status, content_type=MEDIA_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def not_found(request: HttpRequest) -> HttpResponse:
    # No "instance": the path holds the id asked for, and the answer must not differ at all
    # between a record that does not exist and one the caller may not see.
    return problem(
        request,
        status=404,
        slug="not-found",
        title="Not found",
        detail="There is nothing at this address that you can see.",
        with_instance=False,
    )


def unauthorised(request: HttpRequest) -> HttpResponse:
    sent_a_token = bool(request.headers.get("Authorization"))
    response = problem(
        request,
        status=401,
        slug="unauthorised",
        title="Not authenticated",
        detail=(
            "The API token is not valid: it may be mistyped, revoked or expired."
            if sent_a_token
            else "Send an API token in the Authorization header: 'Bearer <token>'."
        ),
    )
    response["WWW-Authenticate"] = (
        f'{BEARER_REALM}, error="invalid_token"' if sent_a_token else BEARER_REALM
    )
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    logger.exception("Unhandled error answering %s %s", request.method, request.path)
    return problem(
        request,
        status=500,
        slug="server-error",
        title="Something went wrong",
        detail="The server could not answer this request. The error has been logged.",
    )


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    response = problem(
        request,
        status=405,
        slug="method-not-allowed",
        title="Method not allowed",
        detail=f"This address does not accept {request.method}. It accepts: {allowed}.",
    )
    response["Allow"] = allowed
    return response


def _field_problem(error: dict[str, Any]) -> FieldProblem:
    """A ninja/pydantic error ({"loc": ("query", "nhs_number"), "type", "msg"}) as a
    FieldProblem: parameters by name, body members by JSON pointer."""
    location = [str(part) for part in error.get("loc", ())]
    source, rest = (location[0], location[1:]) if location else ("", [])
    detail = str(error.get("msg", "This value is not valid."))
    rule = str(error.get("type", "invalid"))
    if source == "body":
        # ninja puts the body parameter's own name first; the client never sent that level.
        return FieldProblem(rule=rule, detail=detail, pointer="#/" + "/".join(rest[1:]))
    return FieldProblem(rule=rule, detail=detail, name=".".join(rest) or source or None)


def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = [_field_problem(error) for error in exc.errors]
    in_body = any(problem.pointer is not None for problem in problems)
    return _invalid(request, problems, status=422 if in_body else 400)


def _invalid(
    request: HttpRequest, problems: Sequence[FieldProblem], *, status: int
) -> HttpResponse:
    named = ", ".join(p.name or p.pointer or "" for p in problems)
    return problem(
        request,
        status=status,
        slug="invalid-request",
        title="The request is not valid",
        detail=f"Check {named} and try again." if named else "Check the request and try again.",
        errors=problems,
    )


def _invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    return _invalid(request, exc.problems, status=exc.status)


def _not_allowed(request: HttpRequest, exc: NotAllowed) -> HttpResponse:
    return problem(request, status=403, slug="not-allowed", title="Not allowed", detail=exc.reason)


def _domain_rule(request: HttpRequest, exc: DomainRuleBroken) -> HttpResponse:
    errors = [FieldProblem(rule="domain_rule", detail=exc.message, pointer=f"#/{exc.field}")]
    return problem(
        request,
        status=422,
        slug="domain-rule",
        title="The change breaks a rule",
        detail=exc.message,
        errors=errors if exc.field else (),
    )


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return unauthorised(request)
    if exc.status_code == 404:
        return not_found(request)
    return problem(request, status=exc.status_code, slug="http-error", detail=str(exc))


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    return server_error(request)


def _on(
    api: NinjaAPI, exc_class: type[E], handler: Callable[[HttpRequest, E], HttpResponse]
) -> None:
    # ninja's hint lets a handler receive an exception class too; it only ever passes instances.
    api.add_exception_handler(exc_class, handler)  # type: ignore[arg-type]


def install_problem_handlers(api: NinjaAPI) -> None:
    """Answer every exception an operation raises with problem details."""
    _on(api, ValidationError, _validation_error)
    _on(api, InvalidInput, _invalid_input)
    _on(api, NotFound, lambda request, exc: not_found(request))
    _on(api, Http404, lambda request, exc: not_found(request))
    _on(api, NotAllowed, _not_allowed)
    _on(api, DomainRuleBroken, _domain_rule)
    _on(api, HttpError, _http_error)
    _on(api, Exception, _unexpected)


def is_problem(response: HttpResponseBase) -> bool:
    return str(response.get("Content-Type", "")).startswith(MEDIA_TYPE)


def problems_only(view: View) -> View:
    """Wrap one of the API's URL views so what ninja answers outside an operation (405 for
    another method, Http404 at the API root, an error escaping it) is problem details too,
    and so no answer about a person lingers in a cache."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return not_found(request)
        except Exception:
            return server_error(request)
        if response.status_code == 405 and not is_problem(response):
            return method_not_allowed(request, str(response.get("Allow", "")))
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    return guarded


@route(access=Access.PUBLIC, audit=Audit.NONE)
@csrf_exempt
def no_such_endpoint(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any address under /api/v1/ that is not an endpoint: a 404 problem, not Django's page."""
    return not_found(request)
