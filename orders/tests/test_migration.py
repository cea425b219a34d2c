"""The locations migration on an order confirmed before it: its reservation lands on MAIN, one allocation per item."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from orders.models import Order
from orders.selectors import attach_allocations
from stock.models import MAIN_LOCATION_ID, StockLevel

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("stock", "0003_low_stock_alert"), ("orders", "0001_initial")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_a_confirmed_order_keeps_one_allocation_per_item_at_main():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    # Apps whose migrations need stock's later ones (imports) are unapplied meanwhile, as orders is.
    before = [node for node in latest if node[0] not in ("stock", "orders", "imports")] + BEFORE
    old = _migrate(before)
    try:
        user = old.get_model("accounts", "User").objects.create(email="old@example.com", role="staff")
        category = old.get_model("catalog", "Category").objects.create(name="Old")
        product = old.get_model("catalog", "Product").objects.create(
            sku="OLD-1", name="Old", category=category, unit_price="1.00"
        )
        old.get_model("stock", "StockLevel").objects.create(product=product, total_in=10, reserved=4)
        old.get_model("stock", "StockMovement").objects.create(
            product=product, change_type="IN", quantity=10, reason="purchase"
        )
        order = old.get_model("orders", "Order").objects.create(
            number="ORD-000001", status="confirmed", customer_name="Old", created_by=user
        )
        old.get_model("orders", "OrderItem").objects.create(order=order, product=product, quantity=4, unit_price="1")
        old.get_model("stock", "Reservation").objects.create(product=product, quantity=4, reference=f"order:{order.pk}")
    finally:
        _migrate(latest)

    [migrated] = attach_allocations(Order.objects.filter(pk=order.pk))
    assert migrated.location_id is None
    assert migrated.allocations == {product.pk: [{"location_id": MAIN_LOCATION_ID, "quantity": 4}]}
    level = StockLevel.objects.get(product_id=product.pk)
    assert (level.location_id, level.on_hand, level.reserved) == (MAIN_LOCATION_ID, 10, 4)
