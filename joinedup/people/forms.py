"""Forms for the people pages. They check what was typed and say clearly what is wrong;
services and selectors do the rest (STYLE.md habit 5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django import forms

from joinedup.careteams.models import CareTeamRole
from joinedup.core.forms import DATE_PARTS, NhsDateField, NhsukForm
from joinedup.core.identifiers import (
    InvalidIdentifier,
    format_nhs_number,
    normalise_nhs_number,
    normalise_postcode,
)
from joinedup.directory.models import OrganisationType
from joinedup.directory.selectors import search_organisations
from joinedup.people.models import AboutMe, CommunicationNeed, Person, Sex


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
        error_messages={
            "max_length": "Who supported them to write this must be 200 characters or fewer"
        },
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


YES_NO = [("yes", "Yes"), ("no", "No")]


def _optional(label: str, max_length: int, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=f"{label} (optional)",
        required=False,
        max_length=max_length,
        error_messages={"max_length": f"{label} must be {max_length} characters or fewer"},
        **kwargs,
    )


class PersonDetailsForm(NhsukForm):
    """A person's details as staff type them. Every field is checked here, so every problem
    shows at once; people.services applies the NHS number, postcode, name and date rules again
    for every caller and has the last word."""

    nhs_number = forms.CharField(
        label="NHS number (optional)",
        required=False,
        max_length=20,
        help_text="This is a 10 digit number, like 485 777 3456. "
        "Leave this empty if you do not know it yet.",
        error_messages={"max_length": "An NHS number must be 10 digits long."},
    )
    title = _optional("Title", 20, help_text="For example, Mrs, Mr, Ms, Mx or Dr")
    given_name = forms.CharField(
        label="First name",
        max_length=100,
        error_messages={
            "required": "Enter their first name",
            "max_length": "First name must be 100 characters or fewer",
        },
    )
    other_given_names = _optional("Other first names", 200)
    family_name = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={
            "required": "Enter their last name",
            "max_length": "Last name must be 100 characters or fewer",
        },
    )
    preferred_name = _optional(
        "What they like to be called",
        100,
        help_text="If it is not their first name, for example Peggy for Margaret",
    )
    date_of_birth = NhsDateField(
        label="Date of birth",
        past_only=True,
        help_text="For example, 15 3 1984",
        error_messages={"required": "Enter their date of birth"},
    )
    sex = forms.ChoiceField(
        label="Sex",
        choices=Sex.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select their sex, or Not known"},
    )
    gender_identity = _optional(
        "Gender identity", 100, help_text="In their own words, if they have told you"
    )
    pronouns = _optional("Pronouns", 40, help_text="For example, she/her, he/him or they/them")
    address_line_1 = _optional("Address line 1", 200)
    address_line_2 = _optional("Address line 2", 200)
    town = _optional("Town or city", 100)
    postcode = _optional("Postcode", 20)
    phone = _optional("Phone number", 40)
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        max_length=254,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Email address must be 254 characters or fewer",
        },
    )
    gp_practice = forms.ModelChoiceField(
        label="GP practice",
        # Lazy: each form copies the queryset, so the list is read afresh every time.
        queryset=search_organisations(org_type=OrganisationType.GP_PRACTICE),
        required=False,
        empty_label="Not known or not registered with a GP",
        error_messages={"invalid_choice": "Choose a GP practice from the list"},
    )
    preferred_language = forms.CharField(
        label="Preferred language",
        max_length=60,
        initial="English",
        error_messages={
            "required": "Enter their preferred language",
            "max_length": "Preferred language must be 60 characters or fewer",
        },
    )
    interpreter_needed = forms.ChoiceField(
        label="Do they need an interpreter?",
        choices=YES_NO,
        initial="no",
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if they need an interpreter"},
    )
    communication_needs = forms.MultipleChoiceField(
        label="How they need information (optional)",
        choices=CommunicationNeed.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Accessible Information Standard: select all that apply.",
        error_messages={"invalid_choice": "Choose communication needs from the list"},
    )
    communication_notes = forms.CharField(
        label="Anything else about how to communicate with them (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        error_messages={"max_length": "This must be 2000 characters or fewer"},
    )

    # The fields passed to people.services, beyond the form's own housekeeping.
    PERSON_FIELDS: tuple[str, ...] = tuple(
        name for name in Person.DETAIL_FIELDS if name != "date_of_death"
    )

    @classmethod
    def initial_from(cls, person: Person) -> dict[str, Any]:
        """The form's starting values from a saved record (also the values to compare with)."""
        initial = {name: getattr(person, name) for name in cls.PERSON_FIELDS}
        initial["nhs_number"] = format_nhs_number(person.nhs_number) if person.nhs_number else ""
        initial["gp_practice"] = person.gp_practice_id
        initial["interpreter_needed"] = "yes" if person.interpreter_needed else "no"
        return initial

    def clean_nhs_number(self) -> str:
        return _normalised(self.cleaned_data["nhs_number"], normalise_nhs_number)

    def clean_postcode(self) -> str:
        return _normalised(self.cleaned_data["postcode"], normalise_postcode)

    def person_fields(self) -> dict[str, Any]:
        """The cleaned values, as people.services.register_person and update_person_details
        take them."""
        data = self.cleaned_data
        fields = {name: data[name] for name in self.PERSON_FIELDS}
        for name, value in fields.items():
            if isinstance(value, str):
                fields[name] = value.strip()
        fields["interpreter_needed"] = data["interpreter_needed"] == "yes"
        # Keep the Accessible Information Standard needs in the order they are listed.
        chosen = set(data["communication_needs"])
        fields["communication_needs"] = [
            code for code in CommunicationNeed.values if code in chosen
        ]
        return fields


def _normalised(raw: str, normalise: Callable[[str], str]) -> str:
    """An NHS number or postcode in its stored form; empty when nothing was typed."""
    raw = raw.strip()
    if not raw:
        return ""
    try:
        return normalise(raw)
    except InvalidIdentifier as error:
        raise forms.ValidationError(str(error)) from None


class RegisterPersonForm(PersonDetailsForm):
    """Register a person, and the registrant's part in their care team."""

    care_team_role = forms.ChoiceField(
        label="Your role in their care team",
        choices=[
            (CareTeamRole.MEMBER, CareTeamRole.MEMBER.label),
            (CareTeamRole.KEY_WORKER, CareTeamRole.KEY_WORKER.label),
            (CareTeamRole.LEAD_PROFESSIONAL, CareTeamRole.LEAD_PROFESSIONAL.label),
        ],
        initial=CareTeamRole.MEMBER,
        widget=forms.RadioSelect,
        error_messages={"required": "Select your role in their care team"},
    )


class ChangeDetailsForm(PersonDetailsForm):
    """Change a person's details. `based_on` is when the record was last saved as the form
    was opened, so a change made by someone else in the meantime is shown, not replaced."""

    based_on = forms.CharField(widget=forms.HiddenInput, required=False)
    date_of_death = NhsDateField(
        label="Date of death",
        required=False,
        past_only=True,
        help_text="Leave this empty unless they have died. For example, 15 3 2024",
    )

    PERSON_FIELDS = (*PersonDetailsForm.PERSON_FIELDS, "date_of_death")

    @classmethod
    def initial_from(cls, person: Person) -> dict[str, Any]:
        return super().initial_from(person) | {"based_on": person.updated_at.isoformat()}

    def clean_based_on(self) -> datetime | None:
        """When the record was saved as the form was opened; None if the page lost it, which
        is treated as a conflict so nothing is overwritten unseen."""
        try:
            return datetime.fromisoformat(str(self.cleaned_data["based_on"]))
        except ValueError:
            return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        born, died = cleaned.get("date_of_birth"), cleaned.get("date_of_death")
        if born is not None and died is not None and died < born:
            self.add_error("date_of_death", "Date of death must be on or after the date of birth")
        return cleaned
