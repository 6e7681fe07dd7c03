"""Template helpers for the portal's pages: optional links, password rules, the error summary."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth import password_validation
from django.forms import BoundField
from django.urls import NoReverseMatch, reverse

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
def password_rules() -> list[dict[str, Any]]:
    """The rules of the password policy (AUTH_PASSWORD_VALIDATORS), shown next to new
    passwords: each one's sentence, the ``checklist_key`` the live checklist ticks it by
    (static/js/password-rules.js; ``server`` for rules only the server checks) and its
    minimum length if it has one."""
    return [
        {
            "text": validator.get_help_text(),
            "key": getattr(validator, "checklist_key", "server"),
            "min_length": getattr(validator, "min_length", None),
        }
        for validator in password_validation.get_default_password_validators()
    ]


@register.filter
def fields_in_error(form: Any) -> list[BoundField]:
    """The form's visible fields that carry errors, in form order (for the error summary)."""
    return [field for field in form.visible_fields() if field.errors]


@register.filter
def de(name: str) -> str:
    """``{{ name|de }}{{ name }}``: French "de" elided before a vowel (« d'Inès », « de Léa »)."""
    return de_prefix(str(name))
