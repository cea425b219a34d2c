"""Who may see an order and act on it, and where each action leads: decided here, and nowhere else.

The services (``_lock_for_action``), the selectors (``order_list``, ``order_detail``, ``available_actions``),
the HTML views, the API and the admin all read this module. The rights are CONTRACT "Roles":

- admins: every order, every action;
- staff (a warehouse team shares its work): read every order and ship any confirmed one; cancel only the
  orders they created (another user's: 403); never deliver (403);
- an API client (a machine key, arriving in a later issue) sees only the orders it created: another's is a
  404, as if it did not exist. ``sees_only_own`` is that hook.

An action's errors come in this order: 404 (no such order, or not visible to the principal), then 403 (the
principal may not take this action on this order, whatever its status), then 409 (not from this status).
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from inventory_site.exceptions import NotFound, PermissionDenied, lazy_message
from orders.exceptions import InvalidTransition
from orders.models import Order, Status

NOT_FOUND = _("No order with this id.")


@dataclass(frozen=True)
class Action:
    name: str  # the verb: the API path, the HTML button and URL ("ship")
    to_status: str  # where it leads; also its past tense in messages ("shipped")


SHIP = Action("ship", Status.SHIPPED)
DELIVER = Action("deliver", Status.DELIVERED)
CANCEL = Action("cancel", Status.CANCELLED)
ACTIONS: dict[str, Action] = {action.name: action for action in (SHIP, DELIVER, CANCEL)}
# An action refused from the order's status (the status is its machine value, as the API answers it).
NOT_FROM_STATUS = {
    "ship": _("Cannot ship an order that is %(status)s."),
    "deliver": _("Cannot deliver an order that is %(status)s."),
    "cancel": _("Cannot cancel an order that is %(status)s."),
}

# Every status an order may move to from each status (the job's confirm and reject included).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PENDING: frozenset({Status.CONFIRMED, Status.REJECTED, Status.CANCELLED}),
    Status.CONFIRMED: frozenset({Status.SHIPPED, Status.CANCELLED}),
    Status.SHIPPED: frozenset({Status.DELIVERED}),
}


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def sees_only_own(principal) -> bool:
    """An API client (a later issue gives it ``is_api_client``) sees only the orders it created; people see all."""
    return bool(getattr(principal, "is_api_client", False))


def visible_orders(queryset: QuerySet[Order], *, principal) -> QuerySet[Order]:
    """The part of ``queryset`` that ``principal`` may see."""
    return queryset.filter(created_by_id=principal.pk) if sees_only_own(principal) else queryset


def can_see(principal, order: Order) -> bool:
    return not sees_only_own(principal) or order.created_by_id == principal.pk


def refusal(principal, order: Order, action: Action) -> str | None:
    """Why ``principal`` may not take ``action`` on ``order`` whatever its status (a 403), or None."""
    if getattr(principal, "is_admin", False):
        return None
    if action == DELIVER:
        return _("Only an admin may mark an order delivered.")
    if action == CANCEL and order.created_by_id != principal.pk:
        return _("Only an admin or the user who placed an order may cancel it.")
    return None


def check(principal, order: Order | None, action: Action) -> None:
    """Raise the first of NotFound (404), PermissionDenied (403), InvalidTransition (409) that applies to
    ``principal`` taking ``action`` on ``order`` (None: there is no such order)."""
    if order is None or not can_see(principal, order):
        raise NotFound(NOT_FOUND)
    if reason := refusal(principal, order, action):
        raise PermissionDenied(reason)
    if not can_transition(order.status, action.to_status):
        message = lazy_message(NOT_FROM_STATUS[action.name], status=order.status)
        raise InvalidTransition(message, order_status=order.status)


def available_actions(principal, order: Order) -> list[str]:
    """The names of the actions ``principal`` may take on ``order`` now, in the order of ``ACTIONS``."""
    if not can_see(principal, order):
        return []
    return [
        action.name
        for action in ACTIONS.values()
        if refusal(principal, order, action) is None and can_transition(order.status, action.to_status)
    ]
