"""Settings read from the environment: the typed helpers, production and embedded defaults.

Whole-settings tests evaluate ``educonnect.settings`` in a fresh interpreter with a controlled
environment, since the module reads the environment once, at import.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from educonnect.env import env_bool, env_choice, env_int, env_list, env_secret, env_str, is_set

ROOT = Path(__file__).resolve().parent.parent
NAME = "EDUCONNECT_TEST_VARIABLE"


@pytest.fixture(autouse=True)
def _no_test_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NAME, raising=False)
    monkeypatch.delenv(f"{NAME}_FILE", raising=False)


def _bare_environment(var_dir: Path, **variables: str) -> dict[str, str]:
    """No variable but PATH and HOME, so nothing from the caller's shell leaks in."""
    environment = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    environment["VAR_DIR"] = str(var_dir)
    environment.update(variables)
    return environment


def _production_environment(var_dir: Path, **variables: str) -> dict[str, str]:
    variables.setdefault("SMS_BACKEND", "locmem")  # the console backend is refused there
    variables.setdefault("EMAIL_URL", "smtp://mail.exemple.fr:25")  # and so is the console e-mail
    return _bare_environment(
        var_dir,
        SECRET_KEY=secrets.token_urlsafe(45),  # 60 characters
        ALLOWED_HOSTS="portail.exemple.fr",
        **variables,
    )


def _settings_in_subprocess(environment: dict[str, str], *names: str) -> dict[str, object]:
    script = (
        "import json, sys\n"
        "import educonnect.settings as s\n"
        "print(json.dumps({n: getattr(s, n, None) for n in sys.argv[1:]}, default=str))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *names],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Helpers --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["true", "True", "1", "yes", "on", " ON "])
def test_it_reads_true_booleans(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(NAME, value)

    assert env_bool(NAME, default=False) is True


@pytest.mark.parametrize("value", ["false", "False", "0", "no", "off"])
def test_it_reads_false_booleans(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(NAME, value)

    assert env_bool(NAME, default=True) is False


def test_it_refuses_a_boolean_that_is_neither(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "maybe")

    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_bool(NAME, default=False)


def test_it_takes_the_default_for_an_unset_or_blank_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert env_bool(NAME, default=True) is True
    monkeypatch.setenv(NAME, "   ")

    assert env_bool(NAME, default=True) is True
    assert env_str(NAME, "fallback") == "fallback"
    assert env_int(NAME, 7) == 7
    assert not is_set(NAME)


def test_it_reads_an_integer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "15")

    assert env_int(NAME, 12, minimum=12) == 15


def test_it_refuses_an_integer_below_its_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "8")

    with pytest.raises(ImproperlyConfigured, match="at least 12"):
        env_int(NAME, 12, minimum=12)


def test_it_refuses_an_integer_that_is_not_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "douze")

    with pytest.raises(ImproperlyConfigured, match="integer"):
        env_int(NAME, 12)


def test_it_reads_a_secret_from_its_file_twin(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("s3cret-from-file\n", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret_file))

    assert env_secret(NAME) == "s3cret-from-file"
    assert is_set(NAME)


def test_it_prefers_the_variable_to_the_file_twin(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-file", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret_file))
    monkeypatch.setenv(NAME, "from-variable")

    assert env_secret(NAME) == "from-variable"


def test_it_refuses_a_secret_file_it_cannot_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path / "missing"))

    with pytest.raises(ImproperlyConfigured, match=f"{NAME}_FILE"):
        env_secret(NAME)


def test_it_splits_a_list_on_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, " portail.exemple.fr, www.exemple.fr ,, ")

    assert env_list(NAME, ["localhost"]) == ["portail.exemple.fr", "www.exemple.fr"]


def test_it_returns_a_copy_of_the_default_list() -> None:
    default = ["localhost"]

    hosts = env_list(NAME, default)

    assert hosts == default
    assert hosts is not default


def test_it_refuses_an_unknown_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "pigeon")

    with pytest.raises(ImproperlyConfigured, match="console, locmem"):
        env_choice(NAME, "console", ("console", "locmem"))


# --- Whole settings -------------------------------------------------------------------------


def test_it_passes_the_deployment_checks_in_production(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_environment(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output


def test_it_turns_debug_off_and_security_on_with_a_secret_key(tmp_path: Path) -> None:
    values = _settings_in_subprocess(
        _production_environment(tmp_path),
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "ADMIN_REQUIRES_OTP",
    )

    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] > 0
    assert values["ADMIN_REQUIRES_OTP"] is True


@pytest.mark.parametrize("sms_backend", [None, "console"])
def test_it_refuses_to_print_codes_to_the_log_in_production(
    tmp_path: Path, sms_backend: str | None
) -> None:
    environment = _production_environment(tmp_path)
    if sms_backend is None:
        environment.pop("SMS_BACKEND")  # forgotten: the default is the console
    else:
        environment["SMS_BACKEND"] = sms_backend
    result = subprocess.run(
        [sys.executable, "-c", "import educonnect.settings"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "SMS_CONSOLE_ALLOWED" in result.stderr


def test_it_prints_codes_in_production_only_when_told_explicitly(tmp_path: Path) -> None:
    environment = _production_environment(
        tmp_path, SMS_BACKEND="console", SMS_CONSOLE_ALLOWED="true"
    )
    values = _settings_in_subprocess(environment, "DEBUG", "SMS_BACKEND")

    assert values == {"DEBUG": False, "SMS_BACKEND": "console"}


def test_it_refuses_to_print_links_to_the_log_in_production(tmp_path: Path) -> None:
    environment = _production_environment(tmp_path)
    environment.pop("EMAIL_URL")  # forgotten: e-mails would go to the console
    result = subprocess.run(
        [sys.executable, "-c", "import educonnect.settings"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "EMAIL_CONSOLE_ALLOWED" in result.stderr


@pytest.mark.parametrize(
    "allowed", [{"EMAIL_CONSOLE_ALLOWED": "true"}, {"SMS_CONSOLE_ALLOWED": "true"}]
)
def test_a_demonstration_prints_e_mails_in_production_only_when_told(
    tmp_path: Path, allowed: dict[str, str]
) -> None:
    environment = _production_environment(tmp_path, **allowed)
    environment.pop("EMAIL_URL")
    values = _settings_in_subprocess(environment, "DEBUG", "EMAIL_BACKEND")

    assert values == {
        "DEBUG": False,
        "EMAIL_BACKEND": "notifications.backends.email.ConsoleOutboxEmailBackend",
    }


def test_it_refuses_debug_off_without_a_secret_key(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import educonnect.settings"],
        cwd=ROOT,
        env=_bare_environment(tmp_path, DEBUG="false"),
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_runs_embedded_without_any_variable(tmp_path: Path) -> None:
    values = _settings_in_subprocess(
        _bare_environment(tmp_path),
        "DEBUG",
        "DATABASES",
        "CACHES",
        "CELERY_TASK_ALWAYS_EAGER",
        "CELERY_BROKER_URL",
        "OUTBOX_DIR",
        "EMAIL_BACKEND",
        "SMS_BACKEND",
    )

    assert values["DEBUG"] is True
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(values["DATABASES"]["default"]["NAME"]).parent == tmp_path
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True
    assert values["CELERY_BROKER_URL"] == "memory://"
    assert Path(values["OUTBOX_DIR"]).is_relative_to(tmp_path)
    assert values["SMS_BACKEND"] == "console"
    assert (tmp_path / "secret_key").exists()


def test_it_switches_to_redis_and_a_worker_with_redis_url(tmp_path: Path) -> None:
    values = _settings_in_subprocess(
        _bare_environment(tmp_path, REDIS_URL="redis://127.0.0.1:6379/3"),
        "CACHES",
        "CELERY_TASK_ALWAYS_EAGER",
        "CELERY_BROKER_URL",
    )

    assert values["CACHES"]["default"]["BACKEND"].endswith("RedisCache")
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False
    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/3"


def test_it_reads_smtp_settings_from_email_url(tmp_path: Path) -> None:
    values = _settings_in_subprocess(
        _bare_environment(tmp_path, EMAIL_URL="smtp+tls://user:p%40ss@mail.exemple.fr:587"),
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "EMAIL_USE_TLS",
        "EMAIL_USE_SSL",
    )

    assert values == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.exemple.fr",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "user",
        "EMAIL_HOST_PASSWORD": "p@ss",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }


def test_it_refuses_an_email_url_that_is_not_smtp(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import educonnect.settings"],
        cwd=ROOT,
        env=_bare_environment(tmp_path, EMAIL_URL="http://mail.exemple.fr"),
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr


def test_franceconnect_is_off_unless_configured_and_its_origin_may_end_a_form(
    tmp_path: Path,
) -> None:
    off = _settings_in_subprocess(_bare_environment(tmp_path), "CONTENT_SECURITY_POLICY")
    assert off["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"] == ["'self'"]
    on = _settings_in_subprocess(
        _bare_environment(
            tmp_path,
            FRANCECONNECT_ISSUER="https://oidc.franceconnect.gouv.fr/api/v2/",
            FRANCECONNECT_CLIENT_ID="portail",
            FRANCECONNECT_CLIENT_SECRET="secret",
        ),
        "CONTENT_SECURITY_POLICY",
        "FRANCECONNECT_ISSUER",
    )
    assert on["FRANCECONNECT_ISSUER"] == "https://oidc.franceconnect.gouv.fr/api/v2"
    assert on["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"] == [
        "'self'",
        "https://oidc.franceconnect.gouv.fr",
    ]
