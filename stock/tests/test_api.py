from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory, SupplierFactory
from stock.models import Reservation, StockLevel, StockMovement
from stock.services import reserve
from stock.tests.factories import issue, receive, stocked_product
from stock.tests.support import LEVEL_KEYS

pytestmark = pytest.mark.django_db

MOVEMENTS = "/api/v1/stock/movements"
COUNTS = "/api/v1/stock/counts"
LEVELS = "/api/v1/stock/levels"
# The contract's fields, written out (not imported from the code they check).
MOVEMENT_KEYS = set(
    "id product_id change_type quantity supplier_id reason note reference user_id created_at "
    "location_id document_id".split()
)


def post_movement(client, **body):
    return client.post(MOVEMENTS, body, format="json")


# --- movements ---------------------------------------------------------------------------------


def test_in_movement_answers_with_the_new_stock(staff_client, staff_user):
    product = ProductFactory()
    supplier = SupplierFactory()
    response = post_movement(
        staff_client,
        product_id=product.pk,
        change_type="IN",
        quantity=12,
        supplier_id=supplier.pk,
        note="Delivery 42",
        reference="PO-42",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == MOVEMENT_KEYS | {"stock", "location_stock"}
    assert body["reason"] == "purchase" and body["supplier_id"] == supplier.pk and body["user_id"] == staff_user.pk
    assert (body["note"], body["reference"], body["quantity"]) == ("Delivery 42", "PO-42", 12)
    assert body["stock"]["on_hand"] == 12 and body["stock"]["available"] == 12 and body["stock"]["reserved"] == 0
    assert body["stock"]["last_restocked_at"] == body["created_at"]


def test_out_movement_defaults_to_sale(staff_client):
    product = stocked_product(10)
    response = post_movement(staff_client, product_id=product.pk, change_type="OUT", quantity=4)
    assert response.status_code == 201
    assert response.json()["reason"] == "sale" and response.json()["stock"]["on_hand"] == 6
    level = StockLevel.objects.get(product=product)
    assert (level.total_in, level.total_out) == (10, 4)


def test_out_above_available_is_409_with_available(staff_client):
    product = stocked_product(10)
    reserve(lines=[(product.pk, 3)], reference="order:1")
    response = post_movement(staff_client, product_id=product.pk, change_type="OUT", quantity=8)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "insufficient_stock" and body["available"] == 7
    assert StockMovement.objects.filter(change_type="OUT").count() == 0


def test_out_of_exactly_available_succeeds(staff_client):
    product = stocked_product(5)
    response = post_movement(staff_client, product_id=product.pk, change_type="OUT", quantity=5)
    assert response.status_code == 201 and response.json()["stock"]["available"] == 0


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -3}, "quantity"),
        ({"quantity": 2.5}, "quantity"),
        ({"quantity": 2.0}, "quantity"),
        ({"quantity": "3"}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"quantity": "abc"}, "quantity"),
        ({"quantity": 2**31}, "quantity"),
        ({"quantity": "__missing__"}, "quantity"),
        ({"change_type": "MOVE"}, "change_type"),
        ({"change_type": "in"}, "change_type"),
        ({"change_type": "__missing__"}, "change_type"),
        ({"product_id": 999999}, "product_id"),
        ({"product_id": "1"}, "product_id"),
        ({"product_id": "__missing__"}, "product_id"),
        ({"supplier_id": 999999}, "supplier_id"),
        ({"change_type": "OUT", "supplier_id": "__supplier__"}, "supplier_id"),
        ({"reason": "theft"}, "reason"),
        ({"product_id": "__inactive__"}, "product_id"),
        ({"reference": "r" * 101}, "reference"),
    ],
)
def test_movement_errors(staff_client, overrides, field):
    product = stocked_product(10)
    inactive = stocked_product(10)
    Product.objects.filter(pk=inactive.pk).update(is_active=False)
    supplier = SupplierFactory()
    body = {"product_id": product.pk, "change_type": "IN", "quantity": 1}
    substitutes = {"__inactive__": inactive.pk, "__supplier__": supplier.pk}
    for key, value in overrides.items():
        if value == "__missing__":
            body.pop(key)
        else:
            body[key] = substitutes.get(value, value) if isinstance(value, str) else value
    before = StockMovement.objects.count()
    response = staff_client.post(MOVEMENTS, body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid" and field in response.json()["errors"]
    assert StockMovement.objects.count() == before


def test_inactive_supplier_is_400(staff_client):
    product = ProductFactory()
    supplier = SupplierFactory(is_active=False)
    response = post_movement(staff_client, product_id=product.pk, change_type="IN", quantity=1, supplier_id=supplier.pk)
    assert response.status_code == 400 and "supplier_id" in response.json()["errors"]


def test_non_json_body_is_415(staff_client):
    response = staff_client.post(MOVEMENTS, "product_id=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"


def test_malformed_json_is_400(staff_client):
    response = staff_client.post(MOVEMENTS, "{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_movements_cannot_be_changed(admin_client, method):
    product = stocked_product(5)
    movement = StockMovement.objects.get(product=product)
    response = getattr(admin_client, method)(f"{MOVEMENTS}/{movement.pk}", {"quantity": 1}, format="json")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
    assert StockMovement.objects.get(pk=movement.pk).quantity == 5


def test_movement_detail(staff_client):
    movement, _ = receive(ProductFactory(), 3)
    body = staff_client.get(f"{MOVEMENTS}/{movement.pk}").json()
    assert set(body) == MOVEMENT_KEYS and body["quantity"] == 3
    assert staff_client.get(f"{MOVEMENTS}/999999").status_code == 404


def test_low_stock_event_when_available_falls_to_min(staff_client):
    product = stocked_product(10, min_quantity=5)
    post_movement(staff_client, product_id=product.pk, change_type="OUT", quantity=4)
    assert not AuditEvent.objects.filter(action="stock.low").exists()
    post_movement(staff_client, product_id=product.pk, change_type="OUT", quantity=1)
    event = AuditEvent.objects.get(action="stock.low")
    assert event.changes == {"available": 5, "min_quantity": 5}


# --- history -----------------------------------------------------------------------------------


@pytest.fixture
def history(admin_user, staff_user):
    hammer, saw = ProductFactory(sku="HAM"), ProductFactory(sku="SAW")
    supplier = SupplierFactory()
    receive(hammer, 10, user=admin_user, supplier=supplier)
    receive(saw, 20, user=staff_user, reason="return")
    issue(hammer, 3, user=staff_user)
    issue(saw, 5, user=admin_user, reason="damage")
    old = list(StockMovement.objects.order_by("id"))
    return {"hammer": hammer, "saw": saw, "supplier": supplier, "movements": old}


def quantities(response):
    assert response.status_code == 200, response.json()
    return [row["quantity"] for row in response.json()["results"]]


def test_history_is_newest_first(staff_client, history):
    assert quantities(staff_client.get(MOVEMENTS)) == [5, 3, 20, 10]


def test_history_filters(staff_client, history, admin_user, staff_user):
    hammer, supplier = history["hammer"], history["supplier"]
    assert quantities(staff_client.get(f"{MOVEMENTS}?change_type=OUT")) == [5, 3]
    assert quantities(staff_client.get(f"{MOVEMENTS}?product_id={hammer.pk}")) == [3, 10]
    assert quantities(staff_client.get(f"{MOVEMENTS}?user_id={staff_user.pk}")) == [3, 20]
    assert quantities(staff_client.get(f"{MOVEMENTS}?supplier_id={supplier.pk}")) == [10]
    assert quantities(staff_client.get(f"{MOVEMENTS}?reason=damage")) == [5]
    assert quantities(staff_client.get(f"{MOVEMENTS}?sort_by=quantity")) == [3, 5, 10, 20]
    assert quantities(staff_client.get(f"{MOVEMENTS}?sort_by=quantity&sort_order=desc")) == [20, 10, 5, 3]
    assert quantities(staff_client.get(f"{MOVEMENTS}?sort_by=created_at&sort_order=asc")) == [10, 20, 3, 5]


def test_history_date_range_covers_whole_days(staff_client):
    product = stocked_product(100)
    now = timezone.now()
    issue(product, 7, at=now - timedelta(days=3))
    today = timezone.localdate().isoformat()
    three_days_ago = (timezone.localdate() - timedelta(days=3)).isoformat()
    assert quantities(staff_client.get(f"{MOVEMENTS}?start_date={today}&end_date={today}")) == [100]
    assert quantities(staff_client.get(f"{MOVEMENTS}?end_date={three_days_ago}")) == [7]
    assert quantities(staff_client.get(f"{MOVEMENTS}?start_date={three_days_ago}")) == [100, 7]


@pytest.mark.parametrize(
    "query",
    [
        "change_type=SIDEWAYS",
        "reason=gift",
        "product_id=abc",
        "sort_by=product",
        "start_date=yesterday",
        "start_date=2026-02-10&end_date=2026-02-01",
    ],
)
def test_history_bad_parameters_are_400(staff_client, query):
    assert staff_client.get(f"{MOVEMENTS}?{query}").status_code == 400


def test_history_query_count_is_constant(staff_client, django_assert_max_num_queries):
    for _ in range(3):
        product = stocked_product(50)
        for quantity in range(1, 10):
            issue(product, quantity)
    # auth user + count (+ the planner's row estimate on PostgreSQL, for an unfiltered ledger) + the page
    with django_assert_max_num_queries(4):
        response = staff_client.get(f"{MOVEMENTS}?page_size=100")
    assert response.json()["count"] == 30


# --- counts ------------------------------------------------------------------------------------


def test_count_writes_the_difference(staff_client):
    product = stocked_product(10)
    response = staff_client.post(COUNTS, {"product_id": product.pk, "counted_quantity": 7, "note": "Q1"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["product_id"], body["counted_quantity"], body["difference"]) == (product.pk, 7, -3)
    assert body["movement"]["change_type"] == "OUT" and body["movement"]["reason"] == "count"
    assert body["movement"]["quantity"] == 3 and body["movement"]["note"] == "Q1"
    assert body["stock"]["on_hand"] == 7


def test_count_above_on_hand_is_an_in(staff_client):
    product = stocked_product(10)
    body = staff_client.post(COUNTS, {"product_id": product.pk, "counted_quantity": 15}, format="json").json()
    assert body["difference"] == 5 and body["movement"]["change_type"] == "IN" and body["stock"]["on_hand"] == 15


def test_equal_count_writes_nothing(staff_client):
    product = stocked_product(10)
    response = staff_client.post(COUNTS, {"product_id": product.pk, "counted_quantity": 10}, format="json")
    assert response.status_code == 201
    assert response.json()["movement"] is None and response.json()["difference"] == 0
    assert StockMovement.objects.filter(product=product).count() == 1


def test_count_of_zero_for_a_product_never_moved(staff_client):
    product = ProductFactory()
    body = staff_client.post(COUNTS, {"product_id": product.pk, "counted_quantity": 0}, format="json").json()
    assert body["movement"] is None and body["stock"]["on_hand"] == 0


def test_count_below_reserved_is_409(staff_client):
    product = stocked_product(10)
    reserve(lines=[(product.pk, 6)], reference="order:9")
    response = staff_client.post(COUNTS, {"product_id": product.pk, "counted_quantity": 5}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "insufficient_stock"
    assert StockMovement.objects.filter(product=product).count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"counted_quantity": -1}, "counted_quantity"),
        ({"counted_quantity": 1.5}, "counted_quantity"),
        ({"counted_quantity": "4"}, "counted_quantity"),
        ({"counted_quantity": None}, "counted_quantity"),
        ({"counted_quantity": False}, "counted_quantity"),
        ({}, "counted_quantity"),
        ({"counted_quantity": 3, "product_id": 999999}, "product_id"),
    ],
)
def test_count_errors(staff_client, body, field):
    product = stocked_product(10)
    response = staff_client.post(COUNTS, {"product_id": product.pk, **body}, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]


def test_count_of_inactive_product_is_400(staff_client):
    product = stocked_product(10)
    Product.objects.filter(pk=product.pk).update(is_active=False)
    response = staff_client.post(COUNTS, {"product_id": product.pk, "counted_quantity": 3}, format="json")
    assert response.status_code == 400


# --- levels ------------------------------------------------------------------------------------


def test_levels(staff_client):
    tools = CategoryFactory()
    low = stocked_product(3, sku="A-LOW", category=tools, min_quantity=5)
    reserve(lines=[(low.pk, 1)], reference="order:1")
    stocked_product(50, sku="B-OK", min_quantity=5)
    ProductFactory(sku="C-NEW", min_quantity=0)
    body = staff_client.get(LEVELS).json()
    assert [row["sku"] for row in body["results"]] == ["A-LOW", "B-OK", "C-NEW"]
    first = body["results"][0]
    assert set(first) == LEVEL_KEYS
    assert (first["on_hand"], first["reserved"], first["available"]) == (3, 1, 2)
    assert [row["sku"] for row in staff_client.get(f"{LEVELS}?low_stock=true").json()["results"]] == ["A-LOW", "C-NEW"]
    assert [row["sku"] for row in staff_client.get(f"{LEVELS}?category_id={tools.pk}").json()["results"]] == ["A-LOW"]
    assert [row["sku"] for row in staff_client.get(f"{LEVELS}?product_id={low.pk}").json()["results"]] == ["A-LOW"]


# --- roles and idempotency ---------------------------------------------------------------------


def test_anonymous_gets_401_everywhere(api_client):
    for url in (MOVEMENTS, f"{MOVEMENTS}/1", COUNTS, LEVELS):
        assert api_client.get(url).status_code == 401
        assert api_client.post(url, {}, format="json").status_code in (401, 405)


def test_staff_and_admin_can_move_and_read(staff_client, admin_client):
    product = stocked_product(10)
    for client in (staff_client, admin_client):
        assert post_movement(client, product_id=product.pk, change_type="OUT", quantity=1).status_code == 201
        body = {"product_id": product.pk, "counted_quantity": 8}
        assert client.post(COUNTS, body, format="json").status_code == 201
        assert client.get(MOVEMENTS).status_code == 200 and client.get(LEVELS).status_code == 200


def test_idempotent_movement_replay(staff_client):
    product = stocked_product(10)
    body = {"product_id": product.pk, "change_type": "OUT", "quantity": 2}
    first = staff_client.post(MOVEMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="out-1")
    again = staff_client.post(MOVEMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="out-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert StockLevel.objects.get(product=product).total_out == 2
    assert StockMovement.objects.filter(change_type="OUT").count() == 1
    reused = staff_client.post(MOVEMENTS, {**body, "quantity": 3}, format="json", HTTP_IDEMPOTENCY_KEY="out-1")
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"


def test_idempotency_key_is_per_user(staff_client, admin_client):
    product = stocked_product(10)
    body = {"product_id": product.pk, "change_type": "OUT", "quantity": 2}
    assert staff_client.post(MOVEMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert admin_client.post(MOVEMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert StockLevel.objects.get(product=product).total_out == 4


def test_idempotent_count_replay(staff_client):
    product = stocked_product(10)
    body = {"product_id": product.pk, "counted_quantity": 4}
    first = staff_client.post(COUNTS, body, format="json", HTTP_IDEMPOTENCY_KEY="count-1")
    again = staff_client.post(COUNTS, body, format="json", HTTP_IDEMPOTENCY_KEY="count-1")
    assert first.json() == again.json() and again.status_code == 201
    assert StockMovement.objects.filter(reason="count").count() == 1


def test_rejected_movement_is_not_replayed(staff_client):
    product = stocked_product(1)
    body = {"product_id": product.pk, "change_type": "OUT", "quantity": 2}
    assert staff_client.post(MOVEMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="k2").status_code == 409
    receive(product, 5)
    assert staff_client.post(MOVEMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="k2").status_code == 201


def test_reservations_are_not_exposed_for_change(staff_client):
    product = stocked_product(10)
    reserve(lines=[(product.pk, 2)], reference="order:5")
    assert Reservation.objects.get().state == "active"
    assert staff_client.get(f"{LEVELS}?product_id={product.pk}").json()["results"][0]["reserved"] == 2


def test_created_movement_reads_back_identically(staff_client):
    product = stocked_product(10)
    created = post_movement(staff_client, product_id=product.pk, change_type="OUT", quantity=2, note="n").json()
    created.pop("stock"), created.pop("location_stock")
    assert staff_client.get(f"{MOVEMENTS}/{created['id']}").json() == created
    assert staff_client.get(MOVEMENTS).json()["results"][0] == created
