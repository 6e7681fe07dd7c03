from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out
from django.utils.translation import gettext_lazy as _

from accounts.signout import register_deactivation_hook


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("Fournisseur d'identité (OpenID Connect)")

    def ready(self) -> None:
        # Imported once the app registry is ready: these modules import models.
        from identity.backchannel import on_account_deactivated, on_user_logged_out

        user_logged_out.connect(on_user_logged_out, dispatch_uid="identity.backchannel_logout")
        register_deactivation_hook(on_account_deactivated)
