"""How the portal's forms draw a field: the hand-written DSFR markup of ``templates/forms/``.

``{{ form.field.as_field_group }}`` renders ``forms/field.html``, which picks the DSFR component
for the widget (input group, password, radios fieldset, checkbox). The console's admin forms
render their widgets with ``{{ field }}`` and are left exactly as Django draws them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting


class BoundField(forms.BoundField):
    """A bound field whose field group gets its input with DSFR's classes.

    Only the field templates use the ``widget`` this adds to their context; ``{{ field }}``
    renders the widget unchanged. Django itself adds ``aria-invalid`` and, unless given here,
    ``aria-describedby`` pointing at ``<id>_helptext`` and ``<id>_error``.
    """

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        if not self.use_fieldset:  # radios: forms/radios.html draws each input
            context["widget"] = self.as_widget(attrs=self.dsfr_attrs())
        return context

    def dsfr_attrs(self) -> dict[str, str | bool]:
        input_type = getattr(self.field.widget, "input_type", "")
        if input_type == "checkbox":
            return {}
        classes = "fr-input fr-input--error" if self.errors else "fr-input"
        if input_type == "password":
            # The messages group holds the hint, the errors and the rules: it describes the input.
            return {
                "class": f"fr-password__input {classes}",
                "aria-describedby": f"{self.auto_id}_messages",
            }
        return {"class": classes}


class FormRenderer(TemplatesSetting):
    """Django's renderer on the project's template engine, so that ``templates/forms/`` is found.

    ``django.forms`` sits before ``dsfr`` in INSTALLED_APPS: Django's own widget templates win
    over the ones django-dsfr overrides, as with Django's default renderer.
    """

    field_template_name = "forms/field.html"
    bound_field_class = BoundField
