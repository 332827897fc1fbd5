"""Filters for the directory pages. They validate what was typed; the selectors do the rest."""

from __future__ import annotations

from django import forms

from joinedup.core.forms import NhsukForm
from joinedup.directory.models import CapacityStatus, OrganisationType, Profession, Regulator

ANY = ("", "Any")


class OrganisationFilterForm(NhsukForm):
    name = forms.CharField(label="Name", required=False, max_length=200)
    org_type = forms.ChoiceField(
        label="Type", required=False, choices=[ANY, *OrganisationType.choices]
    )
    ods_code = forms.CharField(
        label="ODS code",
        required=False,
        max_length=12,
        help_text="The Organisation Data Service code, for example RXC.",
    )

    def clean_ods_code(self) -> str:
        code: str = self.cleaned_data["ods_code"].strip().upper()
        if code and not code.isalnum():
            raise forms.ValidationError("An ODS code must contain only letters and numbers.")
        return code


class ServiceFilterForm(NhsukForm):
    need = forms.CharField(
        label="What does the person need?",
        required=False,
        max_length=100,
        help_text="For example, dementia, carer support or wound care.",
    )
    name = forms.CharField(label="Service name", required=False, max_length=200)
    capacity_status = forms.ChoiceField(
        label="Capacity", required=False, choices=[ANY, *CapacityStatus.choices]
    )
    accepts_referrals = forms.ChoiceField(
        label="Takes referrals",
        required=False,
        choices=[ANY, ("yes", "Takes referrals"), ("no", "Does not take referrals")],
    )

    def referrals_wanted(self) -> bool | None:
        value = self.cleaned_data.get("accepts_referrals", "")
        return {"yes": True, "no": False}.get(value)


class PractitionerFilterForm(NhsukForm):
    name = forms.CharField(
        label="Name", required=False, max_length=200, help_text="Given name, family name or both."
    )
    profession = forms.ChoiceField(
        label="Profession", required=False, choices=[ANY, *Profession.choices]
    )
    regulator = forms.ChoiceField(
        label="Regulator", required=False, choices=[ANY, *Regulator.choices]
    )


class TeamFilterForm(NhsukForm):
    name = forms.CharField(label="Team name", required=False, max_length=200)
