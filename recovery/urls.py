"""Recovery URLs. The two entry paths are fixed by DESIGN §6; the rest are French too."""

from django.urls import path

from recovery import signup_views, views

app_name = "recovery"

urlpatterns = [
    path("identifiant-perdu/", views.forgot_identifier, name="forgot_identifier"),
    path("identifiant-perdu/envoye/", views.forgot_identifier_sent, name="forgot_identifier_sent"),
    path("mot-de-passe-perdu/", views.forgot_password, name="forgot_password"),
    path(
        "mot-de-passe-perdu/verification/", views.forgot_password_sent, name="forgot_password_sent"
    ),
    path(
        "mot-de-passe-perdu/renvoyer/", views.forgot_password_resend, name="forgot_password_resend"
    ),
    path(
        "mot-de-passe-perdu/lien/<str:token>/",
        views.forgot_password_link,
        name="forgot_password_link",
    ),
    path("mot-de-passe-perdu/nouveau/", views.forgot_password_new, name="forgot_password_new"),
    path("mot-de-passe-perdu/termine/", views.forgot_password_done, name="forgot_password_done"),
    path("inscription/", signup_views.signup_start, name="signup"),
    path("inscription/code/", signup_views.signup_code, name="signup_code"),
    path("inscription/renvoyer/", signup_views.signup_resend, name="signup_resend"),
    path("inscription/enfants/", signup_views.signup_children, name="signup_children"),
    path("inscription/mot-de-passe/", signup_views.signup_password, name="signup_password"),
]
