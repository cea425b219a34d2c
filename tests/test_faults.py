"""Fault tests: Redis unreachable, and the database connection dropped mid-request.

Each test uses its own dead Redis port or its own backend; the shared Redis is never stopped.
"""

import json
import threading
import urllib.error
import urllib.request
from decimal import Decimal

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection


@pytest.fixture
def own_redis(request, settings):
    """A private redis-server on a spare port for the cache and the queues; the test stops it when it wants.

    The shared Redis is never touched. Only for tests marked ``redis`` (skipped with a reason where Redis is
    absent, never an error).
    """
    from django.core.cache import caches

    from orders.tests.support import RedisServer, require_redis_marker

    require_redis_marker(request)
    server = RedisServer().start()
    settings.REDIS_URL = server.url
    settings.JOBS_IN_PROCESS = False
    settings.RQ_QUEUES = {name: {"URL": server.url, "DEFAULT_TIMEOUT": 60} for name in settings.RQ_QUEUE_NAMES}
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    caches._settings = None  # rebuilt from the overridden CACHES on next access
    try:
        yield server
    finally:
        server.stop()
        caches._settings = None


@pytest.fixture
def product(db, admin_user):
    from catalog.models import Category, Product
    from stock.services import record_movement

    category = Category.objects.create(name="Faults")
    item = Product.objects.create(
        sku="FLT-1", name="Fault item", category=category, unit_price=Decimal("2.50"), min_quantity=5
    )
    record_movement(product=item, change_type="IN", quantity=20, user=admin_user)
    return item


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # real commits, so on_commit hooks run as in production (robust)
def test_with_redis_stopped_stock_catalogue_and_reports_still_answer(own_redis, admin_client, product, client):
    import redis

    first = admin_client.get("/api/v1/reports/stock")
    assert first.json()["results"][0]["on_hand"] == 20
    assert redis.Redis.from_url(own_redis.url).dbsize() > 0  # the report was cached in our Redis
    own_redis.stop()

    # crosses min_quantity: the low-stock alert cannot be enqueued, which must not matter
    moved = admin_client.post(
        "/api/v1/stock/movements", {"product_id": product.pk, "change_type": "OUT", "quantity": 16}, format="json"
    )
    assert moved.status_code == 201, moved.json()
    assert moved.json()["stock"]["available"] == 4
    assert admin_client.get("/api/v1/products").status_code == 200
    assert admin_client.get(f"/api/v1/products/{product.pk}").json()["stock"]["on_hand"] == 4
    for _ in range(2):  # uncached both times, and right both times
        report = admin_client.get("/api/v1/reports/stock")
        assert report.status_code == 200
        assert report.json()["results"][0]["on_hand"] == 4
    created = admin_client.post(
        "/api/v1/categories", {"name": "Made while Redis was down"}, format="json", HTTP_IDEMPOTENCY_KEY="r-1"
    )
    assert created.status_code == 201
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "ok", "redis": "unreachable"}
    assert "redis" in ready.json()["detail"]


def _terminate_own_backend():
    """Kill this thread's PostgreSQL backend from a second connection, as a failover or restart would."""
    pid = connection.connection.info.backend_pid
    settings_dict = connection.settings_dict
    with psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
        autocommit=True,
    ) as admin_conn:
        admin_conn.execute("SELECT pg_terminate_backend(%s)", [pid])


def _request(url, method="GET", body=None, token=None):
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers.get("Content-Type"), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), json.loads(error.read() or b"null")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_connection_dropped_mid_request(live_server, admin_user, product, monkeypatch):
    """Mid-transaction (after the movement and level writes, before commit) the backend dies:
    a clean 503 problem+json, nothing half-written, and the next request succeeds."""
    from rest_framework_simplejwt.tokens import AccessToken

    import stock.services.ledger
    from stock.models import StockLevel, StockMovement

    token = str(AccessToken.for_user(admin_user))
    real_record_event = stock.services.ledger.record_event
    fired = threading.Event()

    def dying_record_event(**kwargs):
        if not fired.is_set():
            fired.set()
            _terminate_own_backend()
        return real_record_event(**kwargs)

    monkeypatch.setattr(stock.services.ledger, "record_event", dying_record_event)
    movements_before = StockMovement.objects.count()
    url = f"{live_server.url}/api/v1/stock/movements"
    # 20 on hand, min 5: an OUT of 16 crosses the reorder point and so writes a stock.low event in-transaction
    status, content_type, body = _request(
        url, "POST", {"product_id": product.pk, "change_type": "OUT", "quantity": 16}, token
    )
    assert fired.is_set()
    assert status == 503, body
    assert content_type == "application/problem+json" and body["code"] == "service_unavailable"

    assert StockMovement.objects.count() == movements_before
    level = StockLevel.objects.get(product=product)
    assert (level.total_in, level.total_out, level.reserved) == (20, 0, 0)

    status, _, body = _request(f"{live_server.url}/api/v1/products/{product.pk}", token=token)
    assert status == 200 and body["stock"]["on_hand"] == 20
    status, _, body = _request(url, "POST", {"product_id": product.pk, "change_type": "OUT", "quantity": 16}, token)
    assert status == 201 and body["stock"]["on_hand"] == 4
    call_command("reconcile_stock")
