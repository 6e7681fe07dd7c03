"""Fixtures of the console tests: the recovery ones a family's side of a story needs."""

from tests.recovery.conftest import delivered  # noqa: F401 - fixture re-exported
