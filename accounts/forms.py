"""Account forms: shape checks and French messages only; rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.passwords import validate_new_password
from core.fields import IdentifierField
from core.ratelimits import IDENTIFIER_POLICY, LOCK_SECONDS

PASSWORD_MAX = 128


def throttled_message(wait_seconds: int) -> str:
    """Too many wrong passwords for this identifier or address: the same words whether or not
    an account exists (the login, and the current password asked again in Mon compte)."""
    if wait_seconds > IDENTIFIER_POLICY.max_delay:  # beyond any delay: a lock
        return _(
            "Trop d'essais incorrects : la connexion avec cet identifiant est bloquée "
            "pendant %(minutes)s minutes. Vous pouvez aussi choisir un nouveau mot de passe avec "
            "« Mot de passe perdu », ce qui la débloque aussitôt."
        ) % {"minutes": LOCK_SECONDS // 60}
    return ngettext(
        "Trop d'essais incorrects. Patientez %(seconds)d seconde avant de réessayer.",
        "Trop d'essais incorrects. Patientez %(seconds)d secondes avant de réessayer.",
        wait_seconds,
    ) % {"seconds": wait_seconds}


class LoginForm(forms.Form):
    identifier = IdentifierField()
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
        # "webauthn": the browser offers this site's passkeys in the field's autofill
        # (conditional mediation, static/js/passkeys.js); ignored where unsupported.
        self.fields["identifier"].widget.attrs["autocomplete"] = "username webauthn"

    def throttled_message(self) -> str:
        return throttled_message(self.wait_seconds)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        identifier = cleaned.get("identifier")
        password = cleaned.get("password")
        if self.wait_seconds:
            raise forms.ValidationError(self.throttled_message(), code="throttled")
        if identifier and password:
            user = authenticate(self.request, username=identifier, password=password)
            if user is None:
                raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid")
            self.user = user
        return cleaned


class NewPasswordMixin(forms.Form):
    """Two new-password fields checked against the one policy; used by every password form."""

    new_password1 = forms.CharField(  # type: ignore[call-arg]  # template_name: Django 5.0+, not in the stubs
        label=_("Nouveau mot de passe"),
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        template_name="forms/new_password.html",  # the password rules under the field
    )
    new_password2 = forms.CharField(
        label=_("Confirmez le nouveau mot de passe"),
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    user: User

    def clean_new_password2(self) -> str:
        first = self.cleaned_data.get("new_password1")
        second: str = self.cleaned_data.get("new_password2", "")
        if first and first != second:
            raise ValidationError(
                _("Les deux mots de passe ne sont pas identiques."), code="password_mismatch"
            )
        return second

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # Django's hook, missing from the stubs
        password = self.cleaned_data.get("new_password1")
        if password and "new_password2" in self.cleaned_data:
            try:
                validate_new_password(password, self.user)
            except ValidationError as error:
                self.add_error("new_password1", error)
