"""Forms for the people pages. They check what was typed and say clearly what is wrong;
services and selectors do the rest (STYLE.md habit 5)."""

from __future__ import annotations

from typing import Any

from django import forms

from joinedup.core.forms import DATE_PARTS, NhsDateField, NhsukForm
from joinedup.core.identifiers import InvalidIdentifier, normalise_nhs_number
from joinedup.people.models import AboutMe


class PersonSearchForm(NhsukForm):
    """Find a person by NHS number, or by family name and date of birth (and optionally the
    start of their given name). Both ways share one form so nothing typed is lost."""

    BY_NHS_NUMBER = "nhs_number"
    BY_NAME = "name"

    search_by = forms.ChoiceField(
        choices=[(BY_NHS_NUMBER, "NHS number"), (BY_NAME, "Name and date of birth")],
        required=False,
    )
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=20,
        help_text="This is a 10 digit number, like 485 777 3456.",
    )
    family_name = forms.CharField(label="Last name", required=False, max_length=100)
    given_name = forms.CharField(
        label="First name (optional)",
        required=False,
        max_length=100,
        help_text="You can enter just the start of it.",
    )
    date_of_birth = NhsDateField(
        label="Date of birth", required=False, past_only=True, help_text="For example, 15 3 1984"
    )

    def mode(self) -> str:
        """How to search. Pressing Enter submits the first button, so go by what was typed
        when the button and the boxes disagree."""
        data = self.data
        nhs_typed = bool(str(data.get("nhs_number", "")).strip())
        name_typed = bool(str(data.get("family_name", "")).strip()) or any(
            str(data.get(f"date_of_birth_{part}", "")).strip() for part in DATE_PARTS
        )
        if data.get("search_by") == self.BY_NAME and (name_typed or not nhs_typed):
            return self.BY_NAME
        if not nhs_typed and name_typed:
            return self.BY_NAME
        return self.BY_NHS_NUMBER

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.mode() == self.BY_NHS_NUMBER:
            self._clean_nhs_number(cleaned)
        else:
            if not cleaned.get("family_name", "").strip() and "family_name" not in self.errors:
                self.add_error("family_name", "Enter their last name")
            if cleaned.get("date_of_birth") is None and "date_of_birth" not in self.errors:
                self.add_error("date_of_birth", "Enter their date of birth")
        return cleaned

    def _clean_nhs_number(self, cleaned: dict[str, Any]) -> None:
        # Only the NHS number matters in this mode: drop errors from the other boxes.
        self.errors.pop("date_of_birth", None)
        try:
            cleaned["nhs_number"] = normalise_nhs_number(str(self.data.get("nhs_number", "")))
        except InvalidIdentifier as error:
            self.add_error("nhs_number", str(error))


class AboutMeForm(NhsukForm):
    """A new version of About Me. `based_on` is the version the writer started from, so a
    change made by someone else in the meantime is shown rather than silently replaced."""

    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    what_matters_most = forms.CharField(
        label="What is most important to me", required=False, widget=forms.Textarea
    )
    people_important_to_me = forms.CharField(
        label="People who are important to me", required=False, widget=forms.Textarea
    )
    how_i_communicate = forms.CharField(
        label="How I communicate and how to communicate with me",
        required=False,
        widget=forms.Textarea,
    )
    my_wellness = forms.CharField(label="My wellness", required=False, widget=forms.Textarea)
    please_do = forms.CharField(label="Please do", required=False, widget=forms.Textarea)
    please_dont = forms.CharField(label="Please don't", required=False, widget=forms.Textarea)
    how_and_when_to_support_me = forms.CharField(
        label="How and when to support me", required=False, widget=forms.Textarea
    )
    also_worth_knowing = forms.CharField(
        label="Also worth knowing about me", required=False, widget=forms.Textarea
    )
    supported_to_write_by = forms.CharField(
        label="Supported to write this by",
        required=False,
        max_length=200,
        help_text="Leave this empty if the person wrote it themselves.",
    )

    SECTIONS = AboutMe.SECTIONS

    @classmethod
    def initial_from(cls, latest: AboutMe | None) -> dict[str, Any]:
        if latest is None:
            return {"based_on": 0}
        fields = (*AboutMe.SECTIONS, "supported_to_write_by")
        return {"based_on": latest.version, **{name: getattr(latest, name) for name in fields}}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(str(cleaned.get(name, "")).strip() for name in AboutMe.SECTIONS):
            raise forms.ValidationError("Write something in at least one section")
        return cleaned

    def sections(self) -> dict[str, str]:
        fields = (*AboutMe.SECTIONS, "supported_to_write_by")
        return {name: self.cleaned_data[name].strip() for name in fields}
