"""What a service learns about a person, scope by scope (docs/IDENTITY.md).

Minimal by design: ``openid`` gives only a pairwise subject; ``profile`` the names and whether
the account is a parent's or a student's; ``scolarite`` (ours) the school and class, or for a
parent the children they are the *legal guardian* of (Guardianship level 1). Never a mobile,
an e-mail, a birth date or an INE; a child appears under an identifier that is pairwise too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.crypto import salted_hmac

from accounts.models import Guardianship, User
from identity.models import Client

KIND_CLAIM: dict[str, str] = {
    User.Kind.PARENT: "parent",
    User.Kind.STUDENT: "eleve",
    User.Kind.STAFF: "personnel",
}

# Which claim each scope releases (django-oauth-toolkit's ``oidc_claim_scope``).
CLAIM_SCOPES = {
    "sub": "openid",
    "given_name": "profile",
    "family_name": "profile",
    "kind": "profile",
    "scolarite": "scolarite",
}


def _pairwise(purpose: str, sector: str, local_id: int) -> str:
    """An HMAC of a local id and a sector: stable for one sector, unlinkable across sectors
    without the secret (OpenID Connect Core §8.1, pairwise identifier algorithm)."""
    return salted_hmac(
        f"educonnect.identity.{purpose}",
        f"{sector}|{local_id}",
        secret=settings.OIDC_PAIRWISE_SECRET,
        algorithm="sha256",
    ).hexdigest()


def pairwise_subject(user: User, client: Client) -> str:
    return _pairwise("sub", client.sector, user.pk)


def pairwise_child_id(student_id: int, client: Client) -> str:
    return _pairwise("child", client.sector, student_id)


def profile_claims(user: User) -> dict[str, Any]:
    return {
        "given_name": user.first_name,
        "family_name": user.last_name,
        "kind": KIND_CLAIM.get(user.kind, user.kind),
    }


def schooling_claims(user: User, client: Client) -> dict[str, Any]:
    """A student's school and class; a parent's legally attached children, each with theirs."""
    if user.kind == User.Kind.STUDENT:
        student = user.student
        if student is None:
            return {}
        return {"uai": student.establishment.uai, "classe": student.class_name}
    if user.kind != User.Kind.PARENT:
        return {}
    links = (
        Guardianship.objects.filter(
            guardian__account=user, responsibility_level=1, student__left_on=None
        )
        .select_related("student__establishment")
        .order_by("student__first_name", "student_id")
    )
    children: dict[int, dict[str, str]] = {}
    for link in links:
        student = link.student
        children.setdefault(
            student.pk,
            {
                "id": pairwise_child_id(student.pk, client),
                "given_name": student.first_name,
                "uai": student.establishment.uai,
                "classe": student.class_name,
            },
        )
    return {"enfants": list(children.values())}


def claims_for(user: User, client: Client, scopes: list[str]) -> dict[str, Any]:
    """Every claim the granted ``scopes`` release, for both the ID token and userinfo."""
    claims: dict[str, Any] = {"sub": pairwise_subject(user, client)}
    if "profile" in scopes:
        claims.update(profile_claims(user))
    if "scolarite" in scopes:
        claims["scolarite"] = schooling_claims(user, client)
    return claims
