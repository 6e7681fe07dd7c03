"""Sign-in URLs: ``/connexion/`` and ``/deconnexion/`` are fixed points; the staff second factor."""

from django.urls import path

from accounts import views
from accounts.twofactor import views as two_factor_views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.login_view, name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("securite/double-authentification/", two_factor_views.two_factor, name="two_factor"),
]
