"""Top-level URLs. Paths are French and fixed points other code relies on; names are namespaced."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from educonnect import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics_view, name="metrics"),
    path("assistance/", views.assistance, name="assistance"),
    path("mentions-legales/", views.legal_notice, name="legal_notice"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("langue/", login_not_required(set_language), name="set_language"),
    path("", include("accounts.urls")),
    path("", include("myaccount.urls")),
    path("", include("recovery.urls")),
    path("", include("franceconnect.urls")),
    path("", include("notifications.urls")),
    path("", include("identity.urls")),
    path("", include("passkeys.urls")),
    path("", include("console.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "educonnect.views.bad_request"
handler403 = "educonnect.views.permission_denied"
handler404 = "educonnect.views.page_not_found"
handler500 = "educonnect.views.server_error"
