"""The deployment files agree with the settings: compose, .env.example and the scripts.

No Docker engine runs the tests, so docker-compose.yml is checked as data: the services it
promises, their healthchecks, and that every variable it sets is one settings.py really reads.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "educonnect" / "settings.py"
ENV_READERS = {"env_str", "env_bool", "env_int", "env_list", "env_choice", "env_secret", "is_set"}
# These readers also accept NAME_FILE (educonnect/env.py).
FILE_TWIN_READERS = {"env_secret", "is_set"}
APP_SERVICES = {"web", "worker", "beat"}


def _settings_reads() -> dict[str, set[str]]:
    """Variable name -> the helpers settings.py reads it with (first string argument)."""
    reads: dict[str, set[str]] = {}
    for node in ast.walk(ast.parse(SETTINGS.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in ENV_READERS or not node.args:
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            reads.setdefault(first.value, set()).add(node.func.id)
    return reads


def _accepted_names() -> set[str]:
    reads = _settings_reads()
    twins = {f"{name}_FILE" for name, helpers in reads.items() if helpers & FILE_TWIN_READERS}
    return set(reads) | twins


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _environment_names(service: dict) -> set[str]:
    environment = service.get("environment") or {}
    if isinstance(environment, dict):
        return set(environment)
    return {item.split("=", 1)[0] for item in environment}


def _app_services(compose: dict) -> dict[str, dict]:
    """Services that run the portal's own image (they are built from the Dockerfile)."""
    return {name: service for name, service in compose["services"].items() if "build" in service}


def _env_example_names() -> list[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE)


def test_it_finds_the_variables_settings_reads() -> None:
    reads = _settings_reads()

    assert {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"} <= set(reads)
    assert "env_secret" in reads["SECRET_KEY"]


def test_it_declares_every_service() -> None:
    services = _compose()["services"]

    assert {"web", "worker", "beat", "postgres", "redis", "mailpit"} <= set(services)


def test_it_runs_the_portal_image_for_web_worker_and_beat() -> None:
    assert set(_app_services(_compose())) >= APP_SERVICES


@pytest.mark.parametrize("name", ["web", "postgres", "redis"])
def test_it_gives_healthchecks_to_the_services_others_wait_for(name: str) -> None:
    healthcheck = _compose()["services"][name].get("healthcheck")

    assert healthcheck
    assert healthcheck["test"]


def test_it_checks_the_web_health_on_healthz() -> None:
    test = _compose()["services"]["web"]["healthcheck"]["test"]
    command = test if isinstance(test, str) else " ".join(test)

    assert "http://127.0.0.1:8000/healthz" in command
    assert "curl" not in command  # python:3.11-slim has none


def test_it_starts_web_only_once_postgres_and_redis_are_healthy() -> None:
    depends_on = _compose()["services"]["web"]["depends_on"]

    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


def test_it_runs_celery_worker_and_beat() -> None:
    services = _compose()["services"]

    assert services["worker"]["command"][:4] == ["celery", "-A", "educonnect", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "educonnect", "beat"]


@pytest.mark.parametrize("name", ["web", "worker", "beat", "postgres", "redis"])
def test_it_restarts_a_long_running_service_that_exits(name: str) -> None:
    # A process that exits for any reason comes back without anyone stepping in. (A Redis
    # restart no longer makes the worker exit: educonnect/broker.py, tests/services/test_faults.py.)
    assert _compose()["services"][name]["restart"] == "unless-stopped"


def test_it_sends_mail_to_mailpit() -> None:
    compose = _compose()
    mailpit = compose["services"]["mailpit"]

    assert mailpit["image"].startswith("axllent/mailpit")
    for name, service in _app_services(compose).items():
        assert service["environment"]["EMAIL_URL"] == "smtp://mailpit:1025", name


def test_it_sets_only_variables_that_settings_reads() -> None:
    accepted = _accepted_names()
    compose = _compose()

    for name, service in _app_services(compose).items():
        names = _environment_names(service)
        assert names, f"{name} sets no environment"
        unknown = names - accepted
        assert not unknown, f"{name} sets variables settings.py never reads: {sorted(unknown)}"


def test_it_lists_every_variable_settings_reads_in_env_example() -> None:
    listed = _env_example_names()

    assert len(listed) == len(set(listed)), "a variable is listed twice"
    assert set(listed) == set(_settings_reads())


def test_it_documents_each_variable_of_env_example_with_a_comment() -> None:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()

    for index, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            assert lines[index - 1].startswith("# "), f"{line} has no comment above it"


def test_it_builds_a_non_root_gunicorn_image() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)

    assert re.search(r"^FROM python:3\.11-slim", dockerfile, flags=re.MULTILINE)
    assert users, "the image runs as root"
    assert users[-1] not in {"root", "0"}
    assert "collectstatic" in dockerfile
    assert "educonnect.wsgi" in dockerfile


def test_it_keeps_local_state_out_of_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()

    assert {".venv", "var", ".git"} <= set(ignored)
    assert not any(pattern.endswith(".mo") for pattern in ignored)  # translations ship compiled


@pytest.mark.parametrize("script", ["dev", ".ci/run"])
def test_it_ships_executable_bash_scripts_that_parse(script: str) -> None:
    path = ROOT / script

    assert os.access(path, os.X_OK), f"{script} is not executable"
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
