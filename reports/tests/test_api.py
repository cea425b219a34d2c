"""The report endpoints against hand-computed figures."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from inventory_site.params import local_day_bounds
from reports.tests.factories import CategoryFactory, ProductFactory, backdated_movement
from stock.services import record_movement, reserve

pytestmark = pytest.mark.django_db

STOCK = "/api/v1/reports/stock"
LOW = "/api/v1/reports/low-stock"
MOVEMENTS = "/api/v1/reports/movements"
TOP = "/api/v1/reports/top-products"


def _move(product, change_type, quantity, user=None):
    return record_movement(product=product, change_type=change_type, quantity=quantity, user=user)


@pytest.fixture
def stocked(admin_user):
    """A: 10 in, 3 out, 2 reserved. B: no level row at all. C: inactive with 4 in."""
    tools = CategoryFactory(name="Tools")
    a = ProductFactory(sku="A-1", name="Hammer", category=tools, unit_price=Decimal("2.50"))
    b = ProductFactory(sku="B-1", name="Anvil", category=tools, unit_price=Decimal("99.99"))
    c = ProductFactory(sku="C-1", name="Chisel", unit_price=Decimal("1.10"))
    _move(a, "IN", 10, admin_user)
    _move(a, "OUT", 3, admin_user)
    reserve(lines=[(a.pk, 2)], reference="order:1")
    _move(c, "IN", 4, admin_user)
    c.is_active = False
    c.save()
    return a, b, c


def test_stock_report_rows(admin_client, stocked):
    a, b, c = stocked
    response = admin_client.get(STOCK)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and body["next"] is None and body["previous"] is None
    assert [row["sku"] for row in body["results"]] == ["B-1", "C-1", "A-1"]  # by name: Anvil, Chisel, Hammer
    rows = {row["sku"]: row for row in body["results"]}
    assert rows["A-1"] == {
        "product_id": a.pk,
        "sku": "A-1",
        "name": "Hammer",
        "category": "Tools",
        "is_active": True,
        "total_in": 10,
        "total_out": 3,
        "on_hand": 7,
        "reserved": 2,
        "available": 5,
        "unit_price": "2.50",
        "stock_value": "17.50",
    }
    assert rows["B-1"] | {} == {
        "product_id": b.pk,
        "sku": "B-1",
        "name": "Anvil",
        "category": "Tools",
        "is_active": True,
        "total_in": 0,
        "total_out": 0,
        "on_hand": 0,
        "reserved": 0,
        "available": 0,
        "unit_price": "99.99",
        "stock_value": "0.00",
    }
    assert rows["C-1"]["is_active"] is False and rows["C-1"]["stock_value"] == "4.40"


def test_stock_report_filters_and_sorting(admin_client, stocked):
    a, b, c = stocked
    assert [r["sku"] for r in admin_client.get(STOCK, {"search": "ham"}).json()["results"]] == ["A-1"]
    assert [r["sku"] for r in admin_client.get(STOCK, {"search": "c-1"}).json()["results"]] == ["C-1"]
    by_category = admin_client.get(STOCK, {"category_id": a.category_id}).json()["results"]
    assert {r["sku"] for r in by_category} == {"A-1", "B-1"}
    assert [r["sku"] for r in admin_client.get(STOCK, {"is_active": "false"}).json()["results"]] == ["C-1"]
    by_available = admin_client.get(STOCK, {"sort_by": "available", "sort_order": "desc"}).json()["results"]
    assert [r["available"] for r in by_available] == [5, 4, 0]
    by_value = admin_client.get(STOCK, {"sort_by": "stock_value"}).json()["results"]
    assert [r["stock_value"] for r in by_value] == ["0.00", "4.40", "17.50"]


def test_odd_search_text_is_no_error(admin_client, stocked):
    for text in ["%", "_", "'; --", "ü" * 254]:
        assert admin_client.get(STOCK, {"search": text}).status_code == 200
    # NUL (PostgreSQL refuses it) and absurd lengths are refused, never stripped: inventory_site.params.
    for text in ["\x00", "ü" * 255]:
        assert admin_client.get(STOCK, {"search": text}).json()["errors"]["search"]


def test_stock_report_pagination(admin_client):
    ProductFactory.create_batch(5)
    first = admin_client.get(STOCK, {"page_size": 2}).json()
    assert first["count"] == 5 and len(first["results"]) == 2
    assert "page=2" in first["next"] and first["previous"] is None
    third = admin_client.get(STOCK, {"page_size": 2, "page": 3}).json()
    assert len(third["results"]) == 1 and third["next"] is None and "page=2" in third["previous"]
    second = admin_client.get(STOCK, {"page_size": 2, "page": 2}).json()
    assert "page=" not in second["previous"]
    assert admin_client.get(STOCK, {"page": 4, "page_size": 2}).status_code == 404
    assert admin_client.get(STOCK, {"page_size": 500}).json()["count"] == 5


def test_low_stock_report(admin_client, admin_user):
    now = timezone.now()
    # Available 3 against a minimum of 5: shortfall 2, reorder in tens -> 10. 60 out in the last 30 days: 2 a day.
    low = ProductFactory(sku="LOW", name="Low", min_quantity=5, reorder_quantity=10, unit_price=Decimal("1.00"))
    backdated_movement(low, "IN", 100, now - timedelta(days=40))
    backdated_movement(low, "OUT", 37, now - timedelta(days=35))  # outside the 30-day window
    backdated_movement(low, "OUT", 40, now - timedelta(days=20))
    backdated_movement(low, "OUT", 20, now - timedelta(hours=1))
    # Exactly at its minimum, never moved out: listed, shortfall 0, no days of cover.
    at_min = ProductFactory(sku="ATMIN", name="At minimum", min_quantity=4, reorder_quantity=0)
    _move(at_min, "IN", 4, admin_user)
    # Shortfall 7 without a reorder quantity: suggested 7.
    ProductFactory(sku="NONE", name="Never stocked", min_quantity=7)
    # Above its minimum: not listed.
    fine = ProductFactory(sku="FINE", name="Fine", min_quantity=1)
    _move(fine, "IN", 5, admin_user)

    body = admin_client.get(LOW).json()
    assert body["count"] == 3
    assert [r["sku"] for r in body["results"]] == ["NONE", "LOW", "ATMIN"]  # largest shortfall first
    rows = {r["sku"]: r for r in body["results"]}
    assert rows["LOW"] == {
        "product_id": low.pk,
        "sku": "LOW",
        "name": "Low",
        "category": low.category.name,
        "is_active": True,
        "total_in": 100,
        "total_out": 97,
        "on_hand": 3,
        "reserved": 0,
        "available": 3,
        "unit_price": "1.00",
        "stock_value": "3.00",
        "min_quantity": 5,
        "shortfall": 2,
        "suggested_reorder": 10,
        "days_of_cover": 1.5,
    }
    assert rows["ATMIN"]["shortfall"] == 0 and rows["ATMIN"]["suggested_reorder"] == 0
    assert rows["ATMIN"]["days_of_cover"] is None
    assert rows["NONE"]["shortfall"] == 7 and rows["NONE"]["suggested_reorder"] == 7
    assert rows["NONE"]["days_of_cover"] is None


def test_low_stock_rounds_up_to_reorder_multiple(admin_client):
    ProductFactory(sku="R", min_quantity=21, reorder_quantity=10)
    row = admin_client.get(LOW).json()["results"][0]
    assert (row["shortfall"], row["suggested_reorder"]) == (21, 30)


def _local(tz: str, *args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


@pytest.mark.parametrize("tz", ["Asia/Tokyo", "Pacific/Kiritimati", "America/New_York", "UTC"])
def test_movements_by_day_uses_local_calendar_days(admin_client, tz):
    product = ProductFactory()
    # 23:30 local on the 10th: in a zone ahead of UTC that is the 10th in UTC too but early; behind, the 11th in UTC.
    backdated_movement(product, "IN", 7, _local(tz, 2026, 3, 10, 23, 30))
    # 00:30 local on the 11th: ahead of UTC that is still the 10th in UTC.
    backdated_movement(product, "OUT", 2, _local(tz, 2026, 3, 11, 0, 30))
    # Just outside the range at both ends.
    backdated_movement(product, "IN", 100, _local(tz, 2026, 3, 8, 23, 59))
    backdated_movement(product, "IN", 100, _local(tz, 2026, 3, 12, 0, 0))
    with override_settings(TIME_ZONE=tz), timezone.override(tz):
        body = admin_client.get(MOVEMENTS, {"start_date": "2026-03-09", "end_date": "2026-03-11"}).json()
    assert body["count"] == 3
    assert body["results"] == [
        {"day": "2026-03-09", "total_in": 0, "total_out": 0},
        {"day": "2026-03-10", "total_in": 7, "total_out": 0},
        {"day": "2026-03-11", "total_in": 0, "total_out": 2},
    ]


def test_movements_default_range_is_30_days_ending_today(admin_client, admin_user):
    product = ProductFactory()
    today = timezone.localdate()
    first_day_start, _ = local_day_bounds(today - timedelta(days=29))
    _move(product, "IN", 5, admin_user)
    backdated_movement(product, "IN", 9, first_day_start)
    backdated_movement(product, "IN", 1000, first_day_start - timedelta(minutes=1))
    body = admin_client.get(MOVEMENTS, {"page_size": 100}).json()
    assert body["count"] == 30
    assert body["results"][0] == {"day": (today - timedelta(days=29)).isoformat(), "total_in": 9, "total_out": 0}
    assert body["results"][-1] == {"day": today.isoformat(), "total_in": 5, "total_out": 0}
    assert sum(row["total_in"] for row in body["results"]) == 14


def test_movements_by_product_keeps_same_names_apart(admin_client, admin_user):
    first = ProductFactory(sku="W-1", name="Widget")
    second = ProductFactory(sku="W-2", name="Widget")
    _move(first, "IN", 5, admin_user)
    _move(first, "OUT", 1, admin_user)
    _move(second, "IN", 8, admin_user)
    ProductFactory(sku="IDLE", name="Idle")
    body = admin_client.get(MOVEMENTS, {"group_by": "product"}).json()
    assert body["count"] == 2
    assert body["results"] == [
        {"product_id": first.pk, "sku": "W-1", "name": "Widget", "total_in": 5, "total_out": 1},
        {"product_id": second.pk, "sku": "W-2", "name": "Widget", "total_in": 8, "total_out": 0},
    ]


def test_top_products(admin_client, admin_user):
    tools, food = CategoryFactory(), CategoryFactory()
    same_a = ProductFactory(sku="S-A", name="Same", category=tools)
    same_b = ProductFactory(sku="S-B", name="Same", category=food)
    other = ProductFactory(sku="O", name="Other", category=tools)
    for product, quantity_in, quantity_out in [(same_a, 50, 10), (same_b, 40, 30), (other, 60, 20)]:
        _move(product, "IN", quantity_in, admin_user)
        _move(product, "OUT", quantity_out, admin_user)
    backdated_movement(same_a, "IN", 500, timezone.now() - timedelta(days=41))  # outside the default range
    backdated_movement(same_a, "OUT", 500, timezone.now() - timedelta(days=40))

    consumption = admin_client.get(TOP).json()
    assert consumption["results"] == [
        {"product_id": same_b.pk, "sku": "S-B", "name": "Same", "quantity": 30},
        {"product_id": other.pk, "sku": "O", "name": "Other", "quantity": 20},
        {"product_id": same_a.pk, "sku": "S-A", "name": "Same", "quantity": 10},
    ]
    inbound = admin_client.get(TOP, {"direction": "in", "limit": 2}).json()
    assert inbound["count"] == 2
    assert [(r["sku"], r["quantity"]) for r in inbound["results"]] == [("O", 60), ("S-A", 50)]
    in_tools = admin_client.get(TOP, {"direction": "out", "category_id": tools.pk}).json()["results"]
    assert [r["sku"] for r in in_tools] == ["O", "S-A"]
    long_range = {"direction": "out", "start_date": (timezone.localdate() - timedelta(days=60)).isoformat()}
    assert admin_client.get(TOP, long_range).json()["results"][0] == {
        "product_id": same_a.pk,
        "sku": "S-A",
        "name": "Same",
        "quantity": 510,
    }


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (MOVEMENTS, {"start_date": "2026-13-01"}, "start_date"),
        (MOVEMENTS, {"end_date": "yesterday"}, "end_date"),
        (MOVEMENTS, {"start_date": "2026-03-10", "end_date": "2026-03-09"}, "end_date"),
        (MOVEMENTS, {"group_by": "week"}, "group_by"),
        (MOVEMENTS, {"sort_by": "quantity"}, "sort_by"),
        (MOVEMENTS, {"start_date": "1000-01-01", "end_date": "2026-01-01"}, "start_date"),
        (MOVEMENTS, {"end_date": "9999-12-31"}, "end_date"),
        (MOVEMENTS, {"end_date": "0001-01-05"}, "end_date"),
        (MOVEMENTS, {"end_date": "0002-01-05"}, "start_date"),
        (TOP, {"direction": "sideways"}, "direction"),
        (TOP, {"limit": "0"}, "limit"),
        (TOP, {"limit": "101"}, "limit"),
        (TOP, {"limit": "ten"}, "limit"),
        (TOP, {"start_date": "2026-02-30"}, "start_date"),
        (TOP, {"start_date": "2026-03-10", "end_date": "2026-03-01"}, "end_date"),
        (TOP, {"sort_by": "name"}, "sort_by"),
        (STOCK, {"sort_by": "colour"}, "sort_by"),
        (STOCK, {"sort_order": "up"}, "sort_order"),
        (STOCK, {"category_id": "tools"}, "category_id"),
        (STOCK, {"is_active": "maybe"}, "is_active"),
        (STOCK, {"page_size": "0"}, "page_size"),
        (STOCK, {"page": "first"}, "page"),
        (LOW, {"sort_by": "colour"}, "sort_by"),
        (LOW, {"category_id": "-1"}, "category_id"),
    ],
)
def test_bad_input_is_a_400(admin_client, path, params, field):
    response = admin_client.get(path, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"]


@pytest.mark.parametrize("limit", ["1", "100"])
def test_limit_bounds_are_inclusive(admin_client, limit):
    assert admin_client.get(TOP, {"limit": limit}).status_code == 200


@pytest.mark.parametrize("path", [STOCK, LOW, MOVEMENTS, TOP, STOCK + "/", TOP + "?format=csv"])
def test_roles(api_client, staff_client, admin_client, path):
    assert api_client.get(path).status_code == 401
    response = staff_client.get(path)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert admin_client.get(path).status_code == 200


def test_query_counts(admin_client, admin_user, django_assert_max_num_queries):
    for _ in range(30):
        product = ProductFactory(min_quantity=50)
        _move(product, "IN", 10, admin_user)
        _move(product, "OUT", 1, admin_user)
    # user, version watermark, count, page (+ the low-stock subquery is in the page query)
    for path, params in [
        (STOCK, {"page_size": 100}),
        (LOW, {"page_size": 100}),
        (MOVEMENTS, {}),
        (MOVEMENTS, {"group_by": "product"}),
        (TOP, {"limit": 100}),
    ]:
        with django_assert_max_num_queries(4):
            assert admin_client.get(path, params).status_code == 200
        with django_assert_max_num_queries(2):  # cached: user and watermark
            assert admin_client.get(path, params).status_code == 200
