import pytest
from django.contrib import admin as django_admin
from django.contrib.messages import get_messages

from accounts import services
from accounts.admin import UserAdmin
from accounts.exceptions import DuplicateEmail, UserHasHistory
from accounts.models import User
from audit.models import AuditEvent
from catalog.models import Supplier
from catalog.tests.factories import SupplierFactory
from inventory_site.admin import ReadOnlyAdmin, ServiceAdmin, deactivate

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


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


NEW_USER = {
    "email": "late@example.com",
    "password": "Forklift-2026-blue",
    "first_name": "Lee",
    "last_name": "Late",
    "role": "staff",
    "is_active": "on",
}


def test_a_failed_add_shows_the_error_stays_on_the_form_and_creates_nothing(admin_web, monkeypatch):
    """The service refusing (here: another admin took the email a moment earlier) is not "added successfully"."""

    def taken(email, *, exclude_pk=None):
        raise DuplicateEmail(f"A user with the email {email} already exists.")

    monkeypatch.setattr(services, "_ensure_email_free", taken)  # the form's own check passed a moment earlier
    response = admin_web.post("/admin/accounts/user/add/", NEW_USER, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/accounts/user/add/"
    said = _messages(response)
    assert "A user with the email late@example.com already exists." in said
    assert not any("successfully" in message for message in said)
    assert not User.objects.filter(email_key="late@example.com").exists()
    assert not AuditEvent.objects.filter(action="user.created").exists()


def test_a_refused_delete_shows_the_error_and_keeps_the_user(admin_web, staff_user, monkeypatch):
    def refuse(**kwargs):
        raise UserHasHistory("This user has history; deactivate them instead.")

    monkeypatch.setattr(UserAdmin, "service_delete", staticmethod(refuse))
    response = admin_web.post(f"/admin/accounts/user/{staff_user.pk}/delete/", {"post": "yes"}, follow=True)
    said = _messages(response)
    assert "This user has history; deactivate them instead." in said
    assert not any("successfully" in message for message in said)
    assert User.objects.filter(pk=staff_user.pk).exists()


def test_deactivate_users_through_the_service(admin_web, staff_user):
    other = User.objects.create_user(email="gone@example.com", password="x", is_active=False)
    response = admin_web.post(
        "/admin/accounts/user/",
        {"action": "deactivate", "_selected_action": [staff_user.pk, other.pk]},
        follow=True,
    )
    assert "Deactivated 1 user(s)." in _messages(response)
    staff_user.refresh_from_db()
    assert not staff_user.is_active
    assert AuditEvent.objects.filter(action="user.updated", object_id=str(staff_user.pk)).count() == 1


def test_deactivate_suppliers_through_the_service(admin_web):
    suppliers = [SupplierFactory(), SupplierFactory(), SupplierFactory(is_active=False)]
    response = admin_web.post(
        "/admin/catalog/supplier/", {"action": "deactivate", "_selected_action": [s.pk for s in suppliers]}, follow=True
    )
    assert "Deactivated 2 supplier(s)." in _messages(response)
    assert not Supplier.objects.filter(is_active=True).exists()
    assert AuditEvent.objects.filter(action="supplier.updated").count() == 2


def test_every_admin_of_ours_is_read_only_or_writes_through_the_one_service_admin():
    ours = {"accounts", "audit", "catalog", "stock", "orders", "reports", "inventory_site"}
    for model, model_admin in django_admin.site._registry.items():
        if model._meta.app_label in ours:
            assert isinstance(model_admin, ReadOnlyAdmin | ServiceAdmin), model
            assert not any(
                getattr(a, "__name__", a) == "deactivate" and a is not deactivate for a in model_admin.actions
            )
    for label in ("accounts.User", "catalog.Supplier", "catalog.Product"):
        model_admin = next(a for m, a in django_admin.site._registry.items() if m._meta.label == label)
        assert deactivate in model_admin.actions, label
