"""What the *Mon compte* page shows, gathered from the account and its roster rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.models import Guardianship, User
from accounts.phones import mask_phone


@dataclass(frozen=True)
class ChildLine:
    student_id: int
    name: str
    establishment: str
    class_name: str


def build(user: User) -> dict[str, Any]:
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
    return {
        "account": user,
        "children": children,
        "masked_mobiles": masked_mobiles,
        "student": student,
    }
