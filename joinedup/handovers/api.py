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
    TransferIn,
    TransferOut,
)
from joinedup.careteams.selectors import lead_professional_of
from joinedup.core.errors import DomainRuleBroken, NotFound
from joinedup.core.routes import Access, Audit
from joinedup.handovers.models import Handover, TransferDocument
from joinedup.handovers.selectors import (
    colleague,
    handover_to_change_for,
    handovers_waiting_for,
    team_for,
)
from joinedup.handovers.services import Sbar, acknowledge_handover, hand_over
from joinedup.people.selectors import open_for_change
from joinedup.referrals.models import Referral
from joinedup.referrals.selectors import service_to_refer_to
from joinedup.referrals.services import ItemChoice
from joinedup.referrals.transfers import (
    TransferSections,
    acknowledge_transfer,
    start_transfer,
    transfer_to_change_for,
)

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


# -- transfers of care ------------------------------------------------------------------------


def _transfer_out(referral: Referral, document: TransferDocument | None) -> TransferOut:
    lead = lead_professional_of(referral.person) if document and document.acknowledged_at else None
    return TransferOut(
        referral_id=referral.pk,
        status=referral.status,
        respond_by=referral.respond_by,
        acknowledged_at=document.acknowledged_at if document else None,
        lead_professional=str(lead) if lead else None,
    )


@router.post(
    "/transfers",
    response={
        201: TransferOut,
        400: Problem,
        401: Problem,
        403: Problem,
        404: Problem,
        422: Problem,
    },
    summary="Transfer a person's care to a service, with the discharge summary",
    openapi_extra=declare(access=Access.PERSON_POLICY, audit=Audit.WRITE),
)
def create_transfer(request: HttpRequest, body: TransferIn) -> Status[TransferOut]:
    """Sends at once: the same checks as a referral (who may refer, what may be shared with the
    receiving organisation, who is accountable for it). The receiving service accepts it
    through `POST /api/v1/referrals/{id}/status` and then acknowledges it here."""
    actor = actor_of(request)
    person = open_for_change(actor, body.person_id).person
    service = service_to_refer_to(body.service_id)
    referral = start_transfer(
        actor=actor,
        person=person,
        service=service,
        reason=body.reason,
        urgency=body.urgency,
        sections=TransferSections(
            what_happened=body.what_happened,
            follow_up=body.follow_up,
            reason_for_admission=body.reason_for_admission,
            medication_changes=body.medication_changes,
            what_matters=body.what_matters,
            risks=body.risks,
        ),
        items=[ItemChoice(item.source_type, item.source_id) for item in body.items],
    )
    return Status(201, _transfer_out(referral, None))


@router.post(
    "/transfers/{referral_id}/acknowledge",
    response={
        200: TransferOut,
        400: Problem,
        401: Problem,
        403: Problem,
        404: Problem,
        422: Problem,
    },
    summary="Acknowledge a transfer of care with a read-back: the lead professional moves",
    openapi_extra=declare(access=Access.STAFF, audit=Audit.WRITE),
)
def acknowledge_transfer_of_care(
    request: HttpRequest, referral_id: uuid.UUID, body: AcknowledgeIn
) -> TransferOut:
    """By the receiving service after accepting (422 before). Records an acknowledged handover
    from the document and makes the assigned practitioner the lead professional. The sender's
    side gets 403; anyone else 404."""
    actor = actor_of(request)
    referral = transfer_to_change_for(actor, referral_id)
    document = acknowledge_transfer(actor=actor, referral=referral, read_back=body.read_back)
    return _transfer_out(document.referral, document)
