"""What this app moves when two accounts merge (``accounts.merging``): the school records of
a parent (and so the children), the attachment reports they filed, a student's link to the
school's record, and the verified e-mail when the kept account has none. Registered in
``AccountsConfig.ready``, first, so that what moves children is described first."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.merging import register_mover
from accounts.models import AttachmentReport, Guardian, Guardianship, Student, User
from accounts.services import user_email_set


class ChildrenMover:
    """A parent's Guardian rows (the school records it proved) move, and with them every
    child; the reports the parent filed follow them."""

    def describe(self, closed: User) -> list[str]:
        links = (
            Guardianship.objects.filter(guardian__account=closed)
            .select_related("student__establishment")
            .order_by("student__last_name", "student__first_name", "student_id")
        )
        seen: dict[int, str] = {}
        for link in links:
            student = link.student
            seen.setdefault(
                student.pk,
                _("%(name)s (%(school)s)")
                % {"name": f"{student.first_name} {student.last_name}",
                   "school": student.establishment.name},
            )  # fmt: skip
        lines = [_("Enfant : %(child)s") % {"child": child} for child in seen.values()]
        schools = sorted(
            {record.establishment.name for record in closed.guardian_records.select_related(
                "establishment")}
        )  # fmt: skip
        if schools:
            lines.append(
                _("Vos coordonnées connues de : %(schools)s") % {"schools": ", ".join(schools)}
            )
        return lines

    def move(self, *, kept: User, closed: User) -> None:
        now = timezone.now()
        Guardian.objects.filter(account=closed).update(account=kept, updated_at=now)
        open_here = AttachmentReport.objects.filter(
            reporter=kept, status=AttachmentReport.Status.OPEN
        ).values_list("student_id", flat=True)
        # One open report per child and reporter: an open one the kept account already has
        # for the same child stays the one the school answers.
        AttachmentReport.objects.filter(reporter=closed).exclude(
            Q(status=AttachmentReport.Status.OPEN) & Q(student_id__in=list(open_here))
        ).update(reporter=kept)


class StudentMover:
    """A student account's link to the school's record, when the kept account has none."""

    def describe(self, closed: User) -> list[str]:
        student = closed.student
        if student is None:
            return []
        return [
            _("Votre fiche d'élève : %(school)s, classe %(class_name)s")
            % {"school": student.establishment.name, "class_name": student.class_name or "—"}
        ]

    def move(self, *, kept: User, closed: User) -> None:
        if closed.student_id is None or kept.student_id is not None:
            return
        student_id = closed.student_id
        closed.student = None
        closed.save(update_fields=["student"])
        kept.student = Student.objects.get(pk=student_id)
        kept.save(update_fields=["student"])


class EmailMover:
    """The closed account's verified e-mail, when the kept account has no verified one (the
    closed account's e-mail is cleared with it when it is closed)."""

    def describe(self, closed: User) -> list[str]:
        if not closed.has_verified_email:
            return []
        return [
            _("L'adresse e-mail vérifiée %(email)s, si le compte conservé n'en a pas")
            % {"email": closed.email}
        ]

    def move(self, *, kept: User, closed: User) -> None:
        if kept.has_verified_email or not closed.has_verified_email:
            return
        verified_at = closed.email_verified_at
        user_email_set(user=kept, email=closed.email, verified=True)
        kept.email_verified_at = verified_at
        kept.save(update_fields=["email_verified_at"])


MOVERS = (ChildrenMover(), StudentMover(), EmailMover())


def movers_register() -> None:
    for mover in MOVERS:
        register_mover(mover)
