"""Passkey forms: shape checks and French messages only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import PASSWORD_MAX
from passkeys.models import NAME_MAX


class PasskeyNameForm(forms.Form):
    name = forms.CharField(
        label=_("Nom de l'appareil"),
        help_text=_("Pour la reconnaître dans la liste, par exemple « Téléphone de Patrick »."),
        max_length=NAME_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class ReauthenticateForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe"),
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
