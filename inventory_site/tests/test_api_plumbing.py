import re

import pytest

from accounts.models import User
from inventory_site.models import IdempotencyRecord

USERS = "/api/v1/users"
NEW_USER = {
    "email": "idem@example.com",
    "password": "Forklift-2026-blue",
    "role": "staff",
    "first_name": "Idem",
    "last_name": "Potent",
}
pytestmark = pytest.mark.django_db


def assert_problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == status and body["code"] == code
    return body


def test_unknown_api_path_is_problem_404(admin_client):
    assert_problem(admin_client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_method_not_allowed(admin_client):
    assert_problem(admin_client.put("/api/v1/auth/me", {}, format="json"), 405, "method_not_allowed")


def test_not_acceptable(admin_client):
    assert_problem(admin_client.get("/api/v1/auth/me", HTTP_ACCEPT="application/xml"), 406, "not_acceptable")


def test_unsupported_media_type(admin_client):
    response = admin_client.post(USERS, "email=x", content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415, "unsupported_media_type")


def test_malformed_json_is_400(admin_client):
    response = admin_client.post(USERS, "{not json", content_type="application/json")
    assert_problem(response, 400, "invalid")


def test_validation_errors_carry_field_lists(admin_client):
    body = assert_problem(admin_client.post(USERS, {"role": "boss"}, format="json"), 400, "invalid")
    assert isinstance(body["errors"]["role"], list) and "email" in body["errors"]


def test_trailing_slash_is_routed_without_redirect(admin_client):
    assert admin_client.get("/api/v1/auth/me/").status_code == 200
    assert admin_client.get("/api/v1/users/").status_code == 200


@pytest.mark.parametrize("params", [{"page_size": "abc"}, {"page_size": "0"}, {"page": "zero"}, {"page": "-1"}])
def test_bad_pagination_is_400(admin_client, params):
    assert_problem(admin_client.get(USERS, params), 400, "invalid")


def test_page_size_is_capped_at_100(admin_client):
    assert admin_client.get(USERS, {"page_size": "1000"}).status_code == 200


def test_page_past_the_end_is_404(admin_client):
    assert_problem(admin_client.get(USERS, {"page": "50"}), 404, "not_found")


def test_bad_sort_order_is_400(admin_client):
    assert_problem(admin_client.get(USERS, {"sort_by": "email", "sort_order": "up"}), 400, "invalid")


class TestIdempotency:
    def test_replay_returns_the_stored_response_and_creates_nothing(self, admin_client):
        first = admin_client.post(USERS, NEW_USER, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        second = admin_client.post(USERS, NEW_USER, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert second["Idempotent-Replayed"] == "true"
        assert User.objects.filter(email="idem@example.com").count() == 1

    def test_same_key_other_body_is_409(self, admin_client):
        admin_client.post(USERS, NEW_USER, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        other = admin_client.post(USERS, {**NEW_USER, "first_name": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        assert_problem(other, 409, "idempotency_key_reused")

    def test_failures_are_not_stored(self, admin_client):
        bad = admin_client.post(USERS, {**NEW_USER, "password": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
        assert bad.status_code == 400
        assert not IdempotencyRecord.objects.exists()
        good = admin_client.post(USERS, NEW_USER, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
        assert good.status_code == 201

    def test_keys_are_per_user(self, admin_client, client_for, admin_user):
        from accounts.tests.factories import UserFactory

        other_admin = client_for(UserFactory(role="admin"))
        assert admin_client.post(USERS, NEW_USER, format="json", HTTP_IDEMPOTENCY_KEY="k-4").status_code == 201
        second = other_admin.post(
            USERS, {**NEW_USER, "email": "b@example.com"}, format="json", HTTP_IDEMPOTENCY_KEY="k-4"
        )
        assert second.status_code == 201

    def test_expired_record_is_not_replayed(self, admin_client):
        from datetime import timedelta

        from django.utils import timezone

        admin_client.post(USERS, NEW_USER, format="json", HTTP_IDEMPOTENCY_KEY="k-5")
        IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
        again = admin_client.post(USERS, NEW_USER, format="json", HTTP_IDEMPOTENCY_KEY="k-5")
        assert_problem(again, 409, "duplicate_email")  # the request ran again instead of replaying


class TestCors:
    def test_allowed_origin_preflight(self, client, settings):
        settings.CORS_ALLOWED_ORIGINS = ["https://shop.example"]
        response = client.options(
            "/api/v1/products",
            HTTP_ORIGIN="https://shop.example",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
        )
        assert response["Access-Control-Allow-Origin"] == "https://shop.example"
        assert "idempotency-key" in response["Access-Control-Allow-Headers"]
        assert "Access-Control-Allow-Credentials" not in response

    def test_other_origin_is_denied(self, client, settings):
        settings.CORS_ALLOWED_ORIGINS = ["https://shop.example"]
        response = client.options(
            "/api/v1/products", HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
        )
        assert "Access-Control-Allow-Origin" not in response


class TestServicePages:
    def test_healthz(self, client):
        assert client.get("/healthz").json() == {"status": "ok"}

    def test_readyz_ok(self, client):
        response = client.get("/readyz")
        assert response.status_code == 200 and response.json()["checks"]["database"] == "ok"

    def test_readyz_names_redis_when_unreachable(self, client, redis_unreachable):
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["redis"] == "unreachable" and "redis" in response.json()["detail"]

    def test_schema_is_openapi_3(self, client):
        response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert response.status_code == 200
        schema = response.json()
        assert schema["openapi"].startswith("3.")
        assert "/api/v1/auth/token" in schema["paths"]

    @pytest.mark.parametrize("path", ["/docs", "/redoc"])
    def test_docs_load_no_outside_assets(self, client, path):
        response = client.get(path)
        assert response.status_code == 200
        html = response.content.decode()
        outside = re.findall(r"""(?:src|href)=["'](https?:)?//""", html)
        assert not outside, f"{path} loads outside assets"
        assert "googleapis" not in html and "cdn." not in html
