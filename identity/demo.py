"""The demo relying party (``demo_service/``) registered for the embedded run and the README.

Its secret is public like the demo passwords: ``seed_demo`` refuses to run with DEBUG off.
"""

from __future__ import annotations

from identity.models import Client

DEMO_CLIENT_ID = "service-de-demonstration"
DEMO_CLIENT_SECRET = "Demo-Service-Secret-2026-pas-pour-la-production"  # noqa: S105 (public)
DEMO_SERVICE_URL = "http://127.0.0.1:8001"


def demo_service_register(base_url: str = DEMO_SERVICE_URL) -> Client:
    """Create or update the demo service; idempotent, and it puts its secret back."""
    client = Client.objects.filter(client_id=DEMO_CLIENT_ID).first() or Client(
        client_id=DEMO_CLIENT_ID
    )
    client.name = "Service de démonstration"
    client.client_type = Client.CLIENT_CONFIDENTIAL
    client.redirect_uris = f"{base_url}/retour"
    client.post_logout_redirect_uris = f"{base_url}/"
    client.backchannel_logout_uri = f"{base_url}/deconnexion-arriere-plan"
    client.allowed_scopes = "openid profile scolarite"
    client.sector_identifier = "demo.exemple.fr"
    client.client_secret = DEMO_CLIENT_SECRET
    client.hash_client_secret = True
    client.save()
    return client
