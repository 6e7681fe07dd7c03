"""The link between a FranceConnect identity and an account."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FranceConnectLink(models.Model):
    """One FranceConnect identity (its ``sub``, stable for this portal) opens one account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="franceconnect_link",
        verbose_name=_("compte"),
    )
    sub = models.CharField(_("identifiant FranceConnect (sub)"), max_length=255, unique=True)
    linked_at = models.DateTimeField(_("lié le"), default=timezone.now)

    class Meta:
        verbose_name = _("lien FranceConnect")
        verbose_name_plural = _("liens FranceConnect")

    def __str__(self) -> str:
        return f"FranceConnect → {self.user_id}"
