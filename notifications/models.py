"""The notification log: every SMS and e-mail the portal sends, and what became of it.

This is what the secretariat reads when a parent says "I got nothing". The body is
stored with every code and link token redacted; the secrets travel encrypted in
``secret_payload`` and are wiped as soon as the message reaches a final state.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.channels import Channel
from core.phones import mask_phone


class Notification(models.Model):
    Channel = Channel

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente d'envoi")
        SENDING = "sending", _("Envoi en cours")
        SENT = "sent", _("Envoyé")
        DELIVERED = "delivered", _("Distribué")
        UNDELIVERED = "undelivered", _("Non distribué")
        FAILED = "failed", _("Échec")
        BLOCKED = "blocked", _("Bloqué")

    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    destination = models.CharField(_("destinataire"), max_length=254)
    template = models.CharField(_("modèle"), max_length=100)
    subject = models.CharField(_("objet"), max_length=255, blank=True)
    body = models.TextField(_("contenu (secrets masqués)"))
    secret_payload = models.TextField(blank=True, editable=False)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    provider_message_id = models.CharField(_("identifiant fournisseur"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error_code = models.CharField(_("code d'erreur"), max_length=30, blank=True)
    last_error = models.CharField(_("explication"), max_length=300, blank=True)
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("compte"),
    )
    establishment = models.ForeignKey(
        "accounts.Establishment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("établissement"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("distribué le"), null=True, blank=True)
    failed_at = models.DateTimeField(_("échec le"), null=True, blank=True)

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois (SMS et e-mails)")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["channel", "created_at"], name="notif_channel_created_idx"),
            models.Index(fields=["destination", "created_at"], name="notif_dest_created_idx"),
            models.Index(fields=["status", "created_at"], name="notif_status_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="notif_unique_provider_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.masked_destination}"

    @property
    def masked_destination(self) -> str:
        if self.channel == self.Channel.SMS:
            return mask_phone(self.destination)
        return mask_email(self.destination)


# How far along a message is; a status callback never moves a message to a lower rank.
STATUS_RANK: dict[str, int] = {
    Notification.Status.QUEUED: 0,
    Notification.Status.SENDING: 1,
    Notification.Status.SENT: 2,
    Notification.Status.DELIVERED: 3,
    Notification.Status.UNDELIVERED: 3,
    Notification.Status.FAILED: 3,
    Notification.Status.BLOCKED: 3,
}


def mask_email(address: str) -> str:
    """``patrick.dupont@exemple.fr`` → ``p•••@exemple.fr``."""
    local, _at, domain = address.partition("@")
    if not domain:
        return "•••"
    return f"{local[:1]}•••@{domain}"
