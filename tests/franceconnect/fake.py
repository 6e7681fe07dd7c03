"""The fake FranceConnect (``python -m fake_franceconnect``) as a live HTTP server for the tests,
and a person's browser at it (``requests``): choose an identity, come back with a code."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "portail-des-familles"
CLIENT_SECRET = "Secret-du-portail-pour-les-essais-2026"


@dataclass(frozen=True)
class FakeFranceConnect:
    url: str

    @property
    def issuer(self) -> str:
        return f"{self.url}/api/v2"

    def set_mode(self, mode: str) -> None:
        requests.post(
            f"{self.url}/_essais/mode", json={"id_token": mode}, timeout=5
        ).raise_for_status()

    def log_in_as(self, authorize_url: str, identity: str) -> str:
        """What a person does at FranceConnect: open the authorization URL, choose who they
        are; returns the URL FranceConnect sends the browser back to (the portal's callback)."""
        browser = requests.Session()
        answer = browser.get(authorize_url, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text
        login_page = browser.get(urljoin(self.url, answer.headers["Location"]), timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text)
        next_url = re.search(r'name="next" value="([^"]+)"', login_page.text)
        assert token and next_url
        chosen = browser.post(
            login_page.url,
            data={
                "csrfmiddlewaretoken": token.group(1),
                "identity": identity,
                "next": next_url.group(1).replace("&amp;", "&"),
            },
            allow_redirects=False,
            timeout=10,
        )
        assert chosen.status_code == 302, chosen.text
        back = browser.get(
            urljoin(self.url, chosen.headers["Location"]), allow_redirects=False, timeout=10
        )
        assert back.status_code == 302, back.text
        return back.headers["Location"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_fake_franceconnect(
    portal_urls: list[str], data_dir: Path
) -> Iterator[FakeFranceConnect]:
    port = _free_port()
    fake = FakeFranceConnect(url=f"http://127.0.0.1:{port}")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "FAKE_FC_URL": fake.url,
        "FAKE_FC_DIR": str(data_dir),
        "FAKE_FC_CLIENT_ID": CLIENT_ID,
        "FAKE_FC_CLIENT_SECRET": CLIENT_SECRET,
        "FAKE_FC_PORTAL_URL": " ".join(portal_urls),
        "FAKE_FC_QUIET": "1",
    }
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "fake_franceconnect"], cwd=ROOT, env=env
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                requests.get(
                    f"{fake.issuer}/.well-known/openid-configuration", timeout=2
                ).raise_for_status()
                break
            except requests.RequestException:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the fake FranceConnect did not start") from None
                time.sleep(0.3)
        yield fake
    finally:
        process.terminate()
        process.wait(timeout=10)
