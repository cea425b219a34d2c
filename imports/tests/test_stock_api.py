"""Stock imports: counted figures written through the count service, conflicts when a figure moved."""

import pytest
from django.core.management import call_command

from catalog.tests.factories import ProductFactory
from imports.tests.support import URL, apply, csv_bytes, rows, run_upload
from stock import services as stock_services
from stock.models import StockMovement
from stock.selectors import stock_figures
from stock.tests.factories import receive, stocked_product

pytestmark = pytest.mark.django_db
HEADER = ("sku", "location", "quantity")


@pytest.fixture
def shelf(admin_user):
    return stock_services.create_location(actor=admin_user, code="SHELF-1", name="Shelf one")


def on_hand(product) -> int:
    return stock_figures(product)["on_hand"]


def test_counts_are_written_as_count_movements_and_reconcile_clean(
    admin_client, admin_user, shelf, django_capture_on_commit_callbacks
):
    up, down, same, fresh = stocked_product(10), stocked_product(10), stocked_product(10), ProductFactory()
    content = csv_bytes(
        HEADER,
        [[up.sku, "", "15"], [down.sku.lower(), "main", "4"], [same.sku, "", "10"], [fresh.sku, "shelf-1", "7"]],
    )
    body = run_upload(admin_client, django_capture_on_commit_callbacks, "stock", content)
    assert body["counts"] | {} == {
        "rows": 4, "valid": 4, "invalid": 0, "create": 0, "update": 0, "unchanged": 1, "count": 3,
        "conflict": 0, "applied": 0,
    }  # fmt: skip
    assert [row["action"] for row in rows(admin_client, body["id"])] == ["count", "count", "unchanged", "count"]
    assert StockMovement.objects.filter(reason="count").count() == 0  # validation moved nothing

    response = apply(admin_client, django_capture_on_commit_callbacks, body["id"])
    assert response.status_code == 202
    done = admin_client.get(f"{URL}/{body['id']}").json()
    assert done["status"] == "done" and done["changed"]["counted"] == 3 and done["counts"]["applied"] == 4
    assert (on_hand(up), on_hand(down), on_hand(same), on_hand(fresh)) == (15, 4, 10, 7)
    movements = StockMovement.objects.filter(reference=f"import:{body['id']}")
    assert sorted((m.product_id, m.change_type, m.quantity, m.reason) for m in movements) == sorted(
        [(up.pk, "IN", 5, "count"), (down.pk, "OUT", 6, "count"), (fresh.pk, "IN", 7, "count")]
    )
    assert movements.get(product=fresh).location_id == shelf.pk
    assert {m.user_id for m in movements} == {admin_user.pk}
    call_command("reconcile_stock")  # raises on any drift

    again = apply(admin_client, django_capture_on_commit_callbacks, body["id"])
    assert again.status_code == 200 and movements.count() == 3


def test_a_figure_that_moved_since_validation_is_a_conflict_and_is_not_overwritten(
    admin_client, admin_user, django_capture_on_commit_callbacks
):
    moved, reserved_meanwhile, steady = stocked_product(10), stocked_product(10), stocked_product(10)
    content = csv_bytes(HEADER, [[moved.sku, "", "3"], [reserved_meanwhile.sku, "", "8"], [steady.sku, "", "12"]])
    body = run_upload(admin_client, django_capture_on_commit_callbacks, "stock", content)
    receive(moved, 5)  # someone receives between the preview and the apply
    stock_services.reserve(lines=[(reserved_meanwhile.pk, 2)], reference="order:1")
    apply(admin_client, django_capture_on_commit_callbacks, body["id"])
    done = admin_client.get(f"{URL}/{body['id']}").json()
    assert done["counts"]["conflict"] == 2 and done["counts"]["applied"] == 1
    assert on_hand(moved) == 15 and on_hand(reserved_meanwhile) == 10 and on_hand(steady) == 12
    conflicts = rows(admin_client, body["id"], "conflict")
    assert [row["row_number"] for row in conflicts] == [1, 2]
    assert "changed since" in conflicts[0]["errors"]["quantity"][0]
    call_command("reconcile_stock")


def test_a_count_below_reserved_is_a_row_error(admin_client, django_capture_on_commit_callbacks):
    product = stocked_product(10)
    stock_services.reserve(lines=[(product.pk, 6)], reference="order:7")
    body = run_upload(
        admin_client, django_capture_on_commit_callbacks, "stock", csv_bytes(HEADER, [[product.sku, "", "5"]])
    )
    (row,) = rows(admin_client, body["id"], "invalid")
    assert "below the 6 reserved" in row["errors"]["quantity"][0]


def test_row_errors_name_the_column(admin_client, django_capture_on_commit_callbacks):
    product, other, inactive = stocked_product(1), ProductFactory(), ProductFactory(is_active=False)
    lines = [
        [product.sku, "", "2"],
        [product.sku.lower(), "MAIN", "3"],  # the same SKU and location in another case: the later is invalid
        ["NOPE", "", "1"],
        [inactive.sku, "", "1"],
        [product.sku, "NOWHERE", "1"],
        [product.sku, "TRANSIT", "1"],
        [other.sku, "", "1.5"],
        ["", "", "1"],
    ]
    body = run_upload(admin_client, django_capture_on_commit_callbacks, "stock", csv_bytes(HEADER, lines))
    errors = {row["row_number"]: row["errors"] for row in rows(admin_client, body["id"], "invalid")}
    assert {number: list(columns) for number, columns in errors.items()} == {
        2: ["sku"], 3: ["sku"], 4: ["sku"], 5: ["location"], 6: ["location"], 7: ["quantity"], 8: ["sku"],
    }  # fmt: skip
    assert "row 1" in errors[2]["sku"][0]


def test_the_import_location_is_used_for_rows_without_one(admin_client, shelf, django_capture_on_commit_callbacks):
    product = ProductFactory()
    content = csv_bytes(("sku", "quantity"), [[product.sku, "4"]])
    body = run_upload(admin_client, django_capture_on_commit_callbacks, "stock", content, location_id=shelf.pk)
    assert body["location_id"] == shelf.pk
    apply(admin_client, django_capture_on_commit_callbacks, body["id"])
    assert StockMovement.objects.get(product=product).location_id == shelf.pk
