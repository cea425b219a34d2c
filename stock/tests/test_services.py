import pytest

from catalog.models import Product
from catalog.tests.factories import ProductFactory, SupplierFactory
from inventory_site.exceptions import Invalid
from stock import services
from stock.exceptions import InsufficientStock, ShortLines
from stock.models import Reservation, StockLevel, StockMovement
from stock.tests.factories import stocked_product

pytestmark = pytest.mark.django_db


def test_first_movement_creates_the_level():
    product = ProductFactory()
    movement, level = services.record_movement_by_id(product_id=product.pk, change_type="IN", quantity=4, user=None)
    assert level.on_hand == 4 and level.last_restocked_at == movement.created_at
    assert StockLevel.objects.get(product=product).total_in == 4


@pytest.mark.parametrize("quantity", [0, -1, 1.0, "2", True, None, 2**31])
def test_bad_quantities_are_invalid(quantity):
    product = stocked_product(5)
    with pytest.raises(Invalid):
        services.record_movement(product=product, change_type="OUT", quantity=quantity, user=None)
    assert StockMovement.objects.count() == 1


def test_supplier_only_on_in():
    product = stocked_product(5)
    with pytest.raises(Invalid):
        services.record_movement(product=product, change_type="OUT", quantity=1, user=None, supplier=SupplierFactory())


def test_inactive_product_takes_no_movement():
    product = stocked_product(5)
    Product.objects.filter(pk=product.pk).update(is_active=False)
    product.refresh_from_db()
    for call in (
        lambda: services.record_movement(product=product, change_type="IN", quantity=1, user=None),
        lambda: services.record_movement_by_id(product_id=product.pk, change_type="IN", quantity=1, user=None),
        lambda: services.count_stock(product=product, counted_quantity=1, user=None),
    ):
        with pytest.raises(Invalid):
            call()
    assert StockLevel.objects.get(product=product).on_hand == 5


def test_out_above_available_writes_nothing():
    product = stocked_product(5)
    with pytest.raises(InsufficientStock) as error:
        services.record_movement(product=product, change_type="OUT", quantity=6, user=None)
    assert error.value.available == 5 and StockMovement.objects.count() == 1


def test_reserve_all_or_nothing_then_consume_everything():
    first, second = stocked_product(10), stocked_product(3)
    with pytest.raises(ShortLines):
        services.reserve(lines=[(first.pk, 2), (second.pk, 4)], reference="order:1")
    assert not Reservation.objects.exists()
    services.reserve(lines=[(first.pk, 10), (second.pk, 3)], reference="order:2")
    # Every unit is reserved: consuming must lower ``reserved`` before the OUT, or the CHECK would refuse it.
    movements = services.consume(reference="order:2", user=None, movement_reference="SO-2")
    assert [m.quantity for m in movements] == [10, 3]
    for level in StockLevel.objects.all():
        assert (level.on_hand, level.reserved) == (0, 0)


def test_release_returns_the_stock():
    product = stocked_product(10)
    services.reserve(lines=[(product.pk, 4)], reference="order:3")
    assert services.release(reference="order:3") == 1
    assert StockLevel.objects.get(product=product).available == 10
    assert services.release(reference="order:3") == 0
