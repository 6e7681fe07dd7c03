"""gunicorn with the production settings, as docker-compose runs it, against PostgreSQL/Redis.

No Docker engine runs here, so the same process is started plainly: collected static files,
DEBUG off, behind one (simulated) TLS proxy that sets X-Forwarded-Proto and X-Forwarded-For.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.demo import PARENT_PASSWORD, seed_demo
from tests.services.workers import start_gunicorn, stop_process

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[str]:
    database = connection.settings_dict
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "SECRET_KEY": "production-like-" + "k" * 50,
        "SMS_BACKEND": "locmem",  # production refuses the console backend
        "EMAIL_CONSOLE_ALLOWED": "true",  # and the console e-mail, unless told
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "SECURE_PROXY_SSL_HEADER": "true",
        "TRUSTED_PROXY_COUNT": "1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    process, base = start_gunicorn(env, tmp_path / "gunicorn.log")
    try:
        yield base
    finally:
        stop_process(process)


def request(opener, url: str, data: dict[str, str] | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(  # noqa: S310 - local
        url,
        data=body,
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.7",
            "Referer": url.replace("http://", "https://"),
        },
    )
    try:
        return opener.open(req, timeout=10)
    except urllib.error.HTTPError as error:
        return error


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_gunicorn_serves_health_pages_and_a_real_login(gunicorn: str) -> None:
    seed_demo()
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

    health = request(opener, f"{gunicorn}/healthz")
    assert health.status == HTTPStatus.OK
    assert b'"broker": true' in health.read()

    plain = urllib.request.build_opener(NoRedirect).open
    try:
        plain(f"{gunicorn}/connexion/", timeout=10)
        pytest.fail("plain HTTP must be redirected to HTTPS")
    except urllib.error.HTTPError as error:
        assert error.code == HTTPStatus.MOVED_PERMANENTLY
        assert error.headers["Location"].startswith("https://")

    page = request(opener, f"{gunicorn}/connexion/")
    html = page.read().decode()
    assert page.status == HTTPStatus.OK
    assert "max-age=31536000" in page.headers["Strict-Transport-Security"]
    assert "/static/" in html and ".css" in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert any(cookie.name == "__Host-csrftoken" and cookie.secure for cookie in jar)

    # The jar would not send Secure cookies over http: hand the CSRF cookie over explicitly.
    csrf_cookie = next(cookie.value for cookie in jar if cookie.name == "__Host-csrftoken")
    req = urllib.request.Request(  # noqa: S310 - local
        f"{gunicorn}/connexion/",
        data=urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "identifier": "patrick.dupont1",
                "password": PARENT_PASSWORD,
            }
        ).encode(),
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.7",
            "Referer": f"https://127.0.0.1:{gunicorn.rsplit(':', 1)[1]}/connexion/",
            "Cookie": f"__Host-csrftoken={csrf_cookie}",
        },
    )
    try:
        response = urllib.request.build_opener(NoRedirect).open(req, timeout=10)
    except urllib.error.HTTPError as error:
        response = error
    assert response.status == HTTPStatus.FOUND, response.read()[:500]
    assert response.headers["Location"] == "/mon-compte/"
    cookies = response.headers.get_all("Set-Cookie")
    session = next(cookie for cookie in cookies if cookie.startswith("__Host-sessionid="))
    assert "Secure" in session and "HttpOnly" in session

    from accounts.models import AuditEvent

    login = AuditEvent.objects.get(event_type="login_succeeded")
    assert login.ip_address == "203.0.113.7"
