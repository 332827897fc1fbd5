"""Home ("My people"), the health check and the accessibility statement."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from joinedup.core.context import actor_for, needs_actor, render_page
from joinedup.core.pagination import paginate
from joinedup.core.routes import Access, Audit, route
from joinedup.people.selectors import caseload_for
from joinedup.sharing.policy import may_register_people

# A GP's caseload can run to a thousand people or more: show it a page at a time.
CASELOAD_PER_PAGE = 50


@route(access=Access.STAFF, audit=Audit.READ)
@require_GET
@needs_actor
def home(request: HttpRequest) -> HttpResponse:
    """My people: everyone whose care team the acting role profile is in."""
    actor = actor_for(request)
    page, pagination = paginate(request, caseload_for(actor), per_page=CASELOAD_PER_PAGE)
    return render_page(
        request,
        "core/home.jinja",
        {
            "members": list(page),
            "page": page,
            "pagination": pagination,
            "may_register": may_register_people(actor),
        },
        page_title="My people",
    )


def database_is_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            row = cursor.fetchone()
    except DatabaseError:
        return False
    return row is not None and row[0] == 1


@route(access=Access.PUBLIC, audit=Audit.NONE)
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: 200 when the app can query its database, else 503."""
    if database_is_up():
        return JsonResponse({"status": "ok", "database": "ok"})
    return JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)


@route(access=Access.PUBLIC, audit=Audit.NONE)
@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render_page(request, "core/accessibility.jinja", page_title="Accessibility statement")
