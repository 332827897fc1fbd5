"""Forms for an organisation's sharing agreements: drafting and changing the terms, signing,
suspending, resuming, reviewing and ending. They check what was typed; sharing.services
enforces the rules of the domain (who may act, which status allows what, implied consent for
direct care only) and audits each change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from joinedup.core.forms import NhsDateField, NhsukForm
from joinedup.directory.models import Organisation
from joinedup.directory.selectors import search_organisations
from joinedup.sharing.models import (
    CommonLawBasis,
    GdprArticle6,
    GdprArticle9,
    InformationCategory,
    Purpose,
    SharingAgreement,
)
from joinedup.sharing.services import AgreementTerms

DATE_HINT = "For example, 1 4 2026"

PURPOSE_HINTS = {
    Purpose.DIRECT_CARE: "Caring for the person: assessment, treatment and support.",
    Purpose.SAFEGUARDING: "Protecting adults at risk of abuse or neglect.",
    Purpose.PLANNING: "Planning and paying for services. Needs more than implied consent.",
    Purpose.RESEARCH: "Research. Needs more than implied consent.",
}
COMMON_LAW_HINTS = {
    CommonLawBasis.IMPLIED_CONSENT: "Only for direct care: people expect those caring for them "
    "to share what they need to know, and can object.",
}


def category_choices() -> list[tuple[str, str]]:
    """The information categories, as choices (organisation-level reference data)."""
    return [(category.pk, category.name) for category in InformationCategory.objects.all()]


def category_hints() -> dict[str, str]:
    return {
        category.pk: category.description
        + (" Sensitive: shared only where an agreement names it." if category.sensitive else "")
        for category in InformationCategory.objects.all()
    }


def _text(label: str, missing: str, *, hint: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        widget=forms.Textarea,
        max_length=5000,
        help_text=hint,
        error_messages={"required": missing},
    )


def _stripped(form: forms.Form, name: str, missing: str) -> str:
    value: str = form.cleaned_data[name].strip()
    if not value:
        raise forms.ValidationError(missing)
    return value


class AgreementTermsForm(NhsukForm):
    """What an agreement says. Drafting adds the partners; changing a draft adds the version
    the writer started from."""

    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="A name everyone will recognise, like 'Calderbridge place direct care "
        "agreement'.",
        error_messages={"required": "Enter a title for the agreement"},
    )
    purpose = forms.ChoiceField(
        label="What is the information used for?",
        choices=Purpose.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the information is used for"},
    )
    purpose_description = _text(
        "What the sharing is for, in plain words",
        "Say what the sharing is for",
        hint="The people whose information it is may read this.",
    )
    categories = forms.MultipleChoiceField(
        label="Kinds of information shared",
        widget=forms.CheckboxSelectMultiple,
        help_text="Items of these kinds cross between the parties while the agreement is in "
        "force. Others stay with the organisation that wrote them.",
        error_messages={"required": "Choose at least one kind of information"},
    )
    gdpr_article_6 = forms.ChoiceField(
        label="UK GDPR Article 6 lawful basis",
        choices=GdprArticle6.choices,
        widget=forms.RadioSelect,
        help_text="For direct care this is public task, not consent.",
        error_messages={"required": "Choose the Article 6 lawful basis"},
    )
    gdpr_article_9 = forms.ChoiceField(
        label="UK GDPR Article 9 condition for health and care information",
        choices=GdprArticle9.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the Article 9 condition"},
    )
    common_law_basis = forms.ChoiceField(
        label="Common-law duty of confidentiality: basis for sharing",
        choices=CommonLawBasis.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the common-law basis"},
    )
    rights_requests = _text(
        "How rights requests are handled",
        "Say how rights requests are handled",
        hint="Who answers requests to see, correct or object to information, and how the "
        "parties tell each other.",
    )
    security_terms = _text("Security", "Say how the information is kept secure")
    retention_terms = _text("Retention", "Say how long each party keeps the information")
    starts_on = NhsDateField(
        label="Start date",
        help_text="Sharing starts on this day once every party has signed. " + DATE_HINT,
        error_messages={"required": "Enter the start date"},
    )
    ends_on = NhsDateField(
        label="Expiry date (optional)",
        required=False,
        help_text="Sharing stops on this day. Leave it empty if the agreement runs until it "
        "is ended. " + DATE_HINT,
    )
    review_on = NhsDateField(
        label="Review by",
        help_text="When the parties will next check the agreement still fits. " + DATE_HINT,
        error_messages={"required": "Enter the date to review it by"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["categories"]
        assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101 - declared above
        field.choices = category_choices()

    def clean_title(self) -> str:
        return _stripped(self, "title", "Enter a title for the agreement")

    def clean_purpose_description(self) -> str:
        return _stripped(self, "purpose_description", "Say what the sharing is for")

    def clean_rights_requests(self) -> str:
        return _stripped(self, "rights_requests", "Say how rights requests are handled")

    def clean_security_terms(self) -> str:
        return _stripped(self, "security_terms", "Say how the information is kept secure")

    def clean_retention_terms(self) -> str:
        return _stripped(self, "retention_terms", "Say how long each party keeps the information")

    def terms(self) -> AgreementTerms:
        data = self.cleaned_data
        return AgreementTerms(
            title=data["title"],
            purpose=data["purpose"],
            purpose_description=data["purpose_description"],
            categories=list(data["categories"]),
            gdpr_article_6=data["gdpr_article_6"],
            gdpr_article_9=data["gdpr_article_9"],
            common_law_basis=data["common_law_basis"],
            rights_requests=data["rights_requests"],
            security_terms=data["security_terms"],
            retention_terms=data["retention_terms"],
            starts_on=data["starts_on"],
            review_on=data["review_on"],
            ends_on=data["ends_on"],
        )

    @staticmethod
    def initial_from(agreement: SharingAgreement) -> dict[str, Any]:
        """The saved terms, to start changing a draft from."""
        return {
            "title": agreement.title,
            "purpose": agreement.purpose,
            "purpose_description": agreement.purpose_description,
            "categories": [category.pk for category in agreement.categories.all()],
            "gdpr_article_6": agreement.gdpr_article_6,
            "gdpr_article_9": agreement.gdpr_article_9,
            "common_law_basis": agreement.common_law_basis,
            "rights_requests": agreement.rights_requests,
            "security_terms": agreement.security_terms,
            "retention_terms": agreement.retention_terms,
            "starts_on": agreement.starts_on,
            "ends_on": agreement.ends_on,
            "review_on": agreement.review_on,
        }

    @staticmethod
    def initial_for_direct_care() -> dict[str, Any]:
        """A new draft starts from the usual bases for direct care, which the writer may
        change."""
        return {
            "purpose": Purpose.DIRECT_CARE,
            "gdpr_article_6": GdprArticle6.PUBLIC_TASK,
            "gdpr_article_9": GdprArticle9.HEALTH_OR_SOCIAL_CARE,
            "common_law_basis": CommonLawBasis.IMPLIED_CONSENT,
        }


class DraftAgreementForm(AgreementTermsForm):
    """A new agreement: its terms and the partner organisations, chosen from a list that a
    name filter narrows (no JavaScript needed)."""

    find = forms.CharField(label="Filter organisations by name", required=False, max_length=200)
    partners = forms.ModelMultipleChoiceField(
        label="Partner organisations",
        # Lazy: each form copies the queryset, so the list is read afresh every time.
        queryset=search_organisations(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one partner organisation",
            "invalid_choice": "Choose partner organisations from the list",
            "invalid_pk_value": "Choose partner organisations from the list",
        },
    )

    field_order = [
        "title",
        "purpose",
        "purpose_description",
        "categories",
        "find",
        "partners",
    ]

    def __init__(self, *args: Any, own_organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["partners"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 - declared above
        field.queryset = search_organisations().exclude(pk=own_organisation.pk)

    def chosen_partner_ids(self) -> set[str]:
        value = self["partners"].value() or []
        return {str(item) for item in value}


class ChangeDraftForm(AgreementTermsForm):
    """A draft's terms, with the version of the draft the writer started from, so that two
    people changing it at once never silently overwrite each other."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SignAgreementForm(NhsukForm):
    signatory_role = forms.CharField(
        label="Signing as",
        max_length=200,
        help_text="Your role, for example Caldicott guardian or Senior information risk owner.",
        error_messages={"required": "Say in what role you sign"},
    )

    def clean_signatory_role(self) -> str:
        return _stripped(self, "signatory_role", "Say in what role you sign")


def _reason(label: str, missing: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        widget=forms.Textarea,
        max_length=300,
        help_text="The other parties see this in the agreement's history. 300 characters or fewer.",
        error_messages={"required": missing},
    )


_CONFIRM_STOP = "Confirm that sharing stops straight away"


class SuspendAgreementForm(NhsukForm):
    reason = _reason("Why are you suspending it?", "Say why you are suspending the agreement")
    confirm = forms.BooleanField(
        label="I understand that sharing under this agreement stops straight away for every party",
        error_messages={"required": _CONFIRM_STOP},
    )

    def clean_reason(self) -> str:
        return _stripped(self, "reason", "Say why you are suspending the agreement")


class ResumeAgreementForm(NhsukForm):
    reason = _reason("What was put right?", "Say what was put right")

    def clean_reason(self) -> str:
        return _stripped(self, "reason", "Say what was put right")


class EndAgreementForm(NhsukForm):
    reason = _reason("Why are you ending it?", "Say why you are ending the agreement")
    confirm = forms.BooleanField(
        label="I understand that sharing under this agreement stops straight away for every "
        "party, and that an ended agreement cannot be resumed",
        error_messages={"required": _CONFIRM_STOP},
    )

    def clean_reason(self) -> str:
        return _stripped(self, "reason", "Say why you are ending the agreement")


class ReviewAgreementForm(NhsukForm):
    notes = forms.CharField(
        label="What did the review find?",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Record what the review found"},
    )
    categories = forms.MultipleChoiceField(
        label="Kinds of information shared",
        widget=forms.CheckboxSelectMultiple,
        help_text="Adding or removing a kind takes effect straight away, for every party.",
        error_messages={"required": "Choose at least one kind of information"},
    )
    next_review_on = NhsDateField(
        label="Next review by",
        future_only=True,
        help_text=DATE_HINT,
        error_messages={
            "required": "Enter the date of the next review",
            "future": "The next review must be in the future",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["categories"]
        assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101 - declared above
        field.choices = category_choices()

    def clean_notes(self) -> str:
        return _stripped(self, "notes", "Record what the review found")


def typed_initial(form: type[forms.Form], data: QueryDict) -> dict[str, Any]:
    """What was typed, as initial values: a form re-shown without being checked (after
    filtering the organisations) keeps every box, choice and date part as it was."""
    initial: dict[str, Any] = {}
    for name, field in form.base_fields.items():
        if isinstance(field, NhsDateField):
            initial[name] = [data.get(f"{name}_{part}", "") for part in ("day", "month", "year")]
        elif isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            initial[name] = data.getlist(name)
        elif name in data:
            initial[name] = data.get(name)
    return initial
