"""What the consent page tells a person, in plain words and with their own data, before a
service learns it (the claims come from ``identity.claims``, the words from here)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from identity.claims import schooling_claims
from identity.models import Client


def disclosures(user: User, client: Client, scopes: list[str]) -> list[str]:
    said = [
        _(
            "un identifiant propre à ce service : il ne permet pas de vous reconnaître "
            "dans un autre service"
        )
    ]
    if "profile" in scopes:
        kind = _("parent") if user.kind == User.Kind.PARENT else _("élève")
        said.append(
            _("vos prénom et nom (%(name)s) et le fait que vous êtes %(kind)s")
            % {"name": user.get_full_name(), "kind": kind}
        )
    if "scolarite" in scopes:
        said.append(_schooling_sentence(user, client))
    return said


def _schooling_sentence(user: User, client: Client) -> str:
    schooling = schooling_claims(user, client)
    if user.kind == User.Kind.PARENT:
        children = ", ".join(
            f"{child['given_name']} ({child['classe'] or '—'}, {child['uai']})"
            for child in schooling.get("enfants", [])
        )
        return _(
            "pour chaque enfant dont vous êtes représentant légal : son prénom, le code de "
            "son établissement et sa classe (%(children)s)"
        ) % {"children": children or _("aucun enfant rattaché")}
    return _("le code de votre établissement et votre classe (%(uai)s, %(classe)s)") % {
        "uai": schooling.get("uai", "—"),
        "classe": schooling.get("classe") or "—",
    }
