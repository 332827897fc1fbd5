"""GET /api/v1/people/{person_id}/access-log: who opened or changed a person's record.

Reads through audit.selectors.access_log_for, which asks the access policy and audits the
read; this module only checks input and shapes output."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from joinedup.api.auth import actor_of
from joinedup.api.declarations import declare
from joinedup.api.schemas import Problem
from joinedup.api.schemas_audit import (
    AccessLogEventOut,
    AccessLogOrganisation,
    AccessLogOut,
    CodeAndWords,
)
from joinedup.audit.selectors import AccessLogEntry, access_log_for
from joinedup.core.routes import Access, Audit

router = Router(tags=["access log"])


class AccessLogIn(Schema):
    page: int = Field(1, ge=1, description="Which page, from 1. Past the last, the last.")


@router.get(
    "/{person_id}/access-log",
    response={200: AccessLogOut, 400: Problem, 401: Problem, 404: Problem},
    summary="Who has opened or changed a person's record, newest first",
    openapi_extra=declare(access=Access.PERSON_POLICY, audit=Audit.READ),
)
def person_access_log(
    request: HttpRequest, person_id: uuid.UUID, query: Query[AccessLogIn]
) -> AccessLogOut:
    """404 alike for a person who does not exist and one whose log the token may not see.
    Audited as one read of the access log."""
    log = access_log_for(actor_of(request), person_id, page=query.page)
    page = log.page
    return AccessLogOut(
        count=page.paginator.count,
        page=page.number,
        pages=page.paginator.num_pages,
        results=[_event(entry) for entry in log.entries],
    )


def _event(entry: AccessLogEntry) -> AccessLogEventOut:
    organisation = entry.organisation
    return AccessLogEventOut(
        occurred_at=entry.occurred_at,
        organisation=AccessLogOrganisation(name=organisation.name, ods_code=organisation.ods_code)
        if organisation
        else None,
        role=CodeAndWords(code=entry.role_code, display=entry.role) if entry.role_code else None,
        user_name=entry.user_name,
        action=CodeAndWords(code=entry.action_code, display=entry.action),
        basis=CodeAndWords(code=entry.basis_code, display=entry.basis)
        if entry.basis_code
        else None,
        purpose=entry.purpose_code,
        outcome="allowed" if entry.allowed else "denied",
        reason=entry.reason,
    )
