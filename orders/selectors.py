"""Reads of orders. Who sees which orders and may take which action is orders.policy's to say."""

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from inventory_site.exceptions import NotFound
from orders import policy
from orders.models import Order, OrderItem, OrderStatusChange


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
    return order


def available_actions(*, order: Order, user: User) -> list[str]:
    """The actions ``user`` may take on ``order`` now, among ``ship``, ``deliver`` and ``cancel`` (for the UI)."""
    return policy.available_actions(user, order)
