"""What signing out involves beyond the portal's own session, for the apps above accounts.

- **Where the logout sends the person**: an app that opened a session through an outside
  identity provider (FranceConnect) registers a hook from its ``AppConfig.ready``; the logout
  view asks the hooks, before the session ends, for the address to send the browser to (the
  first non-empty answer wins).
- **What closing an account ends**: an app that holds something live for a person outside the
  portal's sessions (identity: the services signed in through the portal, by back-channel
  logout) registers a hook that ``accounts.services.user_deactivate`` calls, inside its
  transaction, for every account it closes.

A lower app never imports a higher one: they come to it, as the merge movers do
(``accounts.merging``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:  # imported by app configs, before the models can load
    from accounts.models import User

LogoutRedirect = Callable[[HttpRequest], str | None]
DeactivationHook = Callable[["User"], None]

_HOOKS: list[LogoutRedirect] = []
_DEACTIVATION_HOOKS: list[DeactivationHook] = []


def register_logout_redirect(hook: LogoutRedirect) -> None:
    if hook not in _HOOKS:
        _HOOKS.append(hook)


def logout_redirect_url(request: HttpRequest) -> str | None:
    """The address a hook wants the logout to end at, read from the session still open."""
    for hook in _HOOKS:
        if url := hook(request):
            return url
    return None


def register_deactivation_hook(hook: DeactivationHook) -> None:
    if hook not in _DEACTIVATION_HOOKS:
        _DEACTIVATION_HOOKS.append(hook)


def deactivation_hooks() -> tuple[DeactivationHook, ...]:
    return tuple(_DEACTIVATION_HOOKS)
