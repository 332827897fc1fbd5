"""Directory pages: browse and search organisations, services, practitioners and teams.

Directory data is about organisations and staff, not the people they care for: any signed-in
staff member may read it, and reading it is not audited."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from joinedup.core.context import render_page
from joinedup.core.errors import NotFound
from joinedup.core.pagination import paginate
from joinedup.core.routes import Access, Audit, route
from joinedup.directory import selectors
from joinedup.directory.forms import (
    OrganisationFilterForm,
    PractitionerFilterForm,
    ServiceFilterForm,
    TeamFilterForm,
)


def _list_page(
    request: HttpRequest,
    *,
    template: str,
    title: str,
    form: forms.Form,
    search: Callable[[dict[str, Any]], QuerySet[Any, Any] | Sequence[Any]],
) -> HttpResponse:
    # An invalid filter shows its error beside the field and no rows, never everything.
    rows: QuerySet[Any, Any] | Sequence[Any] = search(form.cleaned_data) if form.is_valid() else []
    page, pagination = paginate(request, rows)
    filtered = form.is_valid() and any(form.cleaned_data.values())
    return render_page(
        request,
        template,
        {"form": form, "page": page, "pagination": pagination, "filtered": filtered},
        page_title=title,
    )


@route(access=Access.STAFF, audit=Audit.NONE)
def index(request: HttpRequest) -> HttpResponse:
    return render_page(
        request,
        "directory/index.jinja",
        {"counts": selectors.directory_counts()},
        page_title="Directory",
    )


@route(access=Access.STAFF, audit=Audit.NONE)
def organisations(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request,
        template="directory/organisations.jinja",
        title="Organisations",
        form=OrganisationFilterForm(request.GET),
        search=lambda data: selectors.search_organisations(
            name=data["name"], org_type=data["org_type"], ods_code=data["ods_code"]
        ),
    )


@route(access=Access.STAFF, audit=Audit.NONE)
def organisation(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    try:
        detail = selectors.organisation_detail(organisation_id)
    except NotFound:
        raise Http404 from None
    return render_page(
        request,
        "directory/organisation.jinja",
        {"detail": detail},
        page_title=detail.organisation.name,
    )


@route(access=Access.STAFF, audit=Audit.NONE)
def services(request: HttpRequest) -> HttpResponse:
    form = ServiceFilterForm(request.GET)
    return _list_page(
        request,
        template="directory/services.jinja",
        title="Services",
        form=form,
        search=lambda data: selectors.search_services(
            need=data["need"],
            name=data["name"],
            capacity_status=data["capacity_status"],
            accepts_referrals=form.referrals_wanted(),
        ),
    )


@route(access=Access.STAFF, audit=Audit.NONE)
def practitioners(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request,
        template="directory/practitioners.jinja",
        title="Practitioners",
        form=PractitionerFilterForm(request.GET),
        search=lambda data: selectors.search_practitioners(
            name=data["name"], profession=data["profession"], regulator=data["regulator"]
        ),
    )


@route(access=Access.STAFF, audit=Audit.NONE)
def teams(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request,
        template="directory/teams.jinja",
        title="Teams",
        form=TeamFilterForm(request.GET),
        search=lambda data: selectors.search_teams(name=data["name"]),
    )
