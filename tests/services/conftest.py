"""Real-services suite: runs only against PostgreSQL and Redis, and says so when skipped.

CI sets ``REQUIRE_REAL_SERVICES=1`` so a missing service fails the run instead of skipping.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests.conftest import REAL_SERVICES

SKIP_REASON = (
    "real-services tests need DATABASE_URL (PostgreSQL) and REDIS_URL: "
    "they are not set, so PostgreSQL/Redis behaviour is NOT tested in this run"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/services/" not in str(item.path):
            continue
        item.add_marker(pytest.mark.services)
        if not REAL_SERVICES:
            if os.environ.get("REQUIRE_REAL_SERVICES") == "1":
                raise pytest.UsageError(
                    "REQUIRE_REAL_SERVICES=1 but DATABASE_URL/REDIS_URL do not point to "
                    f"PostgreSQL and Redis (engine: {settings.DATABASES['default']['ENGINE']})"
                )
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))
