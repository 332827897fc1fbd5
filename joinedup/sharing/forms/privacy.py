"""Forms for emergency access (break-glass) and the privacy officer's reviews. They check what
was typed and say what is wrong in plain words; sharing.services enforces the rules (who may
break glass, the fresh second factor, who may review) and audits."""

from __future__ import annotations

from typing import Any

from django import forms

from joinedup.core.forms import NhsukForm
from joinedup.core.identifiers import InvalidIdentifier, normalise_nhs_number
from joinedup.sharing.models import BreakGlassReason, ReviewOutcome

CODE_LENGTH = 6
# The service asks for at least this much; the form says so before the service has to.
REASON_MIN_LENGTH = 10

CONFIRMATION = (
    "I need this record now for this person's care, and I understand my access will be reviewed"
)


def clean_nhs_number(raw: str) -> str:
    try:
        return normalise_nhs_number(raw)
    except InvalidIdentifier as error:
        raise forms.ValidationError(str(error)) from None


def clean_code(raw: str) -> str:
    """Six digits, allowing the spaces people copy from their app ("123 456")."""
    code = "".join(raw.split())
    if not (code.isascii() and code.isdigit()):
        raise forms.ValidationError("The code must only include numbers")
    if len(code) != CODE_LENGTH:
        raise forms.ValidationError("The code must be 6 numbers")
    return code


class FindForEmergencyForm(NhsukForm):
    """Step 1: the exact NHS number of the person who needs care now."""

    nhs_number = forms.CharField(
        label="NHS number",
        max_length=20,
        help_text="This is a 10 digit number, like 485 777 3456. Emergency access finds a "
        "person by their exact NHS number only.",
        error_messages={"required": "Enter the NHS number of the person who needs care"},
    )

    def clean_nhs_number(self) -> str:
        return clean_nhs_number(str(self.cleaned_data["nhs_number"]))


class StartEmergencyAccessForm(NhsukForm):
    """Step 2: why, an explicit confirmation and a fresh code from the authenticator app.

    `nhs_number` travels hidden so that the person's name and date of birth can be shown again
    if something needs correcting; `person` is the record chosen (hidden when there is one)."""

    nhs_number = forms.CharField(widget=forms.HiddenInput)
    person = forms.UUIDField(
        label="Which person?",
        error_messages={
            "required": "Select the person who needs care",
            "invalid": "Select the person who needs care",
        },
    )
    reason_code = forms.ChoiceField(
        label="Why do you need emergency access?",
        choices=BreakGlassReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why you need emergency access"},
    )
    reason = forms.CharField(
        label="Explain in your own words",
        widget=forms.Textarea,
        max_length=2000,
        help_text="What is happening and why the record cannot wait. Your privacy officer "
        "will read this.",
        error_messages={"required": "Explain in your own words why you need this record now"},
    )
    confirmed = forms.BooleanField(
        label=CONFIRMATION,
        error_messages={
            "required": "Confirm that you need this record now and understand your access will "
            "be reviewed"
        },
    )
    second_factor_code = forms.CharField(
        label="Code from your authenticator app",
        help_text="It is 6 numbers. Use a new code: one you have already used will not work.",
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )

    def clean_nhs_number(self) -> str:
        return clean_nhs_number(str(self.cleaned_data["nhs_number"]))

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data["reason"]).strip()
        if len(reason) < REASON_MIN_LENGTH:
            raise forms.ValidationError(
                "Explain in your own words why you need this record now, in a sentence or more"
            )
        return reason

    def clean_second_factor_code(self) -> str:
        return clean_code(str(self.cleaned_data["second_factor_code"]))

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "person_id": data["person"],
            "reason_code": data["reason_code"],
            "reason": data["reason"],
            "confirmed": data["confirmed"],
            "second_factor_code": data["second_factor_code"],
        }


class ReviewBreakGlassForm(NhsukForm):
    """A privacy officer's outcome for one emergency access."""

    outcome = forms.ChoiceField(
        label="Was this emergency access appropriate?",
        choices=ReviewOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select an outcome"},
    )
    notes = forms.CharField(
        label="What you found and any follow-up",
        widget=forms.Textarea,
        max_length=4000,
        help_text="For example, who you spoke to and what the record was needed for.",
        error_messages={"required": "Record what you found and any follow-up"},
    )

    def clean_notes(self) -> str:
        notes = str(self.cleaned_data["notes"]).strip()
        if not notes:
            raise forms.ValidationError("Record what you found and any follow-up")
        return notes


class EndExemptionForm(NhsukForm):
    """A privacy officer ends a serious-harm exemption after reviewing it."""

    notes = forms.CharField(
        label="What did your review find?",
        widget=forms.Textarea,
        max_length=4000,
        help_text="Once the exemption ends, the person can see this disclosure in the list of "
        "who has seen their record.",
        error_messages={"required": "Record what your review found"},
    )

    def clean_notes(self) -> str:
        notes = str(self.cleaned_data["notes"]).strip()
        if not notes:
            raise forms.ValidationError("Record what your review found")
        return notes
