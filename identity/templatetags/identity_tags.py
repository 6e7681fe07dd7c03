"""Template helpers of the identity provider: the service a login page is for."""

from __future__ import annotations

from typing import Any

from django import template

from identity.authorization import client_for_next
from identity.models import Client

register = template.Library()


@register.simple_tag(takes_context=True)
def oidc_client_for_next(context: dict[str, Any]) -> Client | None:
    """``{% oidc_client_for_next as client %}``: the registered service whose authorization
    request the page's ``next`` is, so the login page can say "pour accéder à …"."""
    request = context.get("request")
    next_url = context.get("next") or (request.GET.get("next", "") if request else "")
    return client_for_next(str(next_url))
