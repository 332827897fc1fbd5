"""The handover endpoints of /api/v1/handovers: my handovers waiting, handing over, and
acknowledging with a read-back. handovers.services checks who may do each and audits; this
only checks input and shapes output."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Router, Status

from joinedup.api.auth import actor_of
from joinedup.api.declarations import declare
from joinedup.api.problems import FieldProblem, InvalidInput
from joinedup.api.schemas import Problem
from joinedup.api.schemas_handovers import (
    AcknowledgeIn,
    HandoverIn,
    HandoverListOut,
    HandoverOut,
    HandoverPersonOut,
)
from joinedup.core.errors import DomainRuleBroken, NotFound
from joinedup.core.routes import Access, Audit
from joinedup.handovers.models import Handover
from joinedup.handovers.selectors import (
    colleague,
    handover_to_change_for,
    handovers_waiting_for,
    team_for,
)
from joinedup.handovers.services import Sbar, acknowledge_handover, hand_over
from joinedup.people.selectors import open_for_change

router = Router(tags=["handovers"])


def _out(handover: Handover) -> HandoverOut:
    return HandoverOut(
        id=handover.pk,
        from_role_id=handover.from_role_id,
        from_name=handover.from_role.practitioner.display_name,
        to_role_id=handover.to_role_id,
        to_team_id=handover.to_team_id,
        people=[HandoverPersonOut(id=p.pk, name=p.full_name) for p in handover.people.all()],
        situation=handover.situation,
        background=handover.background,
        assessment=handover.assessment,
        recommendation=handover.recommendation,
        reason=handover.reason,
        created_at=handover.created_at,
        waiting=handover.waiting,
        acknowledged_at=handover.acknowledged_at,
        read_back=handover.read_back,
    )


@router.get(
    "",
    response={200: HandoverListOut, 400: Problem, 401: Problem},
    summary="My handovers waiting to be acknowledged",
    openapi_extra=declare(access=Access.STAFF, audit=Audit.READ),
)
def list_handovers(request: HttpRequest, waiting: bool = True) -> HandoverListOut:
    """Handovers given by or to this token's role profile (or its team) that have not been
    acknowledged. Only `waiting=true` is served. Audited as one list read."""
    if not waiting:
        raise InvalidInput(
            [
                FieldProblem(
                    rule="waiting", detail="Only waiting handovers are listed.", name="waiting"
                )
            ]
        )
    found = handovers_waiting_for(actor_of(request))
    return HandoverListOut(
        given=[_out(h) for h in found.given], received=[_out(h) for h in found.received]
    )


@router.post(
    "",
    response={
        201: HandoverOut,
        400: Problem,
        401: Problem,
        403: Problem,
        404: Problem,
        422: Problem,
    },
    summary="Hand over people in my care to a colleague or a team",
    openapi_extra=declare(access=Access.PERSON_POLICY, audit=Audit.WRITE),
)
def create_handover(request: HttpRequest, body: HandoverIn) -> Status[HandoverOut]:
    """The giver must be in each person's care team (404 for a person they cannot see, 403 for
    one they see on another basis); the receiver must work for the same organisation now (422
    otherwise). The receiver is told; audited once per person."""
    actor = actor_of(request)
    if (body.to_role_id is None) == (body.to_team_id is None):
        raise InvalidInput(
            [
                FieldProblem(
                    rule="receiver",
                    detail="Give exactly one of to_role_id and to_team_id.",
                    pointer="#/to_role_id",
                )
            ],
            status=422,
        )
    people = [open_for_change(actor, person_id).person for person_id in body.person_ids]
    try:
        to_role = colleague(actor, body.to_role_id) if body.to_role_id else None
        to_team = team_for(actor, body.to_team_id) if body.to_team_id else None
    except NotFound:
        raise DomainRuleBroken(
            "Hand over to a current colleague or team of your organisation.",
            field="to_role_id" if body.to_role_id else "to_team_id",
        ) from None
    made = hand_over(
        actor=actor,
        people=people,
        sbar=Sbar(body.situation, body.background, body.assessment, body.recommendation),
        to_role=to_role,
        to_team=to_team,
        reason=body.reason,
    )
    return Status(201, _out(made))


@router.post(
    "/{handover_id}/acknowledge",
    response={
        200: HandoverOut,
        400: Problem,
        401: Problem,
        403: Problem,
        404: Problem,
        422: Problem,
    },
    summary="Acknowledge a handover with a read-back",
    openapi_extra=declare(access=Access.STAFF, audit=Audit.WRITE),
)
def acknowledge(request: HttpRequest, handover_id: uuid.UUID, body: AcknowledgeIn) -> HandoverOut:
    """Only the receiver (or a member of the team it went to); the giver gets 403, anyone else
    404. The read-back must be a few words of one's own (422 otherwise)."""
    actor = actor_of(request)
    found = handover_to_change_for(actor, handover_id)
    done = acknowledge_handover(actor=actor, handover=found, read_back=body.read_back)
    return _out(done)
