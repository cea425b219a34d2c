"""The role is the one source of Django's staff and superuser flags, whichever way it was written."""

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db


def _admin_login(client, email, password):
    return client.post("/admin/login/?next=/admin/", {"username": email, "password": password})


def test_a_queryset_update_to_staff_really_removes_admin_access(client, admin_web, admin_client, admin_user, password):
    assert admin_web.get("/admin/").status_code == 200
    assert admin_client.get("/api/v1/users").status_code == 200

    User.objects.filter(pk=admin_user.pk).update(role="staff")  # no save(): nothing else is touched

    assert admin_web.get("/admin/").status_code == 302  # the open admin session is refused
    response = admin_client.get("/api/v1/users")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    client.logout()
    refused = _admin_login(client, admin_user.email, password)
    assert refused.status_code == 200 and "staff account" in refused.content.decode()
    user = User.objects.get(pk=admin_user.pk)
    assert not (user.is_staff or user.is_superuser)
    assert not user.has_perm("catalog.add_product") and not user.has_module_perms("catalog")


def test_a_queryset_update_to_admin_grants_it(client, staff_client, staff_user, password):
    assert staff_client.get("/api/v1/users").status_code == 403
    User.objects.filter(pk=staff_user.pk).update(role="admin")
    assert staff_client.get("/api/v1/users").status_code == 200
    assert _admin_login(client, staff_user.email, password).status_code == 302
    assert client.get("/admin/").status_code == 200
    user = User.objects.get(pk=staff_user.pk)
    assert user.is_staff and user.is_superuser
    assert user.has_perm("catalog.add_product") and user.has_module_perms("catalog")


def test_the_flags_are_not_columns():
    columns = {field.column for field in User._meta.concrete_fields}
    assert "is_staff" not in columns and "is_superuser" not in columns
