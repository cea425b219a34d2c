"""The ledger is append-only and the level cannot go wrong, even when the code is bypassed."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, InternalError, connection, transaction

from catalog.tests.factories import ProductFactory
from stock.models import MAIN_LOCATION_ID, AppendOnlyError, Reservation, StockLevel, StockMovement
from stock.services import reserve
from stock.tests.factories import issue, stocked_product

pytestmark = pytest.mark.django_db


def test_orm_refuses_to_update_or_delete_movements():
    product = stocked_product(5)
    movement = StockMovement.objects.get(product=product)
    movement.quantity = 50
    with pytest.raises(AppendOnlyError):
        movement.save()
    with pytest.raises(AppendOnlyError):
        movement.delete()
    with pytest.raises(AppendOnlyError):
        StockMovement.objects.filter(pk=movement.pk).update(quantity=50)
    with pytest.raises(AppendOnlyError):
        StockMovement.objects.filter(pk=movement.pk).delete()
    assert StockMovement.objects.get(pk=movement.pk).quantity == 5


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE stock_stockmovement SET quantity = 50 WHERE id = %s",
        "DELETE FROM stock_stockmovement WHERE id = %s",
    ],
)
def test_postgres_refuses_raw_update_and_delete_of_the_ledger(sql):
    product = stocked_product(5)
    movement = StockMovement.objects.get(product=product)
    with pytest.raises((IntegrityError, InternalError), match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [movement.pk])
    assert StockMovement.objects.get(pk=movement.pk).quantity == 5


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE stock_stocklevel SET total_out = total_in + 1 WHERE product_id = %s",
        "UPDATE stock_stocklevel SET reserved = -1 WHERE product_id = %s",
        "UPDATE stock_stocklevel SET reserved = total_in - total_out + 1 WHERE product_id = %s",
        "UPDATE stock_stocklevel SET total_in = -5, total_out = -10 WHERE product_id = %s",
    ],
)
def test_database_refuses_an_impossible_level(sql):
    """CHECK constraints hold on SQLite and PostgreSQL alike: no negative on-hand, no over-reservation."""
    product = stocked_product(5)
    with pytest.raises(IntegrityError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [product.pk])
    level = StockLevel.objects.get(product=product)
    assert (level.total_in, level.total_out, level.reserved) == (5, 0, 0)


def test_database_refuses_a_zero_quantity_movement():
    product = ProductFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            product=product, location_id=MAIN_LOCATION_ID, change_type="IN", quantity=0, reason="purchase"
        )


# --- reconcile_stock ---------------------------------------------------------------------------


def reconcile() -> str:
    out = StringIO()
    call_command("reconcile_stock", stdout=out)
    return out.getvalue()


def test_reconcile_finds_no_drift():
    product = stocked_product(10)
    issue(product, 4)
    reserve(lines=[(product.pk, 2)], reference="order:1")
    ProductFactory()  # no level at all: nothing to compare
    assert "No drift" in reconcile()


def test_reconcile_lists_a_drifting_level_and_exits_non_zero():
    good, bad = stocked_product(10, sku="GOOD"), stocked_product(10, sku="BAD")
    StockLevel.objects.filter(product=bad).update(total_in=12)
    out = StringIO()
    with pytest.raises(CommandError, match="in 1 product"):
        call_command("reconcile_stock", stdout=out)
    assert "BAD" in out.getvalue() and "GOOD" not in out.getvalue()
    assert "total_in=12" in out.getvalue() and "total_in=10" in out.getvalue()
    assert good.pk


def test_reconcile_finds_reservation_drift_and_a_missing_level():
    reserved = stocked_product(10, sku="RES")
    Reservation.objects.create(product=reserved, location_id=MAIN_LOCATION_ID, quantity=3, reference="order:77")
    orphan = ProductFactory(sku="ORPHAN")  # a ledger row without its level
    StockMovement.objects.create(
        product=orphan, location_id=MAIN_LOCATION_ID, change_type="IN", quantity=4, reason="purchase"
    )
    out = StringIO()
    with pytest.raises(CommandError, match="in 2 product"):
        call_command("reconcile_stock", stdout=out)
    assert "RES" in out.getvalue() and "reserved=3" in out.getvalue()
    assert "ORPHAN" in out.getvalue() and "no level row" in out.getvalue()


def test_reconcile_process_exit_status():
    """Through the real entry point: exit status 1 with drift (CommandError)."""
    stocked_product(10)
    StockLevel.objects.update(total_out=1)
    with pytest.raises(SystemExit) as exited:
        from django.core.management import ManagementUtility

        ManagementUtility(["manage.py", "reconcile_stock"]).execute()
    assert exited.value.code == 1
