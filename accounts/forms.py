"""Account forms: shape checks and French messages only; rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User

IDENTIFIER_MAX = 150
PASSWORD_MAX = 128


class LoginForm(forms.Form):
    identifier = forms.CharField(
        label=_("Identifiant"),
        max_length=IDENTIFIER_MAX,
        help_text=_("Au format prenom.nom suivi d'un chiffre, par exemple : camille.martin1"),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _(
            "Identifiant ou mot de passe incorrect. Vérifiez votre saisie, ou utilisez "
            "« Identifiant perdu » ou « Mot de passe perdu »."
        ),
    }

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        identifier = cleaned.get("identifier")
        password = cleaned.get("password")
        if identifier and password:
            user = authenticate(self.request, username=identifier.strip(), password=password)
            if user is None:
                raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid")
            self.user = user
        return cleaned
