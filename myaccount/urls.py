"""Mon compte URLs, under ``/mon-compte/``."""

from django.urls import path

from myaccount import views

app_name = "myaccount"

urlpatterns = [
    path("mon-compte/", views.account, name="account"),
    path("mon-compte/mot-de-passe/", views.change_password, name="change_password"),
    path("mon-compte/e-mail/", views.change_email, name="change_email"),
    path(
        "mon-compte/e-mail/verifier/<token:token>/",
        views.verify_email_link,
        name="verify_email_link",
    ),
    path("mon-compte/e-mail/verifier/", views.verify_email, name="verify_email"),
    path("mon-compte/journal/", views.journal, name="journal"),
    path("mon-compte/sessions/", views.sessions, name="sessions"),
    path(
        "mon-compte/signaler/<dbid:student_id>/",
        views.report_attachment,
        name="report_attachment",
    ),
    path("mon-compte/regrouper/", views.merge_start, name="merge_start"),
    path("mon-compte/regrouper/code/", views.merge_code, name="merge_code"),
    path("mon-compte/regrouper/code/renvoyer/", views.merge_code_resend, name="merge_code_resend"),
    path("mon-compte/regrouper/confirmer/", views.merge_confirm, name="merge_confirm"),
    path("mon-compte/identifiant/", views.choose_identifier, name="choose_identifier"),
]
