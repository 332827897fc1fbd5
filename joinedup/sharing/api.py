"""The sharing endpoints of /api/v1/people: starting emergency access (break-glass).

sharing.services.start_break_glass checks the role, the confirmation and the fresh second
factor, alerts the privacy officers and audits; this only checks input and shapes output."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Router, Status

from joinedup.api.auth import actor_of
from joinedup.api.declarations import declare
from joinedup.api.schemas import Problem
from joinedup.api.schemas_sharing import AlertedOrganisation, BreakGlassIn, BreakGlassOut
from joinedup.core.errors import DomainRuleBroken
from joinedup.core.routes import Access, Audit
from joinedup.sharing.services import start_break_glass

router = Router(tags=["sharing"])

# The service's names for what the request body calls differently.
_BODY_MEMBER = {"confirmed": "confirm"}


@router.post(
    "/{person_id}/break-glass",
    response={
        201: BreakGlassOut,
        400: Problem,
        401: Problem,
        403: Problem,
        404: Problem,
        422: Problem,
    },
    summary="Start emergency access (break-glass) to a person's record",
    openapi_extra=declare(access=Access.STAFF, audit=Audit.WRITE),
)
def start_emergency_access(
    request: HttpRequest, person_id: uuid.UUID, body: BreakGlassIn
) -> Status[BreakGlassOut]:
    """For roles that may break glass (403 otherwise). Needs a reason, `confirm: true` and a
    fresh code from the token's user's authenticator app (a code already used is refused, 422).
    Afterwards `GET /people/{person_id}` answers for this token's role profile until
    `expires_at`. The privacy officers of the organisations holding the record are alerted, and
    the start is audited. 404 for a person who does not exist."""
    try:
        started = start_break_glass(
            actor=actor_of(request),
            person_id=person_id,
            reason_code=body.reason_code,
            reason=body.reason,
            confirmed=body.confirm,
            second_factor_code=body.second_factor_code,
        )
    except DomainRuleBroken as error:
        field = _BODY_MEMBER.get(error.field or "", error.field)
        raise DomainRuleBroken(error.message, field=field) from None
    access = started.access
    return Status(
        201,
        BreakGlassOut(
            id=access.pk,
            person_id=access.person_id,
            expires_at=access.expires_at,
            alerted_organisations=[
                AlertedOrganisation(name=organisation.name, ods_code=organisation.ods_code)
                for organisation in started.alerted
            ],
        ),
    )
