import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.management import call_command
from django.test import override_settings

from accounts.models import User
from audit.models import AuditEvent

USERS = "/api/v1/users"
pytestmark = pytest.mark.django_db

VALID = {
    "email": "New.Person@Example.com",
    "password": "Forklift-2026-blue",
    "role": "staff",
    "first_name": "New",
    "last_name": "Person",
}


def test_admin_creates_user_with_email_as_entered_and_audit(admin_client):
    response = admin_client.post(USERS, VALID, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"id", "email", "first_name", "last_name", "role", "is_active", "date_joined", "last_login"}
    assert body["email"] == "New.Person@Example.com" and body["role"] == "staff" and body["is_active"] is True
    user = User.objects.get(pk=body["id"])
    assert user.email_key == "new.person@example.com"
    assert not user.is_staff and not user.is_superuser
    assert AuditEvent.objects.filter(action="user.created", object_id=str(user.pk)).exists()


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2(admin_client):
    response = admin_client.post(USERS, VALID, format="json")
    user = User.objects.get(pk=response.json()["id"])
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password(VALID["password"])


def test_argon2_is_first_in_production_settings():
    from inventory_site import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.parametrize(
    "password, fragment",
    [
        ("Short1", "too short"),
        ("onlyletterslongenough", "letters and digits"),
        ("123456789012345", "letters and digits"),
        ("password1234", "too common"),
        ("new.person@example.com1", "too similar"),
    ],
)
def test_password_policy_reasons(admin_client, password, fragment):
    response = admin_client.post(USERS, {**VALID, "password": password}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert any(fragment in message for message in body["errors"]["password"]), body


@pytest.mark.parametrize("missing", ["email", "password", "role", "first_name", "last_name"])
def test_create_requires_fields(admin_client, missing):
    data = {k: v for k, v in VALID.items() if k != missing}
    response = admin_client.post(USERS, data, format="json")
    assert response.status_code == 400
    assert missing in response.json()["errors"]


def test_duplicate_email_any_case_is_409(admin_client, staff_user):
    response = admin_client.post(USERS, {**VALID, "email": "STAFF@example.com"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_email"


def test_role_change_sets_flags_and_is_audited(admin_client, staff_user):
    response = admin_client.patch(f"{USERS}/{staff_user.pk}", {"role": "admin"}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "admin"
    staff_user.refresh_from_db()
    assert staff_user.is_staff and staff_user.is_superuser
    event = AuditEvent.objects.get(action="user.role_changed")
    assert event.changes == {"role": ["staff", "admin"]} and event.actor.email == "admin@example.com"


def test_delete_user_without_history_and_with_history(admin_client, staff_user, admin_user):
    created = admin_client.post(USERS, VALID, format="json").json()
    assert admin_client.delete(f"{USERS}/{created['id']}").status_code == 204
    assert not User.objects.filter(pk=created["id"]).exists()
    # the admin has audit history as an actor: deactivate instead
    other_admin = admin_client.post(USERS, {**VALID, "email": "boss@example.com", "role": "admin"}, format="json")
    response = admin_client.delete(f"{USERS}/{admin_user.pk}")
    assert other_admin.status_code == 201
    assert response.status_code == 409 and response.json()["code"] == "user_has_history"


def test_users_are_admin_only(staff_client, staff_user, api_client):
    assert staff_client.get(USERS).status_code == 403
    assert staff_client.get(f"{USERS}/{staff_user.pk}").status_code == 403
    assert staff_client.post(USERS, VALID, format="json").status_code == 403
    assert staff_client.patch(f"{USERS}/{staff_user.pk}", {"role": "admin"}, format="json").status_code == 403
    assert staff_client.delete(f"{USERS}/{staff_user.pk}").status_code == 403
    assert api_client.get(USERS).status_code == 401


def test_user_list_paginates_and_sorts(admin_client, staff_user):
    body = admin_client.get(USERS, {"sort_by": "email", "sort_order": "desc", "page_size": 1}).json()
    assert body["count"] == 2 and len(body["results"]) == 1
    assert body["results"][0]["email"] == "staff@example.com" and body["next"]
    bad = admin_client.get(USERS, {"sort_by": "password"})
    assert bad.status_code == 400 and "sort_by" in bad.json()["errors"]


def test_unknown_user_is_404(admin_client):
    response = admin_client.get(f"{USERS}/999999")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_createsuperuser_noinput_makes_an_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Pallet-jack-2026")
    call_command("createsuperuser", "--noinput", verbosity=0)
    user = User.objects.get(email_key="root@example.com")
    assert user.role == "admin" and user.is_staff and user.is_superuser


def test_admin_site_refuses_staff_and_admits_admin(client, staff_user, admin_user, password):
    client.force_login(staff_user)
    assert client.get("/admin/").status_code == 302  # to the admin login: staff role is not Django staff
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200
