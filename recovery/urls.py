"""Recovery URLs. ``/identifiant-perdu/``, ``/mot-de-passe-perdu/`` and ``/inscription/`` are
fixed points other code and tests rely on; the rest are French too."""

from django.urls import path

from recovery.views import forgot_identifier, forgot_password, signup

app_name = "recovery"

urlpatterns = [
    path("identifiant-perdu/", forgot_identifier.forgot_identifier, name="forgot_identifier"),
    path(
        "identifiant-perdu/envoye/",
        forgot_identifier.forgot_identifier_sent,
        name="forgot_identifier_sent",
    ),
    path("mot-de-passe-perdu/", forgot_password.forgot_password, name="forgot_password"),
    path(
        "mot-de-passe-perdu/verification/",
        forgot_password.forgot_password_sent,
        name="forgot_password_sent",
    ),
    path(
        "mot-de-passe-perdu/renvoyer/",
        forgot_password.forgot_password_resend,
        name="forgot_password_resend",
    ),
    path(
        "mot-de-passe-perdu/lien/<token:token>/",
        forgot_password.forgot_password_link,
        name="forgot_password_link",
    ),
    path(
        "mot-de-passe-perdu/nouveau/",
        forgot_password.forgot_password_new,
        name="forgot_password_new",
    ),
    path(
        "mot-de-passe-perdu/termine/",
        forgot_password.forgot_password_done,
        name="forgot_password_done",
    ),
    path("inscription/", signup.signup_start, name="signup"),
    path("inscription/code/", signup.signup_code, name="signup_code"),
    path("inscription/renvoyer/", signup.signup_resend, name="signup_resend"),
    path("inscription/enfants/", signup.signup_children, name="signup_children"),
    path("inscription/mot-de-passe/", signup.signup_password, name="signup_password"),
    path("inscription/compte-existant/", signup.signup_existing, name="signup_existing"),
]
