"""Audit event types of the identity provider (``AuditEvent.event_type`` strings)."""

from __future__ import annotations

CLIENT_CREATED = "oidc_client_created"
CLIENT_CHANGED = "oidc_client_changed"
CLIENT_DELETED = "oidc_client_deleted"
CLIENT_SECRET_ROTATED = "oidc_client_secret_rotated"  # noqa: S105 (an event name)
SIGNING_KEY_ROTATED = "oidc_signing_key_rotated"
CONSENT_GRANTED = "oidc_consent_granted"
CONSENT_WITHDRAWN = "oidc_consent_withdrawn"
BACKCHANNEL_LOGOUT_QUEUED = "oidc_backchannel_logout_queued"
