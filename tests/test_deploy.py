"""The compose stack, gunicorn settings and `check --deploy` (no Docker engine here: the file is parsed)."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SECRET = "a-long-random-secret-for-these-tests-0123456789abcdef"


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


# --- Empty values mean "default": .env.example as it is, run.sh, gunicorn, the image, compose ------------------
def _env_example() -> list[tuple[str, str]]:
    pairs = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            pairs.append((name.strip(), value))
    return pairs


def _clean_env(**extra) -> dict:
    """The test process's environment minus everything the settings read."""
    names = {name for name, _ in _env_example()} | {"DJANGO_TESTING", "DJANGO_ENV_FILE", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in names and not k.startswith("DJANGO_")}
    env.update(extra)
    return env


SHOW_SETTINGS = """
import django, json
django.setup()
from django.conf import settings as s
print(json.dumps({
    "hosts": s.ALLOWED_HOSTS, "debug": s.DEBUG, "engine": s.DATABASES["default"]["ENGINE"],
    "cache": s.CACHES["default"]["BACKEND"], "tz": s.TIME_ZONE,
    "access": s.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].seconds, "session": s.SESSION_COOKIE_AGE,
    "proxies": s.REST_FRAMEWORK["NUM_PROXIES"], "axes": s.AXES_FAILURE_LIMIT,
    "throttle": s.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"], "emails": s.STOCK_ALERT_EMAILS,
    "email_backend": s.EMAIL_BACKEND, "level": s.LOG_LEVEL, "https": s.HTTPS,
    "requeue": s.ORDER_REQUEUE_AFTER_SECONDS,
}))
"""
DEFAULTS = {
    "hosts": ["localhost", "127.0.0.1"],
    "debug": False,
    "engine": "django.db.backends.sqlite3",
    "cache": "django.core.cache.backends.locmem.LocMemCache",
    "tz": "UTC",
    "access": 900,
    "session": 28800,
    "proxies": 0,
    "axes": 5,
    "throttle": "20/min",
    "emails": [],
    "email_backend": "django.core.mail.backends.console.EmailBackend",
    "level": "INFO",
    "https": False,
    "requeue": 30,
}


def _load_settings(env_file: Path, **extra) -> dict:
    env = _clean_env(DJANGO_ENV_FILE=str(env_file), DJANGO_SETTINGS_MODULE="inventory_site.settings", **extra)
    result = subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_load_from_a_copy_of_env_example_plus_a_secret(tmp_path):
    text = (ROOT / ".env.example").read_text().replace("DJANGO_SECRET_KEY=\n", f"DJANGO_SECRET_KEY={SECRET}\n")
    (tmp_path / ".env").write_text(text)
    assert _load_settings(tmp_path / ".env") == DEFAULTS


def test_every_empty_value_means_its_default(tmp_path):
    """Every variable of .env.example present but empty (only the secret set): the settings' defaults."""
    lines = [f"{name}=" for name, _ in _env_example() if name != "DJANGO_SECRET_KEY"]
    (tmp_path / ".env").write_text("\n".join([f"DJANGO_SECRET_KEY={SECRET}", *lines]) + "\n")
    assert _load_settings(tmp_path / ".env") == DEFAULTS
    # An empty variable in the real environment does not hide the file's value either.
    (tmp_path / "hosts.env").write_text(f"DJANGO_SECRET_KEY={SECRET}\nDJANGO_ALLOWED_HOSTS=shop.example.com\n")
    assert _load_settings(tmp_path / "hosts.env", DJANGO_ALLOWED_HOSTS="")["hosts"] == ["shop.example.com"]


def test_empty_secret_is_still_required(tmp_path):
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    env = _clean_env(DJANGO_ENV_FILE=str(tmp_path / ".env"), DJANGO_SETTINGS_MODULE="inventory_site.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY is required" in result.stderr


def test_env_helper(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from inventory_site.env import Env

    for name in ("T_INT", "T_LIST", "T_BOOL", "T_STR", "T_REQUIRED"):
        monkeypatch.setenv(name, "")
    env = Env()
    assert env.int("T_INT", default=7) == 7
    assert env.list("T_LIST", default=["a"]) == ["a"]
    assert env.bool("T_BOOL", default=True) is True
    assert env.str("T_STR", default="x") == "x"
    with pytest.raises(ImproperlyConfigured, match="T_REQUIRED"):
        env.str("T_REQUIRED")
    monkeypatch.setenv("T_INT", "3")
    assert env.int("T_INT", default=7) == 3


def _gunicorn_config(monkeypatch, **values) -> dict:
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)
    return namespace


def test_gunicorn_config_empty_values_mean_defaults(monkeypatch):
    import multiprocessing

    empty = dict.fromkeys(("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "GUNICORN_BIND"), "")
    config = _gunicorn_config(monkeypatch, **empty)
    assert config["workers"] == multiprocessing.cpu_count() * 2 + 1
    assert (config["threads"], config["timeout"], config["bind"]) == (2, 30, "0.0.0.0:8000")
    config = _gunicorn_config(monkeypatch, WEB_CONCURRENCY="3", GUNICORN_THREADS="4")
    assert (config["workers"], config["threads"]) == (3, 4)


def _fake_checkout(tmp_path: Path) -> Path:
    """scripts/run.sh in a copy of the layout it expects, with a .venv whose python skips manage.py and whose
    gunicorn records the environment it was started with."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "run.sh", tmp_path / "scripts" / "run.sh")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").write_text(
        f'#!/usr/bin/env bash\nif [ "$1" = manage.py ]; then echo "$*" >> manage.log; exit 0; fi\n'
        f'exec {sys.executable} "$@"\n'
    )
    (bin_dir / "gunicorn").write_text('#!/usr/bin/env bash\necho "$*" > gunicorn.args\nenv > gunicorn.env\n')
    for program in bin_dir.iterdir():
        program.chmod(0o755)
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    return tmp_path


def _run_sh(checkout: Path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": str(checkout), "LANG": "C.UTF-8"}
    return subprocess.run(
        ["bash", "scripts/run.sh"], cwd=checkout, env=env, capture_output=True, text=True, timeout=60
    )


def _dotenv(path: Path) -> list[tuple[str, str]]:
    return [tuple(line.split("=", 1)) for line in path.read_text().splitlines() if line and line[0] != "#"]


def test_run_sh_fills_the_empty_lines_of_a_copied_env_example(tmp_path):
    checkout = _fake_checkout(tmp_path)
    result = _run_sh(checkout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Wrote a random DJANGO_SECRET_KEY into .env" in result.stdout
    values = _dotenv(checkout / ".env")
    for name in ("DJANGO_SECRET_KEY", "DEMO_ADMIN_PASSWORD", "DEMO_STAFF_PASSWORD"):
        lines = [value for key, value in values if key == name]
        assert len(lines) == 1 and len(lines[0]) >= 12, (name, lines)  # filled in place, not appended
    secret = dict(values)["DJANGO_SECRET_KEY"]
    assert len(secret) >= 50
    started = dict(line.split("=", 1) for line in (checkout / "gunicorn.env").read_text().splitlines() if "=" in line)
    assert started["DJANGO_SECRET_KEY"] == secret and started["DEMO_ADMIN_PASSWORD"]
    # Empty lines are dropped, not passed on as empty values (gunicorn dies on WEB_CONCURRENCY="").
    assert "WEB_CONCURRENCY" not in started and "DATABASE_URL" not in started and "REDIS_URL" not in started
    assert started["GUNICORN_THREADS"] == "2"
    assert "seed_demo" in (checkout / "manage.log").read_text()
    # A second start keeps the secret and the passwords.
    assert _run_sh(checkout).returncode == 0
    assert _dotenv(checkout / ".env") == values


def test_run_sh_keeps_a_secret_that_is_set(tmp_path):
    checkout = _fake_checkout(tmp_path)
    text = (checkout / ".env").read_text().replace("DJANGO_SECRET_KEY=\n", "DJANGO_SECRET_KEY=mine-0123456789\n")
    (checkout / ".env").write_text(text)
    result = _run_sh(checkout)
    assert result.returncode == 0 and "Wrote a random" not in result.stdout
    assert dict(_dotenv(checkout / ".env"))["DJANGO_SECRET_KEY"] == "mine-0123456789"


def test_image_entrypoint_drops_empty_variables():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["sh", "scripts/docker-entrypoint.sh"]' in dockerfile
    env = {"PATH": os.environ["PATH"], "WEB_CONCURRENCY": "", "GUNICORN_THREADS": "4", "DATABASE_URL": ""}
    result = subprocess.run(
        ["sh", "scripts/docker-entrypoint.sh", "env"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=10
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and "GUNICORN_THREADS=4" in lines
    assert not any(line.startswith(("WEB_CONCURRENCY=", "DATABASE_URL=")) for line in lines)


_INTERPOLATION = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def _interpolate(value: str, variables: dict) -> str:
    """compose's variable interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}."""

    def replace(match):
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.groups()
        present = name in variables
        value = variables.get(name, "")
        if operator in (":-", "-"):
            return value if (value if operator == ":-" else present) else argument
        if operator in (":?", "?") and not (value if operator == ":?" else present):
            raise ValueError(f"required variable {name} is missing a value: {argument}")
        return value

    return _INTERPOLATION.sub(replace, str(value))


def _compose_environment(service: str, dotenv: list[tuple[str, str]]) -> dict:
    """What compose hands the container: the env_file's values, then `environment` (interpolated with .env)."""
    config = compose()["services"][service]
    variables = dict(dotenv)
    environment = dict(dotenv) if config.get("env_file") == ".env" else {}
    for name, value in (config.get("environment") or {}).items():
        environment[name] = _interpolate(value, variables)
    return environment


def test_compose_with_env_example_gives_the_web_service_every_required_value(tmp_path):
    dotenv = [(name, SECRET if name == "DJANGO_SECRET_KEY" else value) for name, value in _env_example()]
    environment = _compose_environment("web", dotenv)
    # The image's entrypoint drops what is empty; what is left must be enough for production settings.
    started = {name: value for name, value in environment.items() if value != ""}
    for name in ("DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOWED_HOSTS"):
        assert started.get(name), name
    assert started["DATABASE_URL"].startswith("postgres://") and "@db:" in started["DATABASE_URL"]
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    loaded = _load_settings(env_file, **started)
    assert loaded["engine"] == "django.db.backends.postgresql" and loaded["debug"] is False
    assert loaded["cache"] == "django_redis.cache.RedisCache" and "127.0.0.1" in loaded["hosts"]


def test_compose_refuses_to_start_without_a_secret():
    with pytest.raises(ValueError, match="DJANGO_SECRET_KEY"):
        _compose_environment("web", _env_example())
    for service in ("worker", "scheduler"):
        with pytest.raises(ValueError, match="DJANGO_SECRET_KEY"):
            _compose_environment(service, _env_example())


def _requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[=<>~!\[ ]", line)[0].lower())
    return names


DEV_ONLY = {"pytest", "pytest-django", "factory-boy", "hypothesis", "schemathesis", "playwright", "ruff"}


def test_runtime_and_development_requirements_are_split():
    runtime = _requirement_names(ROOT / "requirements.txt")
    dev = _requirement_names(ROOT / "requirements-dev.txt")
    assert runtime and not runtime & DEV_ONLY  # no test runner, browser driver or linter at run time
    assert DEV_ONLY <= dev and not runtime & dev  # each pin once
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text().splitlines()


def test_the_image_installs_only_the_runtime_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -r requirements.txt" in dockerfile
    assert "requirements-dev" not in dockerfile and "playwright" not in dockerfile.lower()


def test_make_installs_dev_requirements_for_tests_only():
    """`make run` the runtime; test, lint and bench the development set (a change to either file reinstalls)."""
    plan = subprocess.run(
        ["make", "-n", "-B", "run", "test", "lint", "bench"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    run = subprocess.run(["make", "-n", "-B", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "-r requirements-dev.txt" in plan
    assert "-r requirements.txt" in run and "requirements-dev" not in run
    # The tests' JavaScript (axe-core) is installed exactly as locked, with the development set only.
    assert "npm ci" in plan and "npm" not in run
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(
        r"^\$\(DEV_STAMP\): requirements-dev\.txt requirements\.txt package\.json package-lock\.json \$\(PO_FILES\)$",
        makefile,
        re.M,
    )
    for target in ("test", "lint", "bench"):
        assert re.search(rf"^{target}: \$\(DEV_STAMP\)$", makefile, re.M), target


def test_axe_core_comes_pinned_from_the_npm_registry():
    """The accessibility test's axe-core: an exact version in package.json, locked with its integrity hash."""
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    version = package["devDependencies"]["axe-core"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    locked = lock["packages"]["node_modules/axe-core"]
    assert locked["version"] == version and locked["integrity"].startswith("sha512-")
    assert "node_modules/" in (ROOT / ".gitignore").read_text().splitlines()
