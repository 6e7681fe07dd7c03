"""What moves when two accounts of one person are merged into one.

Each app that ties something to an account (children and e-mail here, passkeys, a
FranceConnect link...) registers a ``Mover`` from its ``AppConfig.ready``. The merge itself
(``accounts.services`` or wherever it is implemented) asks every mover, in registration order,
first to describe what it would move (the preview the person confirms), then to move it inside
the merge's transaction. A lower app never imports a higher one: they come to it.
"""

from __future__ import annotations

from typing import Protocol

from accounts.models import User


class Mover(Protocol):
    def describe(self, closed: User) -> list[str]:
        """What would move from ``closed``, as sentences the person reads (translated)."""

    def move(self, *, kept: User, closed: User) -> None:
        """Move it to ``kept``; called inside the merge's transaction, both rows locked."""


_MOVERS: list[Mover] = []


def register_mover(mover: Mover) -> None:
    if mover not in _MOVERS:
        _MOVERS.append(mover)


def movers() -> tuple[Mover, ...]:
    return tuple(_MOVERS)
