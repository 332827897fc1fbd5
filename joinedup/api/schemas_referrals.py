"""The API's input and output for referrals (referrals/api.py): the lists, one referral with
what was sent and its history, the changes each side may make, and the measures.

Inputs check shape and size; who may set each state and the rules of each step (a reason and
words to reject, an outcome to complete, what may be shared) are the services' to check, and
come back as 403 or 422 problems."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from joinedup.api.schemas import Coded, OrganisationRef
from joinedup.api.schemas_careplans import StaffRef

LONG = 5000  # free text: generous, but bounded
SHORT = 300


# -- shared pieces --------------------------------------------------------------------------


class PersonRef(Schema):
    """The person referred, as the referral shows them."""

    id: uuid.UUID
    name: str
    nhs_number: str | None


class ServiceRef(Schema):
    id: uuid.UUID
    name: str


class Sides(Schema):
    """The two organisations: the referrer's and the receiving service's."""

    referrer: OrganisationRef = Field(..., description="The organisation that made it.")
    receiver: OrganisationRef = Field(..., description="The organisation it was sent to.")


# -- reading --------------------------------------------------------------------------------


class ReferralRow(Schema):
    id: uuid.UUID
    kind: Coded
    person: PersonRef
    service: ServiceRef
    organisations: Sides
    urgency: Coded
    status: Coded
    respond_by: datetime | None = Field(
        ..., description="When the receiving service should have accepted or rejected it."
    )
    overdue: bool = Field(
        ..., description="Still waiting for an answer after `respond_by`: it needs chasing."
    )


class ReferralListOut(Schema):
    results: list[ReferralRow]
    count: int = Field(..., description="How many referrals match, on every page.")
    page: int
    pages: int = Field(..., description="How many pages there are (at least 1).")


class ItemOut(Schema):
    """One item of information sent, as copied when the referral was sent."""

    label: str
    text: str
    category: Coded
    source_type: str = Field(..., description="RecordEntry, AboutMe or Person.")
    source_id: str


class StatusChangeOut(Schema):
    """One step of the referral's history: who moved it to which state, when and why."""

    status: Coded
    reason_code: str = Field(..., description="For a rejection: the reason's code.")
    reason: str
    by: str
    organisation: OrganisationRef | None
    at: datetime


class ReferralOut(Schema):
    id: uuid.UUID
    version: int = Field(..., description="Goes up with every change; the ETag carries it.")
    kind: Coded
    person: PersonRef
    service: ServiceRef
    organisations: Sides
    requester: StaffRef
    recipient: StaffRef | None = Field(
        ..., description="The named practitioner it is addressed to, if not to the service."
    )
    assigned_to: StaffRef | None = Field(
        ..., description="Who at the receiving service took it on (set on acceptance)."
    )
    reason: str
    urgency: Coded
    what_matters: str
    questions: str
    status: Coded
    requested_at: datetime | None
    respond_by: datetime | None
    responded_at: datetime | None
    escalated_at: datetime | None = Field(
        ..., description="When the service's manager was told it was overdue."
    )
    overdue: bool
    outcome_summary: str = Field(..., description="On completion: what was done and next.")
    suggested_service: ServiceRef | None = Field(
        ..., description="On rejection: another service the receiver suggests."
    )
    items: list[ItemOut] = Field(..., description="What was sent, exactly as sent.")
    shared_without_consent: bool = Field(
        False,
        description="Sent despite the person's objection, under a recorded decision to share "
        "without consent (safeguarding, serious harm or a legal duty).",
    )
    history: list[StatusChangeOut] = Field(..., description="Every step, oldest first.")


# -- changing -------------------------------------------------------------------------------


class ItemIn(Schema):
    source_type: Literal["entry", "about_me", "communication"] = Field(
        ...,
        description="`entry`: a record entry you can see (its id in `source_id`); `about_me`: "
        "the person's latest About Me; `communication`: their communication needs.",
    )
    source_id: str = Field("", max_length=64, description="For `entry`: the entry's id.")


class ReferralIn(Schema):
    person_id: uuid.UUID
    service_id: uuid.UUID = Field(..., description="The directory service to refer to.")
    reason: str = Field(..., max_length=LONG, description="Why you are referring.")
    urgency: Literal["routine", "urgent"] = "routine"
    kind: Literal["referral", "transfer"] = Field(
        "referral", description="`transfer` for a transfer of care."
    )
    what_matters: str = Field("", max_length=LONG, description="What matters to the person.")
    questions: str = Field("", max_length=LONG, description="Questions you want answered.")
    items: list[ItemIn] = Field(
        default_factory=list,
        max_length=50,
        description="The information to send, item by item: only what the receiver needs.",
    )
    recipient_id: uuid.UUID | None = Field(
        None,
        description="A named practitioner's role profile at the service, when the referral "
        "is to a person rather than the service. They need a verified professional "
        "registration.",
    )


RESPONSES = Literal[
    "accepted",
    "rejected",
    "in_progress",
    "on_hold",
    "completed",
    "failed",
    "requested",
    "cancelled",
]


class StatusIn(Schema):
    status: RESPONSES = Field(
        ...,
        description="The receiving service sets `accepted` or `rejected` (from waiting), "
        "`in_progress`, `on_hold`, `completed` or `failed`. The referrer sends with "
        "`/send` and cancels with `/cancel`; asking for those here is refused (403).",
    )
    reason_code: str = Field(
        "",
        max_length=20,
        description="To reject: not_eligible, outside_area, no_capacity, wrong_service, "
        "needs_more or declined.",
    )
    reason: str = Field(
        "",
        max_length=LONG,
        description="In words, for the referrer: needed to reject, put on hold or fail.",
    )
    assigned_to: uuid.UUID | None = Field(
        None,
        description="On acceptance: the role profile at your organisation who takes it on "
        "(you, if not given). They join the person's care team.",
    )
    outcome_summary: str = Field(
        "",
        max_length=LONG,
        description="To complete: what was done and what happens next. Sent to the referrer.",
    )
    suggested_service_id: uuid.UUID | None = Field(
        None, description="On rejection: a service that would meet the need better."
    )


class CancelIn(Schema):
    reason: str = Field(..., max_length=LONG, description="Why, for the receiving service.")


# -- measures -------------------------------------------------------------------------------


class DurationsOut(Schema):
    count: int = Field(..., description="How many referrals the times are taken from.")
    median_hours: float | None = Field(..., description="None when there are none.")
    p90_hours: float | None = Field(
        ...,
        description="The 90th percentile (linear interpolation between the nearest ranks, "
        "as PostgreSQL's percentile_cont): nine in ten took no longer.",
    )


class ReasonCount(Schema):
    reason: Coded
    count: int


class MeasuresOut(Schema):
    received: int = Field(..., description="Referrals sent to it (drafts are not counted).")
    accepted: int = Field(..., description="Accepted, whatever happened to them since.")
    rejected: int
    rejected_by_reason: list[ReasonCount]
    overdue_now: int = Field(..., description="Waiting for an answer past the deadline now.")
    time_to_respond: DurationsOut = Field(..., description="From sent to accepted or rejected.")
    time_to_complete: DurationsOut = Field(..., description="From sent to completed.")


class ServiceMeasuresOut(Schema):
    service: ServiceRef
    measures: MeasuresOut


class OrganisationMeasuresOut(Schema):
    organisation: OrganisationRef
    measures: MeasuresOut = Field(..., description="All the organisation's services together.")
    services: list[ServiceMeasuresOut]
    computed_at: datetime
