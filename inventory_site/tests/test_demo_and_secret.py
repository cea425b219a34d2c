"""No guessable secret outside debugging: seed_demo needs real demo passwords, and only the test settings
may supply a fallback secret key (DJANGO_TESTING enables nothing)."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

ROOT = Path(__file__).resolve().parent.parent.parent
GOOD = {"DEMO_ADMIN_PASSWORD": "admin-Qw3rty-Zx9-long", "DEMO_STAFF_PASSWORD": "staff-Lk8-Mn7-longer"}


@pytest.fixture
def demo_env(monkeypatch):
    def set_env(**values):
        for name in GOOD:
            monkeypatch.delenv(name, raising=False)
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_env


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values, refused",
    [
        ({}, "DEMO_ADMIN_PASSWORD is unset or empty"),
        ({"DEMO_ADMIN_PASSWORD": "", "DEMO_STAFF_PASSWORD": ""}, "DEMO_ADMIN_PASSWORD is unset or empty"),
        ({**GOOD, "DEMO_STAFF_PASSWORD": ""}, "DEMO_STAFF_PASSWORD is unset or empty"),
        ({**GOOD, "DEMO_ADMIN_PASSWORD": "admin-demo-2026"}, "DEMO_ADMIN_PASSWORD is a published or short password"),
        ({**GOOD, "DEMO_STAFF_PASSWORD": "staff-demo-2026"}, "DEMO_STAFF_PASSWORD is a published or short password"),
        ({**GOOD, "DEMO_STAFF_PASSWORD": "short7"}, "DEMO_STAFF_PASSWORD is a published or short password"),
    ],
)
def test_seed_demo_refuses_missing_or_fixed_passwords_outside_debug(demo_env, settings, values, refused):
    settings.DEBUG = False
    demo_env(**values)
    with pytest.raises(CommandError, match=refused):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_uses_the_given_passwords(demo_env, settings):
    settings.DEBUG = False
    demo_env(**GOOD)
    call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.get(email_key="admin@example.com").check_password(GOOD["DEMO_ADMIN_PASSWORD"])
    assert User.objects.get(email_key="staff@example.com").check_password(GOOD["DEMO_STAFF_PASSWORD"])
    # Demo users already there: a later run needs no password at all.
    demo_env()
    call_command("seed_demo", stdout=io.StringIO())


@pytest.mark.django_db
def test_with_debug_on_a_local_demo_may_fall_back_to_fixed_passwords(demo_env, settings):
    settings.DEBUG = True
    demo_env()
    call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.get(email_key="staff@example.com").check_password("staff-demo-2026")


def start_django(settings_module: str, **extra) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(DJANGO_SETTINGS_MODULE=settings_module, DJANGO_ENV_FILE="/nonexistent", **extra)
    code = "import django; django.setup(); from django.conf import settings; print('KEY', settings.SECRET_KEY)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_django_testing_does_not_enable_a_fixed_secret_key():
    result = start_django("inventory_site.settings", DJANGO_TESTING="1")
    assert result.returncode != 0 and "DJANGO_SECRET_KEY is required" in result.stderr


def test_only_the_test_settings_supply_a_fallback_key():
    result = start_django("inventory_site.test_settings")
    assert result.returncode == 0, result.stderr
    assert "KEY test-settings-only-key" in result.stdout
    explicit = start_django("inventory_site.test_settings", DJANGO_SECRET_KEY="an-explicit-key-wins-0123456789abcdef")
    assert "KEY an-explicit-key-wins" in explicit.stdout


def test_debug_still_runs_without_a_secret():
    result = start_django("inventory_site.settings", DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
