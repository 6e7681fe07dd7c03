"""Account forms: shape checks and French messages only; rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.throttling import IDENTIFIER_POLICY

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

    def __init__(
        self, request: HttpRequest, *args: Any, wait_seconds: int = 0, **kwargs: Any
    ) -> None:
        self.request = request
        self.user: User | None = None
        self.wait_seconds = wait_seconds
        super().__init__(*args, **kwargs)

    def throttled_message(self) -> str:
        """Too many failures for this identifier or address: the same words whether or not
        an account exists (issue 4)."""
        if self.wait_seconds > IDENTIFIER_POLICY.max_delay:  # beyond any delay: a lock
            return str(
                _(
                    "Trop d'essais incorrects : la connexion avec cet identifiant est bloquée "
                    "pendant 15 minutes. Vous pouvez aussi choisir un nouveau mot de passe avec "
                    "« Mot de passe perdu », ce qui la débloque aussitôt."
                )
            )
        return ngettext(
            "Trop d'essais incorrects. Patientez %(seconds)d seconde avant de réessayer.",
            "Trop d'essais incorrects. Patientez %(seconds)d secondes avant de réessayer.",
            self.wait_seconds,
        ) % {"seconds": self.wait_seconds}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        identifier = cleaned.get("identifier")
        password = cleaned.get("password")
        if self.wait_seconds:
            raise forms.ValidationError(self.throttled_message(), code="throttled")
        if identifier and password:
            user = authenticate(self.request, username=identifier.strip(), password=password)
            if user is None:
                raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid")
            self.user = user
        return cleaned
