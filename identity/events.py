"""Audit event types of the identity provider: the constants live with every other type, and
their labels, in ``accounts.events``."""

from __future__ import annotations

from accounts.events import EventType

CLIENT_CREATED = EventType.OIDC_CLIENT_CREATED
CLIENT_CHANGED = EventType.OIDC_CLIENT_CHANGED
CLIENT_DELETED = EventType.OIDC_CLIENT_DELETED
CLIENT_SECRET_ROTATED = EventType.OIDC_CLIENT_SECRET_ROTATED
SIGNING_KEY_ROTATED = EventType.OIDC_SIGNING_KEY_ROTATED
CONSENT_GRANTED = EventType.OIDC_CONSENT_GRANTED
CONSENT_WITHDRAWN = EventType.OIDC_CONSENT_WITHDRAWN
BACKCHANNEL_LOGOUT_QUEUED = EventType.OIDC_BACKCHANNEL_LOGOUT_QUEUED
