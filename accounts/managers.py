"""User manager: a typed identifier is looked up by its canonical form (``core.text``), with an
exact match on the stored identifier that its unique index serves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import BaseUserManager

from core.text import canonical_identifier

if TYPE_CHECKING:
    from accounts.models import User


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(identifier=canonical_identifier(username or ""))

    def create_user(self, identifier: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(identifier=canonical_identifier(identifier), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, identifier: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("kind", "staff")
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(identifier, password, **fields)
