"""The form for adding an entry to a person's record. It checks what was typed;
records.services.add_entry enforces the access policy and the rules about sealing."""

from __future__ import annotations

from typing import Any

from django import forms

from joinedup.accounts.roles import JobRole
from joinedup.core.forms import NhsukForm
from joinedup.records.models import Section
from joinedup.sharing.models import InformationCategory

# Roles that never see a person's record, so sealing an entry for them means nothing.
_NOT_RECORD_ROLES = frozenset({JobRole.IT_ADMINISTRATOR})


def sealable_roles() -> list[tuple[str, str]]:
    return [
        (value, str(label)) for value, label in JobRole.choices if value not in _NOT_RECORD_ROLES
    ]


class AddEntryForm(NhsukForm):
    """Section, title, details and information category, and whether the entry is sealed
    (seen only by its author and the named roles in the author's organisation)."""

    section = forms.ChoiceField(
        label="Section of the record",
        choices=Section.choices,
        initial=Section.NOTE,
        error_messages={"required": "Choose the section of the record"},
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="A few words others will scan for, like 'Venous leg ulcer, left leg'.",
        error_messages={"required": "Enter a short title for the entry"},
    )
    details = forms.CharField(
        label="Details (optional)", required=False, widget=forms.Textarea, max_length=10_000
    )
    category = forms.ChoiceField(
        label="What kind of information is it?",
        widget=forms.RadioSelect,
        help_text="This decides which organisations can see it: only those whose sharing "
        "agreement with yours covers this kind of information.",
        error_messages={"required": "Choose what kind of information it is"},
    )
    sealed = forms.BooleanField(
        label="Seal this entry: only I and the roles I choose below in my organisation can see it",
        required=False,
    )
    sealed_for_roles = forms.MultipleChoiceField(
        label="Who else in your organisation may see it (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=sealable_roles,
        help_text="Only for a sealed entry. Choose none to keep it to yourself.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = list(InformationCategory.objects.order_by("name"))
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [(category.pk, category.name) for category in categories]
        self.category_hints = {
            category.pk: category.description
            + (" Sensitive: shared only where an agreement names it." if category.sensitive else "")
            for category in categories
        }

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Enter a short title for the entry")
        return title

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("sealed_for_roles") and not cleaned.get("sealed"):
            self.add_error(
                "sealed_for_roles",
                "Named roles apply only to a sealed entry. Seal it, or clear the roles",
            )
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "section": data["section"],
            "title": data["title"],
            "details": data["details"],
            "category": data["category"],
            "sealed": data["sealed"],
            "sealed_for_roles": data["sealed_for_roles"],
        }
