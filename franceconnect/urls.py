"""FranceConnect's pages under ``/franceconnect/``; they answer 404 while it is not configured.
``retour/`` and ``deconnexion/`` are the addresses registered at FranceConnect."""

from django.urls import path

from franceconnect import views

app_name = "franceconnect"

urlpatterns = [
    path("franceconnect/connexion/", views.start, name="start"),
    path("franceconnect/retour/", views.callback, name="callback"),
    path("franceconnect/compte-existant/", views.existing_account, name="existing_account"),
    path("franceconnect/numero/", views.choose_mobile, name="choose_mobile"),
    path("franceconnect/aucune-fiche/", views.no_match, name="no_match"),
    path("franceconnect/inscription/", views.signup_finish, name="signup_finish"),
    path("franceconnect/delier/", views.unlink, name="unlink"),
    path("franceconnect/deconnexion/", views.logout_done, name="logout_done"),
]
