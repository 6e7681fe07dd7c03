"""Identifiers that sign in besides ``User.identifier``: a merged account's, and one the owner
chose (seed 004's « identifiant personnalisé »).

One rule for every lookup of a typed identifier (``account_for_identifier``): a live alias
first (the identifier of a closed, merged account stays its alias), then the account's own
identifier. One rule for uniqueness (``identifier_is_taken``): an identifier is taken when it
is any account's or any alias's, retired ones included, so a former identifier is never
given to another person.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_event_record
from accounts.identifiers import CHOSEN_MAX_LENGTH, CHOSEN_MIN_LENGTH, has_identifier_shape
from accounts.models import AuditEvent, IdentifierAlias, User
from core.http import RequestFacts

SIGNS_IN = (IdentifierAlias.Kind.MERGED, IdentifierAlias.Kind.CHOSEN)


def account_for_identifier(identifier: str) -> User | None:
    """The account a canonical identifier signs in to, whatever its state (callers apply
    ``accounts.access.may_sign_in``)."""
    if not identifier:
        return None
    # Two queries whatever the answer: an alias, a plain account and nothing look alike.
    alias = IdentifierAlias.objects.filter(identifier=identifier).select_related("user").first()
    user = User.objects.filter(identifier=identifier).first()
    if alias is not None:
        return alias.user if alias.kind in SIGNS_IN else None  # a retired one signs in nowhere
    return user


def is_own_identifier(user: User, identifier: str) -> bool:
    """Whether a canonical identifier signs in to ``user`` (its own, or a live alias of it):
    asked about the signed-in account only, so it says nothing about anyone else's."""
    return identifier == user.identifier or (
        IdentifierAlias.objects.filter(identifier=identifier, user=user, kind__in=SIGNS_IN).exists()
    )


def identifier_is_taken(identifier: str) -> bool:
    return (
        User.objects.filter(identifier=identifier).exists()
        or IdentifierAlias.objects.filter(identifier=identifier).exists()
    )


def taken_with_prefix(stem: str) -> set[str]:
    """Every identifier and alias starting with ``stem`` (what the next number must avoid)."""
    users = User.objects.filter(identifier__startswith=stem).values_list("identifier", flat=True)
    aliases = IdentifierAlias.objects.filter(identifier__startswith=stem).values_list(
        "identifier", flat=True
    )
    return set(users) | set(aliases)


class AliasRefused(Exception):
    """A chosen identifier that may not be used; ``message`` says why, in French."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = str(ALIAS_MESSAGES[code]) % {
            "min": CHOSEN_MIN_LENGTH,
            "max": CHOSEN_MAX_LENGTH,
        }


ALIAS_MESSAGES = {
    "shape": _(
        "Un identifiant s'écrit en lettres minuscules sans accents, avec des mots séparés par "
        "un point ou un tiret, et peut finir par un nombre (par exemple marie.dupont ou "
        "marie-dupont75)."
    ),
    "length": _("Un identifiant compte entre %(min)d et %(max)d caractères."),
    "taken": _("Cet identifiant n'est pas disponible. Choisissez-en un autre."),
    "same": _("C'est déjà l'un de vos identifiants."),
    "kind": _("Seuls les comptes des familles et des élèves choisissent un identifiant."),
}


def alias_check(*, user: User, identifier: str) -> None:
    """Raise ``AliasRefused`` unless ``identifier`` (canonical) may become ``user``'s chosen
    alias: the identifier shape, a length, and free (or a former one of this same person)."""
    if user.kind == User.Kind.STAFF or user.is_staff:
        raise AliasRefused("kind")
    if not CHOSEN_MIN_LENGTH <= len(identifier) <= CHOSEN_MAX_LENGTH:
        raise AliasRefused("length")
    if not has_identifier_shape(identifier):
        raise AliasRefused("shape")
    if identifier == user.identifier:
        raise AliasRefused("same")
    existing = IdentifierAlias.objects.filter(identifier=identifier).first()
    if existing is not None:
        if existing.user_id != user.pk:
            raise AliasRefused("taken")
        if existing.kind != IdentifierAlias.Kind.RETIRED:
            raise AliasRefused("same")
        return
    if User.objects.filter(identifier=identifier).exists():
        raise AliasRefused("taken")


def alias_choose(*, user: User, identifier: str, facts: RequestFacts) -> IdentifierAlias:
    """Make ``identifier`` the account's chosen alias; the previous one is retired (it stays
    reserved for this person and may be chosen again). Journaled."""
    try:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=user.pk).first()  # one change at a time
            alias_check(user=user, identifier=identifier)
            previous = IdentifierAlias.objects.filter(
                user=user, kind=IdentifierAlias.Kind.CHOSEN
            ).first()
            if previous is not None:
                previous.kind = IdentifierAlias.Kind.RETIRED
                previous.save(update_fields=["kind"])
            alias, _created = IdentifierAlias.objects.update_or_create(
                identifier=identifier, user=user, defaults={"kind": IdentifierAlias.Kind.CHOSEN}
            )
            audit_event_record(
                event_type=AuditEvent.Type.IDENTIFIER_ALIAS_CHOSEN,
                subject=user,
                actor=user,
                ip_address=facts.ip_address,
                user_agent=facts.user_agent,
                details={
                    "identifier": identifier,
                    "previous": previous.identifier if previous else "",
                },
            )
    except IntegrityError:  # taken by someone else meanwhile
        raise AliasRefused("taken") from None
    return alias


def chosen_alias(user: User) -> str:
    alias = IdentifierAlias.objects.filter(user=user, kind=IdentifierAlias.Kind.CHOSEN).first()
    return alias.identifier if alias is not None else ""
