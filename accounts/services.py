"""Account writes: the only place where User rows are created or changed."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.identifiers import identifier_stem, make_identifier, smallest_free_number
from accounts.models import User

IDENTIFIER_ATTEMPTS = 20


class IdentifierAllocationError(RuntimeError):
    """Concurrent creations kept taking the identifier we computed."""


def _taken_identifiers(stem: str) -> set[str]:
    return set(
        User.objects.filter(identifier__startswith=stem).values_list("identifier", flat=True)
    )


def user_create(
    *,
    kind: str,
    first_name: str,
    last_name: str,
    password: str | None,
    email: str = "",
    email_verified: bool = False,
    must_change_password: bool = False,
    activated: bool = True,
    student_id: int | None = None,
) -> User:
    """Create an account under ``first.last`` + the smallest free number.

    Two creations for the same name may race for the same number; the unique constraint decides
    and the loser recomputes, so identifiers stay unique without a table lock.
    """
    stem = identifier_stem(first_name, last_name)
    now = timezone.now()
    for _attempt in range(IDENTIFIER_ATTEMPTS):
        identifier = make_identifier(stem, smallest_free_number(stem, _taken_identifiers(stem)))
        user = User(
            identifier=identifier,
            kind=kind,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email,
            email_verified_at=now if email and email_verified else None,
            must_change_password=must_change_password,
            activated_at=now if activated else None,
            student_id=student_id,
        )
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save(force_insert=True)
        except IntegrityError:
            if User.objects.filter(identifier__iexact=identifier).exists():
                continue
            raise
        return user
    raise IdentifierAllocationError(stem)


def user_set_password(*, user: User, password: str, must_change: bool = False) -> None:
    user.set_password(password)
    user.must_change_password = must_change
    user.save(update_fields=["password", "must_change_password"])
