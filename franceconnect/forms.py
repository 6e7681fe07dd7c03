"""FranceConnect's forms: shape checks and French messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.phones import mask_phone
from core.widgets import RadioSelect


class MobileChoiceForm(forms.Form):
    """Which of the school-held mobiles receives the code (masked: the school's, not typed)."""

    mobile = forms.ChoiceField(
        label=_("Numéro qui recevra le code"),
        widget=RadioSelect(legend=_("Numéro de mobile connu de l'établissement")),
        error_messages={
            "required": _("Choisissez le numéro qui recevra le code."),
            "invalid_choice": _("Choisissez un des numéros proposés."),
        },
    )

    def __init__(self, mobiles: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mobiles = mobiles
        field: forms.ChoiceField = self.fields["mobile"]  # type: ignore[assignment]
        field.choices = [(str(index), mask_phone(mobile)) for index, mobile in enumerate(mobiles)]

    def chosen_mobile(self) -> str:
        return self.mobiles[int(self.cleaned_data["mobile"])]
