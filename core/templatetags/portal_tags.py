"""Template helpers for the portal's pages: optional links, DSFR widgets, password rules."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth import password_validation
from django.forms import BoundField
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString

from core.text import de_prefix

register = template.Library()


@register.simple_tag
def url_or_none(name: str, *args: Any, **kwargs: Any) -> str | None:
    """Reverse ``name``, or give None when no such URL exists yet, so a page never links to a 404.

    Usage: ``{% url_or_none 'recovery:forgot_identifier' as url %}{% if url %}...{% endif %}``.
    """
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


@register.simple_tag
def widget(field: BoundField, css_class: str = "fr-input", **attrs: Any) -> SafeString:
    """Render a bound field's widget with DSFR classes, adding the error class when invalid.

    Keyword names use ``_`` for ``-`` (``aria_describedby``); empty values are left out, so a
    template can pass an optional attribute through. Django itself adds ``aria-invalid`` and,
    unless given here, ``aria-describedby`` pointing at ``<id>_helptext`` and ``<id>_error``.
    """
    classes = [css_class]
    if field.errors:
        classes.extend(f"{name}--error" for name in css_class.split() if name == "fr-input")
    widget_attrs: dict[str, str | bool] = {"class": " ".join(classes)}
    widget_attrs.update({key.replace("_", "-"): value for key, value in attrs.items() if value})
    return field.as_widget(attrs=widget_attrs)


@register.simple_tag
def password_rules() -> list[str]:
    """The sentences of the password policy (AUTH_PASSWORD_VALIDATORS), shown next to new
    passwords."""
    return list(password_validation.password_validators_help_texts())


@register.filter
def fields_in_error(form: Any) -> list[BoundField]:
    """The form's visible fields that carry errors, in form order (for the error summary)."""
    return [field for field in form.visible_fields() if field.errors]


@register.filter
def de(name: str) -> str:
    """``{{ name|de }}{{ name }}``: French "de" elided before a vowel (« d'Inès », « de Léa »)."""
    return de_prefix(str(name))
