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
        # Proves another account to merge into the signed-in one (recovery.flows.merge): never
        # a reset code, so neither can stand for the other.
        ACCOUNT_MERGE = "account_merge", _("Regroupement de comptes")

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


class PendingRequest(models.Model):
    """A family's request (reset, lost identifier, sign-up or merge code) until a worker has
    handled it.

    The web process writes it before enqueuing the task and the worker deletes it in the
    transaction that writes the code and the messages, so the request outlives the broker: a
    task lost between Redis handing it out and recording it as unacknowledged, or with a Redis
    that keeps nothing across a restart, is enqueued again by beat (``recovery.outbox``). What
    was typed stays sealed here as in the task (``core.crypto.seal``). A known and an unknown
    identifier write and delete the same row, so the request costs both the same.
    """

    class Kind(models.TextChoices):
        PASSWORD_RESET = "password_reset", _("Mot de passe perdu")
        IDENTIFIER_REMINDER = "identifier_reminder", _("Identifiant perdu")
        SIGNUP_CODE = "signup_code", _("Code d'inscription")
        MERGE_CODE = "merge_code", _("Code de regroupement de comptes")

    kind = models.CharField(_("demande"), max_length=30, choices=Kind.choices)
    payload = models.TextField(editable=False)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    enqueued_at = models.DateTimeField(_("mise en file le"))

    class Meta:
        verbose_name = _("demande en attente")
        verbose_name_plural = _("demandes en attente")
        indexes = [models.Index(fields=["enqueued_at"], name="pending_enqueued_idx")]

    def __str__(self) -> str:
        return str(self.get_kind_display())
