"""The access log's API output: GET /api/v1/people/{person_id}/access-log (audit/api.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema


class CodeAndWords(Schema):
    """A code and what it means in plain words, e.g. {"code": "care_team", "display": "In the
    care team"}."""

    code: str
    display: str


class AccessLogOrganisation(Schema):
    name: str
    ods_code: str | None


class AccessLogEventOut(Schema):
    """One time someone opened or changed the person's record."""

    occurred_at: datetime
    organisation: AccessLogOrganisation | None = Field(
        ..., description="The organisation the person acted for; null for a system job."
    )
    role: CodeAndWords | None = Field(..., description="Their job role; null for a system job.")
    user_name: str = Field(..., description="Who it was.")
    action: CodeAndWords = Field(..., description="What they did.")
    basis: CodeAndWords | None = Field(
        ..., description="Why they had access; null when they had none (a refused attempt)."
    )
    purpose: str = Field(..., description="Why the information was used, e.g. direct_care.")
    outcome: Literal["allowed", "denied"]
    reason: str = Field(..., description="What the record says about it, in words.")


class AccessLogOut(Schema):
    """One page of the person's access log, newest first."""

    count: int = Field(..., description="How many times the record was opened or changed.")
    page: int = Field(..., description="This page's number, from 1.")
    pages: int = Field(..., description="How many pages there are.")
    results: list[AccessLogEventOut]
