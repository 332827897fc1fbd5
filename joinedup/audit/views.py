"""A person's access log page: everyone who opened or changed their record, newest first.

Under people/<person_id>/access-log/ (audit/urls.py, included by people/urls.py). The page reads
through audit.selectors.access_log_for, which asks the access policy and audits the read."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse

from joinedup.audit.selectors import access_log_for
from joinedup.core.context import actor_for, needs_actor, render_page
from joinedup.core.forms import NhsukForm
from joinedup.core.pagination import paginate
from joinedup.core.routes import Access, Audit, route
from joinedup.directory.models import Organisation
from joinedup.people.views import answers_person_errors

EVERY_ORGANISATION = ("", "All organisations")


class AccessLogFilterForm(NhsukForm):
    """Narrow the log to one organisation: those in the log are the choices."""

    organisation = forms.ChoiceField(label="Organisation", required=False)

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared just above
        field.choices = [EVERY_ORGANISATION, *((str(o.pk), o.name) for o in organisations)]


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@route(access=Access.PERSON_POLICY, audit=Audit.READ)
@needs_actor
@answers_person_errors
def access_log(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    chosen = request.GET.get("organisation", "")
    log = access_log_for(
        actor_for(request),
        person_id,
        page=request.GET.get("page"),
        organisation_id=_uuid_or_none(chosen),
    )
    form = AccessLogFilterForm(request.GET or None, organisations=log.organisations)
    if form.is_bound:
        form.is_valid()
    # The selector fetched this page already; paginating a range of the same length gives
    # the NHS.UK pagination links every other list page has, with the filter kept in them.
    _, pagination = paginate(request, range(log.page.paginator.count))
    return render_page(
        request,
        "audit/access_log.jinja",
        {
            "person": log.person,
            "log": log,
            "page": log.page,
            "pagination": pagination,
            "form": form,
            "filtered": bool(chosen),
        },
        page_title=f"Who has opened the record: {log.person.full_name}",
    )
