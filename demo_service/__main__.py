"""``python -m demo_service``: serve the demo relying party on DEMO_SERVICE_URL's port."""

from __future__ import annotations

from socketserver import ThreadingMixIn
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIServer, make_server

from demo_service.app import BASE, PORTAL, application


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def main() -> None:
    port = urlsplit(BASE).port or 8001
    server = make_server("127.0.0.1", port, application, server_class=ThreadingWSGIServer)
    print(f"Service de démonstration : {BASE}/ (portail : {PORTAL})")  # noqa: T201
    server.serve_forever()


if __name__ == "__main__":
    main()
