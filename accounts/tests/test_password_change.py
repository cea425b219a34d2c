"""A password change, through any door, revokes every live refresh token of the user and is audited."""

import pytest

from accounts import services
from accounts.models import RefreshToken
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/token/refresh"
NEW_PASSWORD = "Conveyor-belt-2031"


def sessions(api_client, user, password, count=2) -> list[str]:
    pairs = [api_client.post(TOKEN, {"email": user.email, "password": password}, format="json") for _ in range(count)]
    assert all(pair.status_code == 200 for pair in pairs)
    return [pair.json()["refresh"] for pair in pairs]


def refresh(api_client, token):
    return api_client.post(REFRESH, {"refresh": token}, format="json")


def assert_password_change_event(user, actor):
    event = AuditEvent.objects.get(action="user.password_changed", object_id=str(user.pk))
    assert event.actor == actor
    assert event.changes == {"usable": True, "revoked_refresh_tokens": 2}
    assert NEW_PASSWORD not in str(AuditEvent.objects.values_list("changes", flat=True))


def test_api_password_change_revokes_every_refresh_token(api_client, admin_client, staff_user, password, admin_user):
    old = sessions(api_client, staff_user, password)
    response = admin_client.patch(f"/api/v1/users/{staff_user.pk}", {"password": NEW_PASSWORD}, format="json")
    assert response.status_code == 200
    for token in old:
        stale = refresh(api_client, token)
        assert stale.status_code == 401 and stale.json()["code"] == "token_invalid"
    assert not RefreshToken.objects.filter(user=staff_user, revoked_at__isnull=True).exists()
    assert_password_change_event(staff_user, admin_user)
    assert not AuditEvent.objects.filter(action="auth.refresh_reuse").exists()  # revoked, not replaced: no reuse
    fresh = api_client.post(TOKEN, {"email": staff_user.email, "password": NEW_PASSWORD}, format="json")
    assert fresh.status_code == 200 and refresh(api_client, fresh.json()["refresh"]).status_code == 200


def test_api_change_without_password_keeps_the_tokens(api_client, admin_client, staff_user, password):
    old = sessions(api_client, staff_user, password, count=1)
    assert admin_client.patch(f"/api/v1/users/{staff_user.pk}", {"first_name": "Sam"}, format="json").status_code == 200
    assert refresh(api_client, old[0]).status_code == 200
    assert not AuditEvent.objects.filter(action="user.password_changed").exists()


def test_admin_password_form_goes_through_the_service(api_client, admin_web, staff_user, password, admin_user):
    old = sessions(api_client, staff_user, password)
    response = admin_web.post(
        f"/admin/accounts/user/{staff_user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:2000]
    staff_user.refresh_from_db()
    assert staff_user.check_password(NEW_PASSWORD)
    for token in old:
        assert refresh(api_client, token).status_code == 401
    assert_password_change_event(staff_user, admin_user)


def test_admin_password_form_applies_the_policy(api_client, admin_web, staff_user, password):
    old = sessions(api_client, staff_user, password, count=1)
    response = admin_web.post(
        f"/admin/accounts/user/{staff_user.pk}/password/",
        {"password1": "short", "password2": "short", "usable_password": "true"},
    )
    assert response.status_code == 200 and "too short" in response.content.decode()
    assert refresh(api_client, old[0]).status_code == 200
    assert not AuditEvent.objects.filter(action="user.password_changed").exists()


def test_admin_disabling_password_login_revokes_too(api_client, admin_web, staff_user, password):
    old = sessions(api_client, staff_user, password, count=1)
    response = admin_web.post(
        f"/admin/accounts/user/{staff_user.pk}/password/", {"usable_password": "false", "unset-password": "1"}
    )
    assert response.status_code == 302, response.content[:2000]
    staff_user.refresh_from_db()
    assert not staff_user.has_usable_password()
    assert refresh(api_client, old[0]).status_code == 401
    event = AuditEvent.objects.get(action="user.password_changed")
    assert event.changes == {"usable": False, "revoked_refresh_tokens": 1}


def test_an_admin_changing_their_own_password_stays_signed_in(admin_web, admin_user):
    response = admin_web.post(
        f"/admin/accounts/user/{admin_user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert admin_web.get("/admin/").status_code == 200


def test_service_revokes_in_the_same_transaction(api_client, staff_user, password, admin_user):
    old = sessions(api_client, staff_user, password, count=1)
    services.set_password(actor=admin_user, user=staff_user, password=NEW_PASSWORD)
    assert refresh(api_client, old[0]).status_code == 401
    from inventory_site.exceptions import Invalid

    other = sessions(api_client, staff_user, NEW_PASSWORD, count=1)
    with pytest.raises(Invalid):
        services.set_password(actor=admin_user, user=staff_user, password="password1234")
    assert refresh(api_client, other[0]).status_code == 200  # a refused change revokes nothing
