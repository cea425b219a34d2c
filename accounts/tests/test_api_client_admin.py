"""API clients in Django admin: created and changed through the service, a key issued from the list and shown
once, keys revoked from theirs."""

import re

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiClient, ApiKey
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_an_admin_creates_a_client_issues_a_key_and_revokes_it(admin_web):
    page = admin_web.get("/admin/accounts/apiclient/add/")
    assert page.status_code == 200
    created = admin_web.post(
        "/admin/accounts/apiclient/add/",
        {"name": "ERP", "scopes": ["stock:read", "events:read"], "location_ids": "", "is_active": "on"},
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    client = ApiClient.objects.get()
    assert sorted(client.scopes) == ["events:read", "stock:read"] and client.user.role == ""
    assert AuditEvent.objects.filter(action="apiclient.created").exists()

    issued = admin_web.post(
        "/admin/accounts/apiclient/", {"action": "issue_key", "_selected_action": [client.pk]}, follow=True
    )
    secret = re.search(r"inv_[A-Za-z0-9]+_[A-Za-z0-9_\-]+", issued.content.decode()).group(0)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/auth/me").json()["client"]["name"] == "ERP"
    assert secret not in admin_web.get("/admin/accounts/apikey/").content.decode()  # never shown again

    key = ApiKey.objects.get()
    admin_web.post("/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert api.get("/api/v1/auth/me").status_code == 401


def test_bad_scopes_or_locations_stay_on_the_form(admin_web):
    answer = admin_web.post(
        "/admin/accounts/apiclient/add/", {"name": "ERP", "scopes": ["stock:read"], "location_ids": "1, x"}
    )
    assert answer.status_code == 200 and not ApiClient.objects.exists()
    answer = admin_web.post(
        "/admin/accounts/apiclient/add/", {"name": "ERP", "scopes": ["stock:read"], "location_ids": "99999"}
    )
    assert not ApiClient.objects.exists()


def test_clients_are_not_in_the_users_admin(admin_web, admin_user):
    admin_web.post("/admin/accounts/apiclient/add/", {"name": "Shop", "scopes": ["catalog:read"], "is_active": "on"})
    users = admin_web.get("/admin/accounts/user/").content.decode()
    assert "clients.invalid" not in users and admin_user.email in users
