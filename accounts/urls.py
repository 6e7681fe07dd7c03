from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.login_view, name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("mon-compte/", views.account_view, name="account"),
]
