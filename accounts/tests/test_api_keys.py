"""API clients and their keys: the format, the stored digest, revoke, expiry, rotation, scopes, no lockout, audit."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import clients, keys
from accounts.models import ApiClient, ApiKey, User
from audit.models import AuditEvent, LoginAttempt

pytestmark = pytest.mark.django_db

CLIENTS = "/api/v1/api-clients"


def make_client(admin_user, scopes=("catalog:read",), **fields):
    return clients.create_client(actor=admin_user, name="Shop", scopes=list(scopes), **fields)


def key_client(secret: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api


def new_key(admin_user, client, **fields) -> str:
    return clients.create_key(actor=admin_user, client=client, **fields)[1]


def test_admin_creates_a_client_and_a_key_shown_once(admin_client):
    created = admin_client.post(CLIENTS, {"name": "Web shop", "scopes": ["catalog:read", "stock:read"]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert set(body) == {"id", "name", "user_id", "scopes", "location_ids", "is_active", "created_at"}
    assert body["scopes"] == ["catalog:read", "stock:read"] and body["location_ids"] == [] and body["is_active"]
    issued = admin_client.post(f"{CLIENTS}/{body['id']}/keys", {"name": "prod"}, format="json")
    assert issued.status_code == 201
    key = issued.json()
    assert set(key) == {"id", "name", "prefix", "key", "created_at", "expires_at"}
    prefix, secret = keys.split(key["key"])
    assert key["key"].startswith(f"inv_{key['prefix']}_") and prefix == key["prefix"]
    assert len(secret) >= 43  # 32 random bytes
    listed = admin_client.get(f"{CLIENTS}/{body['id']}/keys").json()["results"]
    assert set(listed[0]) == {"id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"}
    assert "key" not in listed[0]  # never shown again


def test_the_database_never_holds_the_secret(admin_user):
    secret = new_key(admin_user, make_client(admin_user))
    _, raw = keys.split(secret)
    row = ApiKey.objects.get()
    assert raw not in {row.digest, row.prefix, row.name} and len(row.digest) == 64
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apikey")
        assert all(raw not in str(value) for value in cursor.fetchone())
    assert keys.matches(raw, row.digest, row.pepper_version)


def test_a_key_acts_as_its_client(admin_user):
    client = make_client(admin_user)
    api = key_client(new_key(admin_user, client))
    assert api.get("/api/v1/products").status_code == 200
    me = api.get("/api/v1/auth/me").json()
    assert me == {"client": {"id": client.pk, "name": "Shop", "scopes": ["catalog:read"], "location_ids": []}}


@pytest.mark.parametrize(
    "break_key",
    [
        lambda key: ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now()),
        lambda key: ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1)),
        lambda key: ApiClient.objects.filter(pk=key.client_id).update(is_active=False),
        lambda key: User.objects.filter(api_client=key.client_id).update(is_active=False),
    ],
    ids=["revoked", "expired", "client inactive", "principal inactive"],
)
def test_an_unusable_key_is_401_token_invalid(admin_user, break_key):
    client = make_client(admin_user)
    key, secret = clients.create_key(actor=admin_user, client=client)
    api = key_client(secret)
    assert api.get("/api/v1/products").status_code == 200
    break_key(key)
    response = api.get("/api/v1/products")
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("token", ["inv_", "inv_abc", "inv_abc_", "inv_000000000000_nope", "inv__secret"])
def test_malformed_or_unknown_keys_are_401_and_never_count_toward_the_lockout(db, token, settings):
    settings.AXES_FAILURE_LIMIT = 1
    for _ in range(3):
        response = key_client(token).get("/api/v1/products")
        assert response.status_code == 401 and response.json()["code"] == "token_invalid"
    assert not LoginAttempt.objects.exists()


def test_a_wrong_secret_with_a_real_prefix_is_401(admin_user):
    secret = new_key(admin_user, make_client(admin_user))
    prefix, raw = keys.split(secret)
    tampered = f"inv_{prefix}_{raw[:-1]}{'A' if raw[-1] != 'A' else 'B'}"
    assert key_client(tampered).get("/api/v1/products").status_code == 401


def test_revoke_is_immediate(admin_client, admin_user):
    key, secret = clients.create_key(actor=admin_user, client=make_client(admin_user))
    api = key_client(secret)
    assert api.get("/api/v1/products").status_code == 200
    assert admin_client.post(f"/api/v1/api-keys/{key.pk}/revoke").status_code == 200
    assert api.get("/api/v1/products").status_code == 401


def test_rotate_gives_a_new_key_and_the_old_works_until_the_grace_ends(admin_client, admin_user):
    key, old_secret = clients.create_key(actor=admin_user, client=make_client(admin_user))
    rotated = admin_client.post(f"/api/v1/api-keys/{key.pk}/rotate", {"grace_hours": 2}, format="json")
    assert rotated.status_code == 201
    new_secret = rotated.json()["key"]
    assert new_secret != old_secret
    assert key_client(old_secret).get("/api/v1/products").status_code == 200  # within the grace
    assert key_client(new_secret).get("/api/v1/products").status_code == 200
    key.refresh_from_db()
    assert timezone.now() + timedelta(hours=1) < key.expires_at <= timezone.now() + timedelta(hours=2)
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))  # the grace ended
    assert key_client(old_secret).get("/api/v1/products").status_code == 401
    assert key_client(new_secret).get("/api/v1/products").status_code == 200


def test_rotate_defaults_to_24_hours_and_refuses_a_bad_grace(admin_client, admin_user):
    key, _ = clients.create_key(actor=admin_user, client=make_client(admin_user))
    assert admin_client.post(f"/api/v1/api-keys/{key.pk}/rotate", {"grace_hours": -1}, format="json").status_code == 400
    assert admin_client.post(f"/api/v1/api-keys/{key.pk}/rotate", {}, format="json").status_code == 201
    key.refresh_from_db()
    assert abs(key.expires_at - (timezone.now() + timedelta(hours=24))) < timedelta(minutes=1)


def test_a_key_outside_its_scopes_is_403_insufficient_scope(admin_user):
    api = key_client(new_key(admin_user, make_client(admin_user, scopes=["stock:read"])))
    assert api.get("/api/v1/stock/levels").status_code == 200
    response = api.get("/api/v1/products")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


def test_no_scope_manages_clients_or_keys(admin_user):
    every = ["catalog:read", "catalog:write", "stock:read", "stock:write", "orders:read", "orders:write",
             "reports:read", "events:read", "webhooks:manage"]  # fmt: skip
    client = make_client(admin_user, scopes=every)
    api = key_client(new_key(admin_user, client))
    for method, url in [("get", CLIENTS), ("post", CLIENTS), ("get", f"{CLIENTS}/{client.pk}/keys"),
                        ("post", f"{CLIENTS}/{client.pk}/keys"), ("get", "/api/v1/users")]:  # fmt: skip
        response = getattr(api, method)(url, {}, format="json")
        assert response.status_code == 403 and response.json()["code"] == "insufficient_scope", (method, url)


def test_staff_cannot_manage_clients(staff_client):
    assert staff_client.get(CLIENTS).status_code == 403
    assert staff_client.post(CLIENTS, {"name": "x"}, format="json").status_code == 403


def test_audit_events_made_with_a_key_name_the_client_and_the_key(admin_user):
    client = make_client(admin_user, scopes=["catalog:write"])
    key, secret = clients.create_key(actor=admin_user, client=client)
    created = key_client(secret).post("/api/v1/categories", {"name": "From the shop"}, format="json")
    assert created.status_code == 201
    event = AuditEvent.objects.get(action="category.created")
    assert (event.actor_id, event.client_id, event.key_id) == (client.user_id, client.pk, key.pk)


def test_the_principal_is_no_user(admin_client, admin_user):
    client = make_client(admin_user)
    emails = [user["email"] for user in admin_client.get("/api/v1/users").json()["results"]]
    assert client.user.email not in emails
    assert admin_client.get(f"/api/v1/users/{client.user_id}").status_code == 404
    assert not client.user.has_usable_password() and client.user.role == ""
    response = APIClient().post("/api/v1/auth/token", {"email": client.user.email, "password": "x"}, format="json")
    assert response.status_code == 401


def test_last_used_at_is_written_at_most_every_few_minutes(admin_user):
    key, secret = clients.create_key(actor=admin_user, client=make_client(admin_user))
    api = key_client(secret)
    api.get("/api/v1/products")
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None
    api.get("/api/v1/products")
    key.refresh_from_db()
    assert key.last_used_at == first  # no write per request
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now() - timedelta(minutes=6))
    api.get("/api/v1/products")
    key.refresh_from_db()
    assert key.last_used_at > first


def test_a_key_made_under_an_older_pepper_still_verifies_after_rotation(admin_user, settings):
    settings.API_KEY_PEPPERS = {1: "first-pepper"}
    secret = new_key(admin_user, make_client(admin_user))
    settings.API_KEY_PEPPERS = {1: "first-pepper", 2: "second-pepper"}
    assert key_client(secret).get("/api/v1/products").status_code == 200
    assert ApiKey.objects.get().pepper_version == 1
    newer = new_key(admin_user, ApiClient.objects.get())
    assert ApiKey.objects.get(prefix=keys.split(newer)[0]).pepper_version == 2
    settings.API_KEY_PEPPERS = {2: "second-pepper"}  # the old pepper retired: its keys stop working
    assert key_client(secret).get("/api/v1/products").status_code == 401
    assert key_client(newer).get("/api/v1/products").status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": ""}, "name"),
        ({"name": "x", "scopes": ["stock:admin"]}, "scopes"),
        ({"name": "x", "location_ids": [999999]}, "location_ids"),
        ({"name": "x", "location_ids": ["1"]}, "location_ids"),
        ({"name": "x", "is_active": "yes"}, "is_active"),
    ],
)
def test_bad_client_input_is_400(admin_client, body, field):
    response = admin_client.post(CLIENTS, body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"], response.json()


def test_a_key_expiring_in_the_past_is_400(admin_client, admin_user):
    client = make_client(admin_user)
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    response = admin_client.post(f"{CLIENTS}/{client.pk}/keys", {"expires_at": past}, format="json")
    assert response.status_code == 400 and "expires_at" in response.json()["errors"]


def test_deleting_a_client_with_history_deactivates_it(admin_client, admin_user):
    client = make_client(admin_user, scopes=["catalog:write"])
    secret = new_key(admin_user, client)
    assert key_client(secret).post("/api/v1/categories", {"name": "History"}, format="json").status_code == 201
    assert admin_client.delete(f"{CLIENTS}/{client.pk}").status_code == 204
    client.refresh_from_db()
    assert not client.is_active and key_client(secret).get("/api/v1/products").status_code == 401
    fresh = make_client(admin_user)
    assert admin_client.delete(f"{CLIENTS}/{fresh.pk}").status_code == 204
    assert not ApiClient.objects.filter(pk=fresh.pk).exists()


def test_keys_of_another_client_are_404_for_unknown_ids(admin_client):
    assert admin_client.get(f"{CLIENTS}/999999/keys").status_code == 404
    assert admin_client.post("/api/v1/api-keys/999999/revoke").status_code == 404
