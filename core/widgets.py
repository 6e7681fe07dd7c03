"""Widgets that tell the portal's field templates (``templates/forms/``) how to draw a field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import Promise


class RadioSelect(forms.RadioSelect):
    """Radios drawn as a DSFR fieldset (``forms/radios.html``).

    The field's label points at its first radio, so the error summary's link lands on it (Django
    gives radios no label target). ``inline`` sets the choices side by side (*oui / non*);
    ``legend`` replaces the label as the fieldset's legend where the label, which the error
    summary keeps, says more than the page around the fieldset needs.
    """

    def __init__(
        self,
        attrs: dict[str, Any] | None = None,
        choices: Any = (),
        *,
        inline: bool = False,
        legend: str | Promise | None = None,
    ) -> None:
        super().__init__(attrs, choices)
        self.inline = inline
        self.legend = legend

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        if index is None:  # Django's RadioSelect gives "" here: no label target
            return f"{id_}_0" if id_ else ""
        return super().id_for_label(id_, index)
