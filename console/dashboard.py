"""Establishment dashboard for the console's home page: who is activated, what needs doing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import AttachmentReport, Establishment, Guardian, Student, User
from notifications.models import Notification


@dataclass
class ClassLine:
    class_name: str
    students: int
    students_activated: int
    parents: int
    parents_activated: int

    @property
    def student_rate(self) -> int:
        return round(100 * self.students_activated / self.students) if self.students else 0

    @property
    def parent_rate(self) -> int:
        return round(100 * self.parents_activated / self.parents) if self.parents else 0


@dataclass
class SchoolDashboard:
    establishment: Establishment
    classes: list[ClassLine] = field(default_factory=list)
    verified_emails: int = 0
    open_reports: int = 0
    failed_or_blocked_24h: int = 0
    unregistered: list[Guardian] = field(default_factory=list)


def build(establishment: Establishment, *, unregistered_limit: int = 50) -> SchoolDashboard:
    board = SchoolDashboard(establishment)
    students = Student.objects.filter(establishment=establishment, left_on__isnull=True)
    per_class = students.values("class_name").annotate(
        total=Count("id", distinct=True),
        activated=Count("id", filter=Q(account__activated_at__isnull=False), distinct=True),
        parents=Count(
            "guardianships__guardian",
            filter=Q(guardianships__responsibility_level=1),
            distinct=True,
        ),
        parents_activated=Count(
            "guardianships__guardian",
            filter=Q(
                guardianships__responsibility_level=1,
                guardianships__guardian__account__isnull=False,
            ),
            distinct=True,
        ),
    )
    board.classes = [
        ClassLine(
            row["class_name"] or "—",
            row["total"],
            row["activated"],
            row["parents"],
            row["parents_activated"],
        )
        for row in per_class.order_by("class_name")
    ]
    board.verified_emails = (
        User.objects.filter(
            Q(student__establishment=establishment)
            | Q(guardian_records__establishment=establishment),
            email_verified_at__isnull=False,
        )
        .distinct()
        .count()
    )
    board.open_reports = AttachmentReport.objects.filter(
        establishment=establishment, status=AttachmentReport.Status.OPEN
    ).count()
    board.failed_or_blocked_24h = Notification.objects.filter(
        establishment=establishment,
        created_at__gte=timezone.now() - timedelta(hours=24),
        status__in=[
            Notification.Status.FAILED,
            Notification.Status.BLOCKED,
            Notification.Status.UNDELIVERED,
        ],
    ).count()
    board.unregistered = list(
        Guardian.objects.filter(
            establishment=establishment, account__isnull=True, guardianships__responsibility_level=1
        )
        .distinct()
        .order_by("last_name", "first_name")[:unregistered_limit]
    )
    return board
