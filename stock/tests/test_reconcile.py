"""reconcile_stock across locations: each kind of drift is found and listed, and a realistic mix is clean."""

import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from integrations.models import Event, EventType
from stock import services
from stock.models import (
    MAIN_LOCATION_ID,
    TRANSIT_LOCATION_ID,
    ChangeType,
    Document,
    DocumentStatus,
    Location,
    Reason,
    Reservation,
    StockLevel,
    StockMovement,
)
from stock.tests.factories import transfer

pytestmark = pytest.mark.django_db


def _reconcile() -> str:
    """The command's output; raises CommandError (a non-zero exit) on drift."""
    out = StringIO()
    call_command("reconcile_stock", stdout=out)
    return out.getvalue()


def _drift() -> tuple[str, str]:
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("reconcile_stock", stdout=out)
    return out.getvalue(), str(raised.value)


@pytest.fixture
def admin():
    return UserFactory(role="admin")


@pytest.fixture
def other(admin):
    return services.create_location(actor=admin, code="OTHER", name="Other", priority=5)


def _receive(product, quantity, location, user):
    return services.record_movement(product=product, change_type="IN", quantity=quantity, user=user, location=location)


def _raw_update_level(product, location, assignment: str) -> None:
    """Change a level row behind the services' back, as a bad migration or a manual fix would."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {StockLevel._meta.db_table} SET {assignment} WHERE product_id = %s AND location_id = %s",
            [product.pk, location.pk],
        )


def test_a_level_changed_by_raw_sql_at_one_location_is_listed(admin, other):
    main = Location.objects.get(pk=MAIN_LOCATION_ID)
    product = ProductFactory(sku="RAW-1")
    _receive(product, 10, main, admin)
    _receive(product, 6, other, admin)
    _raw_update_level(product, other, "total_in = total_in + 2")

    output, error = _drift()

    assert "Stock drift: 1 difference(s) in 1 product(s)." == error
    [line] = output.splitlines()
    assert line.startswith(f"product {product.pk} RAW-1 at OTHER: level total_in=8,")
    assert "; ledger total_in=6," in line
    assert " at MAIN" not in output


def test_a_transfer_figure_changed_by_raw_sql_is_listed(admin, other):
    main = Location.objects.get(pk=MAIN_LOCATION_ID)
    product = ProductFactory(sku="RAW-2")
    _receive(product, 10, main, admin)
    transfer(product, 4, main.pk, other.pk, user=admin)
    _raw_update_level(product, main, "transfer_out = 0")

    output, _ = _drift()

    [line] = output.splitlines()
    assert "at MAIN:" in line and "transfer_out=0" in line and "transfer_out=4" in line


def test_a_reservation_without_its_level_at_another_location_is_listed(admin, other):
    product = ProductFactory(sku="RES-1")
    _receive(product, 10, other, admin)
    Reservation.objects.create(product=product, location=other, quantity=3, reference="order:1")

    output, _ = _drift()

    assert "RES-1 at OTHER" in output and "reserved=0" in output and "reserved=3" in output


def test_a_lone_transfer_movement_is_listed_as_a_transfer_that_does_not_net_to_zero(admin, other):
    main = Location.objects.get(pk=MAIN_LOCATION_ID)
    product = ProductFactory(sku="LONE")
    _receive(product, 10, main, admin)
    document = transfer(product, 2, main.pk, other.pk, user=admin)
    # One more IN on that completed transfer with no OUT beside it (and no level change).
    StockMovement.objects.create(
        product=product,
        location=other,
        change_type=ChangeType.IN,
        quantity=5,
        reason=Reason.TRANSFER,
        document=document,
    )

    output, error = _drift()

    assert f"LONE: transfer document {document.pk} does not net to zero (in 7, out 2)" in output
    assert "LONE at OTHER: level" in output  # the level no longer matches its ledger either
    assert "is in 0 stock.changed event(s)" in output  # and it was written past the ledger engine
    assert error == "Stock drift: 3 difference(s) in 1 product(s)."


def test_transit_stock_that_no_open_transfer_carries_is_listed(admin, other):
    main = Location.objects.get(pk=MAIN_LOCATION_ID)
    product = ProductFactory(sku="TRANSIT-1")
    _receive(product, 10, main, admin)
    document = transfer(product, 3, main.pk, other.pk, user=admin, via_transit=True)
    assert _reconcile().startswith("No drift")
    # The transfer marked completed behind the services' back: its 3 units stay at TRANSIT, carried by none.
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.COMPLETED)

    output, error = _drift()

    assert output.splitlines() == [f"product {product.pk} TRANSIT-1: 3 at transit locations, 0 in open transfers"]
    assert error == "Stock drift: 1 difference(s) in 1 product(s)."


def test_an_open_transfer_whose_transit_stock_is_gone_is_listed(admin, other):
    main = Location.objects.get(pk=MAIN_LOCATION_ID)
    transit = Location.objects.get(pk=TRANSIT_LOCATION_ID)
    product = ProductFactory(sku="TRANSIT-2")
    _receive(product, 10, main, admin)
    transfer(product, 3, main.pk, other.pk, user=admin, via_transit=True)
    _raw_update_level(product, transit, "total_out = total_out + 3, transfer_out = transfer_out + 3")

    output, _ = _drift()

    assert "TRANSIT-2: 0 at transit locations, 3 in open transfers" in output
    assert "TRANSIT-2 at TRANSIT: level" in output


def test_clean_after_a_realistic_mix(admin, other):
    """Receipts at two locations and a bin, split orders shipped and cancelled, transfers direct and via transit
    (received, cancelled, reversed), a count document and a movement reversal: no drift anywhere."""
    main = Location.objects.get(pk=MAIN_LOCATION_ID)
    hall = services.create_location(actor=admin, code="HALL", name="Hall", priority=9)
    hall_bin = services.create_location(actor=admin, code="HALL-1", name="Bin", kind="bin", parent_id=hall.pk)
    a, b = ProductFactory(sku="MIX-A"), ProductFactory(sku="MIX-B")
    for product in (a, b):
        _receive(product, 8, main, admin)
        _receive(product, 8, other, admin)
        _receive(product, 5, hall_bin, admin)
    extra = _receive(a, 2, main, admin).movement
    services.reverse_movement(movement=extra, user=admin)

    # Orders' allocations: 12 of a split MAIN 8 + HALL-1 4 (priority 0, after MAIN), consumed; one released; one kept.
    services.allocate(lines=[(a.pk, 12)], reference="order:1")
    assert sorted(Reservation.objects.values_list("location_id", "quantity")) == [(main.pk, 8), (hall_bin.pk, 4)]
    services.consume(reference="order:1", user=admin, movement_reference="ORD-000001")
    services.allocate(lines=[(a.pk, 6)], reference="order:2")
    services.release(reference="order:2")
    services.allocate(lines=[(a.pk, 1), (b.pk, 1)], reference="order:3", location_id=hall.pk)

    transfer(b, 3, main.pk, other.pk, user=admin)
    services.reverse_document(document=transfer(b, 2, other.pk, hall_bin.pk, user=admin), user=admin)
    services.receive_transfer(document=transfer(b, 1, main.pk, hall_bin.pk, user=admin, via_transit=True), user=admin)
    services.cancel_transfer(document=transfer(b, 1, other.pk, main.pk, user=admin, via_transit=True), user=admin)
    transfer(b, 2, hall_bin.pk, main.pk, user=admin, via_transit=True)  # left in transit
    services.create_document(
        kind="count", user=admin, location_id=other.pk, lines=[{"product_id": b.pk, "counted_quantity": 4}]
    )

    assert StockLevel.objects.get(product=b, location_id=TRANSIT_LOCATION_ID).on_hand == 2
    assert _reconcile().startswith("No drift")


def test_a_movement_missing_from_the_events_or_in_two_is_listed(admin_user):
    product = ProductFactory()
    services.record_movement(product=product, change_type="IN", quantity=5, user=admin_user)
    services.record_movement(product=product, change_type="OUT", quantity=2, user=admin_user)
    call_command("reconcile_stock", stdout=StringIO())  # clean: each movement in exactly one event
    event = Event.objects.filter(type=EventType.STOCK_CHANGED).order_by("-position").first()
    movement_id = event.data["movement_ids"][0]
    Event.objects.filter(pk=event.pk).update(data={**event.data, "movement_ids": []})
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile_stock", stdout=out)
    assert f"movement {movement_id} is in 0 stock.changed event(s)" in out.getvalue()
    Event.objects.filter(pk=event.pk).update(data={**event.data, "movement_ids": [movement_id]})
    twin = Event.objects.get(pk=event.pk)
    twin.pk, twin.uuid, twin.sequence = None, uuid.uuid4(), None
    twin.save()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile_stock", stdout=out)
    assert f"movement {movement_id} is in 2 stock.changed event(s)" in out.getvalue() and product.sku in out.getvalue()
