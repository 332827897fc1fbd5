"""Routes under the benchmark settings only (joinedup/settings/bench.py): every production
route, plus the ceiling the benchmark compares joinedup's reads with, a bare Django view that
reads one person row by primary key. No access policy, no audit: it is never mounted by the
production or local settings, and exists to measure the cost of the framework alone."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, include, path
from django.views.decorators.http import require_GET

from joinedup.core.routes import Access, Audit, route
from joinedup.people.models import Person


@route(access=Access.PUBLIC, audit=Audit.NONE)
@require_GET
def bare_row(request: HttpRequest, person_id: uuid.UUID) -> JsonResponse:
    """One row by primary key, as JSON: the least a Django view can do with the database."""
    row = Person.objects.filter(pk=person_id).values("pk", "family_name", "date_of_birth").first()
    if row is None:
        raise Http404
    return JsonResponse({"id": str(row["pk"]), "family_name": row["family_name"]})


# /api/ so that the staff sign-in middleware lets it through, as it does the API itself.
urlpatterns: list[URLPattern | URLResolver] = [
    path("api/bench/row/<uuid:person_id>", bare_row, name="bench-row"),
    path("", include("joinedup.urls")),
]
