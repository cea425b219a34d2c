"""Behind one reverse proxy (NUM_PROXIES=1) every client is told apart by X-Forwarded-For: the lockout,
the auth throttle, audit events and login attempts all name the client, not the proxy."""

import pytest

from audit.models import AuditEvent, LoginAttempt

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"
USERS = "/api/v1/users"
PROXY = "10.0.0.1"
ALICE, MALLORY = "198.51.100.10", "203.0.113.66"


@pytest.fixture(autouse=True)
def one_proxy(settings):
    settings.NUM_PROXIES = 1


def via_proxy(client_address):
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_address}


def login(client, email, password, address):
    return client.post(TOKEN, {"email": email, "password": password}, format="json", **via_proxy(address))


def test_two_clients_behind_one_proxy_have_separate_lockout_counters(api_client, staff_user, password):
    for _ in range(5):
        assert login(api_client, staff_user.email, "wrong-password-123", MALLORY).status_code == 401
    assert login(api_client, staff_user.email, password, MALLORY).status_code == 429
    # Mallory's failures did not lock the account for Alice, behind the same proxy.
    assert login(api_client, staff_user.email, password, ALICE).status_code == 200


def test_the_html_login_counts_per_client_too(client, staff_user, password):
    for _ in range(5):
        client.post("/login/", {"username": staff_user.email, "password": "nope-nope-123"}, **via_proxy(MALLORY))
    assert (
        client.post("/login/", {"username": staff_user.email, "password": password}, **via_proxy(MALLORY)).status_code
        == 429
    )
    response = client.post("/login/", {"username": staff_user.email, "password": password}, **via_proxy(ALICE))
    assert response.status_code == 302


def test_login_attempts_name_the_client(api_client, staff_user, password):
    login(api_client, staff_user.email, "wrong-password-123", MALLORY)
    login(api_client, staff_user.email, password, ALICE)
    assert set(LoginAttempt.objects.values_list("ip", "success")) == {(MALLORY, False), (ALICE, True)}


def test_audit_events_name_the_client(admin_client):
    body = {
        "email": "p@example.com",
        "password": "Forklift-2026-blue",
        "role": "staff",
        "first_name": "P",
        "last_name": "Q",
    }
    assert admin_client.post(USERS, body, format="json", **via_proxy(ALICE)).status_code == 201
    assert AuditEvent.objects.get(action="user.created").ip == ALICE


def test_lockout_audit_event_names_the_client(api_client, staff_user):
    for _ in range(5):
        login(api_client, staff_user.email, "wrong-password-123", MALLORY)
    assert AuditEvent.objects.get(action="auth.locked_out").changes["ip"] == MALLORY


def test_the_auth_throttle_counts_per_client(api_client, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth": "2/min"})
    codes = [login(api_client, "x@example.com", "y", MALLORY).status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    assert login(api_client, "x@example.com", "y", ALICE).status_code == 401
