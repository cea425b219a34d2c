"""The password policy refuses the email's local part under any punctuation, and createsuperuser applies it."""

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management import CommandError, ManagementUtility, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db

USERS = "/api/v1/users"
JOHN = {"email": "john.smith@x.example", "role": "staff", "first_name": "", "last_name": ""}


@pytest.mark.parametrize(
    "password", ["JohnSmith-2026x", "john.smith.2026", "2026-JOHN_SMITH-x", "xx9john-smith9xx", "ｊｏｈｎsmith-2026"]
)
def test_the_email_local_part_is_refused_whatever_surrounds_it(admin_client, password):
    response = admin_client.post(USERS, {**JOHN, "password": password}, format="json")
    assert response.status_code == 400, response.json()
    assert "The password must not contain the email address." in response.json()["errors"]["password"]
    assert not User.objects.with_email(JOHN["email"]).exists()


def test_a_password_without_the_local_part_is_accepted(admin_client):
    response = admin_client.post(USERS, {**JOHN, "password": "Forklift-2026-blue"}, format="json")
    assert response.status_code == 201, response.json()


def test_the_check_applies_to_password_changes_and_short_local_parts_are_ignored(admin_client):
    user = User.objects.create_user(email="al@x.example", password="Forklift-2026-blue")
    assert admin_client.patch(f"{USERS}/{user.pk}", {"password": "Always-2026-calm"}, format="json").status_code == 200
    user.email = "always@x.example"
    with pytest.raises(ValidationError, match="must not contain the email"):
        password_validation.validate_password("Always-2026-calm", user)


def test_createsuperuser_noinput_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "password")
    with pytest.raises(CommandError, match="does not meet the policy.*too short.*too common"):
        call_command("createsuperuser", "--noinput", verbosity=0)
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root-2026-example")
    with pytest.raises(CommandError, match="must not contain the email"):
        call_command("createsuperuser", "--noinput", verbosity=0)
    assert not User.objects.exists()


def test_createsuperuser_noinput_exits_non_zero_with_a_clear_message(monkeypatch, capsys):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "short1")
    # The command closes every connection when it ends: keep the test's own.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "createsuperuser", "--noinput"]).execute()
    assert exit_info.value.code == 1
    assert "does not meet the policy" in capsys.readouterr().err
    assert not User.objects.exists()


def test_createsuperuser_noinput_with_a_good_password_still_works(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Pallet-jack-2026")
    call_command("createsuperuser", "--noinput", verbosity=0)
    assert User.objects.get(email_key="root@example.com").is_superuser
