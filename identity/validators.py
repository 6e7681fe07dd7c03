"""django-oauth-toolkit's request validator, with the portal's rules on top.

- PKCE: required for public clients, allowed for confidential ones; a ``code_verifier`` sent
  for a code issued without a challenge is refused (PKCE downgrade, RFC 9700 §4.8.2).
- A deactivated account gets no token, no refresh and no userinfo, whatever it holds.
- Claims are pairwise and scope-bound (``identity.claims``).
- An authorization code exchanged twice revokes what its first exchange issued (RFC 6749
  §4.1.2): the code was stolen, or the service is replaying it.
- A token signed with a key rotated out still verifies while its key is published
  (``identity.keys``): the key is chosen by the token's ``kid``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.utils import timezone
from jwcrypto import jwk, jws
from oauth2_provider.models import get_grant_model
from oauth2_provider.oauth2_validators import OAuth2Validator

from accounts.audit import audit_event_record
from accounts.models import AuditEvent
from identity import keys
from identity.claims import CLAIM_SCOPES, claims_for
from identity.models import Client, RedeemedCode
from identity.services import user_tokens_revoke

REDEEMED_CODE_KEPT = timedelta(days=1)


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _revoke_if_reused(client: Client, code: str) -> None:
    reused = RedeemedCode.objects.filter(digest=_digest(code), client=client).first()
    if reused is None:
        return  # never issued, or expired unused: nothing to revoke
    revoked = user_tokens_revoke(user=reused.user, client=client)
    audit_event_record(
        event_type=AuditEvent.Type.OIDC_CODE_REUSED,
        subject=reused.user,
        details={"client": client.client_id, "tokens_revoked": revoked},
    )


class PortalValidator(OAuth2Validator):
    oidc_claim_scope = CLAIM_SCOPES

    def is_pkce_required(self, client_id: str, request: Any) -> bool:
        client = Client.objects.filter(client_id=client_id).only("client_type").first()
        return client is None or client.client_type == Client.CLIENT_PUBLIC

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            _revoke_if_reused(client, code)
            return False
        if not request.user.is_active:
            return False
        if request.code_verifier is not None:
            challenge = (
                get_grant_model()
                .objects.filter(code=code, application=client)
                .values_list("code_challenge", flat=True)
            )
            if not (challenge.first() or ""):
                return False
        return True

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: Any, *args: Any, **kwargs: Any
    ) -> None:
        super().invalidate_authorization_code(client_id, code, request, *args, **kwargs)
        now = timezone.now()
        RedeemedCode.objects.filter(redeemed_at__lt=now - REDEEMED_CODE_KEPT).delete()
        RedeemedCode.objects.create(
            digest=_digest(code), client=request.client, user=request.user, redeemed_at=now
        )

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        return bool(valid and request.user.is_active)

    def validate_bearer_token(self, token: str, scopes: Any, request: Any) -> bool:
        valid = super().validate_bearer_token(token, scopes, request)
        return bool(valid and request.user.is_active)

    # ``prompt=none``: the authorization view answers login_required / consent_required itself,
    # from the Django session and the stored consent (``views.AuthorizeView``), before oauthlib
    # asks; these two only let a request it let through go on.
    def validate_silent_login(self, request: Any) -> bool:
        return True

    def validate_silent_authorization(self, request: Any) -> bool:
        return True

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        return claims_for(request.user, request.client, list(request.scopes))

    def get_discovery_claims(self, request: Any) -> list[str]:
        return [*CLAIM_SCOPES, "iss", "aud", "exp", "iat", "auth_time", "nonce"]

    def _get_key_for_token(self, token: str) -> jwk.JWK | None:
        unverified = jws.JWS()
        unverified.deserialize(token)
        header = unverified.jose_header
        if isinstance(header, list):
            return None
        claims = json.loads(unverified.objects["payload"].decode("utf-8"))
        if "aud" not in claims or self._get_client_by_audience(claims["aud"]) is None:
            return None
        return keys.published_key(header.get("kid", ""))
