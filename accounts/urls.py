from django.urls import path

from accounts import account_views, twofactor_views, views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.login_view, name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("mon-compte/", views.account_view, name="account"),
    path("mon-compte/mot-de-passe/", account_views.change_password, name="change_password"),
    path("mon-compte/e-mail/", account_views.change_email, name="change_email"),
    path(
        "mon-compte/e-mail/verifier/<str:token>/",
        account_views.verify_email_link,
        name="verify_email_link",
    ),
    path("mon-compte/e-mail/verifier/", account_views.verify_email, name="verify_email"),
    path("mon-compte/journal/", account_views.journal, name="journal"),
    path("mon-compte/sessions/", account_views.sessions, name="sessions"),
    path(
        "mon-compte/signaler/<int:student_id>/",
        account_views.report_attachment,
        name="report_attachment",
    ),
    path("securite/double-authentification/", twofactor_views.two_factor, name="two_factor"),
]
