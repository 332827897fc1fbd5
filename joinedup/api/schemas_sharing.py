"""The API's input and output for sharing: starting emergency access (break-glass)."""

from __future__ import annotations

import uuid
from datetime import datetime

from ninja import Field, Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from joinedup.sharing.models import BreakGlassReason

CODE_LENGTH = 6
REASON_MIN_LENGTH = 10


class BreakGlassIn(Schema):
    """Why emergency access is needed, an explicit confirmation, and the current code from the
    token's user's authenticator app (each code works once)."""

    reason_code: str = Field(
        ...,
        description="Why: "
        + "; ".join(f"`{value}` ({label})" for value, label in BreakGlassReason.choices)
        + ".",
        json_schema_extra={"enum": list(BreakGlassReason.values)},
        examples=[BreakGlassReason.EMERGENCY_CARE.value],
    )
    reason: str = Field(
        ...,
        max_length=2000,
        description="In the user's own words, at least 10 characters. The privacy officers "
        "who review the access read this.",
    )
    confirm: bool = Field(
        ...,
        description="Must be true: the user needs this record now for this person's care and "
        "understands the access will be reviewed.",
    )
    second_factor_code: str = Field(
        ..., description="The current 6-digit code from the user's authenticator app."
    )

    @field_validator("reason_code")
    @classmethod
    def _known_reason(cls, value: str) -> str:
        if value not in BreakGlassReason.values:
            raise PydanticCustomError(
                "reason_code",
                "Use one of: {choices}.",
                {"choices": ", ".join(BreakGlassReason.values)},
            )
        return value

    @field_validator("reason")
    @classmethod
    def _reason_in_words(cls, value: str) -> str:
        value = value.strip()
        if len(value) < REASON_MIN_LENGTH:
            raise PydanticCustomError(
                "reason",
                "Explain in your own words why you need this record now (at least 10 characters).",
            )
        return value

    @field_validator("confirm")
    @classmethod
    def _confirmed(cls, value: bool) -> bool:
        if value is not True:
            raise PydanticCustomError(
                "confirm",
                "Confirm (true) that you need this record now for this person's care and "
                "understand your access will be reviewed.",
            )
        return value

    @field_validator("second_factor_code")
    @classmethod
    def _six_digits(cls, value: str) -> str:
        code = "".join(value.split())
        if len(code) != CODE_LENGTH or not (code.isascii() and code.isdigit()):
            raise PydanticCustomError(
                "second_factor_code", "Give the 6-digit code from the authenticator app."
            )
        return code


class AlertedOrganisation(Schema):
    name: str
    ods_code: str | None


class BreakGlassOut(Schema):
    """Emergency access started: the person's record can be read until `expires_at`."""

    id: uuid.UUID
    person_id: uuid.UUID
    expires_at: datetime
    alerted_organisations: list[AlertedOrganisation] = Field(
        ..., description="The organisations holding the record whose privacy officers were told."
    )
