"""Lost password and lost identifier forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import NewPasswordMixin
from accounts.models import User
from core.fields import CodeField, IdentifierField, MobileField
from core.text import canonical_email
from core.widgets import RadioSelect
from recovery import channels


class ForgotPasswordForm(forms.Form):
    identifier = IdentifierField()
    channel = forms.ChoiceField(
        label=_("Recevoir de quoi choisir un nouveau mot de passe"),
        choices=channels.choices,
        widget=RadioSelect,
        error_messages={"required": _("Choisissez SMS ou e-mail.")},
    )


class CodeForm(forms.Form):
    code = CodeField()


class ForgotIdentifierSmsForm(forms.Form):
    mobile = MobileField(
        help_text=_("Celui que vous avez donné à l'établissement, par exemple : 06 12 34 56 78"),
    )


class ForgotIdentifierEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        help_text=_("Celle que vous avez vérifiée dans « Mon compte »."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def clean_email(self) -> str:
        return canonical_email(self.cleaned_data["email"])


class ResetPasswordForm(NewPasswordMixin):
    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
