from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes et élèves")

    def ready(self) -> None:
        from accounts.known_devices import KNOWN_DEVICE_MOVER
        from accounts.merging import register_mover

        register_mover(KNOWN_DEVICE_MOVER)
