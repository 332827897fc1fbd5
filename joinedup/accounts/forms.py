"""Forms for signing in, the second factor and choosing the acting role.

They only check what was typed; accounts.services decides whether it is right."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms

from joinedup.accounts.models import RoleProfile
from joinedup.core.forms import NhsukForm

CODE_LENGTH = 6


class SignInForm(NhsukForm):
    username = forms.CharField(
        label="Username",
        max_length=150,
        error_messages={
            "required": "Enter your username",
            "max_length": "Username must be 150 characters or fewer",
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SecondFactorForm(NhsukForm):
    code = forms.CharField(
        label="Enter the code from your authenticator app",
        help_text="It is 6 numbers, for example 123456. The app shows a new code every 30 seconds.",
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        # People copy codes with spaces ("123 456"); anything else is a mistake to point out.
        code = "".join(str(self.cleaned_data["code"]).split())
        if not (code.isascii() and code.isdigit()):
            raise forms.ValidationError("The code must only include numbers")
        if len(code) != CODE_LENGTH:
            raise forms.ValidationError("The code must be 6 numbers")
        return code


class ChooseRoleForm(NhsukForm):
    role = forms.ChoiceField(
        label="Which role are you working in?",
        help_text="You can switch role at any time from the link at the top of the page.",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the role you are working in",
            "invalid_choice": "Choose one of your current roles",
        },
    )

    def __init__(self, *args: Any, profiles: Sequence[RoleProfile], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = cast(forms.ChoiceField, self.fields["role"])
        role.choices = [(str(profile.pk), str(profile)) for profile in profiles]
