"""The provider's URLs (namespace ``oauth2_provider``, which django-oauth-toolkit reverses) and
the person's page in Mon compte (namespace ``identity``)."""

from django.urls import include, path, re_path
from oauth2_provider import views as oauth_views

from identity import views

provider_patterns = [
    re_path(
        r"^\.well-known/openid-configuration$",
        views.DiscoveryView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(".well-known/jwks.json", views.jwks, name="jwks-info"),
    path("oidc/autorisation/", views.AuthorizeView.as_view(), name="authorize"),
    path("oidc/jeton/", views.TokenView.as_view(), name="token"),
    path("oidc/revocation/", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("oidc/infos/", oauth_views.UserInfoView.as_view(), name="user-info"),
    path("oidc/deconnexion/", views.LogoutView.as_view(), name="rp-initiated-logout"),
]

account_patterns = [
    path("mon-compte/services/", views.connected_services, name="connected_services"),
]

urlpatterns = [
    path("", include((provider_patterns, "oauth2_provider"))),
    path("", include((account_patterns, "identity"))),
]
