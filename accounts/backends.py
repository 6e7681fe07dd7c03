"""The authentication backend: Django's model backend with the portal's sign-in rule, and
the identifier resolved as everywhere else (``accounts.aliases``: an alias signs in too)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.access import may_sign_in
from accounts.aliases import account_for_identifier
from accounts.models import User
from core.text import canonical_identifier


class PortalBackend(ModelBackend):
    """``user_can_authenticate`` is ``accounts.access.may_sign_in``: the login and every
    later request of a session (``get_user``) apply the rule recovery applies."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = account_for_identifier(canonical_identifier(username))
        if user is None:
            User().set_password(password)  # the same work as a wrong password (Django's rule)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user: Any) -> bool:
        return isinstance(user, User) and may_sign_in(user)
