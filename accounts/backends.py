"""The authentication backend: Django's model backend with the portal's sign-in rule."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from accounts.access import may_sign_in
from accounts.models import User


class PortalBackend(ModelBackend):
    """``user_can_authenticate`` is ``accounts.access.may_sign_in``: the login and every
    later request of a session (``get_user``) apply the rule recovery applies."""

    def user_can_authenticate(self, user: Any) -> bool:
        return isinstance(user, User) and may_sign_in(user)
