"""Scopes a service may ask for: the ones the académie allowed when registering it."""

from __future__ import annotations

from typing import Any

from oauth2_provider.scopes import SettingsScopes


class ClientScopes(SettingsScopes):
    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        known = super().get_available_scopes(application, request, *args, **kwargs)
        if application is None:
            return list(known)
        return [scope for scope in application.scope_list if scope in known]
