"""Forms of *Mon compte*: shape checks and French messages; rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.passwords import validate_new_password

PASSWORD_MAX = 128


class NewPasswordMixin(forms.Form):
    """Two new-password fields checked against the one policy; used by every password form."""

    new_password1 = forms.CharField(
        label=_("Nouveau mot de passe"),
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
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
        second = self.cleaned_data.get("new_password2", "")
        if first and first != second:
            raise ValidationError(
                _("Les deux mots de passe ne sont pas identiques."), code="password_mismatch"
            )
        return second

    def _post_clean(self) -> None:
        super()._post_clean()
        password = self.cleaned_data.get("new_password1")
        if password and "new_password2" in self.cleaned_data:
            try:
                validate_new_password(password, self.user)
            except ValidationError as error:
                self.add_error("new_password1", error)


class PasswordChangeForm(NewPasswordMixin):
    current_password = forms.CharField(
        label=_("Mot de passe actuel"),
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["current_password", "new_password1", "new_password2"]

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise ValidationError(
                _("Le mot de passe actuel est incorrect."), code="password_incorrect"
            )
        return password

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("current_password") and cleaned.get("current_password") == cleaned.get(
            "new_password1"
        ):
            self.add_error(
                "new_password1",
                ValidationError(
                    _("Choisissez un mot de passe différent de l'actuel."), code="password_same"
                ),
            )
        return cleaned


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        help_text=_("Un lien de confirmation valable 24 heures y sera envoyé."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        local, _at, domain = self.cleaned_data["email"].strip().rpartition("@")
        email = f"{local}@{domain.lower()}"
        if self.user.has_verified_email and email.lower() == self.user.email.lower():
            raise ValidationError(
                _("C'est déjà votre adresse e-mail vérifiée."), code="email_unchanged"
            )
        return email


class AttachmentReportForm(forms.Form):
    comment = forms.CharField(
        label=_("Précisions pour l'établissement (facultatif)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
