"""Deployment: the compose stack and image start real entry points, deploy checks, /healthz."""

import base64
import importlib
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml
from celery import Celery
from django.core.management import get_commands
from django.urls import resolve

from tests.conftest import require_services

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_ROLES = ("web", "worker", "beat", "sequencer")
SECRETS = ("DJANGO_SECRET_KEY", "KEY_ENCRYPTION_KEY", "POSTGRES_PASSWORD")
# Anything in the environment that would bend the production settings under test.
PROJECT_VARIABLES = re.compile(
    r"^(DJANGO_\w+|DATABASE_\w+|CELERY_\w+|KEY_ENCRYPTION_KEY|RESOLVER_BASE_URL)$"
)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict[str, Any]]:
    return compose["services"]


def argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with backslash continuations joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            pairs.append((instruction.upper(), arguments.strip()))
    return pairs


def dockerfile_cmd() -> list[str]:
    (cmd,) = [arguments for name, arguments in dockerfile_instructions() if name == "CMD"]
    # Exec form, so that gunicorn is PID 1 and receives the container's SIGTERM.
    return json.loads(cmd)


def every_command(services: dict[str, dict[str, Any]]) -> Iterator[tuple[str, list[str]]]:
    for name, service in services.items():
        if "command" in service:
            yield name, argv(service["command"])
    yield "Dockerfile CMD", dockerfile_cmd()
    for name, arguments in dockerfile_instructions():
        if name == "RUN" and "manage.py" in arguments:
            yield "Dockerfile RUN", shlex.split(arguments)


def wsgi_target(command: list[str]) -> str:
    (target,) = [
        part for part in command[1:] if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", part)
    ]
    return target


def celery_target(command: list[str]) -> str:
    for index, part in enumerate(command):
        if part == "-A":
            return command[index + 1]
        if part.startswith(("-A=", "--app=")):
            return part.partition("=")[2]
    raise AssertionError(f"celery command without an app: {command}")


def production_environment(tmp_path: Path) -> dict[str, str]:
    """The variables docker-compose.yml requires, with fresh secrets and a throwaway database."""
    environment = {
        name: value for name, value in os.environ.items() if not PROJECT_VARIABLES.match(name)
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        KEY_ENCRYPTION_KEY=base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
        DJANGO_ALLOWED_HOSTS="passports.example.com",
        RESOLVER_BASE_URL="https://passports.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
    )
    return environment


def run_python(arguments: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- docker-compose.yml and Dockerfile ---------------------------------------------------------


def test_compose_defines_the_database_the_broker_and_every_app_role(services):
    assert {"postgres", "redis", *APP_ROLES} <= services.keys()


def test_redis_keeps_queued_tasks_across_restarts_and_never_evicts_them(services):
    command = " ".join(argv(services["redis"]["command"]))

    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command


@pytest.mark.parametrize("name", ["postgres", "redis"])
def test_the_backing_services_report_their_health(services, name):
    assert services[name]["healthcheck"]["test"]


@pytest.mark.parametrize("role", APP_ROLES)
def test_each_app_role_waits_for_a_healthy_database_and_broker(services, role):
    depends_on = services[role]["depends_on"]

    for backing in ("postgres", "redis"):
        assert depends_on[backing]["condition"] == "service_healthy"


@pytest.mark.parametrize("role", APP_ROLES)
def test_each_app_role_runs_the_one_image_against_migrated_postgres_and_redis(services, role):
    service = services[role]

    assert service["build"] == "."
    assert service["image"] == services["web"]["image"]
    assert service["environment"]["DATABASE_URL"].startswith("postgres://")
    assert service["environment"]["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    migrate = [
        name for name, other in services.items() if "migrate" in argv(other.get("command", []))
    ]
    assert len(migrate) == 1, "exactly one one-shot service applies the migrations"
    assert service["depends_on"][migrate[0]]["condition"] == "service_completed_successfully"


def test_every_gunicorn_command_serves_an_importable_wsgi_application(services):
    targets = [wsgi_target(cmd) for _, cmd in every_command(services) if cmd[0] == "gunicorn"]

    assert targets, "nothing runs gunicorn"
    for target in targets:
        module, _, attribute = target.partition(":")
        assert callable(getattr(importlib.import_module(module), attribute)), target


def test_every_celery_command_names_a_module_holding_the_celery_app(services):
    targets = [celery_target(cmd) for _, cmd in every_command(services) if cmd[0] == "celery"]

    assert len(targets) >= 2, "the worker and beat both run celery"
    for target in targets:
        assert isinstance(importlib.import_module(target).app, Celery), target


def test_every_manage_py_command_exists(services):
    commands = [
        (where, cmd[cmd.index("manage.py") + 1])
        for where, cmd in every_command(services)
        if "manage.py" in cmd
    ]

    assert {name for _, name in commands} >= {"migrate", "collectstatic"}
    known = get_commands()
    for where, name in commands:
        assert name in known, f"{where}: manage.py {name} does not exist"


def test_the_image_and_the_web_service_serve_the_same_wsgi_application(services):
    assert wsgi_target(dockerfile_cmd()) == wsgi_target(argv(services["web"]["command"]))
    assert wsgi_target(dockerfile_cmd()) == "settings.wsgi:application"


def test_the_image_installs_runtime_dependencies_only_and_runs_unprivileged():
    instructions = dockerfile_instructions()
    installs = [args for name, args in instructions if name == "RUN" and "pip install" in args]
    users = [args for name, args in instructions if name == "USER"]

    assert instructions[0] == ("FROM", "python:3.12-slim")
    assert installs == ["pip install ."]
    assert users and users[-1] not in ("root", "0")
    assert ("EXPOSE", "8000") in instructions


def test_the_build_context_leaves_out_local_secrets_and_state():
    ignored = set((ROOT / ".dockerignore").read_text().split())

    expected = {".venv", "db.sqlite3", ".dev-key-encryption-key", "__pycache__", ".git"}
    assert expected | {"staticfiles", ".env"} <= ignored


def test_secrets_must_be_supplied_and_have_no_default(services):
    text = COMPOSE.read_text()
    for name in SECRETS:
        references = re.findall(r"\$\{" + name + r"(\W[^}]*)?\}", text)
        assert references, f"{name} is never used"
        for modifier in references:
            assert modifier.startswith(":?"), f"${{{name}{modifier}}} must use the :? form"
    for role in APP_ROLES:
        environment = services[role]["environment"]
        assert environment["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")
        assert environment["KEY_ENCRYPTION_KEY"].startswith("${KEY_ENCRYPTION_KEY:?")
        assert {"DJANGO_ALLOWED_HOSTS", "RESOLVER_BASE_URL", "DJANGO_CSRF_TRUSTED_ORIGINS"} <= (
            environment.keys()
        )


def test_the_web_healthcheck_probes_the_health_view(services):
    test = services["web"]["healthcheck"]["test"]
    code = test[test.index("-c") + 1]

    assert test[:2] == ["CMD", "python"], "the slim image has no curl"
    (path,) = re.findall(r"http://127\.0\.0\.1:8000(/[^'\"]*)", code)
    assert resolve(path).func.__name__ == "healthz"


def test_the_web_healthcheck_passes_under_production_settings(services, tmp_path):
    """Production rejects unknown Host headers and redirects plain HTTP; the probe must get 200."""
    test = services["web"]["healthcheck"]["test"]
    code = test[test.index("-c") + 1]
    # The probe's urlopen is routed through Django's test client, which does not add the
    # test-only "testserver" host, so ALLOWED_HOSTS and the HTTPS redirect apply as deployed.
    harness = f"""
import sys, urllib.parse, urllib.request
import django
django.setup()
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)

def urlopen(request, timeout=None):
    response = Client().get(
        urllib.parse.urlsplit(request.full_url).path,
        headers={{name.lower(): value for name, value in request.header_items()}},
    )
    if response.status_code != 200:
        sys.exit(f"probe got {{response.status_code}}")

urllib.request.urlopen = urlopen
exec({code!r})
"""
    environment = production_environment(tmp_path)
    # A wildcard first entry is the awkward case for the probe's choice of Host header.
    environment["DJANGO_ALLOWED_HOSTS"] = ".example.com,passports.example.com"

    result = run_python(["-c", harness], environment)

    assert result.returncode == 0, result.stdout + result.stderr


# --- manage.py check --deploy -------------------------------------------------------------------


def test_the_production_environment_passes_the_deploy_checks_without_warnings(tmp_path):
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_environment(tmp_path),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_the_deploy_checks_refuse_production_without_a_key_encryption_key(tmp_path):
    environment = production_environment(tmp_path)
    del environment["KEY_ENCRYPTION_KEY"]

    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], environment)

    assert result.returncode != 0
    assert "KEY_ENCRYPTION_KEY" in result.stdout + result.stderr


# --- /healthz -----------------------------------------------------------------------------------


@pytest.fixture
def broker_url(settings, monkeypatch) -> Callable[[str], None]:
    """Points both the settings and the already configured Celery app at one broker."""

    def point(url: str) -> None:
        settings.CELERY_BROKER_URL = url
        # The Celery app copies Django's settings when first used and lets these environment
        # variables override them, so the environment is what reaches an already loaded app.
        monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
        if url:
            monkeypatch.setenv("CELERY_BROKER_URL", url)
        else:
            monkeypatch.delenv("CELERY_BROKER_URL", raising=False)

    return point


@pytest.mark.django_db
def test_healthz_reports_eager_tasks_when_no_broker_is_configured(client, broker_url):
    broker_url("")

    response = client.get("/healthz")

    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["broker"] == "eager"


@pytest.mark.django_db
def test_healthz_names_the_broker_quickly_when_it_does_not_answer(client, broker_url):
    broker_url("redis://127.0.0.1:1/0")

    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("failing")
    assert response.json()["checks"]["database"] == "ok"
    # A load balancer's probe times out after a few seconds; the answer must come before that.
    assert elapsed < 5, f"/healthz took {elapsed:.1f} s on a closed port"


@pytest.mark.django_db
def test_healthz_reports_a_working_redis_broker(client, broker_url):
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        require_services("Redis (set CELERY_BROKER_URL=redis://127.0.0.1:6379/0)")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        require_services(f"Redis answering at {url}")
    broker_url(url)

    response = client.get("/healthz")

    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["broker"] == "ok"


def test_the_openapi_schema_generates_without_warnings(tmp_path):
    """Every operation's request and response shapes are declared, none left free-form."""
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn",
         "--file", str(tmp_path / "schema.yaml")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr[-2000:]
