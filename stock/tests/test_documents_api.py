"""Stock documents through the API: every kind, all lines or none, short lines, transfers, reversal, lists."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from catalog.models import Category, Product
from catalog.tests.factories import ProductFactory, SupplierFactory
from stock import services
from stock.models import MAIN_LOCATION_ID, TRANSIT_LOCATION_ID, Document, DocumentLine, StockLevel, StockMovement
from stock.selectors import stock_drift
from stock.tests.factories import issue, receive
from stock.tests.support import assert_problem, location

pytestmark = pytest.mark.django_db

DOCUMENTS = "/api/v1/stock/documents"
# The contract's fields, written out (not imported from the code they check); ``via_transit`` and
# ``reverses_movement_id`` are additions of ours.
DOCUMENT_KEYS = set(
    "id number kind status reference note reason supplier_id location_id source_location_id "
    "destination_location_id lines created_by created_at reverses_id reversed_by_id".split()
) | {"via_transit", "reverses_movement_id"}
LINE_KEYS = {"product_id", "sku", "quantity", "counted_quantity", "difference", "movement_ids"}


def post(client, **body):
    return client.post(DOCUMENTS, body, format="json")


def lines(*pairs, field="quantity"):
    return [{"product_id": product.pk, field: quantity} for product, quantity in pairs]


def transfer(client, destination, *pairs, **fields):
    """POST a transfer of ``pairs`` (product, quantity) from MAIN to ``destination``."""
    return post(
        client,
        kind="transfer",
        source_location_id=MAIN_LOCATION_ID,
        destination_location_id=destination.pk,
        lines=lines(*pairs),
        **fields,
    )


def at(product, location_id=MAIN_LOCATION_ID) -> tuple[int, int]:
    """(on hand, reserved) of ``product`` at one location (zeros without a row)."""
    level = StockLevel.objects.filter(product=product, location_id=location_id).first()
    return (level.on_hand, level.reserved) if level else (0, 0)


def assert_nothing_written(documents=0, movements=0):
    assert Document.objects.count() == documents
    assert StockMovement.objects.count() == movements


@pytest.fixture
def wh():
    return location("WH2")


# --- each kind -------------------------------------------------------------------------------------------------


def test_receipt(staff_client, staff_user):
    a, b = ProductFactory(), ProductFactory()
    supplier = SupplierFactory()
    response = post(
        staff_client,
        kind="receipt",
        supplier_id=supplier.pk,
        reference="PO-7",
        note="Dock 2",
        lines=lines((a, 5), (b, 7)),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == DOCUMENT_KEYS
    assert body["number"] == f"DOC-{body['id']:06d}"
    assert (body["kind"], body["status"], body["reason"]) == ("receipt", "completed", "purchase")
    assert (body["reference"], body["note"], body["supplier_id"]) == ("PO-7", "Dock 2", supplier.pk)
    assert (body["location_id"], body["source_location_id"], body["destination_location_id"]) == (
        MAIN_LOCATION_ID,
        None,
        None,
    )
    assert (body["created_by"], body["reverses_id"], body["reversed_by_id"]) == (staff_user.pk, None, None)
    assert [set(line) for line in body["lines"]] == [LINE_KEYS, LINE_KEYS]
    first, second = body["lines"]
    assert (first["product_id"], first["sku"], first["quantity"]) == (a.pk, a.sku, 5)
    assert (first["counted_quantity"], first["difference"]) == (None, None)
    assert second["product_id"] == b.pk and second["quantity"] == 7
    movement = StockMovement.objects.get(pk=first["movement_ids"][0])
    assert (movement.change_type, movement.quantity, movement.reason, movement.supplier_id) == (
        "IN",
        5,
        "purchase",
        supplier.pk,
    )
    assert (movement.document_id, movement.location_id, movement.reference, movement.user_id) == (
        body["id"],
        MAIN_LOCATION_ID,
        "PO-7",
        staff_user.pk,
    )
    assert at(a) == (5, 0) and at(b) == (7, 0)
    assert StockLevel.objects.get(product=a).last_restocked_at is not None
    assert staff_client.get(f"{DOCUMENTS}/{body['id']}").json() == body


def test_receipt_at_a_location_with_another_reason(staff_client, wh):
    a = ProductFactory()
    body = post(staff_client, kind="receipt", location_id=wh.pk, reason="return", lines=lines((a, 2))).json()
    assert (body["location_id"], body["reason"]) == (wh.pk, "return")
    assert at(a, wh.pk) == (2, 0) and at(a) == (0, 0)
    assert StockMovement.objects.get().reason == "return"


def test_issue(staff_client, wh):
    a, b = ProductFactory(), ProductFactory()
    receive(a, 10, location=wh)
    receive(b, 4, location=wh)
    response = post(staff_client, kind="issue", location_id=wh.pk, lines=lines((a, 6), (b, 4)))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["status"], body["reason"], body["supplier_id"]) == ("issue", "completed", "sale", None)
    assert at(a, wh.pk) == (4, 0) and at(b, wh.pk) == (0, 0)
    out = StockMovement.objects.filter(document_id=body["id"])
    assert {(m.change_type, m.reason, m.location_id) for m in out} == {("OUT", "sale", wh.pk)}
    assert post(staff_client, kind="issue", reason="damage", lines=lines((a, 1))).status_code == 409  # none at MAIN


def test_direct_transfer(staff_client, wh):
    a, b = ProductFactory(), ProductFactory()
    receive(a, 10)
    receive(b, 3)
    response = transfer(staff_client, wh, (a, 4), (b, 3), reference="MOVE-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["status"], body["reason"], body["via_transit"]) == (
        "transfer",
        "completed",
        "transfer",
        False,
    )
    assert (body["location_id"], body["source_location_id"], body["destination_location_id"]) == (
        None,
        MAIN_LOCATION_ID,
        wh.pk,
    )
    assert at(a) == (6, 0) and at(a, wh.pk) == (4, 0) and at(b) == (0, 0) and at(b, wh.pk) == (3, 0)
    line = body["lines"][0]
    moved = {
        (m.change_type, m.location_id, m.reason) for m in StockMovement.objects.filter(pk__in=line["movement_ids"])
    }
    assert moved == {("OUT", MAIN_LOCATION_ID, "transfer"), ("IN", wh.pk, "transfer")}
    # A transfer's IN is not a restock.
    assert StockLevel.objects.get(product=a, location=wh).last_restocked_at is None
    level = StockLevel.objects.get(product=a, location=wh)
    assert (level.transfer_in, level.transfer_out) == (4, 0)
    assert staff_client.get(f"/api/v1/products/{a.pk}").json()["stock"]["on_hand"] == 10
    assert stock_drift() == []


def test_transfer_via_transit_then_received(staff_client, wh):
    a = ProductFactory()
    receive(a, 10)
    body = transfer(staff_client, wh, (a, 4), via_transit=True).json()
    assert (body["status"], body["via_transit"]) == ("in_transit", True)
    assert at(a) == (6, 0) and at(a, TRANSIT_LOCATION_ID) == (4, 0) and at(a, wh.pk) == (0, 0)
    stock = staff_client.get(f"/api/v1/products/{a.pk}").json()["stock"]
    assert (stock["on_hand"], stock["available"], stock["in_transit"]) == (10, 6, 4)
    assert stock_drift() == []
    received = staff_client.post(f"{DOCUMENTS}/{body['id']}/receive")
    assert received.status_code == 200, received.content
    assert received.json()["status"] == "completed" and received.json()["id"] == body["id"]
    assert at(a, TRANSIT_LOCATION_ID) == (0, 0) and at(a, wh.pk) == (4, 0)
    assert len(received.json()["lines"][0]["movement_ids"]) == 4
    assert StockLevel.objects.get(product=a, location=wh).last_restocked_at is None
    assert stock_drift() == []
    for action in ("receive", "cancel"):
        assert_problem(staff_client.post(f"{DOCUMENTS}/{body['id']}/{action}"), 409, "invalid_transition")
    assert at(a, wh.pk) == (4, 0)


def test_transfer_via_transit_then_cancelled(staff_client, wh):
    a = ProductFactory()
    receive(a, 10)
    body = transfer(staff_client, wh, (a, 4), via_transit=True).json()
    cancelled = staff_client.post(f"{DOCUMENTS}/{body['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert at(a) == (10, 0) and at(a, TRANSIT_LOCATION_ID) == (0, 0) and at(a, wh.pk) == (0, 0)
    assert stock_drift() == []
    for action in ("receive", "cancel"):
        assert_problem(staff_client.post(f"{DOCUMENTS}/{body['id']}/{action}"), 409, "invalid_transition")


def test_receive_or_cancel_of_anything_but_a_transfer_in_transit_is_409(staff_client, wh):
    a = ProductFactory()
    receive(a, 10)
    receipt = post(staff_client, kind="receipt", lines=lines((a, 1))).json()
    direct = transfer(staff_client, wh, (a, 1)).json()
    for document in (receipt, direct):
        for action in ("receive", "cancel"):
            body = assert_problem(
                staff_client.post(f"{DOCUMENTS}/{document['id']}/{action}"), 409, "invalid_transition"
            )
            assert body["status"] == 409
    assert_problem(staff_client.post(f"{DOCUMENTS}/99999/receive"), 404, "not_found")
    assert_problem(staff_client.post(f"{DOCUMENTS}/99999/cancel"), 404, "not_found")


def test_count(staff_client, wh):
    a, b, c = ProductFactory(), ProductFactory(), ProductFactory()
    receive(a, 10, location=wh)
    receive(b, 5, location=wh)
    response = post(
        staff_client, kind="count", location_id=wh.pk, lines=lines((a, 7), (b, 5), (c, 2), field="counted_quantity")
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["status"], body["reason"]) == ("count", "completed", "count")
    by_product = {line["product_id"]: line for line in body["lines"]}
    assert (by_product[a.pk]["counted_quantity"], by_product[a.pk]["difference"]) == (7, -3)
    assert (by_product[b.pk]["difference"], by_product[b.pk]["movement_ids"]) == (0, [])  # equal: no movement
    assert by_product[c.pk]["difference"] == 2
    assert by_product[a.pk]["quantity"] is None
    out = StockMovement.objects.get(pk=by_product[a.pk]["movement_ids"][0])
    assert (out.change_type, out.quantity, out.reason, out.location_id) == ("OUT", 3, "count", wh.pk)
    assert at(a, wh.pk) == (7, 0) and at(b, wh.pk) == (5, 0) and at(c, wh.pk) == (2, 0)


def test_a_count_compares_with_the_location_figures_and_refuses_below_reserved(staff_client, wh):
    a, b = ProductFactory(), ProductFactory()
    receive(a, 10)
    receive(a, 6, location=wh)
    receive(b, 6, location=wh)
    services.allocate(lines=[(a.pk, 4), (b.pk, 5)], reference="order:1", location_id=wh.pk)
    body = assert_problem(
        post(staff_client, kind="count", location_id=wh.pk, lines=lines((a, 3), (b, 5), field="counted_quantity")),
        409,
        "insufficient_stock",
    )
    assert body["lines"] == [{"index": 0, "product_id": a.pk, "requested": 3, "available": 2}]
    assert_nothing_written(movements=3)
    ok = post(staff_client, kind="count", location_id=wh.pk, lines=lines((a, 4), field="counted_quantity")).json()
    assert ok["lines"][0]["difference"] == -2  # against WH2's 6, not the product's 16
    assert at(a) == (10, 0) and at(a, wh.pk) == (4, 4)


# --- header errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, field",
    [
        ({"kind": "delivery"}, "kind"),
        ({"kind": None}, "kind"),
        ({"kind": "receipt", "reason": "transfer"}, "reason"),
        ({"kind": "receipt", "reason": "reversal"}, "reason"),
        ({"kind": "issue", "reason": "reversal"}, "reason"),
        ({"kind": "receipt", "reason": "gift"}, "reason"),
        ({"kind": "count", "reason": "adjustment"}, "reason"),
        ({"kind": "transfer", "reason": "sale"}, "reason"),
        ({"kind": "issue", "supplier_id": "SUPPLIER"}, "supplier_id"),
        ({"kind": "receipt", "supplier_id": 99999}, "supplier_id"),
        ({"kind": "receipt", "location_id": 99999}, "location_id"),
        ({"kind": "receipt", "location_id": "1"}, "location_id"),
        ({"kind": "receipt", "source_location_id": 1}, "source_location_id"),
        ({"kind": "issue", "destination_location_id": 1}, "destination_location_id"),
        ({"kind": "receipt", "via_transit": True}, "via_transit"),
        ({"kind": "transfer", "destination_location_id": "WH2"}, "source_location_id"),
        ({"kind": "transfer", "source_location_id": 1}, "destination_location_id"),
        ({"kind": "transfer", "source_location_id": 1, "destination_location_id": 1}, "destination_location_id"),
        ({"kind": "transfer", "source_location_id": 1, "destination_location_id": 99999}, "destination_location_id"),
        (
            {"kind": "transfer", "source_location_id": 1, "destination_location_id": "WH2", "location_id": 1},
            "location_id",
        ),
        (
            {"kind": "transfer", "source_location_id": 1, "destination_location_id": "WH2", "via_transit": "yes"},
            "via_transit",
        ),
        ({"kind": "transfer", "source_location_id": 2, "destination_location_id": "WH2"}, "source_location_id"),
        ({"kind": "transfer", "source_location_id": 1, "destination_location_id": 2}, "destination_location_id"),
        ({"kind": "receipt", "reference": "R" * 101}, "reference"),
        ({"kind": "receipt", "lines": "all"}, "lines"),
        ({"kind": "receipt", "lines": []}, "lines"),
        ({"kind": "receipt", "lines": None}, "lines"),
    ],
)
def test_bad_headers_are_400_and_write_nothing(staff_client, wh, header, field):
    a = ProductFactory()
    receive(a, 10)
    supplier = SupplierFactory()
    body = {"lines": lines((a, 1)), **header}
    for key, value in body.items():
        body[key] = {"WH2": wh.pk, "SUPPLIER": supplier.pk}.get(value, value) if isinstance(value, str) else value
    if header["kind"] == "count" and "lines" not in header:
        body["lines"] = lines((a, 1), field="counted_quantity")
    problem = assert_problem(post(staff_client, **body), 400, "invalid")
    assert field in problem["errors"], problem
    assert_nothing_written(movements=1)


def test_the_supplier_must_be_active(staff_client):
    supplier = SupplierFactory(is_active=False)
    problem = assert_problem(
        post(staff_client, kind="receipt", supplier_id=supplier.pk, lines=lines((ProductFactory(), 1))), 400, "invalid"
    )
    assert "supplier_id" in problem["errors"]


# --- lines: all or none ----------------------------------------------------------------------------------------


def test_bad_lines_are_named_by_index_and_nothing_is_written(staff_client):
    good, inactive = ProductFactory(), ProductFactory(is_active=False)
    raw = [
        {"product_id": good.pk, "quantity": 2},  # 0: fine
        {"product_id": 99999, "quantity": 1},  # 1: unknown product
        {"product_id": inactive.pk, "quantity": 1},  # 2: inactive
        {"product_id": good.pk, "quantity": 0},  # 3: bad quantity
        {"product_id": good.pk, "quantity": 2.0},  # 4: a fraction
        {"product_id": good.pk, "quantity": "3"},  # 5: a string
        {"product_id": good.pk, "quantity": True},  # 6: a boolean
        {"product_id": good.pk, "quantity": None},  # 7: null
        {"quantity": 1},  # 8: no product
        "SKU-1",  # 9: not an object
        {"product_id": "1", "quantity": 1},  # 10: a string id
        {"product_id": good.pk, "quantity": -1},  # 11: negative
        {"product_id": good.pk, "quantity": 2**31},  # 12: too large
        {"product_id": 2**63, "quantity": 1},  # 13: an id past any column
    ]
    problem = assert_problem(post(staff_client, kind="receipt", lines=raw), 400, "invalid")
    assert sorted(problem["errors"]["lines"], key=int) == [str(i) for i in range(1, 14)]
    assert all(isinstance(messages, list) and messages for messages in problem["errors"]["lines"].values())
    assert_nothing_written()
    assert not DocumentLine.objects.exists()


def test_one_product_at_most_once_per_document(staff_client):
    a, b = ProductFactory(), ProductFactory()
    problem = assert_problem(post(staff_client, kind="receipt", lines=lines((a, 1), (b, 1), (a, 2))), 400, "invalid")
    assert list(problem["errors"]["lines"]) == ["2"]
    assert_nothing_written()


def test_count_lines_take_counted_quantity_from_zero(staff_client):
    a, b = ProductFactory(), ProductFactory()
    problem = assert_problem(
        post(
            staff_client,
            kind="count",
            lines=[{"product_id": a.pk, "quantity": 1}, {"product_id": b.pk, "counted_quantity": -1}],
        ),
        400,
        "invalid",
    )
    assert sorted(problem["errors"]["lines"]) == ["0", "1"]
    ok = post(staff_client, kind="count", lines=lines((a, 0), field="counted_quantity"))
    assert ok.status_code == 201 and ok.json()["lines"][0]["difference"] == 0


def _products(count: int) -> list[Product]:
    category = Category.objects.create(name="Bulk")
    Product.objects.bulk_create(
        [Product(sku=f"BULK-{i:04d}", name=f"Bulk {i}", category=category, unit_price="1.00") for i in range(count)]
    )
    return list(Product.objects.filter(category=category).order_by("pk"))


def test_from_1_to_1000_lines(staff_client):
    products = _products(1001)
    too_many = [{"product_id": p.pk, "quantity": 1} for p in products]
    problem = assert_problem(post(staff_client, kind="receipt", lines=too_many), 400, "invalid")
    assert "lines" in problem["errors"]
    assert_nothing_written()
    with CaptureQueriesContext(connection) as queries:
        response = post(staff_client, kind="receipt", lines=too_many[:1000])
    assert response.status_code == 201, response.content
    assert len(response.json()["lines"]) == 1000
    assert StockMovement.objects.count() == 1000 and DocumentLine.objects.count() == 1000
    statements = [query["sql"] for query in queries.captured_queries]
    if connection.vendor == "postgresql":  # SQLite splits bulk statements by its variable limit
        # One lock statement, one INSERT of movements, one UPDATE of levels: not a statement per line.
        assert sum('FROM "stock_stocklevel"' in sql and "FOR UPDATE" in sql for sql in statements) == 1
        assert sum(sql.startswith('INSERT INTO "stock_stockmovement"') for sql in statements) == 1
        assert sum(sql.startswith('UPDATE "stock_stocklevel"') for sql in statements) == 1
    assert len(statements) < 100


def test_short_lines_make_one_409_naming_every_one(staff_client, wh):
    a, b, c = ProductFactory(), ProductFactory(), ProductFactory()
    receive(a, 5, location=wh)
    receive(b, 10, location=wh)
    receive(c, 3, location=wh)
    receive(c, 50)  # elsewhere: does not count at WH2
    services.allocate(lines=[(b.pk, 8)], reference="order:1", location_id=wh.pk)
    response = post(staff_client, kind="issue", location_id=wh.pk, lines=lines((a, 5), (b, 3), (c, 4)))
    body = assert_problem(response, 409, "insufficient_stock")
    assert body["lines"] == [
        {"index": 1, "product_id": b.pk, "requested": 3, "available": 2},
        {"index": 2, "product_id": c.pk, "requested": 4, "available": 3},
    ]
    assert_nothing_written(movements=4)
    assert at(a, wh.pk) == (5, 0)


def test_a_transfer_short_at_its_source_is_409(staff_client, wh):
    a, b = ProductFactory(), ProductFactory()
    receive(a, 2)
    receive(b, 2, location=wh)
    body = assert_problem(
        transfer(staff_client, wh, (a, 2), (b, 1), via_transit=True),
        409,
        "insufficient_stock",
    )
    assert body["lines"] == [{"index": 1, "product_id": b.pk, "requested": 1, "available": 0}]
    assert_nothing_written(movements=2)


def test_idempotency_key_replays_the_document(staff_client):
    a = ProductFactory()
    body = {"kind": "receipt", "lines": lines((a, 3))}
    first = staff_client.post(DOCUMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="delivery-1")
    again = staff_client.post(DOCUMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="delivery-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Document.objects.count() == 1 and at(a) == (3, 0)
    other = {"kind": "receipt", "lines": lines((a, 4))}
    assert_problem(
        staff_client.post(DOCUMENTS, other, format="json", HTTP_IDEMPOTENCY_KEY="delivery-1"),
        409,
        "idempotency_key_reused",
    )
    assert Document.objects.count() == 1


# --- reversal --------------------------------------------------------------------------------------------------


def test_reversing_a_receipt(staff_client, staff_user):
    a, b = ProductFactory(), ProductFactory()
    original = post(staff_client, kind="receipt", lines=lines((a, 5), (b, 2))).json()
    response = staff_client.post(f"{DOCUMENTS}/{original['id']}/reverse")
    assert response.status_code == 201, response.content
    reversal = response.json()
    assert set(reversal) == DOCUMENT_KEYS
    assert (reversal["kind"], reversal["status"], reversal["reason"]) == ("receipt", "completed", "reversal")
    assert (reversal["reverses_id"], reversal["reversed_by_id"], reversal["created_by"]) == (
        original["id"],
        None,
        staff_user.pk,
    )
    assert reversal["id"] != original["id"] and reversal["location_id"] == MAIN_LOCATION_ID
    moved = StockMovement.objects.filter(document_id=reversal["id"])
    assert {(m.change_type, m.reason) for m in moved} == {("OUT", "reversal")}
    assert at(a) == (0, 0) and at(b) == (0, 0)
    assert staff_client.get(f"{DOCUMENTS}/{original['id']}").json()["reversed_by_id"] == reversal["id"]
    # At most once; and a reversal is not reversed.
    assert_problem(staff_client.post(f"{DOCUMENTS}/{original['id']}/reverse"), 409, "already_reversed")
    assert_problem(staff_client.post(f"{DOCUMENTS}/{reversal['id']}/reverse"), 409, "invalid_transition")
    assert Document.objects.count() == 2 and StockMovement.objects.count() == 4


def test_reversing_an_issue_a_count_and_a_transfer(staff_client, wh):
    a = ProductFactory()
    receive(a, 10)
    issued = post(staff_client, kind="issue", lines=lines((a, 3))).json()
    counted = post(staff_client, kind="count", lines=lines((a, 5), field="counted_quantity")).json()
    moved = transfer(staff_client, wh, (a, 4)).json()
    assert at(a) == (1, 0) and at(a, wh.pk) == (4, 0)
    undone = staff_client.post(f"{DOCUMENTS}/{moved['id']}/reverse").json()
    assert (undone["kind"], undone["reason"]) == ("transfer", "reversal")
    assert at(a) == (5, 0) and at(a, wh.pk) == (0, 0)
    level = StockLevel.objects.get(product=a, location=wh)
    assert (level.transfer_in, level.transfer_out) == (4, 4)  # reports leave a transfer's reversal out too
    undone = staff_client.post(f"{DOCUMENTS}/{counted['id']}/reverse").json()
    assert undone["kind"] == "count" and undone["lines"][0]["difference"] == 2
    assert at(a) == (7, 0)
    assert staff_client.post(f"{DOCUMENTS}/{issued['id']}/reverse").json()["kind"] == "issue"
    assert at(a) == (10, 0)
    assert stock_drift() == []


def test_reversing_a_received_transfer_via_transit(staff_client, wh):
    a = ProductFactory()
    receive(a, 10)
    moved = transfer(staff_client, wh, (a, 4), via_transit=True).json()
    assert_problem(staff_client.post(f"{DOCUMENTS}/{moved['id']}/reverse"), 409, "invalid_transition")  # cancel it
    staff_client.post(f"{DOCUMENTS}/{moved['id']}/receive")
    assert staff_client.post(f"{DOCUMENTS}/{moved['id']}/reverse").status_code == 201
    assert at(a) == (10, 0) and at(a, wh.pk) == (0, 0) and at(a, TRANSIT_LOCATION_ID) == (0, 0)
    assert stock_drift() == []


def test_reversing_a_cancelled_transfer_is_409(staff_client, wh):
    a = ProductFactory()
    receive(a, 10)
    moved = transfer(staff_client, wh, (a, 4), via_transit=True).json()
    staff_client.post(f"{DOCUMENTS}/{moved['id']}/cancel")
    assert_problem(staff_client.post(f"{DOCUMENTS}/{moved['id']}/reverse"), 409, "invalid_transition")
    assert Document.objects.count() == 1


def test_a_reversal_short_of_stock_is_409_and_writes_nothing(staff_client):
    a, b = ProductFactory(), ProductFactory()
    original = post(staff_client, kind="receipt", lines=lines((a, 5), (b, 5))).json()
    issue(b, 4)
    body = assert_problem(staff_client.post(f"{DOCUMENTS}/{original['id']}/reverse"), 409, "insufficient_stock")
    assert body["lines"] == [{"index": 1, "product_id": b.pk, "requested": 5, "available": 1}]
    assert Document.objects.count() == 1 and StockMovement.objects.count() == 3
    assert at(a) == (5, 0) and at(b) == (1, 0)
    assert staff_client.get(f"{DOCUMENTS}/{original['id']}").json()["reversed_by_id"] is None


def test_staff_reverse_only_their_own_documents_admins_any(staff_client, admin_client, client_for):
    a = ProductFactory()
    mine = post(staff_client, kind="receipt", lines=lines((a, 5))).json()
    theirs = post(admin_client, kind="receipt", lines=lines((a, 5))).json()
    colleague = post(client_for(UserFactory(role="staff")), kind="receipt", lines=lines((a, 5))).json()
    for document in (theirs, colleague):
        assert_problem(staff_client.post(f"{DOCUMENTS}/{document['id']}/reverse"), 403, "permission_denied")
    assert Document.objects.count() == 3
    assert staff_client.post(f"{DOCUMENTS}/{mine['id']}/reverse").status_code == 201
    assert admin_client.post(f"{DOCUMENTS}/{colleague['id']}/reverse").status_code == 201
    assert at(a) == (5, 0)
    assert_problem(staff_client.post(f"{DOCUMENTS}/99999/reverse"), 404, "not_found")


def test_anyone_signed_in_receives_or_cancels_a_transfer_in_transit(staff_client, admin_client, wh):
    a = ProductFactory()
    receive(a, 10)
    first = transfer(admin_client, wh, (a, 1), via_transit=True).json()
    second = transfer(admin_client, wh, (a, 1), via_transit=True).json()
    assert staff_client.post(f"{DOCUMENTS}/{first['id']}/receive").status_code == 200
    assert staff_client.post(f"{DOCUMENTS}/{second['id']}/cancel").status_code == 200


# --- list and detail -------------------------------------------------------------------------------------------


def test_list_filters(staff_client, admin_user, wh):
    zone = location("Z1", kind="zone", parent_id=wh.pk)
    a = ProductFactory()
    receive(a, 50)
    old = datetime(2026, 3, 1, 12, tzinfo=UTC)
    receipt = services.create_document(kind="receipt", user=admin_user, lines=lines((a, 1)), reference="PO-1", at=old)
    at_zone = services.create_document(kind="receipt", user=admin_user, lines=lines((a, 2)), location_id=zone.pk)
    issued = services.create_document(kind="issue", user=admin_user, lines=lines((a, 1)), reference="SO-9")
    moving = services.create_document(
        kind="transfer",
        user=admin_user,
        lines=lines((a, 1)),
        source_location_id=MAIN_LOCATION_ID,
        destination_location_id=wh.pk,
        via_transit=True,
        at=old + timedelta(days=1),
    )

    def ids(**params):
        response = staff_client.get(DOCUMENTS, params)
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["results"])

    assert ids() == sorted([receipt.pk, at_zone.pk, issued.pk, moving.pk])
    assert ids(kind="receipt") == sorted([receipt.pk, at_zone.pk])
    assert ids(status="in_transit") == [moving.pk]
    assert ids(status="completed", kind="issue") == [issued.pk]
    assert ids(reference="SO-9") == [issued.pk]
    assert ids(location_id=zone.pk) == [at_zone.pk]
    assert ids(location_id=wh.pk) == sorted([at_zone.pk, moving.pk])  # its sub-locations, and a destination
    assert ids(location_id=MAIN_LOCATION_ID) == sorted([receipt.pk, issued.pk, moving.pk])  # a source too
    assert ids(start_date="2026-03-01", end_date="2026-03-01") == [receipt.pk]  # whole day, end inclusive
    assert ids(start_date="2026-03-01", end_date="2026-03-02") == sorted([receipt.pk, moving.pk])
    assert ids(start_date="2026-03-03", end_date="2026-03-31") == []
    rows = staff_client.get(DOCUMENTS).json()["results"]
    assert [row["id"] for row in rows][0] == issued.pk  # newest first
    assert all(set(row) == DOCUMENT_KEYS for row in rows)


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "delivery"},
        {"status": "open"},
        {"location_id": "x"},
        {"start_date": "yesterday"},
        {"start_date": "2026-03-02", "end_date": "2026-03-01"},
        {"sort_by": "number"},
    ],
)
def test_bad_list_filters_are_400(staff_client, params):
    assert_problem(staff_client.get(DOCUMENTS, params), 400, "invalid")


def test_detail_and_its_errors(staff_client, api_client):
    a = ProductFactory()
    document = post(staff_client, kind="receipt", lines=lines((a, 1))).json()
    assert staff_client.get(f"{DOCUMENTS}/{document['id']}").json() == document
    assert_problem(staff_client.get(f"{DOCUMENTS}/99999"), 404, "not_found")
    assert api_client.get(f"{DOCUMENTS}/{document['id']}").status_code == 401
    assert api_client.post(DOCUMENTS, {"kind": "receipt", "lines": lines((a, 1))}, format="json").status_code == 401
    for method in ("put", "patch", "delete"):
        assert getattr(staff_client, method)(f"{DOCUMENTS}/{document['id']}").status_code == 405


def test_the_list_reads_a_page_in_a_fixed_number_of_queries(staff_client, admin_user, django_assert_max_num_queries):
    products = [ProductFactory() for _ in range(3)]
    for _ in range(10):
        services.create_document(kind="receipt", user=admin_user, lines=lines(*((p, 1) for p in products)))
    with django_assert_max_num_queries(12):
        assert staff_client.get(DOCUMENTS).json()["count"] == 10


def test_a_reversal_at_an_inactive_location_or_of_an_inactive_product_is_400(staff_client, wh):
    a, b = ProductFactory(), ProductFactory()
    receive(a, 5, location=location("OTHER"))  # a row elsewhere does not matter
    at_wh = post(staff_client, kind="receipt", location_id=wh.pk, lines=lines((a, 2))).json()
    at_main = post(staff_client, kind="receipt", lines=lines((a, 1), (b, 1))).json()
    services.update_location(actor=None, location=wh, is_active=False)
    problem = assert_problem(staff_client.post(f"{DOCUMENTS}/{at_wh['id']}/reverse"), 400, "invalid")
    assert "location_id" in problem["errors"]
    movement = StockMovement.objects.get(document_id=at_wh["id"])
    assert (
        "location_id"
        in assert_problem(staff_client.post(f"/api/v1/stock/movements/{movement.pk}/reverse"), 400, "invalid")["errors"]
    )
    Product.objects.filter(pk=b.pk).update(is_active=False)
    problem = assert_problem(staff_client.post(f"{DOCUMENTS}/{at_main['id']}/reverse"), 400, "invalid")
    assert list(problem["errors"]["lines"]) == ["1"]
    assert Document.objects.count() == 2 and StockMovement.objects.count() == 4


def test_the_201_is_the_document_as_read_back_for_every_kind(staff_client, wh):
    """The answer to a create is built from what was written (no read-back): it must be what a GET shows."""
    a, b = ProductFactory(), ProductFactory()
    receive(a, 10)
    bodies = [
        post(staff_client, kind="receipt", reference="R'1\\", note='Ünïcode "q"', lines=lines((a, 3), (b, 2))),
        post(staff_client, kind="issue", lines=lines((b, 1), (a, 2))),
        transfer(staff_client, wh, (a, 4)),
        transfer(staff_client, wh, (a, 1), (b, 1), via_transit=True),
        post(staff_client, kind="count", lines=lines((a, 0), (b, 7), field="counted_quantity")),
    ]
    for response in bodies:
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["lines"] and all(line["movement_ids"] or line["difference"] == 0 for line in body["lines"])
        assert staff_client.get(f"{DOCUMENTS}/{body['id']}").json() == body
    assert stock_drift() == []
