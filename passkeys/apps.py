from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PasskeysConfig(AppConfig):
    name = "passkeys"
    verbose_name = _("Clés d'accès")

    def ready(self) -> None:
        # Imported once the app registry is ready: these modules import models.
        from accounts.merging import register_mover
        from passkeys.merging import PasskeyMover

        register_mover(PasskeyMover())
