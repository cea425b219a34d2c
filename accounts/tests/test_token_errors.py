"""401 answers carry the contract's codes with plain-string details, and token responses are never cached."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me"
TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/token/refresh"


def expired(user) -> str:
    token = AccessToken.for_user(user)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1))
    return str(token)


def wrong_signature(user) -> str:
    header, payload, signature = str(AccessToken.for_user(user)).split(".")
    return f"{header}.{payload}.{signature[::-1]}"


def deleted_user(user) -> str:
    doomed = UserFactory()
    token = str(AccessToken.for_user(doomed))
    doomed.delete()
    return token


def inactive_user(user) -> str:
    sleeper = UserFactory(is_active=False)
    return str(AccessToken.for_user(sleeper))


BAD_TOKENS = {
    "garbage": lambda user: "Bearer nonsense",
    "three_parts": lambda user: "Bearer a.b.c",
    "two_values": lambda user: "Bearer one two",
    "bearer_only": lambda user: "Bearer",
    "expired": lambda user: f"Bearer {expired(user)}",
    "wrong_signature": lambda user: f"Bearer {wrong_signature(user)}",
    "refresh_as_access": lambda user: f"Bearer {RefreshToken.for_user(user)}",
    "user_deleted": lambda user: f"Bearer {deleted_user(user)}",
    "user_inactive": lambda user: f"Bearer {inactive_user(user)}",
}


def assert_plain_problem(response, code):
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    raw = json.dumps(body)
    assert "ErrorDetail" not in raw and "authentication_failed" not in raw and "token_not_valid" not in raw
    assert "{" not in body["detail"]


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
def test_bad_bearer_tokens_are_token_invalid_with_a_plain_detail(api_client, staff_user, kind):
    api_client.credentials(HTTP_AUTHORIZATION=BAD_TOKENS[kind](staff_user))
    assert_plain_problem(api_client.get(ME), "token_invalid")
    assert_plain_problem(api_client.get("/api/v1/products"), "token_invalid")


@pytest.mark.parametrize("header", [None, "Basic dXNlcjpwYXNz", "Token abc"])
def test_no_bearer_token_is_not_authenticated(api_client, header):
    if header:
        api_client.credentials(HTTP_AUTHORIZATION=header)
    assert_plain_problem(api_client.get(ME), "not_authenticated")


def test_a_good_token_still_works(staff_client):
    assert staff_client.get(ME).status_code == 200


def test_token_responses_are_never_stored(api_client, staff_user, password):
    issued = api_client.post(TOKEN, {"email": staff_user.email, "password": password}, format="json")
    assert issued.status_code == 200 and issued["Cache-Control"] == "no-store" and issued["Pragma"] == "no-cache"
    refreshed = api_client.post(REFRESH, {"refresh": issued.json()["refresh"]}, format="json")
    assert refreshed.status_code == 200 and refreshed["Cache-Control"] == "no-store"
    refused = api_client.post(TOKEN, {"email": staff_user.email, "password": "wrong-password-1"}, format="json")
    assert refused.status_code == 401 and refused["Cache-Control"] == "no-store"
    assert api_client.post(REFRESH, {"refresh": "x"}, format="json")["Cache-Control"] == "no-store"


def test_the_schema_documents_no_store_on_token_responses(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/v1/auth/token", "/api/v1/auth/token/refresh"):
        headers = schema["paths"][path]["post"]["responses"]["200"]["headers"]
        assert "no-store" in headers["Cache-Control"]["description"]
