from tests.recovery.conftest import delivered  # noqa: F401 - fixture re-exported
