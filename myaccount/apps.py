from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MyAccountConfig(AppConfig):
    name = "myaccount"
    verbose_name = _("Mon compte")

    def ready(self) -> None:
        # Mon compte sits above both ways in: a passkey, like a password, lets a person unlink
        # FranceConnect without locking themselves out (the two apps do not know each other).
        from franceconnect.services import register_other_way_in
        from passkeys.models import PasskeyCredential

        register_other_way_in(lambda user: PasskeyCredential.objects.filter(user=user).exists())
