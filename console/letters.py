"""Printable letters: one page per account with its identifier and temporary password, where to
log in, what to do at first login, and whom to ask at the school."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

from accounts.models import Establishment, User
from core.links import absolute_url


@dataclass(frozen=True)
class Letter:
    user: User
    password: str
    schools: list[Establishment] = field(default_factory=list)

    @property
    def for_parent(self) -> bool:
        """A parent's letter also says how to stay recoverable: many a parent registered at
        the counter has neither a mobile nor an e-mail the portal could send a code to."""
        return self.user.kind == User.Kind.PARENT


def account_schools(user: User) -> list[Establishment]:
    """The establishments an account belongs to: a student's school, a parent's children's."""
    if user.student_id:
        return [user.student.establishment]  # type: ignore[union-attr]
    return sorted(
        {g.establishment for g in user.guardian_records.select_related("establishment")},
        key=lambda school: school.name,
    )


def letters_context(letters: list[Letter], *, back_to: str = "accounts_user") -> dict[str, object]:
    """``back_to``: the console list the page links back to (``app_model``)."""
    today: dt.date = timezone.localdate()
    return {
        "letters": letters,
        "count": len(letters),
        "login_url": absolute_url("accounts:login"),
        "back_url": reverse(f"admin:{back_to}_changelist"),
        "today": today,
    }
