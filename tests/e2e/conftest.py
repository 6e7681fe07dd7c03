"""Headless Chromium (Debian's ``/usr/bin/chromium``) driven by Playwright; never downloaded."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.franceconnect.fake import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeFranceConnect,
    running_fake_franceconnect,
)

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "e2e-screenshots"
# axe-core from npm (package.json; ``./dev test`` runs ``npm ci``) for the accessibility audits.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the test
# itself (fixtures) are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)
            if not CHROMIUM.exists():
                if os.environ.get("CI"):
                    raise pytest.UsageError(f"CI needs {CHROMIUM} for the browser tests")
                item.add_marker(
                    pytest.mark.skip(reason=f"{CHROMIUM} missing: browser tests NOT run")
                )
            if item.path.name == "test_accessibility.py" and not AXE.exists():
                if os.environ.get("CI"):
                    raise pytest.UsageError(f"CI needs {AXE}: run npm ci (./dev test does)")
                item.add_marker(
                    pytest.mark.skip(reason=f"{AXE} missing (npm ci): accessibility NOT audited")
                )


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 812})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture(scope="session")
def fake_fc(live_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeFranceConnect]:
    """The fake FranceConnect as a live HTTP server, the live portal as its client."""
    with running_fake_franceconnect(
        [live_server.url], tmp_path_factory.mktemp("fake-franceconnect-e2e")
    ) as fake:
        yield fake


@pytest.fixture
def franceconnect(live_server, fake_fc: FakeFranceConnect, settings) -> FakeFranceConnect:
    """The portal configured for the fake FranceConnect, its origin allowed as a form's target
    (the logout form ends there), as settings.py does from the environment."""
    settings.SITE_URL = live_server.url
    settings.FRANCECONNECT_ISSUER = fake_fc.issuer
    settings.FRANCECONNECT_CLIENT_ID = CLIENT_ID
    settings.FRANCECONNECT_CLIENT_SECRET = CLIENT_SECRET
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"]}
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(fake_fc.url))
    directives["form-action"] = [*directives["form-action"], origin]
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    fake_fc.set_mode("normal")
    return fake_fc
