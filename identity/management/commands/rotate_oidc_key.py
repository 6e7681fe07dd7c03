"""``manage.py rotate_oidc_key``: make a new OpenID Connect signing key (the first one in
production). The previous key stays in the JWKS until the tokens it signed have expired."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.audit import audit_event_record
from accounts.events import EventType
from identity.keys import published_keys, signing_key_rotate


class Command(BaseCommand):
    help = "Crée une nouvelle clé de signature OpenID Connect ; l'ancienne reste publiée."

    def handle(self, *args: Any, **options: Any) -> None:
        key, deleted = signing_key_rotate()
        audit_event_record(event_type=EventType.OIDC_SIGNING_KEY_ROTATED, details={"kid": key.kid})
        self.stdout.write(f"Nouvelle clé de signature : {key.kid}")
        self.stdout.write(f"Clés publiées : {len(published_keys())} ; supprimées : {deleted}")
