"""The staff member's way into the console (outside ``/admin/``, which needs the second factor
they are about to enrol): the invitation link and the two steps after it."""

from django.urls import path

from console.enrolment import views

app_name = "console"

urlpatterns = [
    path(
        "personnel/invitation/lien/<token:token>/",
        views.invitation_link,
        name="invitation_link",
    ),
    path("personnel/invitation/", views.invitation, name="invitation"),
    path("personnel/invitation/application/", views.invitation_enrol, name="invitation_enrol"),
]
