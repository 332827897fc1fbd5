"""Every form says what is wrong in words that name the field, never Django's generic English."""

from __future__ import annotations

from django import forms

from joinedup.core.forms import NhsukForm


class _ReferralNote(NhsukForm):
    reason = forms.CharField(label="Reason for the referral", max_length=10)
    urgency = forms.ChoiceField(label="Urgency", choices=[("routine", "Routine")])
    visits = forms.IntegerField(label="Visits a week", min_value=1, max_value=7)
    own_words = forms.CharField(
        label="In their words", error_messages={"required": "Write what they said"}
    )


def _errors(data: dict[str, str]) -> dict[str, list[str]]:
    form = _ReferralNote(data)
    form.is_valid()
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def test_missing_answers_name_the_field_or_keep_the_forms_own_words() -> None:
    errors = _errors({})
    assert errors["reason"] == ["Enter reason for the referral"]
    assert errors["urgency"] == ["Select urgency"]
    assert errors["own_words"] == ["Write what they said"]


def test_limits_and_choices_are_explained() -> None:
    errors = _errors(
        {"reason": "x" * 11, "urgency": "spaceship", "visits": "9", "own_words": "fine"}
    )
    assert errors["reason"] == ["Reason for the referral must be 10 characters or fewer"]
    assert errors["urgency"] == ["Select urgency from the list"]
    assert errors["visits"] == ["Visits a week must be 7 or less"]
    assert _errors({"visits": "two"})["visits"] == ["Visits a week must be a whole number"]
