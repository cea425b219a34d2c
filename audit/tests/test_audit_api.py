import pytest

from audit.models import AuditEvent, LoginAttempt
from audit.services import record_event

EVENTS = "/api/v1/audit/events"
ATTEMPTS = "/api/v1/audit/login-attempts"
pytestmark = pytest.mark.django_db


def test_events_shape_and_filters(admin_client, admin_user):
    record_event(action="product.created", actor=admin_user, object_type="product", object_id=7, changes={"a": 1})
    record_event(action="category.deleted", object_type="category", object_id=3)
    body = admin_client.get(EVENTS, {"action": "product.created"}).json()
    assert body["count"] == 1
    event = body["results"][0]
    assert set(event) == {
        *("id", "at", "actor_id", "action", "object_type", "object_id", "changes", "ip", "user_agent"),
        *("client_id", "key_id"),
    }
    assert event["actor_id"] == admin_user.pk and event["object_id"] == "7" and event["changes"] == {"a": 1}
    assert admin_client.get(EVENTS, {"object_type": "category"}).json()["count"] == 1
    assert admin_client.get(EVENTS, {"actor_id": admin_user.pk}).json()["count"] == 1
    assert admin_client.get(EVENTS, {"start_date": "2000-01-01", "end_date": "2000-01-02"}).json()["count"] == 0


@pytest.mark.parametrize(
    "params", [{"start_date": "yesterday"}, {"start_date": "2026-02-10", "end_date": "2026-02-01"}]
)
def test_bad_dates_are_400(admin_client, params):
    response = admin_client.get(EVENTS, params)
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_events_written_with_request_ip_and_agent(admin_client):
    admin_client.post(
        "/api/v1/users",
        {
            "email": "x@example.com",
            "password": "Forklift-2026-blue",
            "role": "staff",
            "first_name": "X",
            "last_name": "Y",
        },
        format="json",
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="erp-sync/1.0",
    )
    event = AuditEvent.objects.get(action="user.created")
    assert event.ip == "10.1.2.3" and event.user_agent == "erp-sync/1.0"


def test_login_attempts_listed_and_filtered(admin_client, api_client, staff_user, password):
    api_client.post("/api/v1/auth/token", {"email": "staff@example.com", "password": password}, format="json")
    api_client.post("/api/v1/auth/token", {"email": "staff@example.com", "password": "nope-nope-1"}, format="json")
    assert LoginAttempt.objects.count() == 2
    body = admin_client.get(ATTEMPTS, {"success": "false"}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert set(row) == {"id", "at", "email", "success", "ip", "user_agent", "reason"}
    assert row["reason"] == "wrong_password"
    assert admin_client.get(ATTEMPTS, {"email": "STAFF@example.com"}).json()["count"] == 2
    assert admin_client.get(ATTEMPTS, {"success": "maybe"}).status_code == 400


@pytest.mark.parametrize("path", [EVENTS, ATTEMPTS])
def test_audit_is_admin_only(staff_client, api_client, path):
    assert staff_client.get(path).status_code == 403
    assert api_client.get(path).status_code == 401
