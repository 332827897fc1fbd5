"""Forms for the referral pages. They check what was typed and keep it on error;
referrals.services enforces the workflow, the sharing rules and the access policy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from joinedup.accounts.models import RoleProfile
from joinedup.core.forms import NhsukForm
from joinedup.directory.models import Service
from joinedup.people.models import AboutMe
from joinedup.records.models import RecordEntry
from joinedup.referrals.models import ReferralStatus, RejectionReason, Urgency
from joinedup.referrals.services import ItemChoice

ABOUT_ME = "about_me"
COMMUNICATION = "communication"
ENTRY_PREFIX = "entry:"


class FindServiceForm(NhsukForm):
    """Search the directory for a service to refer to. Every box is optional."""

    need = forms.CharField(
        label="What do they need help with?",
        required=False,
        max_length=100,
        help_text="For example, social care, carer assessment or dementia.",
    )
    name = forms.CharField(label="Service name", required=False, max_length=200)
    area = forms.CharField(
        label="Postcode district",
        required=False,
        max_length=8,
        help_text="The first part of their postcode, for example CD3.",
    )

    def clean_area(self) -> str:
        area: str = self.cleaned_data["area"].strip().upper()
        district = area.split()[0] if area else ""
        if district and not district.isalnum():
            raise forms.ValidationError("Postcode district must be letters and numbers, like CD3")
        return district


def _choose(field: forms.Field, choices: Sequence[tuple[str, str]]) -> None:
    """Set the choices of a choice field made before its choices were known."""
    assert isinstance(field, forms.ChoiceField)  # noqa: S101
    field.choices = list(choices)


def _person_choices(profiles: Sequence[RoleProfile]) -> list[tuple[str, str]]:
    return [
        (str(profile.pk), f"{profile.practitioner.display_name}, {profile.get_job_role_display()}")
        for profile in profiles
    ]


class ReferralForm(NhsukForm):
    """The referral itself: why, how urgent, what matters, questions, an optional named
    practitioner, and the information to send, item by item."""

    reason = forms.CharField(
        label="Why are you referring them?",
        widget=forms.Textarea,
        max_length=4000,
        error_messages={"required": "Say why you are referring them"},
    )
    urgency = forms.ChoiceField(
        label="How urgent is it?",
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how urgent it is"},
    )
    what_matters = forms.CharField(
        label="What matters to them (optional)",
        widget=forms.Textarea,
        required=False,
        max_length=4000,
        help_text="In their own words where you can.",
    )
    questions = forms.CharField(
        label="What do you want the service to answer? (optional)",
        widget=forms.Textarea,
        required=False,
        max_length=4000,
    )
    recipient = forms.ChoiceField(
        label="Send it to a named practitioner (optional)",
        required=False,
        help_text="Leave this to send it to the service.",
    )
    items = forms.MultipleChoiceField(
        label="Information to send",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Send only what the service needs. They will see these items and nothing "
        "else from the record until they accept.",
    )

    def __init__(
        self,
        *args: Any,
        entries: Sequence[RecordEntry],
        about_me: AboutMe | None,
        recipients: Sequence[RoleProfile],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.recipients = {str(profile.pk): profile for profile in recipients}
        _choose(
            self.fields["recipient"],
            [
                ("", "The service (no one named)"),
                *_person_choices(recipients),
            ],
        )
        choices: list[tuple[str, str]] = []
        self.item_hints: dict[str, str] = {}
        if about_me is not None:
            choices.append((ABOUT_ME, "About Me"))
            self.item_hints[ABOUT_ME] = "Information category: core record"
        choices.append((COMMUNICATION, "How to communicate with them"))
        self.item_hints[COMMUNICATION] = "Information category: core record"
        for entry in entries:
            value = f"{ENTRY_PREFIX}{entry.pk}"
            choices.append((value, f"{entry.get_section_display()}: {entry.title}"))
            self.item_hints[value] = (
                f"Information category: {entry.category.name.lower()}. "
                f"Written by {entry.author_organisation.name}."
            )
        _choose(self.fields["items"], choices)

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why you are referring them")
        return reason

    def chosen_recipient(self) -> RoleProfile | None:
        return self.recipients.get(self.cleaned_data.get("recipient") or "")

    def item_choices(self) -> list[ItemChoice]:
        chosen: list[ItemChoice] = []
        for value in self.cleaned_data["items"]:
            if value.startswith(ENTRY_PREFIX):
                chosen.append(ItemChoice("entry", value.removeprefix(ENTRY_PREFIX)))
            else:
                chosen.append(ItemChoice(value))
        return chosen


class VersionedForm(NhsukForm):
    """Every change to a referral carries the version the user saw, so that a change made by
    someone else in the meantime is never silently overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SendForm(VersionedForm):
    """The check page: send as it is, or leave some items out first."""

    leave_out = forms.MultipleChoiceField(
        label="Leave these items out",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, item_choices: Sequence[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choose(self.fields["leave_out"], list(item_choices))

    def items_to_leave_out(self) -> list[int]:
        return [int(value) for value in self.cleaned_data["leave_out"]]


class CancelForm(VersionedForm):
    reason = forms.CharField(
        label="Why are you cancelling it?",
        widget=forms.Textarea,
        max_length=2000,
        help_text="The service will see this.",
        error_messages={"required": "Say why you are cancelling the referral"},
    )


class AcceptForm(VersionedForm):
    assigned_to = forms.ChoiceField(
        label="Who will take it on?",
        help_text="They join the person's care team and can then see their record.",
        error_messages={"required": "Choose who will take it on"},
    )

    def __init__(self, *args: Any, practitioners: Sequence[RoleProfile], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.practitioners = {str(profile.pk): profile for profile in practitioners}
        _choose(self.fields["assigned_to"], _person_choices(practitioners))

    def assignee(self) -> RoleProfile:
        return self.practitioners[self.cleaned_data["assigned_to"]]


class RejectForm(VersionedForm):
    reason_code = forms.ChoiceField(
        label="Why can you not accept it?",
        choices=RejectionReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why you cannot accept it"},
    )
    reason = forms.CharField(
        label="Explain for the referrer",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Explain why, for the referrer"},
    )
    suggested_service = forms.ChoiceField(
        label="Suggest another service (optional)", required=False
    )

    def __init__(self, *args: Any, services: Sequence[Service], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.services = {str(service.pk): service for service in services}
        _choose(
            self.fields["suggested_service"],
            [
                ("", "No suggestion"),
                *((str(s.pk), f"{s.name} ({s.organisation.name})") for s in services),
            ],
        )

    def suggestion(self) -> Service | None:
        return self.services.get(self.cleaned_data.get("suggested_service") or "")


class StartForm(VersionedForm):
    """Starting work (or starting again after a hold) needs nothing but the button."""


class ReasonForm(VersionedForm):
    """Putting on hold, or saying it could not be done: a reason for the referrer."""

    reason = forms.CharField(
        label="Why?",
        widget=forms.Textarea,
        max_length=2000,
        help_text="The referrer will see this.",
        error_messages={"required": "Say why, for the referrer"},
    )


class CompleteForm(VersionedForm):
    outcome_summary = forms.CharField(
        label="What was the outcome?",
        widget=forms.Textarea,
        max_length=4000,
        help_text="What was done and what happens next. This goes back to the referrer.",
        error_messages={"required": "Write the outcome for the referrer"},
    )


STATUS_FILTERS = [
    ("", "Open referrals"),
    ("all", "All referrals"),
    *ReferralStatus.choices,
]


class ReferralFilterForm(NhsukForm):
    status = forms.ChoiceField(label="Status", choices=STATUS_FILTERS, required=False)
    overdue = forms.BooleanField(label="Overdue only", required=False)
