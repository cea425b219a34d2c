"""The report cache is never stale: the stock version, the ledger watermark, and Redis outages."""

import logging
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from catalog.models import Product
from inventory_site.cache import bump_stock_version
from reports.tests.factories import ProductFactory, backdated_movement
from stock.services import record_movement, release, reserve

pytestmark = pytest.mark.django_db

STOCK = "/api/v1/reports/stock"
DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6399/0",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
        },
    }
}


def _on_hand(client, product) -> int:
    rows = client.get(STOCK, {"search": product.sku}).json()["results"]
    return rows[0]["on_hand"]


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG, logger="reports.cache")
    return caplog


def _hits(caplog) -> int:
    return sum("report cache hit" in record.getMessage() for record in caplog.records)


def _misses(caplog) -> int:
    return sum("report cache miss" in record.getMessage() for record in caplog.records)


def test_read_move_read_shows_the_new_figure_through_the_cache(
    admin_client, admin_user, debug_logs, django_capture_on_commit_callbacks
):
    product = ProductFactory()
    with django_capture_on_commit_callbacks(execute=True):
        record_movement(product=product, change_type="IN", quantity=5, user=admin_user)
    assert _on_hand(admin_client, product) == 5
    assert _on_hand(admin_client, product) == 5
    assert (_misses(debug_logs), _hits(debug_logs)) == (1, 1)  # the second read came from the cache

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record_movement(product=product, change_type="OUT", quantity=2, user=admin_user)
    assert callbacks  # the bump ran on commit
    assert _on_hand(admin_client, product) == 3
    assert _misses(debug_logs) == 2


def test_a_reservation_invalidates_through_the_version_alone(
    admin_client, admin_user, django_capture_on_commit_callbacks
):
    product = ProductFactory()
    record_movement(product=product, change_type="IN", quantity=5, user=admin_user)
    assert admin_client.get(STOCK).json()["results"][0]["available"] == 5
    # No movement is written, so only the version's INCR can invalidate.
    with django_capture_on_commit_callbacks(execute=True):
        reserve(lines=[(product.pk, 4)], reference="order:9")
    row = admin_client.get(STOCK).json()["results"][0]
    assert (row["reserved"], row["available"]) == (4, 1)
    with django_capture_on_commit_callbacks(execute=True):
        release(reference="order:9")
    assert admin_client.get(STOCK).json()["results"][0]["available"] == 5


def test_a_product_change_with_its_bump_shows(admin_client, admin_user):
    product = ProductFactory(name="Old name")
    assert admin_client.get(STOCK).json()["results"][0]["name"] == "Old name"
    Product.objects.filter(pk=product.pk).update(name="New name")
    bump_stock_version()  # what the catalogue's services do on commit
    assert admin_client.get(STOCK).json()["results"][0]["name"] == "New name"


def test_a_lost_bump_is_covered_by_the_ledger_watermark(admin_client, admin_user):
    """Redis blinked while a movement committed: its INCR was lost, the old entries survived."""
    product = ProductFactory()
    record_movement(product=product, change_type="IN", quantity=5, user=admin_user)
    paths = ["/api/v1/reports/movements?page_size=100", "/api/v1/reports/top-products?direction=in", STOCK]
    before = [admin_client.get(path).json()["results"] for path in paths]
    version = cache.get("stock:version")
    # Inside the test's transaction on_commit never runs: this movement bumps nothing.
    record_movement(product=product, change_type="IN", quantity=7, user=admin_user)
    assert cache.get("stock:version") == version
    after = [admin_client.get(path).json()["results"] for path in paths]
    assert before[0][-1]["total_in"] == 5 and after[0][-1]["total_in"] == 12
    assert before[1][0]["quantity"] == 5 and after[1][0]["quantity"] == 12
    assert before[2][0]["on_hand"] == 5 and after[2][0]["on_hand"] == 12


def test_the_time_zone_is_part_of_the_key(admin_client):
    product = ProductFactory()
    # 01:00 in Tokyo on the 2nd is 16:00 UTC on the 1st.
    backdated_movement(product, "IN", 3, datetime(2026, 3, 1, 16, 0, tzinfo=UTC))
    params = {"start_date": "2026-03-01", "end_date": "2026-03-02"}
    utc = admin_client.get("/api/v1/reports/movements", params).json()["results"]
    with override_settings(TIME_ZONE="Asia/Tokyo"):
        tokyo = admin_client.get("/api/v1/reports/movements", params).json()["results"]
    assert [row["total_in"] for row in utc] == [3, 0]
    assert [row["total_in"] for row in tokyo] == [0, 3]


@pytest.mark.parametrize(
    "path",
    [
        STOCK,
        "/api/v1/reports/low-stock",
        "/api/v1/reports/movements",
        "/api/v1/reports/movements?group_by=product",
        "/api/v1/reports/top-products",
        "/api/v1/reports/stock?format=csv",
    ],
)
def test_reports_answer_with_redis_down(admin_client, admin_user, path, django_capture_on_commit_callbacks):
    product = ProductFactory(min_quantity=10)
    with override_settings(CACHES=DEAD_REDIS):
        with django_capture_on_commit_callbacks(execute=True):  # the bump fails quietly too
            record_movement(product=product, change_type="IN", quantity=5, user=admin_user)
            record_movement(product=product, change_type="OUT", quantity=1, user=admin_user)
        response = admin_client.get(path)
        assert response.status_code == 200
        if path == STOCK:
            assert response.json()["results"][0]["on_hand"] == 4
            with django_capture_on_commit_callbacks(execute=True):
                record_movement(product=product, change_type="IN", quantity=1, user=admin_user)
            assert admin_client.get(path).json()["results"][0]["on_hand"] == 5


@pytest.mark.redis
def test_through_a_real_redis(admin_client, admin_user, debug_logs, django_capture_on_commit_callbacks):
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    from django_redis import get_redis_connection

    product = ProductFactory()
    with django_capture_on_commit_callbacks(execute=True):
        record_movement(product=product, change_type="IN", quantity=5, user=admin_user)
    version = cache.get("stock:version")
    assert _on_hand(admin_client, product) == 5
    assert _on_hand(admin_client, product) == 5
    assert _hits(debug_logs) == 1
    assert get_redis_connection("default").keys(f"*reports:stock:v{version}:*")
    with django_capture_on_commit_callbacks(execute=True):
        record_movement(product=product, change_type="OUT", quantity=5, user=admin_user)
    assert cache.get("stock:version") == version + 1
    assert _on_hand(admin_client, product) == 0
