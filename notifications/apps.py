from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Envois SMS et e-mail")

    def ready(self) -> None:
        # Imported once the app registry is ready: these modules import models.
        from accounts.known_devices import register_alert_sender
        from notifications.alerts import new_device_notify

        register_alert_sender(new_device_notify)
