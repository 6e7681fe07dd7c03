"""Settings for the portal, read from the environment (12-factor).

With no variable set the project runs *embedded*: SQLite under ``var/``, a local-memory cache,
Celery tasks executed in-process, SMS and e-mail written to the console and to ``var/outbox``.
``DATABASE_URL``, ``REDIS_URL``, ``SMS_BACKEND`` and ``EMAIL_URL`` switch to the real parts.
Without ``SECRET_KEY`` the project is in development mode (``DEBUG`` on, a key kept under
``var/``); production sets ``SECRET_KEY`` and gets the secure defaults below.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from educonnect.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    env_str,
    is_set,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# --- Core -----------------------------------------------------------------------------------

EMBEDDED = not is_set("SECRET_KEY")
DEBUG = env_bool("DEBUG", default=EMBEDDED)


def _development_secret_key() -> str:
    """A per-checkout key for the embedded run, so sessions survive a restart."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = env_secret("SECRET_KEY") or _development_secret_key()
if not DEBUG and EMBEDDED:
    raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) is required when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "educonnect.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Before dsfr: Django's widget templates win over django-dsfr's (core.renderers).
    "django.forms",
    "dsfr",
    "core",
    "accounts",
    "roster",
    "notifications",
    "oauth2_provider",
    "identity",
    "passkeys",
    "recovery",
    "franceconnect",
    "myaccount",
    "console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "educonnect.middleware.permissions_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "educonnect.middleware.ContentSecurityPolicy",
    "identity.middleware.login_form_action",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "educonnect.middleware.Locale",
    "django.middleware.common.CommonMiddleware",
    "educonnect.middleware.method_not_allowed_page",
    "educonnect.middleware.request_body_limit",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "educonnect.middleware.LoginRequired",
    "accounts.middleware.AccountMiddleware",
    "accounts.middleware.known_device_cookie",
    "educonnect.middleware.Messages",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "educonnect.urls"
WSGI_APPLICATION = "educonnect.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "educonnect.context_processors.portal",
            ],
        },
    },
]

# The portal's DSFR field markup for ``{{ field.as_field_group }}`` (templates/forms/).
FORM_RENDERER = "core.renderers.FormRenderer"

# --- Database -------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env_secret("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery --------------------------------------------------------------------------

REDIS_URL = env_secret("REDIS_URL")
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "educonnect",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The parts of every page that are the same for everyone in a language (templates/base.html's
# ``{% cache %}`` blocks: head, brand, footer), rendered once per process and language. Nothing
# per visitor goes in it; it is emptied whenever a setting changes (core.apps).
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "TIMEOUT": None,
}

CELERY_BROKER_URL = env_secret("CELERY_BROKER_URL") or REDIS_URL or "memory://"
if CELERY_BROKER_URL.startswith("redis://"):
    # kombu's Redis transport with a channel that survives a broker restart (educonnect/broker.py).
    CELERY_BROKER_TRANSPORT = "educonnect.broker:Transport"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# How long a task taken by a worker that died stays invisible before Redis hands it out again.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900, minimum=5)
}
# Sending waits on the provider's network answer: threads (``--pool threads``) overlap those
# waits; 16 measured best per process on 2 cores (bench/worker_sms.py, README).
CELERY_WORKER_POOL = "threads"
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 16, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-notifications": {
        "task": "notifications.requeue_stuck",
        "schedule": float(env_int("BEAT_REQUEUE_EVERY_SECONDS", 60, minimum=1)),
    },
    "requeue-stuck-requests": {
        "task": "recovery.requeue_stuck_requests",
        "schedule": float(env_int("BEAT_REQUEUE_EVERY_SECONDS", 60, minimum=1)),
    },
    "requeue-stuck-logouts": {
        "task": "identity.requeue_stuck_logouts",
        "schedule": float(env_int("BEAT_REQUEUE_EVERY_SECONDS", 60, minimum=1)),
    },
    "purge-old-notifications": {"task": "notifications.purge_old", "schedule": 3600.0},
    "purge-expired-codes": {"task": "recovery.purge_expired_codes", "schedule": 3600.0},
    "purge-stale-roster-stages": {"task": "roster.purge_stale_stages", "schedule": 3600.0},
    "purge-forgotten-devices": {"task": "accounts.purge_forgotten_devices", "schedule": 3600.0},
}

# --- Sessions and security ------------------------------------------------------------------

SESSION_ENGINE = "accounts.session_store"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 2, minimum=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "educonnect.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]

# New-device alerts (accounts/known_devices.py): a browser unseen for KNOWN_DEVICE_DAYS is new
# again; at most NEW_DEVICE_ALERTS_PER_DAY alerts per account in 24 h, the others journaled.
# The device cookie outlives the 90 days (renewed at each login); 400 days is the most browsers
# keep a cookie. ``__Host-`` when secure: only this host, only over HTTPS.
KNOWN_DEVICE_DAYS = env_int("KNOWN_DEVICE_DAYS", 90, minimum=1)
NEW_DEVICE_ALERTS_PER_DAY = env_int("NEW_DEVICE_ALERTS_PER_DAY", 3, minimum=0)
DEVICE_COOKIE_AGE = 400 * 24 * 60 * 60
DEVICE_COOKIE_NAME = "__Host-device" if not DEBUG else "portal_device"

if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    # Only behind a proxy that overwrites X-Forwarded-Proto: the header is otherwise spoofable.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Every rate limit (core/ratelimits.py): "count/period/scope" joined by commas; scope ``key`` is
# what the person typed (identifier, phone, e-mail: hashed), ``account`` the signed-in account,
# ``ip`` the client address (IPv6 per /64). Counted on the default cache (Redis in production).
RATE_LIMITS = {
    "forgot_password": "5/15m/key,20/h/ip",
    "forgot_password_code": "10/15m/key,30/h/ip",
    "forgot_identifier_sms": "3/h/key,10/d/key,20/h/ip",
    "forgot_identifier_email": "3/h/key,10/d/key,20/h/ip",
    "signup": "5/15m/key,20/h/ip",
    "signup_code": "10/15m/key,30/h/ip",
    # Mon compte: each e-mail change sends a message to an address of the sender's choice.
    "change_email": "3/h/account,10/d/account,3/d/key,30/h/ip",
    "change_password": "10/h/account,30/h/ip",
    # Proving another account to merge (its password also goes through the login throttle).
    "merge_accounts": "10/h/account,30/h/ip",
    # The code sent to the other account's school-held mobile, typed (key: that identifier).
    "merge_code": "10/15m/key,20/h/account,30/h/ip",
    "choose_identifier": "10/h/account,30/h/ip",
    # The identity provider's endpoints (identity/).
    "oidc_authorize": "30/m/ip,300/h/ip",
    "oidc_token": "60/m/key,600/h/ip",
    # FranceConnect's return (franceconnect/) and the password typed to link an account.
    "franceconnect": "60/h/ip",
    "franceconnect_proof": "10/15m/key,30/h/ip",
    # Passkeys (passkeys/): each options request stores a challenge in the session (the login
    # page asks for one on every visit, for the autofill: a school shares one address).
    "passkey_options": "120/m/ip,2000/h/ip",
    "passkey_register": "10/h/account,30/h/ip",
}
# Login throttling (core/ratelimits.py): failures slow each try down (doubling up to max_delay
# seconds) after ``delay_after``, and lock for ``lock_seconds`` after ``lock_after``.
LOGIN_THROTTLE: dict[str, Any] = {
    "lock_seconds": 15 * 60,
    "identifier": {"delay_after": 3, "lock_after": 10, "max_delay": 60},
    "ip": {"delay_after": 20, "lock_after": 100, "max_delay": 60},
}

# Number of reverse proxies in front of gunicorn that append to X-Forwarded-For.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Browser features no page of the portal uses are turned off for it and anything it embeds
# (educonnect/middleware.py). WebAuthn (passkeys) stays allowed on the portal's own origin.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
    "browsing-topics": [],
}

# --- Authentication and passwords -----------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.PortalBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "myaccount:account"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "accounts.hashers.PortalArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Lowered only by the unit-test run (tests/conftest.py); real services and benchmarks keep argon2.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.passwords.MinimumLengthValidator"},
    {"NAME": "accounts.passwords.CharacterClassesValidator"},
    {"NAME": "accounts.passwords.CommonPasswordValidator"},
    {"NAME": "accounts.passwords.PersonalInformationValidator"},
    {"NAME": "accounts.passwords.BreachedPasswordValidator"},
    {"NAME": "accounts.passwords.GuessabilityValidator"},
]
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 12, minimum=12)

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True
# English dates without the US month-first ambiguity (educonnect/formats/en/formats.py).
FORMAT_MODULE_PATH = ["educonnect.formats"]

# --- Static files ---------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# django-dsfr publishes SRI checksums that do not match once whitenoise rewrites the files.
DSFR_USE_INTEGRITY_CHECKSUMS = False

# --- Outbound messages ----------------------------------------------------------------------

OUTBOX_DIR = Path(env_str("OUTBOX_DIR", str(VAR_DIR / "outbox")))
SMS_BACKEND = env_choice("SMS_BACKEND", "console", ("console", "locmem", "twilio"))
# The console backend prints every SMS, codes included, to stdout (and the outbox): with DEBUG
# off that is a production log full of live codes, unless a demo says so explicitly.
SMS_CONSOLE_ALLOWED = env_bool("SMS_CONSOLE_ALLOWED", default=False)
if SMS_BACKEND == "console" and not DEBUG and not SMS_CONSOLE_ALLOWED:
    raise ImproperlyConfigured(
        "SMS_BACKEND is console (the default) with DEBUG off: every SMS, codes included, would "
        "be printed to the log. Set SMS_BACKEND=twilio, or SMS_CONSOLE_ALLOWED=true for a "
        "demonstration that sends no real SMS."
    )
SMS_BACKENDS = {
    "console": "notifications.backends.sms.ConsoleOutboxSmsBackend",
    "locmem": "notifications.backends.sms.LocmemSmsBackend",
    "twilio": "notifications.twilio.backend.TwilioSmsBackend",
}
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_secret("TWILIO_AUTH_TOKEN")
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER")
# Only to point the SDK at a local fake provider in tests; empty means api.twilio.com.
TWILIO_API_BASE_URL = env_str("TWILIO_API_BASE_URL")
TWILIO_TIMEOUT_SECONDS = env_int("TWILIO_TIMEOUT_SECONDS", 10, minimum=1)
TWILIO_STATUS_CALLBACK_URL = env_str(
    "TWILIO_STATUS_CALLBACK_URL", f"{SITE_URL}/webhooks/twilio/status/"
)
TWILIO_HAS_SENDER = bool(TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER)
if SMS_BACKEND == "twilio" and not (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and TWILIO_HAS_SENDER):
    raise ImproperlyConfigured(
        "SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
        "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER"
    )

# Sending pipeline: retries, leases, housekeeping, and the SMS budgets against SMS pumping.
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 6, minimum=1)
NOTIFICATION_RETRY_BACKOFF_SECONDS = env_int("NOTIFICATION_RETRY_BACKOFF_SECONDS", 5, minimum=1)
NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS = 300
NOTIFICATION_SEND_LEASE_SECONDS = env_int("NOTIFICATION_SEND_LEASE_SECONDS", 120, minimum=5)
NOTIFICATION_STUCK_AFTER_SECONDS = env_int("NOTIFICATION_STUCK_AFTER_SECONDS", 600, minimum=5)
# Transient failures (provider or SMTP down) stop being retried once a message is this old.
NOTIFICATION_GIVE_UP_AFTER_SECONDS = env_int("NOTIFICATION_GIVE_UP_AFTER_SECONDS", 3600, minimum=0)
NOTIFICATION_REQUEUE_BATCH = 500
NOTIFICATION_RETENTION_DAYS = env_int("NOTIFICATION_RETENTION_DAYS", 365, minimum=1)
SMS_BUDGET_GLOBAL_PER_HOUR = env_int("SMS_BUDGET_GLOBAL_PER_HOUR", 5000, minimum=1)
SMS_BUDGET_PER_DESTINATION_PER_HOUR = env_int("SMS_BUDGET_PER_DESTINATION_PER_HOUR", 5, minimum=1)
SMS_BUDGET_PER_DESTINATION_PER_DAY = env_int("SMS_BUDGET_PER_DESTINATION_PER_DAY", 10, minimum=1)
# The same for e-mail (notifications/budget.py): Mon compte sends to an address of the
# sender's choice, and every message costs the sender's reputation.
EMAIL_BUDGET_GLOBAL_PER_HOUR = env_int("EMAIL_BUDGET_GLOBAL_PER_HOUR", 5000, minimum=1)
EMAIL_BUDGET_PER_DESTINATION_PER_HOUR = env_int(
    "EMAIL_BUDGET_PER_DESTINATION_PER_HOUR", 5, minimum=1
)
EMAIL_BUDGET_PER_DESTINATION_PER_DAY = env_int(
    "EMAIL_BUDGET_PER_DESTINATION_PER_DAY", 10, minimum=1
)


def _email_settings(url: str) -> dict[str, object]:
    """Translate ``smtp://user:password@host:port`` (``smtp+tls``, ``smtp+ssl``) to Django."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtp+tls", "smtp+ssl"}:
        raise ImproperlyConfigured("EMAIL_URL must start with smtp://, smtp+tls:// or smtp+ssl://")
    query = parse_qs(parts.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtp+ssl" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parts.scheme == "smtp+ssl",
        "EMAIL_TIMEOUT": int(query.get("timeout", ["10"])[0]),
    }


EMAIL_URL = env_secret("EMAIL_URL")
# Without EMAIL_URL every e-mail, reset and invitation links included, is printed to stdout
# (and the outbox): refused with DEBUG off, as the console SMS is, unless a demonstration says
# so (a demonstration that allows the console SMS allows the console e-mail by default).
EMAIL_CONSOLE_ALLOWED = env_bool("EMAIL_CONSOLE_ALLOWED", default=SMS_CONSOLE_ALLOWED)
if EMAIL_URL:
    globals().update(_email_settings(EMAIL_URL))
elif not DEBUG and not EMAIL_CONSOLE_ALLOWED:
    raise ImproperlyConfigured(
        "EMAIL_URL is not set with DEBUG off: every e-mail, reset and invitation links "
        "included, would be printed to the log. Set EMAIL_URL=smtp://…, or "
        "EMAIL_CONSOLE_ALLOWED=true for a demonstration that sends no real e-mail."
    )
else:
    EMAIL_BACKEND = "notifications.backends.email.ConsoleOutboxEmailBackend"
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Portail des familles <ne-pas-repondre@exemple.fr>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_REPLY_TO = env_str("EMAIL_REPLY_TO")
EMAIL_MESSAGE_ID_DOMAIN = env_str(
    "EMAIL_MESSAGE_ID_DOMAIN", urlsplit(SITE_URL).hostname or "localhost"
)

# --- Roster import ---------------------------------------------------------------------------

# An uploaded file (XML, ZIP or CSV), before it is read; a real SIECLE export is a few MB.
ROSTER_UPLOAD_MAX_BYTES = env_int("ROSTER_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
# Every request body, uploads included, is refused above this (educonnect/middleware.py):
# room for the four files of one roster import.
REQUEST_BODY_MAX_BYTES = 4 * ROSTER_UPLOAD_MAX_BYTES + 1024 * 1024
# Bytes read from one file once unpacked (a ZIP member, a decompressed stream): a zip bomb stops
# here. A large académie's export, read by the bulk import command, is about 100 MB.
ROSTER_IMPORT_MAX_BYTES = env_int("ROSTER_IMPORT_MAX_BYTES", 256 * 1024 * 1024, minimum=1024)
# XML elements read from one file (a large lycée's export holds a few hundred thousand).
ROSTER_IMPORT_MAX_ELEMENTS = env_int("ROSTER_IMPORT_MAX_ELEMENTS", 2_000_000, minimum=1000)
# Uploads staged between the dry run and its application are deleted after this long.
ROSTER_STAGE_MAX_AGE_SECONDS = env_int("ROSTER_STAGE_MAX_AGE_SECONDS", 24 * 3600, minimum=60)

# --- Portal ---------------------------------------------------------------------------------

PORTAL_NAME = env_str("PORTAL_NAME", "Portail des familles")
SUPPORT_EMAIL = env_str("SUPPORT_EMAIL", "assistance@exemple.fr")
OTP_TOTP_ISSUER = PORTAL_NAME
# Bearer token Prometheus sends to /metrics (docs/OPERATIONS.md); unset, /metrics answers 404.
METRICS_TOKEN = env_secret("METRICS_TOKEN")

# Passkeys (passkeys/): the WebAuthn relying party. Its id is a domain (never an IP address:
# browsers refuse 127.0.0.1), by default SITE_URL's host; the origin checked is SITE_URL's.
WEBAUTHN_RP_ID = env_str("WEBAUTHN_RP_ID", "")
WEBAUTHN_RP_NAME = env_str("WEBAUTHN_RP_NAME", PORTAL_NAME)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"link_tokens": {"()": "educonnect.redaction.RedactLinkTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["link_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The SDK logs every request's headers at INFO: noise, and nothing the log needs.
        "twilio.http_client": {"level": "WARNING"},
    },
}

# --- OpenID Connect provider (identity/, docs/IDENTITY.md) ------------------------------------

OAUTH2_PROVIDER_APPLICATION_MODEL = "identity.Client"
OIDC_ISSUER = env_str("OIDC_ISSUER", SITE_URL).rstrip("/")
# Pairwise subjects are HMACs keyed on this secret: changing it changes every service's ``sub``.
OIDC_PAIRWISE_SECRET = env_secret("OIDC_PAIRWISE_SECRET") or SECRET_KEY
OIDC_RSA_KEY_BITS = 2048
# Production creates its first key with ``manage.py rotate_oidc_key``; the embedded run on use.
OIDC_GENERATE_KEY_ON_FIRST_USE = env_bool("OIDC_GENERATE_KEY_ON_FIRST_USE", default=DEBUG)
OIDC_ID_TOKEN_SECONDS = env_int("OIDC_ID_TOKEN_SECONDS", 600, minimum=60)
OIDC_LOGOUT_TOKEN_SECONDS = 120
OIDC_BACKCHANNEL_TIMEOUT_SECONDS = env_int("OIDC_BACKCHANNEL_TIMEOUT_SECONDS", 5, minimum=1)
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": OIDC_ISSUER,
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_SUBJECT_TYPES_SUPPORTED": ["pairwise"],
    "OAUTH2_VALIDATOR_CLASS": "identity.validators.PortalValidator",
    "SCOPES_BACKEND_CLASS": "identity.scopes.ClientScopes",
    "APPLICATION_ADMIN_CLASS": "identity.admin.ClientAdmin",
    "SCOPES": {
        "openid": _("Vous connecter"),
        "profile": _("Vos prénom et nom, et si vous êtes parent ou élève"),
        "scolarite": _("Votre établissement et votre classe, ou ceux de vos enfants"),
    },
    "DEFAULT_SCOPES": ["openid"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
    "ID_TOKEN_EXPIRE_SECONDS": OIDC_ID_TOKEN_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 60 * 60 * 12,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REQUEST_APPROVAL_PROMPT": "force",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if DEBUG else ["https"],
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
}

# Two-factor (TOTP) for the secretariat console; staff enrol it through an invitation only.
ADMIN_REQUIRES_OTP = env_bool("ADMIN_REQUIRES_OTP", default=not DEBUG)

# --- FranceConnect (franceconnect/, docs/FRANCECONNECT.md) -----------------------------------

# Parents log in and activate with FranceConnect when all three are set; off (no button, its
# pages answer 404) otherwise. The issuer is FranceConnect v2's, e.g.
# https://oidc.franceconnect.gouv.fr/api/v2 (its discovery document is read from it).
FRANCECONNECT_ISSUER = env_str("FRANCECONNECT_ISSUER").rstrip("/")
FRANCECONNECT_CLIENT_ID = env_str("FRANCECONNECT_CLIENT_ID")
FRANCECONNECT_CLIENT_SECRET = env_secret("FRANCECONNECT_CLIENT_SECRET")
FRANCECONNECT_TIMEOUT_SECONDS = env_int("FRANCECONNECT_TIMEOUT_SECONDS", 10, minimum=1)
_FRANCECONNECT_ON = bool(
    FRANCECONNECT_ISSUER and FRANCECONNECT_CLIENT_ID and FRANCECONNECT_CLIENT_SECRET
)
if _FRANCECONNECT_ON:
    # The logout form's answer ends at FranceConnect's end_session_endpoint: browsers apply
    # form-action to the redirects that follow a form.
    _fc = urlsplit(FRANCECONNECT_ISSUER)
    _directives: dict[str, list[str]] = CONTENT_SECURITY_POLICY["DIRECTIVES"]  # type: ignore[assignment]
    _directives["form-action"].append(f"{_fc.scheme}://{_fc.netloc}")
