"""The JWT's user comes from a short-lived shared cache (accounts.user_cache), and every change of the user is
seen by the very next request: a deactivation, a role change, a password change, a queryset update; on
PostgreSQL + Redis through a real gunicorn with several workers."""

import http.client
import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from rest_framework_simplejwt import tokens as simplejwt_tokens
from rest_framework_simplejwt.tokens import AccessToken

from accounts import authentication, services
from accounts.models import User
from accounts.tests.factories import UserFactory
from tests.servers import gunicorn

pytestmark = pytest.mark.django_db

ME, USERS = "/api/v1/auth/me", "/api/v1/users"


@pytest.fixture
def cached(settings):
    settings.AUTH_USER_CACHE_SECONDS = 60


def test_a_signed_in_request_reads_no_user_row_once_cached(cached, staff_client, django_assert_num_queries):
    assert staff_client.get(ME).status_code == 200
    with django_assert_num_queries(0):
        assert staff_client.get(ME).json()["role"] == "staff"


def test_without_a_shared_cache_every_request_reads_the_row(settings, staff_client, django_assert_num_queries):
    settings.AUTH_USER_CACHE_SECONDS = 0  # the embedded default: each process's memory is its own
    staff_client.get(ME)
    with django_assert_num_queries(1):
        assert staff_client.get(ME).status_code == 200


def test_a_deactivated_user_is_refused_on_the_next_request(cached, staff_client, staff_user, admin_user):
    assert staff_client.get(ME).status_code == 200
    services.update_user(actor=admin_user, user=staff_user, is_active=False)
    response = staff_client.get(ME)
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


def test_a_role_change_applies_on_the_next_request(cached, admin_client, admin_user, staff_user):
    assert admin_client.get(USERS).status_code == 200
    other_admin = UserFactory(role="admin", email="boss@example.com")
    services.update_user(actor=other_admin, user=admin_user, role="staff")
    assert admin_client.get(USERS).status_code == 403
    assert admin_client.get(ME).json()["role"] == "staff"


def test_a_password_change_and_a_queryset_update_drop_the_entry(cached, staff_client, staff_user):
    staff_client.get(ME)
    staff_user.set_password("Another-secure-pass-2026")
    staff_user.save()
    assert cache.get(f"auth:user:{staff_user.pk}") is None
    staff_client.get(ME)
    User.objects.filter(pk=staff_user.pk).update(is_active=False)  # no save(), no signal
    assert staff_client.get(ME).status_code == 401


def test_a_rolled_back_change_leaves_no_stale_entry(cached, staff_client, staff_user):
    staff_client.get(ME)
    with pytest.raises(RuntimeError), transaction.atomic():
        User.objects.filter(pk=staff_user.pk).update(role="admin")
        raise RuntimeError
    assert staff_client.get(ME).json()["role"] == "staff"


def test_a_token_verified_before_is_still_refused_once_it_expires(staff_client, staff_user, monkeypatch):
    token = AccessToken.for_user(staff_user)
    staff_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert staff_client.get(ME).status_code == 200  # verified, and remembered by this process
    later = token.current_time + timedelta(days=1)
    monkeypatch.setattr(authentication, "aware_utcnow", lambda: later)
    monkeypatch.setattr(simplejwt_tokens, "aware_utcnow", lambda: later)
    response = staff_client.get(ME)
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


def test_a_tampered_token_is_refused_even_beside_a_verified_one(staff_client, staff_user):
    token = str(AccessToken.for_user(staff_user))
    staff_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert staff_client.get(ME).status_code == 200
    staff_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token[:-2]}{'AA' if token[-2:] != 'AA' else 'BB'}")
    assert staff_client.get(ME).status_code == 401


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_every_worker_refuses_a_deactivated_user_at_once(tmp_path, settings):
    """Three gunicorn workers on this test database and Redis, each having cached the user: after the
    deactivation (committed here), every one of 30 requests on fresh connections is a 401."""
    user = UserFactory(role="staff", email="cached@example.com")
    token = str(AccessToken.for_user(user))
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"

    def me(port):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)  # a new connection: any worker
        conn.request("GET", ME, headers={"Authorization": f"Bearer {token}", "Host": "127.0.0.1"})
        response = conn.getresponse()
        body = json.loads(response.read() or b"{}")
        conn.close()
        return response.status, body

    environment = {"DATABASE_URL": url, "REDIS_URL": settings.REDIS_URL, "WEB_CONCURRENCY": "3"}
    environment.update(DJANGO_ALLOWED_HOSTS="127.0.0.1", DJANGO_SECRET_KEY=settings.SECRET_KEY)  # signs the token
    with gunicorn(tmp_path, **environment) as (_server, port):
        before = [me(port) for _ in range(30)]  # every worker has read the row and cached it
        assert all(status == 200 for status, _ in before), before
        assert cache.get(f"auth:user:{user.pk}") is not None
        user.is_active = False
        user.save()
        answers = [me(port) for _ in range(30)]
    assert all(status == 401 for status, _ in answers), answers
