"""What happens to accounts: the journal, browser sessions, known devices, and the families'
"this is not my child" reports."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.events import EventType, event_label
from accounts.models.people import User
from accounts.models.roster import Establishment, Guardian, Student


class AuditEvent(models.Model):
    """Append-only journal: rows are only ever created, through ``accounts.audit.record``."""

    Type = EventType

    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    event_type = models.CharField(_("événement"), max_length=50)
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events_as_actor",
        verbose_name=_("auteur"),
    )
    subject = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("compte concerné"),
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("établissement"),
    )
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    details = models.JSONField(_("détails"), default=dict, blank=True)

    class Meta:
        verbose_name = _("événement du journal")
        verbose_name_plural = _("journal d'activité")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subject", "-created_at"], name="audit_subject_idx")]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} – {self.created_at:%Y-%m-%d %H:%M}"

    def get_event_type_display(self) -> str:
        return event_label(self.event_type)


class UserSession(models.Model):
    """One signed-in browser: what *Mon compte* lists and what "end other sessions" ends."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="browser_sessions", verbose_name=_("compte")
    )
    session_key = models.CharField(max_length=40, unique=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("connecté le"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("dernière activité"), default=timezone.now)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.user} – {self.last_seen_at:%Y-%m-%d %H:%M}"


class KnownDevice(models.Model):
    """A browser an account signed in from (``accounts.known_devices``), known by the hash of
    the random value of its device cookie. A login from a browser unseen for
    ``KNOWN_DEVICE_DAYS`` is a login from a new device."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="known_devices", verbose_name=_("compte")
    )
    token_hash = models.CharField(max_length=64)
    label = models.CharField(_("appareil"), max_length=100, blank=True)
    first_seen_at = models.DateTimeField(_("première connexion"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("dernière connexion"), default=timezone.now)
    last_ip_address = models.GenericIPAddressField(_("dernière adresse IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("appareil connu")
        verbose_name_plural = _("appareils connus")
        constraints = [
            models.UniqueConstraint(fields=["user", "token_hash"], name="known_device_per_user"),
        ]
        indexes = [models.Index(fields=["last_seen_at"], name="known_device_seen_idx")]

    def __str__(self) -> str:
        return f"{self.user} – {self.label}"


class AttachmentReport(models.Model):
    """A parent saying "I am not the legal guardian of this child", for the school to handle."""

    class Status(models.TextChoices):
        OPEN = "open", _("À traiter")
        DETACHED = "detached", _("Enfant détaché")
        DISMISSED = "dismissed", _("Classé sans suite")

    reporter = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachment_reports",
        verbose_name=_("signalé par"),
    )
    guardian = models.ForeignKey(
        Guardian,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("fiche responsable"),
    )
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="reports", verbose_name=_("élève")
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.CASCADE,
        related_name="attachment_reports",
        verbose_name=_("établissement"),
    )
    comment = models.TextField(_("commentaire du parent"), blank=True, max_length=1000)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    resolution_comment = models.TextField(_("réponse de l'établissement"), blank=True)
    created_at = models.DateTimeField(_("signalé le"), default=timezone.now)
    resolved_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    class Meta:
        verbose_name = _("signalement de rattachement")
        verbose_name_plural = _("signalements de rattachement")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "student"],
                condition=models.Q(status="open"),
                name="report_one_open_per_child",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} ({self.get_status_display()})"
