"""``{% franceconnect_button %}`` and ``{% franceconnect_account %}``: FranceConnect on the login,
registration and Mon compte pages, and nothing at all while it is not configured."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from franceconnect import client
from franceconnect.services import link_for, may_unlink

register = template.Library()


@register.inclusion_tag("franceconnect/button.html", takes_context=True)
def franceconnect_button(context: dict[str, Any]) -> dict[str, Any]:
    """The official button (DSFR ``fr-connect``), keeping the page's ``next``."""
    if not client.is_configured():
        return {"url": ""}
    request = context.get("request")
    next_url = context.get("next") or (request.GET.get("next", "") if request else "")
    url = reverse("franceconnect:start")
    return {"url": f"{url}?{urlencode({'next': next_url})}" if next_url else url}


@register.inclusion_tag("franceconnect/account.html")
def franceconnect_account(user: Any) -> dict[str, Any]:
    """Mon compte's "Connecté avec FranceConnect" and the unlink button."""
    if not client.is_configured() or not getattr(user, "is_authenticated", False):
        return {"shown": False}
    link = link_for(user)
    return {"shown": True, "link": link, "may_unlink": bool(link) and may_unlink(user)}
