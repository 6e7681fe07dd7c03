from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PasskeysConfig(AppConfig):
    name = "passkeys"
    verbose_name = _("Clés d'accès")

    def ready(self) -> None:
        from accounts.merging import register_mover
        from passkeys.merging import PasskeyMover

        register_mover(PasskeyMover())
