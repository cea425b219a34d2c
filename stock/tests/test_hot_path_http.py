"""``POST stock/movements`` on the hot path (stock/hotpath.py, before Django's request cycle) answers exactly as
the full stack does, or leaves the request to it having written nothing.

Every API test's client goes through the hot path too (the root conftest's ``_HotPathHandler``), so the
concurrency, fault and error-table tests hold it to the same answers; here are the cases it must not take.
"""

import json
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts import user_cache
from accounts.tests.factories import UserFactory
from integrations.models import Event
from stock import services
from stock.models import StockMovement
from stock.tests.factories import stocked_product

pytestmark = pytest.mark.django_db
postgres = pytest.mark.postgres

MOVEMENTS = "/api/v1/stock/movements"
VOLATILE = ("id", "product_id", "created_at")


def environ(user=None, body=None, *, token=None, content_type="application/json", **extra):
    """A WSGI environ of a POST as a client sends it (the body as JSON unless already bytes)."""
    if token is None and user is not None:
        token = f"Bearer {AccessToken.for_user(user)}"
    if token:
        extra["HTTP_AUTHORIZATION"] = token
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return RequestFactory().generic("POST", MOVEMENTS, data, content_type=content_type, **extra).environ


def refresh(user):
    return RefreshToken.for_user(user)


def expired(user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    return token


def body_of(product, **fields):
    return {"product_id": product.pk, "change_type": "OUT", "quantity": 1, **fields}


def comparable(status, headers, body):
    data = json.loads(body)
    for name in VOLATILE:
        data.pop(name)
    data["stock"].pop("last_restocked_at")
    return status, {name: value for name, value in headers if name != "Content-Length"}, data


def full_stack(client, data, **extra):
    """Django's answer, the hot path turned off."""
    from django.conf import settings

    settings.HOT_PATH = False
    try:
        response = client.post(MOVEMENTS, data, format="json", **extra)
    finally:
        settings.HOT_PATH = True
    assert not getattr(response, "hot_path", False)
    return f"{response.status_code} {response.reason_phrase}", list(response.items()), response.content


@postgres
@pytest.mark.parametrize("secure", [False, True])
def test_a_plain_movement_is_answered_as_the_full_stack_answers_it(
    settings, client_for, staff_user, secure, hot_answer
):
    extra = {}
    if secure:
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = 3600, True
        settings.SECURE_HSTS_PRELOAD = True
        extra["HTTP_X_FORWARDED_PROTO"] = "https"
    hot_product, full_product = stocked_product(10, sku="HOT-A"), stocked_product(10, sku="HOT-B")
    fields = {"note": "box 4", "reference": "PO-1", "reason": "damage"}
    answer = hot_answer(environ(staff_user, body_of(hot_product, **fields), **extra))
    assert answer is not None
    reference = full_stack(client_for(staff_user), body_of(full_product, **fields), **extra)
    assert comparable(*answer) == comparable(*reference)
    assert dict(answer[1])["Content-Length"] == str(len(answer[2]))
    if secure:
        assert dict(answer[1])["Strict-Transport-Security"] == "max-age=3600; includeSubDomains; preload"
    movement = StockMovement.objects.get(pk=json.loads(answer[2])["id"])
    assert (movement.product_id, movement.change_type, movement.quantity, movement.user_id) == (
        hot_product.pk,
        "OUT",
        1,
        staff_user.pk,
    )


@postgres
def test_the_api_clients_of_the_tests_take_the_hot_path(client_for, staff_user):
    product = stocked_product(10)
    response = client_for(staff_user).post(MOVEMENTS, body_of(product), format="json")
    assert response.status_code == 201 and response.hot_path
    assert response.json()["stock"]["on_hand"] == 9


CASES = {
    "query string": lambda user, product: environ(user, body_of(product), QUERY_STRING="format=json"),
    "idempotency key": lambda user, product: environ(user, body_of(product), HTTP_IDEMPOTENCY_KEY="k-1"),
    "cors": lambda user, product: environ(user, body_of(product), HTTP_ORIGIN="https://shop.example.com"),
    "cookie": lambda user, product: environ(user, body_of(product), HTTP_COOKIE="sessionid=x"),
    "accept": lambda user, product: environ(user, body_of(product), HTTP_ACCEPT="text/html"),
    "form body": lambda user, product: environ(user, b"product_id=1", content_type="application/x-www-form-urlencoded"),
    "too large": lambda user, product: environ(user, body_of(product, note="x" * 5000)),
    "bad json": lambda user, product: environ(user, b'{"product_id": 1,'),
    "deep json": lambda user, product: environ(user, b"[" * 100_000 + b"]" * 100_000),
    "unknown field": lambda user, product: environ(user, body_of(product, colour="red")),
    "string quantity": lambda user, product: environ(user, body_of(product, quantity="1")),
    "supplier": lambda user, product: environ(user, body_of(product, change_type="IN", supplier_id=1)),
    "no token": lambda user, product: environ(None, body_of(product)),
    "bad token": lambda user, product: environ(None, body_of(product), token="Bearer not-a-jwt"),
    "api key": lambda user, product: environ(None, body_of(product), token="Bearer inv_abcdefgh_" + "x" * 40),
    "refresh token": lambda user, product: environ(None, body_of(product), token=f"Bearer {refresh(user)}"),
    "expired token": lambda user, product: environ(None, body_of(product), token=f"Bearer {expired(user)}"),
    "basic auth": lambda user, product: environ(None, body_of(product), token="Basic c3RhZmY6cGFzcw=="),
    "host": lambda user, product: environ(user, body_of(product), HTTP_HOST="evil.example.com"),
    "short": lambda user, product: environ(user, body_of(product, quantity=50)),
    "crossing": lambda user, product: environ(user, body_of(product, quantity=8)),
    "unknown product": lambda user, product: environ(user, {**body_of(product), "product_id": 10**9}),
}


@pytest.mark.parametrize("case", CASES)
def test_what_the_hot_path_does_not_take_is_left_whole_to_django(staff_user, case, hot_answer):
    product = stocked_product(10, min_quantity=3)
    request = CASES[case](staff_user, product)
    sent = request["wsgi.input"].read()
    request["wsgi.input"] = type(request["wsgi.input"])(sent)
    movements, events = StockMovement.objects.count(), Event.objects.count()
    assert hot_answer(request) is None
    assert (StockMovement.objects.count(), Event.objects.count()) == (movements, events)
    length = int(request.get("CONTENT_LENGTH") or 0)
    assert request["wsgi.input"].read(length) == sent[:length]  # Django reads the body as it came


@postgres
@pytest.mark.parametrize("change,status", [({"is_active": False}, 401), ({"role": ""}, 403)])
def test_a_deactivated_or_demoted_user_is_refused_on_the_very_next_request(client_for, staff_user, change, status):
    client = client_for(staff_user)
    product = stocked_product(10)
    assert client.post(MOVEMENTS, body_of(product), format="json").hot_path
    for name, value in change.items():
        setattr(staff_user, name, value)
    staff_user.save()
    movements = StockMovement.objects.count()
    response = client.post(MOVEMENTS, body_of(product), format="json")
    assert response.status_code == status and not getattr(response, "hot_path", False)
    assert StockMovement.objects.count() == movements


@postgres
def test_the_user_of_the_token_is_checked_by_the_statement_alone(
    monkeypatch, staff_user, hot_answer, django_assert_num_queries
):
    """No query and no cache read for the user: the guarded statement checks the row itself."""
    product = stocked_product(10)

    def no_cache(user_id):
        raise AssertionError("the user cache was read")

    monkeypatch.setattr(user_cache, "get", no_cache)
    request = environ(staff_user, body_of(product))
    with django_assert_num_queries(1):
        status, _, body = hot_answer(request)
    assert status == "201 Created" and json.loads(body)["user_id"] == staff_user.pk


@postgres
def test_an_api_client_principal_never_writes_with_a_jwt(client_for, hot_answer):
    principal = UserFactory(role="", email="client@example.com")  # Role.NONE
    product = stocked_product(10)
    assert hot_answer(environ(principal, body_of(product))) is None
    assert client_for(principal).post(MOVEMENTS, body_of(product), format="json").status_code == 403


@postgres
def test_https_is_required_when_django_redirects_to_it(settings, staff_user, hot_answer):
    settings.SECURE_SSL_REDIRECT = True
    product = stocked_product(10)
    assert hot_answer(environ(staff_user, body_of(product))) is None
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert hot_answer(environ(staff_user, body_of(product), HTTP_X_FORWARDED_PROTO="https")) is not None


@postgres
def test_a_database_error_in_the_statement_is_the_apis_503_never_a_second_attempt(monkeypatch, staff_user, hot_answer):
    product = stocked_product(10)
    calls = []

    def unavailable(**fields):
        calls.append(fields)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "record_guarded", unavailable)
    status, headers, body = hot_answer(environ(staff_user, body_of(product)))
    headers = dict(headers)
    assert status == "503 Service Unavailable" and len(calls) == 1
    assert headers["Content-Type"] == "application/problem+json" and headers["Retry-After"]
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Content-Length"] == str(len(body))
    assert json.loads(body)["code"] == "service_unavailable"


def test_off_postgresql_or_turned_off_django_answers_everything(settings, staff_user, hot_answer):
    product = stocked_product(10)
    settings.HOT_PATH = False
    assert hot_answer(environ(staff_user, body_of(product))) is None
    settings.HOT_PATH = True
    settings.STOCK_GUARDED_STATEMENT = False  # as on SQLite: no statement, no hot path
    assert hot_answer(environ(staff_user, body_of(product))) is None
