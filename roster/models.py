"""What the school corrected in the portal over its information system's word.

A ``RosterCorrection`` remembers one value the secretariat fixed in the console (a guardian's
mobile, e-mail or SMS consent) or one student–guardian link it detached. While it is active the
import keeps the portal's value and reports the conflict; it ends when SIECLE agrees (settled)
or when the secretariat takes SIECLE's value back (dropped). Kept in the roster app so that the
import's rules and their data change together, without touching the accounts migrations.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AttachmentReport, Establishment, Guardian, Student, User


class RosterCorrection(models.Model):
    class Field(models.TextChoices):
        MOBILE = "mobile", _("mobile")
        EMAIL = "email", _("e-mail")
        ACCEPTS_SMS = "accepts_sms", _("consentement aux SMS")
        LINK = "link", _("lien élève-responsable")

    class Origin(models.TextChoices):
        CONSOLE = "console", _("corrigé dans la console")
        REPORT = "report", _("détaché après un signalement")

    class Status(models.TextChoices):
        ACTIVE = "active", _("conservée à l'import")
        SETTLED = "settled", _("SIECLE a la même valeur")
        DROPPED = "dropped", _("abandonnée : valeur de SIECLE reprise")

    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("établissement"),
    )
    guardian = models.ForeignKey(
        Guardian,
        on_delete=models.CASCADE,
        related_name="roster_corrections",
        verbose_name=_("responsable"),
    )
    student = models.ForeignKey(
        Student,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roster_corrections",
        verbose_name=_("élève"),
        help_text=_("Seulement pour un lien élève-responsable détaché."),
    )
    field = models.CharField(_("donnée corrigée"), max_length=20, choices=Field.choices)
    # Values as stored on the Guardian: E.164 mobile, e-mail, "1"/"0" for the SMS consent;
    # empty for a link (the correction itself says "detached").
    corrected_value = models.CharField(_("valeur du portail"), max_length=254, blank=True)
    siecle_value = models.CharField(
        _("valeur de SIECLE"),
        max_length=254,
        blank=True,
        help_text=_("Celle de SIECLE lors de la correction, puis au dernier import."),
    )
    origin = models.CharField(
        _("origine"), max_length=20, choices=Origin.choices, default=Origin.CONSOLE
    )
    report = models.OneToOneField(
        AttachmentReport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="roster_correction",
        verbose_name=_("signalement"),
    )
    corrected_at = models.DateTimeField(_("corrigé le"), default=timezone.now)
    corrected_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("corrigé par"),
    )
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    resolved_at = models.DateTimeField(_("close le"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("close par"),
    )

    class Meta:
        verbose_name = _("correction du portail")
        verbose_name_plural = _("corrections du portail")
        ordering = ["-corrected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["guardian", "field"],
                condition=models.Q(status="active", student__isnull=True),
                name="roster_correction_one_active_per_field",
            ),
            models.UniqueConstraint(
                fields=["guardian", "student"],
                condition=models.Q(status="active", student__isnull=False),
                name="roster_correction_one_active_per_link",
            ),
            models.CheckConstraint(
                condition=(models.Q(field="link") & models.Q(student__isnull=False))
                | (~models.Q(field="link") & models.Q(student__isnull=True)),
                name="roster_correction_student_only_for_links",
            ),
        ]
        indexes = [
            models.Index(fields=["establishment", "status"], name="roster_correction_active_idx")
        ]

    def __str__(self) -> str:
        if self.field == self.Field.LINK:
            return f"{self.student} – {self.guardian}"
        return f"{self.guardian} : {self.get_field_display()}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE
