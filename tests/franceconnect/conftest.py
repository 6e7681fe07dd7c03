"""FranceConnect tests run against the fake FranceConnect over HTTP (one per session)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings

from tests.franceconnect.fake import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeFranceConnect,
    running_fake_franceconnect,
)


@pytest.fixture(scope="session")
def fake_fc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeFranceConnect]:
    with running_fake_franceconnect(
        [django_settings.SITE_URL], tmp_path_factory.mktemp("fake-franceconnect")
    ) as fake:
        yield fake


@pytest.fixture
def franceconnect(settings, fake_fc: FakeFranceConnect) -> Iterator[FakeFranceConnect]:
    settings.FRANCECONNECT_ISSUER = fake_fc.issuer
    settings.FRANCECONNECT_CLIENT_ID = CLIENT_ID
    settings.FRANCECONNECT_CLIENT_SECRET = CLIENT_SECRET
    fake_fc.set_mode("normal")
    yield fake_fc
    fake_fc.set_mode("normal")
