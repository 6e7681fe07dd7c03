from django.http import HttpResponse
from django.urls import include, path

from fake_franceconnect import views

urlpatterns = [
    path("", views.choose_identity, name="home"),
    path("connexion/", views.choose_identity, name="login"),
    path("_essais/mode", views.test_mode, name="test_mode"),
    path("favicon.ico", lambda request: HttpResponse(status=204)),
    path("api/v2/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
