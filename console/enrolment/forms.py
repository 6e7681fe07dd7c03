"""The invitation journey's forms: shape checks and French messages only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import PASSWORD_MAX, NewPasswordMixin
from accounts.models import User


class FirstPasswordForm(NewPasswordMixin):
    """A new staff member's first password, checked against the one policy."""

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)


class CurrentPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe actuel"),
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)


class EnrolmentCodeForm(forms.Form):
    token = forms.CharField(
        label=_("Code à 6 chiffres affiché par l'application"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
