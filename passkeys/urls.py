"""Passkey URLs: Mon compte's list under ``/mon-compte/cles-d-acces/``, the login's and the
second factor's JSON endpoints."""

from django.urls import path

from passkeys import views

app_name = "passkeys"

urlpatterns = [
    path("mon-compte/cles-d-acces/", views.passkey_list, name="list"),
    path("mon-compte/cles-d-acces/confirmer/", views.reauthenticate, name="reauthenticate"),
    path("mon-compte/cles-d-acces/options/", views.register_options, name="register_options"),
    path("mon-compte/cles-d-acces/ajouter/", views.register_verify, name="register_verify"),
    path(
        "mon-compte/cles-d-acces/<dbid:credential_id>/supprimer/",
        views.passkey_remove,
        name="remove",
    ),
    path("connexion/cle-d-acces/options/", views.login_options, name="login_options"),
    path("connexion/cle-d-acces/", views.login_verify, name="login_verify"),
    path(
        "securite/double-authentification/cle-d-acces/options/",
        views.second_factor_options,
        name="second_factor_options",
    ),
    path(
        "securite/double-authentification/cle-d-acces/",
        views.second_factor_verify,
        name="second_factor_verify",
    ),
]
