"""``python -m fake_franceconnect``: migrate its own database, register the portal as its client,
serve on FAKE_FC_URL's port (the portal's ``./dev run`` starts it on PORT + 2)."""

from __future__ import annotations

import os
from socketserver import ThreadingMixIn
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fake_franceconnect.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oauth2_provider.models import get_application_model  # noqa: E402

from fake_franceconnect import settings  # noqa: E402


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if os.environ.get("FAKE_FC_QUIET") != "1":
            super().log_message(format, *args)


def register_portal() -> None:
    """The portal as the one confidential client, its callback and post-logout pages."""
    application = get_application_model()
    portal = settings.PORTAL_URLS
    client, _created = application.objects.get_or_create(
        client_id=settings.CLIENT_ID, defaults={"name": "Portail des familles"}
    )
    client.client_secret = settings.CLIENT_SECRET
    client.client_type = application.CLIENT_CONFIDENTIAL
    client.authorization_grant_type = application.GRANT_AUTHORIZATION_CODE
    client.algorithm = application.RS256_ALGORITHM
    client.redirect_uris = "\n".join(f"{url}/franceconnect/retour/" for url in portal)
    client.post_logout_redirect_uris = "\n".join(
        f"{url}/franceconnect/deconnexion/" for url in portal
    )
    client.skip_authorization = True
    client.save()


def main() -> None:
    call_command("migrate", verbosity=0, interactive=False)
    register_portal()
    port = urlsplit(settings.URL).port or 8002
    server = make_server(
        "127.0.0.1",
        port,
        get_wsgi_application(),
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )
    print(
        f"FranceConnect de démonstration : {settings.URL}/ (émetteur {settings.ISSUER})", flush=True
    )  # noqa: T201
    server.serve_forever()


if __name__ == "__main__":
    main()
