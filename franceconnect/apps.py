from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.signout import register_logout_redirect
from franceconnect.logout import franceconnect_logout_url


class FranceConnectConfig(AppConfig):
    name = "franceconnect"
    verbose_name = _("FranceConnect")

    def ready(self) -> None:
        # Imported once the app registry is ready: these modules import models.
        from accounts.merging import register_mover
        from franceconnect.services import LinkMover

        register_mover(LinkMover())
        register_logout_redirect(franceconnect_logout_url)
