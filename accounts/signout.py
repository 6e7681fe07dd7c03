"""Where the portal's logout sends the person: the login page, or a provider's logout first.

An app that opened a session through an outside identity provider (FranceConnect) registers a
hook from its ``AppConfig.ready``; the logout view asks the hooks, before the session ends, for
the address to send the browser to (the first non-empty answer wins). A lower app never
imports a higher one: they come to it, as the merge movers do (``accounts.merging``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

LogoutRedirect = Callable[[HttpRequest], str | None]

_HOOKS: list[LogoutRedirect] = []


def register_logout_redirect(hook: LogoutRedirect) -> None:
    if hook not in _HOOKS:
        _HOOKS.append(hook)


def logout_redirect_url(request: HttpRequest) -> str | None:
    """The address a hook wants the logout to end at, read from the session still open."""
    for hook in _HOOKS:
        if url := hook(request):
            return url
    return None
