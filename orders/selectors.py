"""Reads of orders. Staff see only the orders they created; admins see all."""

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from inventory_site.exceptions import NotFound
from orders.models import Order, OrderItem, OrderStatusChange, Status
from orders.services import can_transition


def order_list(*, user: User) -> QuerySet[Order]:
    """The orders ``user`` may see, newest first, with items (and their products) and history prefetched."""
    queryset = Order.objects.prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.select_related("product").order_by("id")),
        Prefetch("history", queryset=OrderStatusChange.objects.order_by("at", "id")),
    )
    if not user.is_admin:
        queryset = queryset.filter(created_by=user)
    return queryset


def order_detail(*, user: User, pk) -> Order:
    """One order ``user`` may see; NotFound (404) for an unknown id or, for staff, another user's order."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No order with this id.") from None
    order = order_list(user=user).filter(pk=pk).first()
    if order is None:
        raise NotFound("No order with this id.")
    return order


def can_deliver(user: User) -> bool:
    return bool(user.is_authenticated and user.is_admin)


def available_actions(*, order: Order, user: User) -> list[str]:
    """The actions ``user`` may take on ``order`` now, among ``ship``, ``deliver`` and ``cancel`` (for the UI)."""
    if not (user.is_admin or order.created_by_id == user.pk):
        return []
    actions = []
    if can_transition(order, Status.SHIPPED):
        actions.append("ship")
    if can_transition(order, Status.DELIVERED) and can_deliver(user):
        actions.append("deliver")
    if can_transition(order, Status.CANCELLED):
        actions.append("cancel")
    return actions
