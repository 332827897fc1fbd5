"""Forms for a person's sharing page: recording and withdrawing their consents and objections,
and recording a disclosure made without consent. They check what was typed; sharing.services
enforces the Mental Capacity Act rules, the disclosure rules and the access policy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from joinedup.core.forms import NhsDateField, NhsukForm
from joinedup.directory.models import Organisation
from joinedup.sharing.models import (
    CapacityAnswer,
    ChoiceKind,
    DisclosureBasis,
    ExpressedHow,
    InformationCategory,
    Purpose,
)

EVERY_CATEGORY = "all"
ANY_ORGANISATION = "any"
YES, NO = "yes", "no"


def information_categories() -> list[InformationCategory]:
    """The information categories, by name. Reference data, not person data."""
    return list(InformationCategory.objects.order_by("name"))


def _choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared on the form
    return field


class RecordChoiceForm(NhsukForm):
    """A consent or objection: what it covers (category, organisation, purpose), how the person
    expressed it, and, where they lack capacity for this decision, the assessment and who
    decided for them."""

    kind = forms.ChoiceField(
        label="What is the person's choice?",
        choices=[
            (ChoiceKind.OBJECTION, "They object to sharing"),
            (ChoiceKind.CONSENT, "They consent to sharing"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether they consent or object"},
    )
    category = forms.ChoiceField(
        label="Which information does it cover?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the information it covers"},
    )
    organisation = forms.ChoiceField(
        label="Which organisation does it cover?",
        help_text="The organisations that hold this person's record.",
        initial=ANY_ORGANISATION,
        error_messages={"required": "Choose the organisation it covers"},
    )
    purpose = forms.ChoiceField(
        label="What would the information be used for?",
        choices=Purpose.choices,
        initial=Purpose.DIRECT_CARE,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the information would be used for"},
    )
    expressed_how = forms.ChoiceField(
        label="How did they make this choice?",
        choices=ExpressedHow.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say how the person made this choice"},
    )
    in_their_words = forms.CharField(
        label="What they said, in their own words (optional)",
        required=False,
        widget=forms.Textarea,
        max_length=2000,
    )
    capacity = forms.ChoiceField(
        label="Their capacity to make this decision",
        choices=CapacityAnswer.choices,
        initial=CapacityAnswer.ASSUMED,
        widget=forms.RadioSelect,
        help_text="Assume a person has capacity unless an assessment for this decision shows "
        "they lack it (Mental Capacity Act 2005).",
        error_messages={"required": "Say whether the person had capacity for this decision"},
    )
    capacity_assessment = forms.CharField(
        label="Capacity assessment (if assessed)",
        required=False,
        widget=forms.Textarea,
        max_length=2000,
        help_text="Who assessed capacity for this decision, when, and what they found.",
    )
    best_interests_decision = forms.CharField(
        label="Best-interests decision (if they lack capacity and have no attorney)",
        required=False,
        widget=forms.Textarea,
        max_length=2000,
        help_text="What was decided and why it is in their best interests.",
    )
    best_interests_consulted = forms.CharField(
        label="Who was consulted for the best-interests decision",
        required=False,
        widget=forms.Textarea,
        max_length=2000,
        help_text="Family, carers, attorneys and professionals asked for their view.",
    )

    def __init__(
        self,
        *args: Any,
        categories: Sequence[InformationCategory],
        organisations: Sequence[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._organisations = {str(organisation.pk): organisation for organisation in organisations}
        _choice_field(self, "category").choices = [
            (EVERY_CATEGORY, "All information"),
            *((category.pk, category.name) for category in categories),
        ]
        _choice_field(self, "organisation").choices = [
            (ANY_ORGANISATION, "Any organisation"),
            *((str(organisation.pk), organisation.name) for organisation in organisations),
        ]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        category = data["category"]
        return {
            "kind": data["kind"],
            "category": None if category == EVERY_CATEGORY else category,
            "organisation": self._organisations.get(data["organisation"]),
            "purpose": data["purpose"],
            "expressed_how": data["expressed_how"],
            "in_their_words": data["in_their_words"],
            "capacity": data["capacity"],
            "capacity_assessment": data["capacity_assessment"],
            "best_interests_decision": data["best_interests_decision"],
            "best_interests_consulted": data["best_interests_consulted"],
        }


class WithdrawChoiceForm(NhsukForm):
    reason = forms.CharField(
        label="Why is it being withdrawn?",
        widget=forms.Textarea,
        max_length=300,
        help_text="In the person's own words if you can.",
        error_messages={"required": "Say why it is being withdrawn"},
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why it is being withdrawn")
        return reason


class RecordDisclosureForm(NhsukForm):
    """A decision to share without consent, with its basis, the decision and who was told."""

    basis = forms.ChoiceField(
        label="Why was it shared without consent?",
        choices=DisclosureBasis.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the basis for sharing without consent"},
    )
    legal_reference = forms.CharField(
        label="Statute, court order or policy relied on (optional)",
        required=False,
        max_length=200,
        help_text="Needed for a legal duty, for example 'Care Act 2014, section 42'.",
    )
    reason = forms.CharField(
        label="Why sharing without consent was justified",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": "Say why sharing without consent was justified"},
    )
    what_was_shared = forms.CharField(
        label="What was shared",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": "Say what was shared"},
    )
    categories = forms.MultipleChoiceField(
        label="Which kinds of information were shared?",
        widget=forms.CheckboxSelectMultiple,
        help_text="The receiving organisation can then see entries of these kinds in joinedup.",
        error_messages={"required": "Choose the kinds of information shared"},
    )
    shared_with = forms.ChoiceField(
        label="Organisation it was shared with",
        required=False,
        help_text="Leave this as it is if they are not on joinedup, and say who below.",
    )
    shared_with_description = forms.CharField(
        label="Who received it, if not an organisation on joinedup (optional)",
        required=False,
        max_length=300,
    )
    access_until = NhsDateField(
        label="Date their access in joinedup ends (optional)",
        required=False,
        future_only=True,
        help_text="Leave empty to let the organisation see these kinds of information until "
        "this is reviewed. For example, 27 3 2026",
    )
    person_told = forms.ChoiceField(
        label="Has the person been told?",
        choices=[(YES, "Yes"), (NO, "No, not yet")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the person has been told"},
    )
    person_told_on = NhsDateField(
        label="Date they were told",
        required=False,
        past_only=True,
        help_text="For example, 27 3 2026",
    )
    not_told_reason = forms.CharField(
        label="Why they have not been told yet, and when they will be (if not told)",
        required=False,
        widget=forms.Textarea,
        max_length=300,
    )
    serious_harm_exemption = forms.BooleanField(
        label="Telling the person would cause them or someone else serious harm",
        required=False,
        help_text="The disclosure is then left out of the person's access log until your "
        "privacy officer reviews it.",
    )
    exemption_reason = forms.CharField(
        label="What harm telling them would cause (if exempt)",
        required=False,
        widget=forms.Textarea,
        max_length=2000,
    )
    exemption_review_on = NhsDateField(
        label="Date to review the exemption (if exempt)",
        required=False,
        future_only=True,
        help_text="For example, 27 3 2026",
    )

    def __init__(
        self,
        *args: Any,
        categories: Sequence[InformationCategory],
        organisations: Sequence[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._organisations = {str(organisation.pk): organisation for organisation in organisations}
        _choice_field(self, "categories").choices = [
            (category.pk, category.name) for category in categories
        ]
        _choice_field(self, "shared_with").choices = [
            ("", "Not an organisation on joinedup"),
            *((str(organisation.pk), organisation.name) for organisation in organisations),
        ]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        told = data["person_told"] == YES
        return {
            "basis": data["basis"],
            "legal_reference": data["legal_reference"],
            "reason": data["reason"],
            "what_was_shared": data["what_was_shared"],
            "categories": data["categories"],
            "shared_with": self._organisations.get(data["shared_with"]),
            "shared_with_description": data["shared_with_description"],
            "access_until": data["access_until"],
            "person_told": told,
            "person_told_on": data["person_told_on"] if told else None,
            "not_told_reason": "" if told else data["not_told_reason"],
            "serious_harm_exemption": data["serious_harm_exemption"],
            "exemption_reason": data["exemption_reason"],
            "exemption_review_on": data["exemption_review_on"],
        }
