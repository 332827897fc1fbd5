"""Forms for changing a care team. They check what was typed; careteams.services enforces the
rules of the domain (one lead professional, a reason to leave) and the access policy."""

from __future__ import annotations

from typing import Any

from django import forms

from joinedup.accounts.models import RoleProfile
from joinedup.careteams.models import CareTeamRole
from joinedup.core.errors import NotFound
from joinedup.core.forms import NhsDateField, NhsukForm
from joinedup.directory.selectors import get_role_profile


class AddCareTeamMemberForm(NhsukForm):
    """Add a practitioner, found by searching the directory, in a role with responsibilities."""

    query = forms.CharField(
        label="Practitioner's name",
        required=False,
        max_length=200,
        help_text="Search the directory by first name, last name or both.",
    )
    role_profile = forms.CharField(label="Practitioner", required=False)
    role = forms.ChoiceField(
        label="Their role in the care team",
        choices=CareTeamRole.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose their role in the care team"},
    )
    responsibilities = forms.CharField(
        label="What they will do",
        widget=forms.Textarea,
        max_length=2000,
        help_text="In plain words, for example 'Visits twice a week to dress leg ulcers'.",
        error_messages={"required": "Say what they will do for the person"},
    )
    reason = forms.CharField(
        label="Why they are joining (optional)", widget=forms.Textarea, required=False
    )

    def clean_role_profile(self) -> RoleProfile:
        chosen = self.cleaned_data["role_profile"]
        if not chosen:
            raise forms.ValidationError("Choose the practitioner to add")
        try:
            return get_role_profile(chosen)
        except NotFound:
            raise forms.ValidationError(
                "That practitioner is no longer in the directory. Search again."
            ) from None


class EndCareTeamMembershipForm(NhsukForm):
    reason = forms.CharField(
        label="Why are they leaving the care team?",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Say why they are leaving the care team"},
    )
    ends_on = NhsDateField(
        label="Date they leave the care team",
        required=False,
        help_text="From this date they are no longer in the care team, and lose access to the "
        "record through it. Leave it empty for them to leave straight away. "
        "For example, 27 3 2026",
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why they are leaving the care team")
        return reason

    def service_arguments(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data["reason"], "ends_on": self.cleaned_data["ends_on"]}
