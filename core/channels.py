"""The channels a message or a code travels by. One typed value used by the notification log,
the verification codes and the recovery journeys, instead of bare strings."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
