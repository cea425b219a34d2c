import pytest

from audit.models import AuditEvent, LoginAttempt

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/token/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"

pytestmark = pytest.mark.django_db


def login(api_client, email, password, ip="10.0.0.1"):
    return api_client.post(TOKEN, {"email": email, "password": password}, format="json", REMOTE_ADDR=ip)


def test_token_pair_and_me(api_client, staff_user, password):
    response = login(api_client, "STAFF@example.com", password)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 15 * 60
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    me = api_client.get(ME)
    assert me.status_code == 200
    assert me.json()["email"] == "staff@example.com" and me.json()["role"] == "staff"
    assert LoginAttempt.objects.filter(email="staff@example.com", success=True).count() == 1


def test_failure_bodies_are_identical_for_unknown_wrong_and_inactive(api_client, staff_user, password, admin_user):
    admin_user.is_active = False
    admin_user.save()
    unknown = login(api_client, "nobody@example.com", password)
    wrong = login(api_client, "staff@example.com", "wrong-password-123")
    inactive = login(api_client, "admin@example.com", password)
    assert unknown.status_code == wrong.status_code == inactive.status_code == 401
    assert unknown.json() == wrong.json() == inactive.json()
    assert unknown.json()["code"] == "invalid_credentials"
    assert unknown["Content-Type"] == "application/problem+json"
    reasons = set(LoginAttempt.objects.values_list("reason", flat=True))
    assert reasons == {"unknown_email", "wrong_password", "inactive"}


@pytest.mark.parametrize("email", ["staff@example.com", "ghost@example.com"])
def test_lockout_after_limit_even_with_right_password(api_client, staff_user, password, email):
    for _ in range(5):
        assert login(api_client, email, "wrong-password-123").status_code == 401
    locked = login(api_client, email, password)
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert int(locked["Retry-After"]) == 15 * 60
    assert AuditEvent.objects.filter(action="auth.locked_out").count() == 1
    # another address is a separate counter
    assert login(api_client, email, password, ip="10.0.0.2").status_code == (200 if email.startswith("staff") else 401)


def test_lockout_is_per_lowercased_email(api_client, staff_user, password):
    for variant in [
        "Staff@example.com",
        "STAFF@EXAMPLE.COM",
        "staff@example.com",
        "sTaff@example.com",
        "staff@Example.com",
    ]:
        assert login(api_client, variant, "wrong-password-123").status_code == 401
    assert login(api_client, "staff@example.com", password).status_code == 429


def test_success_resets_the_count(api_client, staff_user, password):
    for _ in range(4):
        login(api_client, "staff@example.com", "wrong-password-123")
    assert login(api_client, "staff@example.com", password).status_code == 200
    for _ in range(4):
        assert login(api_client, "staff@example.com", "wrong-password-123").status_code == 401
    assert login(api_client, "staff@example.com", password).status_code == 200


def test_lockout_shared_with_html_login(client, api_client, staff_user, password):
    for _ in range(5):
        response = client.post(
            "/login/", {"username": "staff@example.com", "password": "nope-nope-123"}, REMOTE_ADDR="10.0.0.1"
        )
        assert response.status_code == 200
    assert login(api_client, "staff@example.com", password).status_code == 429
    html = client.post("/login/", {"username": "staff@example.com", "password": password}, REMOTE_ADDR="10.0.0.1")
    assert html.status_code == 429


def test_refresh_rotates_and_reuse_revokes_everything(api_client, staff_user, password):
    first = login(api_client, "staff@example.com", password).json()
    other_session = login(api_client, "staff@example.com", password).json()
    rotated = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    reuse = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert reuse.status_code == 401
    assert AuditEvent.objects.filter(action="auth.refresh_reuse", actor=staff_user).count() == 1
    # every live token of the user is revoked, the rotated one and the other session's too
    assert api_client.post(REFRESH, {"refresh": rotated.json()["refresh"]}, format="json").status_code == 401
    assert api_client.post(REFRESH, {"refresh": other_session["refresh"]}, format="json").status_code == 401


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", None, 12])
def test_malformed_refresh_is_plain_401_or_400(api_client, token):
    response = api_client.post(REFRESH, {"refresh": token}, format="json")
    assert response.status_code in (400, 401)
    assert response["Content-Type"] == "application/problem+json"


def test_access_token_as_refresh_and_logged_out_token(api_client, staff_user, password):
    pair = login(api_client, "staff@example.com", password).json()
    assert api_client.post(REFRESH, {"refresh": pair["access"]}, format="json").status_code == 401
    assert api_client.post(LOGOUT, {"refresh": pair["refresh"]}, format="json").status_code == 204
    after = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert after.status_code == 401
    assert not AuditEvent.objects.filter(action="auth.refresh_reuse").exists()


def test_no_token_is_401_not_403(api_client):
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_bad_bearer_is_token_invalid(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer nonsense")
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_auth_endpoints_are_throttled_per_ip(api_client, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    # The rate table is read once at import; patch it for this test only (monkeypatch restores it).
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
    codes = [
        api_client.post(LOGOUT, {"refresh": "x"}, format="json", REMOTE_ADDR="10.9.9.9").status_code for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    throttled = api_client.post(TOKEN, {}, format="json", REMOTE_ADDR="10.9.9.9")
    assert throttled.json()["code"] == "throttled" and "Retry-After" in throttled
    # another client address has its own budget
    assert api_client.post(LOGOUT, {"refresh": "x"}, format="json", REMOTE_ADDR="10.9.9.8").status_code == 401


def test_default_auth_rate_is_20_per_minute():
    from rest_framework.throttling import SimpleRateThrottle

    assert SimpleRateThrottle.THROTTLE_RATES["auth"] == "20/min"


def test_admin_login_shares_the_counter(client, api_client, staff_user, password):
    for _ in range(5):
        client.post(
            "/admin/login/", {"username": "STAFF@example.com", "password": "nope-nope-123"}, REMOTE_ADDR="10.0.0.1"
        )
    assert login(api_client, "staff@example.com", password).status_code == 429


def test_lockout_ends_after_the_cooloff(api_client, staff_user, password):
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.utils import timezone

    for _ in range(5):
        login(api_client, "staff@example.com", "wrong-password-123")
    assert login(api_client, "staff@example.com", password).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert login(api_client, "staff@example.com", password).status_code == 200
