from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes et élèves")

    def ready(self) -> None:
        # Models are loaded only now: what moves in a merge registers here (accounts.merging).
        from accounts.movers import movers_register  # noqa: PLC0415

        movers_register()
