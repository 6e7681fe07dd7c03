"""Which school records a FranceConnect identity is: its names against the roster's guardians,
compared as self-registration compares typed names (``accounts.people.comparable_name``, on
``core.text.fold_name``).

FranceConnect gives the birth name (``family_name``), the usage name when there is one
(``preferred_username``) and every given name (``given_name``, separated by spaces); a school
usually holds one surname and the first given name. A record matches when its surname is the
birth or the usage name and its first name is all the given names or the first of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.access import may_sign_in
from accounts.models import Guardian, User
from accounts.people import comparable_name, legal_children
from franceconnect.client import Identity


def _first_names(identity: Identity) -> set[str]:
    given = identity.given_name.split()
    names = {comparable_name(identity.given_name)}
    if given:
        names.add(comparable_name(given[0]))
    return names - {""}


def _last_names(identity: Identity) -> set[str]:
    return {comparable_name(identity.family_name), comparable_name(identity.preferred_username)} - {
        ""
    }


def _candidates(last_names: set[str]) -> list[Guardian]:
    """Rows whose surname can fold to one of ``last_names``: narrowed in the database on the
    name's first letter (any case, the accented capitals of French names included), compared
    exactly in Python."""
    letters = {name[0] for name in last_names}
    accented = {"a": "àâä", "c": "ç", "e": "éèêë", "i": "îï", "o": "ôö", "u": "ùûü", "y": "ÿ"}
    rows: list[Guardian] = []
    seen: set[int] = set()
    for letter in sorted(letters):
        variants = letter + accented.get(letter, "")
        for variant in variants + variants.upper():
            query = Guardian.objects.filter(last_name__istartswith=variant)
            for guardian in query.select_related("establishment", "account").order_by("pk"):
                if guardian.pk not in seen:
                    seen.add(guardian.pk)
                    rows.append(guardian)
    return rows


def matching_guardians(identity: Identity) -> list[Guardian]:
    """Every Guardian row, in every establishment, that these names designate."""
    last_names, first_names = _last_names(identity), _first_names(identity)
    if not last_names or not first_names:
        return []
    return [
        guardian
        for guardian in _candidates(last_names)
        if comparable_name(guardian.last_name) in last_names
        and comparable_name(guardian.first_name) in first_names
    ]


@dataclass
class Match:
    """What the roster says about a FranceConnect identity."""

    accounts: list[User] = field(default_factory=list)  # existing accounts that may sign in
    unregistered: list[Guardian] = field(default_factory=list)  # records with no account yet
    has_legal_child: bool = False

    def mobiles(self) -> list[str]:
        """The school-held mobiles a self-registration code can go to (SMS accepted)."""
        return sorted(
            {
                guardian.mobile
                for guardian in self.unregistered
                if guardian.mobile and guardian.accepts_sms
            }
        )

    def record_for(self, mobile: str) -> Guardian | None:
        return next((g for g in self.unregistered if g.mobile == mobile and g.accepts_sms), None)

    @property
    def can_register(self) -> bool:
        return self.has_legal_child and bool(self.mobiles())


def roster_match(identity: Identity) -> Match:
    guardians = matching_guardians(identity)
    match = Match()
    for guardian in guardians:
        account = guardian.account
        if account is None:
            match.unregistered.append(guardian)
        elif may_sign_in(account) and account not in match.accounts:
            match.accounts.append(account)
    match.has_legal_child = bool(legal_children([g.pk for g in match.unregistered]))
    return match
