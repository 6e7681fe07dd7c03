"""The secretariat console's model admins, one module per model; importing this package (Django's
admin autodiscovery does) registers them all on the portal's admin site."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from console.admin import (  # noqa: F401 - imported for their registrations
    attachment_report,
    audit_event,
    establishment,
    guardian,
    notification,
    renewal_campaign,
    roster_correction,
    staff,
    staff_membership,
    student,
    user,
)

# django-otp's own device pages are in English and would let an administrator hand a device to
# someone: devices are enrolled by their owner only, through the portal's pages. (Its apps come
# before this one in INSTALLED_APPS, so autodiscovery has registered them by now.)
for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)
