"""The compose stack, gunicorn settings and `check --deploy` (no Docker engine here: the file is parsed)."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_services_and_commands():
    services = compose()["services"]
    assert set(services) == {"db", "redis", "web", "worker", "scheduler"}
    assert "gunicorn inventory_site.wsgi" in services["web"]["command"]
    assert "migrate" in services["web"]["command"]
    assert services["worker"]["command"] == ["python", "manage.py", "rqworker", "high", "default", "low"]
    assert services["scheduler"]["command"][:3] == ["python", "manage.py", "requeue_orders"]


def test_compose_healthchecks_volumes_and_persistence():
    doc = compose()
    services = doc["services"]
    for name in ("db", "redis", "web"):
        assert services[name]["healthcheck"]["test"], name
    assert services["db"]["image"].startswith("postgres:") and int(services["db"]["image"].split(":")[1]) >= 15
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "--appendonly" in services["redis"]["command"] and "yes" in services["redis"]["command"]
    assert set(doc["volumes"]) == {"pgdata", "redisdata"}


def test_compose_app_services_configured_from_env():
    services = compose()["services"]
    for name in ("web", "worker", "scheduler"):
        service = services[name]
        assert service["env_file"] == ".env"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["REDIS_URL"].startswith("redis://")
        assert service["depends_on"]["db"]["condition"] == "service_healthy"


def test_gunicorn_config():
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)
    assert namespace["workers"] >= 1 and namespace["timeout"] > 0 and namespace["accesslog"] == "-"


def test_check_deploy_is_clean_with_https_on(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_ENV_FILE="/nonexistent",
        DJANGO_SETTINGS_MODULE="inventory_site.settings",
        DJANGO_SECRET_KEY="x" * 20 + "a-long-random-production-secret-0123456789",
        DJANGO_HTTPS="true",
        DJANGO_ALLOWED_HOSTS="inventory.example.com",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_refuse_to_start_without_secret_outside_debug():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="inventory_site.settings", DJANGO_ENV_FILE="/nonexistent")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY is required" in result.stderr
