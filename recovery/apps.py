from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = _("Récupération de compte")

    def ready(self) -> None:
        # Imported once the app registry is ready: these modules import models.
        from recovery.receivers import mobiles_replaced_by_import
        from roster.signals import mobiles_replaced

        mobiles_replaced.connect(mobiles_replaced_by_import, dispatch_uid="recovery.mobiles")
