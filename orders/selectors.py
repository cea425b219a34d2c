"""Reads of orders. Who sees which orders and may take which action is orders.policy's to say."""

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from inventory_site.exceptions import NotFound
from orders import policy
from orders.models import Order, OrderItem, OrderStatusChange, Status
from stock.models import Location, Reservation, ReservationState

# The statuses whose orders hold (or held, then shipped) reservations: their items have allocations.
ALLOCATED_STATUSES = frozenset({Status.CONFIRMED, Status.SHIPPED, Status.DELIVERED})


def order_list(*, user: User) -> QuerySet[Order]:
    """The orders ``user`` may see, newest first, with items (and their products) and history prefetched."""
    queryset = Order.objects.prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.select_related("product").order_by("id")),
        Prefetch("history", queryset=OrderStatusChange.objects.order_by("at", "id")),
    )
    return policy.visible_orders(queryset, principal=user)


def order_detail(*, user: User, pk) -> Order:
    """One order ``user`` may see; NotFound (404) for an unknown id or an order hidden from ``user``."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(policy.NOT_FOUND) from None
    order = order_list(user=user).filter(pk=pk).first()
    if order is None:
        raise NotFound(policy.NOT_FOUND)
    attach_allocations([order])
    return order


def attach_allocations(orders) -> list[Order]:
    """Set ``order.allocations`` (product id -> ``[{location_id, quantity}]``) on each of ``orders`` in one query.

    An order's allocations are its reservation rows (reference ``order:<id>``) that were not released: active
    while confirmed, consumed once shipped; pending, rejected and cancelled orders have none.
    """
    orders = list(orders)
    wanted = {order.reservation_reference: order for order in orders if order.status in ALLOCATED_STATUSES}
    for order in orders:
        order.allocations = {}
    if not wanted:
        return orders
    rows = (
        Reservation.objects.filter(reference__in=list(wanted))
        .exclude(state=ReservationState.RELEASED)
        .order_by("product_id", "location__priority", "location_id")
        .values_list("reference", "product_id", "location_id", "quantity")
    )
    for reference, product_id, location_id, quantity in rows:
        allocations = wanted[reference].allocations.setdefault(product_id, [])
        allocations.append({"location_id": location_id, "quantity": quantity})
    return orders


def available_actions(*, order: Order, user: User) -> list[str]:
    """The actions ``user`` may take on ``order`` now, among ``ship``, ``deliver`` and ``cancel`` (for the UI)."""
    return policy.available_actions(user, order)


def location_codes(location_ids) -> dict[int, str]:
    """Location id -> code, for the pages that name an order's locations (no query for none)."""
    ids = list(location_ids)
    return dict(Location.objects.filter(pk__in=ids).values_list("pk", "code")) if ids else {}
