"""Forms for handovers, cover and transfers of care. They check what was typed; the services
enforce who may do it and the rules of the domain."""

from __future__ import annotations

from typing import Any

from django import forms

from joinedup.core.forms import NhsDateField, NhsukForm
from joinedup.handovers.services import READ_BACK_MIN_WORDS, Sbar
from joinedup.referrals.transfers import TransferSections

MY_TEAM = "team"


class _ChoicesForm(NhsukForm):
    def _choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - set on a choice field
        field.choices = choices


def _text(label: str, required_message: str, help_text: str = "", **extra: Any) -> forms.Field:
    return forms.CharField(
        label=label,
        widget=forms.Textarea,
        max_length=4000,
        help_text=help_text,
        error_messages={"required": required_message},
        **extra,
    )


class SbarFields(_ChoicesForm):
    situation = _text(
        "Situation",
        "Say what is happening now (situation)",
        "What is happening now, and why you are handing over.",
    )
    background = _text(
        "Background", "Give the background", "What led to this: history, recent changes."
    )
    assessment = _text(
        "Assessment",
        "Say what you think is going on (assessment)",
        "What you think is going on, and any risks.",
    )
    recommendation = _text(
        "Recommendation",
        "Say what needs to happen next (recommendation)",
        "What needs to happen next, and by when.",
    )

    def sbar(self) -> Sbar:
        data = self.cleaned_data
        return Sbar(
            data["situation"], data["background"], data["assessment"], data["recommendation"]
        )


class HandOverForm(SbarFields):
    """Choose people (from the caseload, unless one person is handed over from their record),
    the colleague receiving them (found by name) or the team, and the SBAR."""

    people = forms.MultipleChoiceField(
        label="People to hand over",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select everyone you are handing over.",
    )
    query = forms.CharField(
        label="Colleague's name",
        required=False,
        max_length=200,
        help_text="Search by first name, last name or both.",
    )
    to_role = forms.CharField(label="Hand over to", required=False)
    reason = forms.CharField(
        label="Why you are handing over (optional)",
        required=False,
        max_length=200,
        help_text="For example, going off duty or going on leave.",
    )

    def __init__(self, *args: Any, caseload: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.one_person = caseload is None
        if caseload is None:
            del self.fields["people"]
        else:
            self._choices("people", caseload)

    def clean_people(self) -> list[str]:
        chosen: list[str] = self.cleaned_data["people"]
        if not chosen:
            raise forms.ValidationError("Select the people you are handing over")
        return chosen

    def clean_to_role(self) -> str:
        chosen: str = self.cleaned_data["to_role"]
        if not chosen:
            raise forms.ValidationError("Choose who you are handing over to")
        return chosen


class AcknowledgeForm(NhsukForm):
    read_back = forms.CharField(
        label="Your read-back",
        widget=forms.Textarea,
        max_length=4000,
        help_text="In your own words: the key points of the handover and what you will do "
        "next. The person who handed over will see it.",
        error_messages={"required": "Write your read-back"},
    )

    def clean_read_back(self) -> str:
        text: str = self.cleaned_data["read_back"].strip()
        if len([word for word in text.split() if any(c.isalpha() for c in word)]) < (
            READ_BACK_MIN_WORDS
        ):
            raise forms.ValidationError(
                "Write the read-back in your own words: the key points and what you will do next"
            )
        return text


class CoverForm(_ChoicesForm):
    absent = forms.ChoiceField(
        label="Who will be away",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose who will be away",
            "invalid_choice": "Choose who will be away from the list",
        },
    )
    query = forms.CharField(
        label="Name of the colleague covering",
        required=False,
        max_length=200,
        help_text="Search by first name, last name or both.",
    )
    covering = forms.CharField(label="Who will cover", required=False)
    starts_on = NhsDateField(
        label="First day of cover",
        future_only=True,
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the first day of cover"},
    )
    ends_on = NhsDateField(
        label="Day they are back",
        future_only=True,
        help_text="Cover ends on this day. For example, 3 4 2026",
        error_messages={"required": "Enter the day they are back"},
    )
    reason = forms.CharField(
        label="Why cover is needed",
        max_length=200,
        help_text="For example, annual leave or training.",
        error_messages={"required": "Say why cover is needed"},
    )

    def __init__(self, *args: Any, absent_choices: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._choices("absent", absent_choices)

    def clean_covering(self) -> str:
        chosen: str = self.cleaned_data["covering"]
        if not chosen:
            raise forms.ValidationError("Choose who will cover")
        return chosen

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends <= starts:
            self.add_error("ends_on", "The day they are back must be after the first day of cover")
        return data


class TransferForm(_ChoicesForm):
    service = forms.ChoiceField(
        label="Service taking over their care",
        error_messages={"required": "Choose the service taking over their care"},
    )
    reason = _text("Why you are transferring their care", "Say why you are transferring their care")
    reason_for_admission = _text(
        "Reason for admission", "", "Why they came into your care.", required=False
    )
    what_happened = _text(
        "What happened", "Say what happened while in your care", "Treatment and progress."
    )
    medication_changes = _text(
        "Medication changes", "", "Started, stopped or changed, and why.", required=False
    )
    follow_up = _text(
        "Follow-up needed", "Say what follow-up is needed", "Who needs to do what, and by when."
    )
    what_matters = _text(
        "What matters to the person", "", "In their own words if you can.", required=False
    )
    risks = _text("Risks", "", "Falls, skin, swallowing, safeguarding…", required=False)
    items = forms.MultipleChoiceField(
        label="Also send (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[("about_me", "Their About Me"), ("communication", "How to communicate with them")],
    )

    def __init__(self, *args: Any, services: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._choices("service", [("", "Choose a service"), *services])

    def sections(self) -> TransferSections:
        data = self.cleaned_data
        return TransferSections(
            what_happened=data["what_happened"],
            follow_up=data["follow_up"],
            reason_for_admission=data["reason_for_admission"],
            medication_changes=data["medication_changes"],
            what_matters=data["what_matters"],
            risks=data["risks"],
        )
