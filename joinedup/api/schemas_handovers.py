"""The API's input and output for handovers: SBAR, the receiver, and the read-back."""

from __future__ import annotations

import uuid
from datetime import datetime

from ninja import Field, Schema


class HandoverPersonOut(Schema):
    id: uuid.UUID
    name: str


class HandoverOut(Schema):
    """A handover: who gave it, to whom (a colleague or a team), about whom, in SBAR form."""

    id: uuid.UUID
    from_role_id: uuid.UUID
    from_name: str
    to_role_id: uuid.UUID | None
    to_team_id: uuid.UUID | None
    people: list[HandoverPersonOut]
    situation: str
    background: str
    assessment: str
    recommendation: str
    reason: str
    created_at: datetime
    waiting: bool = Field(..., description="True until the receiver acknowledges it.")
    acknowledged_at: datetime | None
    read_back: str


class HandoverListOut(Schema):
    given: list[HandoverOut] = Field(..., description="Handovers I gave, not yet acknowledged.")
    received: list[HandoverOut] = Field(
        ..., description="Handovers to me or my team, not yet acknowledged."
    )


class HandoverIn(Schema):
    """Hand over people in my care to a colleague (`to_role_id`) or a team (`to_team_id`) of my
    organisation: exactly one of the two."""

    person_ids: list[uuid.UUID] = Field(..., min_length=1, max_length=200)
    to_role_id: uuid.UUID | None = None
    to_team_id: uuid.UUID | None = None
    situation: str = Field(..., min_length=1, max_length=4000)
    background: str = Field(..., min_length=1, max_length=4000)
    assessment: str = Field(..., min_length=1, max_length=4000)
    recommendation: str = Field(..., min_length=1, max_length=4000)
    reason: str = Field("", max_length=200)


class AcknowledgeIn(Schema):
    read_back: str = Field(
        ...,
        max_length=4000,
        description="The key points and what the receiver will do next, in their own words "
        "(at least three words).",
    )


class TransferItemIn(Schema):
    source_type: str = Field(
        ..., description='"entry" (a record entry), "about_me" or "communication"'
    )
    source_id: str = Field("", description="The record entry's id, for an entry.")


class TransferIn(Schema):
    """Transfer a person's care to a service (for example on discharge from hospital): a
    referral of kind "transfer", sent at once, with the discharge summary."""

    person_id: uuid.UUID
    service_id: uuid.UUID
    reason: str = Field(..., min_length=1, max_length=4000)
    urgency: str = Field("routine", description='"routine" or "urgent"')
    what_happened: str = Field(..., min_length=1, max_length=8000)
    follow_up: str = Field(..., min_length=1, max_length=8000)
    reason_for_admission: str = Field("", max_length=8000)
    medication_changes: str = Field("", max_length=8000)
    what_matters: str = Field("", max_length=4000)
    risks: str = Field("", max_length=4000)
    items: list[TransferItemIn] = Field(default_factory=list, max_length=50)


class TransferOut(Schema):
    referral_id: uuid.UUID
    status: str
    respond_by: datetime | None
    acknowledged_at: datetime | None
    lead_professional: str | None = Field(
        None, description="Who leads the person's care now, once the transfer is acknowledged."
    )
