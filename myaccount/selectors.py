"""What Mon compte shows (reads only): the account page, the journal, the open sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.aliases import chosen_alias
from accounts.devices import describe_user_agent
from accounts.models import AttachmentReport, AuditEvent, Guardianship, User, UserSession
from accounts.sessions import active_sessions
from core.phones import mask_phone

JOURNAL_DAYS = 90
JOURNAL_MAX = 200


@dataclass(frozen=True)
class ChildLine:
    student_id: int
    name: str
    establishment: str
    class_name: str


def account_page(user: User) -> dict[str, Any]:
    children: list[ChildLine] = []
    masked_mobiles: list[str] = []
    if user.kind == User.Kind.PARENT:
        links = (
            Guardianship.objects.filter(guardian__account=user)
            .select_related("student__establishment")
            .order_by("student__last_name", "student__first_name")
        )
        seen: set[int] = set()
        for link in links:
            if link.student_id in seen:
                continue
            seen.add(link.student_id)
            children.append(
                ChildLine(
                    student_id=link.student_id,
                    name=str(link.student),
                    establishment=link.student.establishment.name,
                    class_name=link.student.class_name,
                )
            )
        mobiles = user.guardian_records.exclude(mobile="").values_list("mobile", flat=True)
        masked_mobiles = sorted({mask_phone(m) for m in mobiles})
    student = user.student if user.kind == User.Kind.STUDENT else None
    reports = (
        AttachmentReport.objects.filter(reporter=user)
        .select_related("student", "establishment")
        .order_by("-created_at")[:20]
        if user.kind == User.Kind.PARENT
        else []
    )
    return {
        "account": user,
        "children": children,
        "masked_mobiles": masked_mobiles,
        "student": student,
        "reports": list(reports),
        "chosen_identifier": chosen_alias(user),
        "may_merge": user.kind in (User.Kind.PARENT, User.Kind.STUDENT) and not user.is_staff,
    }


def journal(user: User) -> list[AuditEvent]:
    """The account's own events of the last 90 days, each with a readable device."""
    since = timezone.now() - timedelta(days=JOURNAL_DAYS)
    events = list(
        AuditEvent.objects.filter(subject=user, created_at__gte=since).select_related("actor")[
            :JOURNAL_MAX
        ]
    )
    for event in events:
        event.device = describe_user_agent(event.user_agent)  # type: ignore[attr-defined]
    return events


def open_sessions(user: User, *, current_key: str | None) -> list[UserSession]:
    rows = active_sessions(user)
    for row in rows:
        row.device = describe_user_agent(row.user_agent)  # type: ignore[attr-defined]
        row.is_current = row.session_key == current_key  # type: ignore[attr-defined]
    return rows
