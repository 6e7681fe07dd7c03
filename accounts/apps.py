from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes et élèves")

    def ready(self) -> None:
        # Models are loaded only now: what moves in a merge registers here (accounts.merging).
        from accounts.known_devices import KNOWN_DEVICE_MOVER
        from accounts.merging import register_mover
        from accounts.movers import movers_register

        movers_register()
        register_mover(KNOWN_DEVICE_MOVER)
