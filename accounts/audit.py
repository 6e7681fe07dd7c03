"""Writing the append-only audit journal. Nothing updates or deletes an AuditEvent here."""

from __future__ import annotations

from typing import Any

from accounts.models import AuditEvent, Establishment, User

USER_AGENT_MAX = 300
DETAIL_MAX = 300


def _storable(value: Any) -> Any:
    """PostgreSQL text and JSON cannot hold NUL; long attacker input is cut."""
    if isinstance(value, str):
        return value.replace("\x00", "")[:DETAIL_MAX]
    return value


def audit_event_record(
    *,
    event_type: str,
    subject: User | None = None,
    actor: User | None = None,
    establishment: Establishment | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        event_type=event_type,
        subject=subject,
        actor=actor,
        establishment=establishment,
        ip_address=ip_address or None,
        user_agent=_storable(user_agent or "")[:USER_AGENT_MAX],
        details={key: _storable(value) for key, value in (details or {}).items()},
    )
