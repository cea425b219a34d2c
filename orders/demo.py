"""Demo orders for `make run`, placed and moved through the same services as everything else."""

from django.db import transaction

from orders import services
from orders.models import Order, Priority
from stock import selectors as stock_selectors


@transaction.atomic
def load_demo_orders(*, admin, staff) -> list[Order]:
    """A few orders in various states; nothing when orders already exist or there is no stock to order."""
    if Order.objects.exists():
        return []
    products = list(stock_selectors.product_list().filter(is_active=True, available__gte=4).order_by("id"))
    if len(products) < 4:
        return []

    def place(user, lines, *, priority=Priority.NORMAL, customer="Demo customer", process=True, **extra):
        order = services.place_order(
            user=user,
            customer_name=customer,
            items=[{"product_id": p.pk, "quantity": q} for p, q in lines],
            priority=priority,
            **extra,
        )
        if process:  # run the job's work now so the demo shows settled states; a queued duplicate is a no-op
            order = services.process_pending_order(order_id=order.pk)
        return order

    delivered = place(admin, [(products[0], 2), (products[1], 1)], customer="Harbour Works Ltd", reference="PO-1001")
    services.ship_order(order=delivered, user=admin)
    services.deliver_order(order=delivered, user=admin)
    shipped = place(staff, [(products[2], 1)], customer="Greenfield Builders", customer_email="buy@greenfield.example")
    services.ship_order(order=shipped, user=staff)
    confirmed = place(staff, [(products[3], 2), (products[0], 1)], priority=Priority.HIGH, customer="Alder & Sons")
    cancelled = place(admin, [(products[1], 1)], customer="Northwind Traders", note="Customer changed their mind")
    services.cancel_order(order=cancelled, user=admin)
    rejected = place(staff, [(products[2], products[2].available + 500)], customer="Big Ask Corp")
    pending = place(staff, [(products[3], 1)], priority=Priority.LOW, customer="Late Night Co", process=False)
    return [delivered, shipped, confirmed, cancelled, rejected, pending]
