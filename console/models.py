"""What the console itself keeps: the académie's forced password renewal campaigns."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Establishment


class RenewalCampaign(models.Model):
    """ "Every account of these establishments (or all) whose password was last set before
    ``cutoff_at`` must set a new one at next login" (after the March 2024 wave of
    stolen student accounts). The accounts it marked point at it (``User.renewal_campaign``)."""

    class Kinds(models.TextChoices):
        STUDENTS = "students", _("Élèves")
        PARENTS = "parents", _("Représentants légaux")
        BOTH = "both", _("Élèves et représentants légaux")

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lancée par"),
    )
    started_at = models.DateTimeField(_("lancée le"))
    is_academie_wide = models.BooleanField(_("toute l'académie"), default=False)
    establishments = models.ManyToManyField(
        Establishment, blank=True, related_name="+", verbose_name=_("établissements")
    )
    kinds = models.CharField(_("comptes"), max_length=10, choices=Kinds.choices)
    cutoff_at = models.DateTimeField(_("mot de passe défini avant le"))
    ends_sessions = models.BooleanField(_("fermeture des sessions"), default=False)
    marked_count = models.PositiveIntegerField(_("comptes concernés"), default=0)
    ended_sessions_count = models.PositiveIntegerField(_("sessions fermées"), default=0)

    class Meta:
        verbose_name = _("campagne de renouvellement des mots de passe")
        verbose_name_plural = _("campagnes de renouvellement des mots de passe")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return str(_("Campagne du %(date)s") % {"date": f"{self.started_at:%d/%m/%Y %H:%M}"})
