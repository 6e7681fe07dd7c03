"""The secretariat console's model admins, one module per model; importing this package (Django's
admin autodiscovery does) registers them all on the portal's admin site."""

from console.admin import (  # noqa: F401 - imported for their registrations
    attachment_report,
    audit_event,
    establishment,
    guardian,
    notification,
    roster_correction,
    staff_membership,
    student,
    user,
)
