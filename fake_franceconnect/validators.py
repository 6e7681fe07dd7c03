"""The claims FranceConnect gives, and the tests' switch: ID tokens signed by a stranger's key."""

from __future__ import annotations

from typing import Any

from jwcrypto import jwk, jwt
from oauth2_provider.oauth2_validators import OAuth2Validator

from fake_franceconnect.identities import IDENTITIES, sub_for

# Set through /_essais/mode by the tests: "normal" or "rogue-key" (the next ID tokens are signed
# by a key the JWKS does not publish, under the published key's kid).
MODE = {"id_token": "normal"}
_ROGUE_KEY = jwk.JWK.generate(kty="RSA", size=2048)


class FranceConnectValidator(OAuth2Validator):
    oidc_claim_scope = {
        "sub": "openid",
        "acr": "openid",
        "given_name": "given_name",
        "family_name": "family_name",
        "birthdate": "birthdate",
        "gender": "gender",
        "birthplace": "birthplace",
        "birthcountry": "birthcountry",
        "email": "email",
        "preferred_username": "preferred_username",
    }

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        key = request.user.username
        return {"sub": sub_for(key), "acr": "eidas1", **IDENTITIES.get(key, {})}

    def finalize_id_token(self, id_token: Any, token: Any, token_handler: Any, request: Any) -> str:
        signed: str = super().finalize_id_token(id_token, token, token_handler, request)
        if MODE["id_token"] != "rogue-key":  # noqa: S105 - a mode name
            return signed
        published = jwt.JWT(jwt=signed, key=request.client.jwk_key)
        forged = jwt.JWT(header=published.header, claims=published.claims)
        forged.make_signed_token(_ROGUE_KEY)
        return str(forged.serialize())
