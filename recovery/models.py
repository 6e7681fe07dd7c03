"""Verification codes and link tokens: only their keyed hash is stored, never the secret."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.channels import Channel


class VerificationCode(models.Model):
    class Purpose(models.TextChoices):
        PASSWORD_RESET = "password_reset", _("Réinitialisation du mot de passe")
        SIGNUP = "signup", _("Création de compte")
        EMAIL_VERIFICATION = "email_verification", _("Vérification de l'e-mail")

    Channel = Channel

    purpose = models.CharField(_("objet"), max_length=30, choices=Purpose.choices)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)
    destination = models.CharField(_("destinataire"), max_length=254)
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="verification_codes",
    )
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expire le"))
    attempts = models.PositiveSmallIntegerField(_("essais"), default=0)
    consumed_at = models.DateTimeField(_("utilisé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("code de vérification")
        verbose_name_plural = _("codes de vérification")
        indexes = [
            models.Index(fields=["purpose", "destination", "-created_at"], name="code_dest_idx"),
            models.Index(fields=["expires_at"], name="code_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.get_channel_display()})"

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    @property
    def is_consumed(self) -> bool:
        return self.consumed_at is not None
