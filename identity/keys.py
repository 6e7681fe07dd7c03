"""The provider's RS256 signing keys, kept in the database (``SigningKey``).

Rotation without breaking live tokens: ``signing_key_rotate`` makes a new key that signs from
now on and retires the previous one, which the JWKS keeps publishing until every token it
signed has expired (ID token lifetime, plus a margin for clocks and caches). Services that
cache the JWKS for ``OIDC_JWKS_MAX_AGE_SECONDS`` see the new key on their next fetch, or at
once when they meet an unknown ``kid``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from jwcrypto import jwk

from identity.models import SigningKey

# Clock skew between servers and the time a service may keep a token before checking it.
PUBLICATION_MARGIN = timedelta(minutes=5)


def publication_window() -> timedelta:
    """How long a retired key stays published: the longest life of a token it signed."""
    longest = max(settings.OIDC_ID_TOKEN_SECONDS, settings.OIDC_LOGOUT_TOKEN_SECONDS)
    return timedelta(seconds=longest) + PUBLICATION_MARGIN


def published_keys(now: datetime | None = None) -> list[SigningKey]:
    now = now or timezone.now()
    SigningKey.objects.current()  # the embedded run makes its first key here
    cutoff = now - publication_window()
    return list(
        SigningKey.objects.filter(retired_at=None)
        | SigningKey.objects.filter(retired_at__gt=cutoff)
    )


def published_key(kid: str) -> jwk.JWK | None:
    """The key with this ``kid`` while it is published, else None (the token is refused)."""
    for key in published_keys():
        if key.kid == kid:
            return key.jwk()
    return None


def jwks() -> dict[str, Any]:
    """The JSON Web Key Set: public halves only."""
    entries = []
    for key in published_keys():
        public = json.loads(key.jwk().export_public())
        entries.append({**public, "kid": key.kid, "alg": "RS256", "use": "sig"})
    return {"keys": entries}


@transaction.atomic
def signing_key_rotate(now: datetime | None = None) -> tuple[SigningKey, int]:
    """A new signing key; the previous ones retire now and keys retired longer than the
    publication window are deleted. Returns the new key and the number deleted."""
    now = now or timezone.now()
    SigningKey.objects.filter(retired_at=None).update(retired_at=now)
    deleted, _ = SigningKey.objects.filter(retired_at__lte=now - publication_window()).delete()
    return SigningKey.objects.generate(), deleted
