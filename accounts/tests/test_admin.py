import pytest

from accounts.models import User
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_admin_adds_a_user_through_the_service(admin_web):
    response = admin_web.post(
        "/admin/accounts/user/add/",
        {
            "email": "Picker@Example.com",
            "password": "Forklift-2026-blue",
            "first_name": "Pia",
            "last_name": "Picker",
            "role": "staff",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    user = User.objects.get(email_key="picker@example.com")
    assert user.email == "Picker@Example.com"  # kept as entered; the key is the identity
    assert user.check_password("Forklift-2026-blue") and not user.is_staff
    assert AuditEvent.objects.filter(action="user.created", object_id=str(user.pk)).exists()


def test_admin_add_form_applies_the_password_policy(admin_web):
    response = admin_web.post(
        "/admin/accounts/user/add/",
        {"email": "weak@example.com", "password": "short", "first_name": "W", "last_name": "K", "role": "staff"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert not User.objects.filter(email="weak@example.com").exists()


def test_admin_role_change_is_audited(admin_web, staff_user):
    response = admin_web.post(
        f"/admin/accounts/user/{staff_user.pk}/change/",
        {
            "email": staff_user.email,
            "first_name": "Sam",
            "last_name": "Staff",
            "role": "admin",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    staff_user.refresh_from_db()
    assert staff_user.role == "admin" and staff_user.is_superuser
    assert AuditEvent.objects.filter(action="user.role_changed", object_id=str(staff_user.pk)).exists()
