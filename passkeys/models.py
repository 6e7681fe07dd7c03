"""A person's passkeys (WebAuthn credentials) and the random user handle they are bound to."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from accounts.models import User

CREDENTIAL_ID_MAX = 1400  # 1023 bytes at most (WebAuthn §5.8.3), in base64url
USER_HANDLE_MAX = 100  # 32 random bytes in base64url: 43 characters
NAME_MAX = 64  # django-otp's Device.name


class PasskeyUser(models.Model):
    """The WebAuthn user id of an account: 32 random bytes, never the identifier or the primary
    key (WebAuthn §14.6.1: the handle must not reveal who the person is). One per account, so
    a second passkey made on the same authenticator replaces the first one there."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="passkey_user", verbose_name=_("compte")
    )
    handle = models.CharField(_("identifiant WebAuthn"), max_length=USER_HANDLE_MAX, unique=True)

    class Meta:
        verbose_name = _("identifiant WebAuthn")
        verbose_name_plural = _("identifiants WebAuthn")

    def __str__(self) -> str:
        return str(self.user)


class PasskeyCredential(Device):  # type: ignore[misc]  # django-otp ships no types
    """One passkey of an account.

    A django-otp ``Device``, so that a staff member's passkey can be their console's second
    factor with django-otp's own ``otp_login`` and ``is_verified()``. ``confirmed`` (django-otp's
    "usable as a second factor") is true only for a passkey a staff member added while already
    verified with their existing factor: a passkey added by anyone else, or moved by a merge,
    is a way to log in, never a second factor (no trust on first use).
    """

    confirmed: models.BooleanField[bool, bool] = models.BooleanField(
        _("double authentification de la console"), default=False
    )
    credential_id: models.CharField[str, str] = models.CharField(
        _("identifiant de la clé"), max_length=CREDENTIAL_ID_MAX, unique=True
    )
    public_key: models.BinaryField[bytes, bytes] = models.BinaryField(_("clé publique (COSE)"))
    sign_count: models.PositiveBigIntegerField[int, int] = models.PositiveBigIntegerField(
        _("compteur de signatures"), default=0
    )
    transports: models.JSONField[list[str], list[str]] = models.JSONField(
        _("transports"), default=list, blank=True
    )
    # The user handle the authenticator stored with this credential (kept as registered: a
    # credential moved by a merge still answers with the handle of the account it was made on).
    user_handle: models.CharField[str, str] = models.CharField(
        _("identifiant WebAuthn"), max_length=USER_HANDLE_MAX
    )
    aaguid: models.CharField[str, str] = models.CharField(
        _("modèle d'authentificateur (AAGUID)"), max_length=36, blank=True
    )
    is_backed_up: models.BooleanField[bool, bool] = models.BooleanField(
        _("synchronisée"), default=False
    )
    created_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(
        _("ajoutée le"), default=timezone.now
    )
    last_used_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        _("dernière utilisation"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("clé d'accès")
        verbose_name_plural = _("clés d'accès")
        ordering = ["-created_at", "-pk"]

    is_passkey = True  # what accounts.twofactor.devices recognises a passkey second factor by

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @property
    def is_second_factor(self) -> bool:
        return bool(self.confirmed)
