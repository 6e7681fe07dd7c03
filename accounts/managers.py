"""User manager: a typed identifier is looked up by its canonical form (``core.text``), with an
exact match on the stored identifier that its unique index serves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import BaseUserManager
from django.utils import timezone

from core.text import canonical_email, canonical_identifier

if TYPE_CHECKING:
    from accounts.models import User


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(identifier=canonical_identifier(username or ""))

    def create_user(self, identifier: str, password: str | None = None, **fields: Any) -> User:
        """``createsuperuser`` and the like: the password given is the owner's, so the account
        is activated (``accounts.access``); the e-mail gets its lookup key."""
        if password is not None:
            fields.setdefault("activated_at", timezone.now())
        email = fields.get("email") or ""
        fields["email_key"] = canonical_email(email) if email else ""
        user = self.model(identifier=canonical_identifier(identifier), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, identifier: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("kind", "staff")
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(identifier, password, **fields)
