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


@pytest.mark.postgres
def test_the_written_out_lock_loads_what_the_orm_loads(admin_user):
    """``ledger._select_locked`` on PostgreSQL (plain SQL, prepared) gives every level, product and location the
    values the ORM's select_for_update().select_related() gives them, in the same order."""
    from django.db import transaction

    from stock.models import StockLevel
    from stock.services import create_location, ledger
    from stock.tests.factories import receive, stocked_product

    shelf = create_location(actor=None, code="SHELF-L", name="Shelf")
    products = [stocked_product(5, sku="LOCK-A"), stocked_product(1, sku="LOCK-B", unit_price="2.50")]
    receive(products[0], 3, user=admin_user, location=shelf)
    ids = [product.pk for product in products]

    def values(instance):
        return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}

    with transaction.atomic():
        written_out = ledger._select_locked(ids)
        orm = StockLevel.objects.select_for_update(of=("self",)).select_related("product", "location")
        expected = {(row.product_id, row.location_id): row for row in orm.filter(product_id__in=ids)}
    assert list(written_out) == sorted(expected) and len(written_out) == 3
    for pair, level in written_out.items():
        assert values(level) == values(expected[pair])
        assert values(level.product) == values(expected[pair].product)
        assert values(level.location) == values(expected[pair].location)
        assert not level._state.adding and level.product.unit_price == expected[pair].product.unit_price


def test_inserted_rows_are_dated_where_the_model_dates_them():
    """An ``auto_now`` field is set on insert, as ``bulk_create`` sets it (the rows carry no value of their own)."""
    category = ProductFactory().category
    rows = [Product(sku=f"DATED-{index}", name="Dated", category=category, unit_price="1.00") for index in range(2)]
    insert_rows(Product, rows)
    for row in Product.objects.filter(sku__startswith="DATED-"):
        assert row.updated_at is not None and abs((row.updated_at - row.created_at).total_seconds()) < 60
