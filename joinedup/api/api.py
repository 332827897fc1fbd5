"""The joinedup JSON API (django-ninja) at /api/v1/, and the registry of its operations.

Every operation declares its access and audit in `openapi_extra` (api/declarations.py);
`operations()` lists them for core/tests/test_routes.py. Errors are problem details
(api/problems.py), including for what ninja answers outside an operation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.utils import normalize_path

from joinedup.api.auth import ApiTokenAuth, caller_of
from joinedup.api.declarations import declare
from joinedup.api.problems import MEDIA_TYPE, install_problem_handlers, problems_only
from joinedup.api.schemas import (
    ClientOut,
    Coded,
    MeOut,
    OrganisationRef,
    Problem,
    RoleProfileOut,
    TeamRef,
    TokenOut,
    UserOut,
)
from joinedup.audit.api import router as access_log_router
from joinedup.careplans.api import router as care_plan_router
from joinedup.core.routes import Access, Audit, route
from joinedup.directory.models import Organisation
from joinedup.handovers.api import router as handovers_router
from joinedup.people.api import router as people_router
from joinedup.referrals.api import router as referrals_router
from joinedup.sharing.api import router as sharing_router

# URL names ninja gives the views that are not operations: the OpenAPI document and the root.
_NOT_OPERATIONS = frozenset({"openapi-json", "openapi-view", "api-root"})


class JoinedupAPI(NinjaAPI):
    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        return [_guard(pattern) for pattern in patterns], app_name, namespace

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        _errors_as_problems(schema)
        return schema

    def get_openapi_operation_id(self, operation: Operation) -> str:
        # "find_people" rather than "joinedup_people_api_find_people": client generators
        # name their methods after this.
        return operation.view_func.__name__


def _guard(pattern: URLResolver | URLPattern) -> URLResolver | URLPattern:
    """Answer problems from every API URL, and mark which views are operations: the route
    walk checks those through `operations()` rather than `@route`."""
    if not isinstance(pattern, URLPattern):
        return pattern
    view = problems_only(pattern.callback)
    if pattern.name in _NOT_OPERATIONS:
        # The OpenAPI document describes the API and holds no one's data.
        view = route(access=Access.PUBLIC, audit=Audit.NONE)(view)
    else:
        view.joinedup_api_operation = True  # type: ignore[attr-defined]
    return URLPattern(pattern.pattern, view, pattern.default_args, pattern.name)


def _errors_as_problems(schema: OpenAPISchema) -> None:
    """Error responses are application/problem+json; say so in the document."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if int(status) >= 400 and "application/json" in content:
                    content[MEDIA_TYPE] = content.pop("application/json")


api = JoinedupAPI(
    title="joinedup API",
    version="1",
    description=(
        "The shared care record for partnership working. Authenticate with a bearer token "
        "(`joinedup create-api-token`); every read goes through the access policy and is "
        "audited. Errors are RFC 9457 problem details."
    ),
    auth=ApiTokenAuth(),
    docs_url=None,  # no docs UI: clients read /api/v1/openapi.json
    urls_namespace="api-v1",
)
install_problem_handlers(api)
api.add_router("/people", people_router)
api.add_router("/people", sharing_router)
api.add_router("/people", access_log_router)
api.add_router("/people", care_plan_router)
api.add_router("/handovers", handovers_router)
api.add_router("/referrals", referrals_router)


@api.get(
    "/me",
    response={200: MeOut, 401: Problem},
    summary="Who this token acts as",
    openapi_extra=declare(access=Access.STAFF, audit=Audit.NONE),
)
def me(request: HttpRequest) -> MeOut:
    """The token's user and the role profile whose access it has. Reads no one's record."""
    token = caller_of(request).token
    user, profile, client = token.user, token.role_profile, token.client
    return MeOut(
        user=UserOut(
            id=user.pk,
            username=user.username,
            name=user.get_full_name() or user.username,
            email=user.email,
        )
        if user
        else None,
        role_profile=RoleProfileOut(
            id=profile.pk,
            job_role=Coded(code=profile.job_role, label=profile.get_job_role_display()),
            organisation=_organisation_ref(profile.organisation),
            team=TeamRef(id=profile.team.pk, name=profile.team.name) if profile.team else None,
        )
        if profile
        else None,
        client=ClientOut(
            name=client.name,
            organisation=_organisation_ref(client.organisation),
            scopes=list(client.scopes),
        )
        if client
        else None,
        token=TokenOut(
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            expires_at=token.expires_at,
        ),
    )


def _organisation_ref(organisation: Organisation) -> OrganisationRef:
    return OrganisationRef(
        id=organisation.pk,
        name=organisation.name,
        ods_code=organisation.ods_code,
        type=Coded(code=organisation.org_type, label=organisation.get_org_type_display()),
    )


# -- the registry the route walk reads -------------------------------------------------------


@dataclass(frozen=True)
class ApiOperation:
    method: str
    path: str
    operation: Operation


def operations(of: NinjaAPI = api) -> Iterator[ApiOperation]:
    """Every operation the API serves, as mounted (after router prefixes)."""
    # _get_bound_routers() is how ninja itself builds the URLs and the OpenAPI document.
    for bound in of._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            full_path = normalize_path("/" + "/".join(p for p in (bound.prefix, path) if p))
            for operation in path_view.operations:
                for method in operation.methods:
                    yield ApiOperation(method=method, path=full_path, operation=operation)
