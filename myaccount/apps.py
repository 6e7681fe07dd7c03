from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MyAccountConfig(AppConfig):
    name = "myaccount"
    verbose_name = _("Mon compte")
