"""Settings of the fake FranceConnect, read from the environment (``python -m fake_franceconnect``).

FAKE_FC_URL        where it serves and its issuer's base (issuer = FAKE_FC_URL + /api/v2)
FAKE_FC_DIR        its SQLite database and RSA key (default var/fake_franceconnect)
FAKE_FC_CLIENT_ID, FAKE_FC_CLIENT_SECRET   the one client: the portal
FAKE_FC_PORTAL_URL the portal (or several, separated by spaces), whose callback and
                   post-logout pages are registered
"""

from __future__ import annotations

import os
from pathlib import Path

from jwcrypto import jwk

from fake_franceconnect.identities import IDENTITIES

BASE_DIR = Path(__file__).resolve().parent.parent
URL = os.environ.get("FAKE_FC_URL", "http://127.0.0.1:8002").rstrip("/")
DATA_DIR = Path(os.environ.get("FAKE_FC_DIR", str(BASE_DIR / "var" / "fake_franceconnect")))
DATA_DIR.mkdir(parents=True, exist_ok=True)
CLIENT_ID = os.environ.get("FAKE_FC_CLIENT_ID", "portail-des-familles")
CLIENT_SECRET = os.environ.get(
    "FAKE_FC_CLIENT_SECRET", "Faux-FranceConnect-Secret-2026-pas-pour-la-production"
)
PORTAL_URLS = [
    url.rstrip("/") for url in os.environ.get("FAKE_FC_PORTAL_URL", "http://127.0.0.1:8000").split()
]
ISSUER = f"{URL}/api/v2"


def _private_key() -> str:
    """The provider's own RSA key, made on first start and kept beside its database."""
    path = DATA_DIR / "signing-key.pem"
    if not path.exists():
        key = jwk.JWK.generate(kty="RSA", size=2048)
        path.write_bytes(key.export_to_pem(private_key=True, password=None))
        path.chmod(0o600)
    return path.read_text(encoding="utf-8")


SECRET_KEY = os.environ.get("FAKE_FC_SECRET_KEY", "fake-franceconnect-not-a-secret")  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "fake_franceconnect",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "fake_franceconnect.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "db.sqlite3",
        "OPTIONS": {"timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # nobody types one here
USE_TZ = True
LANGUAGE_CODE = "fr"
LOGIN_URL = "/connexion/"
SESSION_COOKIE_NAME = "fake_franceconnect_session"  # not the portal's cookie on 127.0.0.1
CSRF_COOKIE_NAME = "fake_franceconnect_csrftoken"

# FranceConnect's claims are each their own scope (FranceConnect v2's scope table).
CLAIMS = ["given_name", "family_name", "birthdate", "gender", "birthplace", "birthcountry"]
CLAIMS += ["email", "preferred_username"]
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": _private_key(),
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "PKCE_REQUIRED": False,  # FranceConnect does not use PKCE
    "SCOPES": {"openid": "openid", **{claim: claim for claim in CLAIMS}},
    "DEFAULT_SCOPES": ["openid"],
    "OAUTH2_VALIDATOR_CLASS": "fake_franceconnect.validators.FranceConnectValidator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 60,
    "ID_TOKEN_EXPIRE_SECONDS": 60,
}
__all__ = ["IDENTITIES"]
