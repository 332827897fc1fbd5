"""Every route states who may use it and what it audits (STYLE.md habit 3).

The walk covers the whole URL configuration. Django views need `@route(access=…, audit=…)`;
the Django admin's views are guarded by the admin site instead (IT administrators only), so
the walk checks they all belong to joinedup's admin site; the API's views are ninja
operations, each declaring `x-joinedup-access` and `x-joinedup-audit`, checked by walking the
API's router. The self-tests at the end show the walk catches an undeclared route."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, include, path
from django.urls.resolvers import RegexPattern
from ninja import NinjaAPI, Router

from joinedup.accounts.admin_site import JoinedupAdminSite, admin_site, is_it_administrator
from joinedup.accounts.session import SECOND_FACTOR_DONE
from joinedup.api.api import api, operations
from joinedup.api.declarations import declaration_of_operation, declare
from joinedup.conftest import Region
from joinedup.core.routes import Access, Audit, declaration_of, route

ADMIN_APP = "admin"
API_APP = "ninja"


@dataclass(frozen=True)
class Entry:
    route: str
    view: Callable[..., Any]
    app_names: tuple[str, ...]  # of the includes it sits in, outermost first


def walk(resolver: URLResolver, prefix: str = "", apps: tuple[str, ...] = ()) -> Iterator[Entry]:
    for entry in resolver.url_patterns:
        route_text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry, route_text, (*apps, entry.app_name or ""))
        elif isinstance(entry, URLPattern):
            yield Entry(route_text, entry.callback, apps)


def _admin_site_of(view: Callable[..., Any]) -> object | None:
    """The admin site an admin view belongs to. Admin views carry it (`admin_site`, or
    `model_admin.admin_site`) or are methods of the site or a ModelAdmin, possibly beneath
    admin_view()'s wrapper."""
    layer: Any = view
    while layer is not None:
        owner = getattr(layer, "__self__", None)
        for candidate in (
            getattr(layer, "admin_site", None),
            getattr(getattr(layer, "model_admin", None), "admin_site", None),
            owner,
            getattr(owner, "admin_site", None),
        ):
            if isinstance(candidate, AdminSite):
                return candidate
        layer = getattr(layer, "__wrapped__", None)
    return None


def _declared(view: Callable[..., Any]) -> bool:
    view_class = getattr(view, "view_class", None)
    return declaration_of(view) is not None or (
        view_class is not None and declaration_of(view_class) is not None
    )


def unguarded_routes(resolver: URLResolver) -> list[str]:
    """Routes with no declaration, as 'route: view'. Empty when every route is guarded."""
    found = []
    for entry in walk(resolver):
        name = f"{entry.route}: {getattr(entry.view, '__module__', '?')}." + getattr(
            entry.view, "__qualname__", repr(entry.view)
        )
        if ADMIN_APP in entry.app_names:
            if _admin_site_of(entry.view) is not admin_site:
                found.append(f"{name} (an admin view not on joinedup's admin site)")
        elif _declared(entry.view):
            continue
        elif getattr(entry.view, "joinedup_api_operation", False) and API_APP in entry.app_names:
            continue  # checked by undeclared_operations()
        else:
            found.append(name)
    return found


def undeclared_operations(of: NinjaAPI) -> list[str]:
    return [
        f"{op.method} {op.path}"
        for op in operations(of)
        if declaration_of_operation(op.operation) is None
    ]


# -- the real configuration ------------------------------------------------------------------


def test_every_route_declares_who_may_use_it_and_what_it_audits() -> None:
    assert unguarded_routes(get_resolver()) == []


def test_every_api_operation_declares_access_and_audit() -> None:
    assert undeclared_operations(api) == []
    declared = {
        f"{op.method} {op.path}": declaration_of_operation(op.operation) for op in operations()
    }
    assert declared["GET /people/{person_id}"] == (Access.PERSON_POLICY, Audit.READ)
    assert declared["GET /people"] == (Access.PERSON_POLICY, Audit.READ)
    assert declared["GET /me"] == (Access.STAFF, Audit.NONE)


def test_the_api_is_mounted_and_its_views_are_walked() -> None:
    entries = [e for e in walk(get_resolver()) if API_APP in e.app_names]
    assert any(e.route == "api/v1/people/<person_id>" for e in entries)
    assert all(
        _declared(e.view) or getattr(e.view, "joinedup_api_operation", False) for e in entries
    )


def test_the_admin_is_joinedups_site_for_it_administrators_only(region: Region) -> None:
    resolver = get_resolver()
    admin_views = [e for e in walk(resolver) if ADMIN_APP in e.app_names]
    assert admin_views, "the admin should be mounted"
    assert {id(_admin_site_of(e.view)) for e in admin_views} == {id(admin_site)}
    assert type(admin_site) is JoinedupAdminSite
    assert "has_permission" not in vars(admin_site)
    assert JoinedupAdminSite.has_permission is not AdminSite.has_permission

    def request_as(key: str | None, *, second_factor: bool) -> HttpRequest:
        request = RequestFactory().get("/admin/")
        request.user = region.user(key) if key else AnonymousUser()
        request.session = SessionStore()
        if second_factor:
            request.session[SECOND_FACTOR_DONE] = True
        return request

    assert admin_site.has_permission(request_as("it_admin", second_factor=True))
    assert not admin_site.has_permission(request_as("it_admin", second_factor=False))
    nurse = request_as("nurse", second_factor=True)
    nurse.user.is_staff = True  # staff status alone is not enough: the IT role is
    assert not admin_site.has_permission(nurse)
    assert not is_it_administrator(nurse)
    assert not admin_site.has_permission(request_as(None, second_factor=False))


# -- the walk catches what it should -----------------------------------------------------------


def _view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


def _undeclared_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


def _fake_urlconf(patterns: Sequence[URLPattern | URLResolver]) -> URLResolver:
    module = types.ModuleType("fake_urls")
    module.urlpatterns = list(patterns)  # type: ignore[attr-defined]
    return URLResolver(RegexPattern(r"^/"), module)


def test_the_walk_reports_an_undeclared_view_even_deep_in_an_include() -> None:
    declared = route(access=Access.STAFF, audit=Audit.NONE)(_view)
    resolver = _fake_urlconf(
        [
            path("fine/", declared),
            path("deeper/", include([path("forgotten/", _undeclared_view, name="forgotten")])),
        ]
    )
    [report] = unguarded_routes(resolver)
    assert report.startswith("deeper/forgotten/: ")
    assert "_undeclared_view" in report


def test_the_walk_reports_a_view_merely_claiming_to_be_an_api_operation() -> None:
    def sneaky(request: HttpRequest) -> HttpResponse:
        return HttpResponse("")

    sneaky.joinedup_api_operation = True  # type: ignore[attr-defined]
    assert len(unguarded_routes(_fake_urlconf([path("sneaky/", sneaky)]))) == 1


def test_the_walk_reports_an_admin_site_other_than_joinedups() -> None:
    other = AdminSite(name="other_admin")
    reports = unguarded_routes(_fake_urlconf([path("other/", other.urls)]))
    assert reports
    assert all("not on joinedup's admin site" in report for report in reports)


def test_the_walk_reports_an_api_operation_without_a_declaration() -> None:
    fake = NinjaAPI(urls_namespace="routes-self-test")
    router = Router()

    @fake.get("/declared", openapi_extra=declare(access=Access.STAFF, audit=Audit.NONE))
    def declared(request: HttpRequest) -> str:
        return ""

    @router.post("/forgotten")
    def forgotten(request: HttpRequest) -> str:
        return ""

    @router.get("/half", openapi_extra={"x-joinedup-access": "staff"})
    def half(request: HttpRequest) -> str:
        return ""

    fake.add_router("/things", router)
    assert undeclared_operations(fake) == ["POST /things/forgotten", "GET /things/half"]
