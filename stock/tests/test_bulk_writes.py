"""inventory_site.bulk's one-statement writes (arrays bound on the server on PostgreSQL; Django's bulk_create
and bulk_update elsewhere): every kind of value they carry comes back as it went in."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from catalog.tests.factories import ProductFactory
from integrations.models import Event
from inventory_site.bulk import insert_rows, update_rows
from stock.models import MAIN_LOCATION_ID, ChangeType, Reason, StockMovement

pytestmark = pytest.mark.django_db

AWKWARD = ["", "it's", 'a "quoted" \\ back,slash {brace}', "Ünïcødé ✓", "NULL", "x" * 100]


def test_inserted_rows_get_their_ids_in_order_and_every_value_as_given(admin_user):
    products = ProductFactory.create_batch(3)
    at = datetime(2026, 12, 3, 10, 30, 15, 123456, tzinfo=UTC)
    rows = [
        StockMovement(
            product=products[index % 3],
            location_id=MAIN_LOCATION_ID,
            change_type=ChangeType.IN if index % 2 else ChangeType.OUT,  # a str enum: its value is written
            quantity=index + 1,
            reason=Reason.PURCHASE if index % 2 else Reason.SALE,
            note=note,
            reference=note[:100],
            user=admin_user if index % 2 else None,  # a column of ids and NULLs
            created_at=at,
        )
        for index, note in enumerate(AWKWARD)
    ]
    with CaptureQueriesContext(connection) as queries:
        written = insert_rows(StockMovement, rows)
    assert len(queries.captured_queries) == 1
    assert list(written) == rows and all(row.pk and not row._state.adding for row in rows)
    assert [row.pk for row in rows] == sorted(row.pk for row in rows)
    read = StockMovement.objects.in_bulk([row.pk for row in rows])
    for row in rows:
        again = read[row.pk]
        assert (again.product_id, again.change_type, again.quantity, again.reason) == (
            row.product_id,
            str(row.change_type.value),
            row.quantity,
            str(row.reason.value),
        )
        assert (again.note, again.reference, again.user_id, again.created_at, again.supplier_id) == (
            row.note,
            row.reference,
            row.user_id,
            at,
            None,
        )


def test_json_and_uuid_columns_round_trip():
    data = [{"a": [1, 2, {"b": None}], "s": value} for value in AWKWARD]
    rows = insert_rows(Event, [Event(type="stock.changed", data=item, occurred_at=datetime.now(UTC)) for item in data])
    read = Event.objects.in_bulk([row.pk for row in rows])
    for row, item in zip(rows, data, strict=True):
        assert read[row.pk].uuid == row.uuid and read[row.pk].sequence is None
        assert read[row.pk].data == item


def test_update_rows_writes_the_named_fields_only():
    products = ProductFactory.create_batch(3, min_quantity=1)
    for index, product in enumerate(products):
        product.name = AWKWARD[index + 2]
        product.unit_price = Decimal(f"{index}.25")
        product.min_quantity = 10 + index  # changed in memory, not named: not written
    with CaptureQueriesContext(connection) as queries:
        update_rows(Product, list(reversed(products)), ["name", "unit_price"])
    assert len(queries.captured_queries) == 1
    for index, product in enumerate(products):
        product.refresh_from_db()
        assert (product.name, product.unit_price, product.min_quantity) == (
            AWKWARD[index + 2],
            Decimal(f"{index}.25"),
            1,
        )
