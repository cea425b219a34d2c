"""Every write to orders. The order row is locked first, then stock levels (in product-id order) by stock.services."""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record_event
from catalog.models import Product
from integrations import outbox
from integrations.models import EventType
from inventory_site import limits
from inventory_site.exceptions import NotFound, lazy_message, use_one_of
from inventory_site.jobs import enqueue_on_commit, requeue
from orders import policy
from orders.exceptions import InvalidOrder, InvalidTransition
from orders.models import QUEUE_FOR_PRIORITY, Order, OrderItem, OrderStatusChange, Priority, Status, order_number
from stock import access
from stock import services as stock_services
from stock.access import LocationForbidden
from stock.exceptions import ShortLines
from stock.models import Location

log = logging.getLogger(__name__)
REQUEUE_BATCH = 5000

# Enqueued by dotted path: the job module imports this one, never the other way round.
PROCESS_ORDER_JOB = "orders.jobs.process_order"

# --- placing --------------------------------------------------------------------------------------------------


MAX_QUANTITY = limits.MAX_QUANTITY  # the quantity columns are 32-bit integers


def _is_quantity(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_QUANTITY


TEXT_LIMITS = {
    "customer_name": limits.CUSTOMER_NAME_MAX_LENGTH,
    "customer_email": limits.CUSTOMER_EMAIL_MAX_LENGTH,
    "reference": limits.REFERENCE_MAX_LENGTH,
    "note": limits.NOTE_MAX_LENGTH,
}


def _validate_header(
    *, customer_name: str, customer_email: str, reference: str, note: str, priority: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    texts = {"customer_name": customer_name, "customer_email": customer_email, "reference": reference, "note": note}
    for field, value in texts.items():
        if value is not None and not isinstance(value, str):
            errors[field] = [_("Must be text.")]
        elif value and len(value) > TEXT_LIMITS[field]:
            errors[field] = [lazy_message(_("At most %(maximum)s characters."), maximum=f"{TEXT_LIMITS[field]:,}")]
    if "customer_name" not in errors and not (customer_name or "").strip():
        errors["customer_name"] = [_("This field is required.")]
    if customer_email and "customer_email" not in errors:
        try:
            validate_email(customer_email)
        except ValidationError:
            errors["customer_email"] = [_("Enter a valid email address.")]
    if priority not in Priority.values:
        errors["priority"] = [use_one_of(Priority.values)]
    return errors


def _validate_lines(items) -> tuple[list[tuple[Product, int]], list[tuple[int | None, str]]]:
    """``[(product, quantity)]`` and every problem as ``(line index from 0, or None for the whole list, message)``."""
    if not isinstance(items, list | tuple) or not items:
        return [], [(None, _("An order needs at least one line."))]
    problems: list[tuple[int | None, str]] = []
    wanted: list[tuple[int, object, int]] = []
    for index, item in enumerate(items):
        product_id = item.get("product_id") if isinstance(item, dict) else None
        quantity = item.get("quantity") if isinstance(item, dict) else None
        if not (_is_quantity(product_id) or (isinstance(product_id, int) and 0 < product_id < 2**63)):
            problems.append((index, _("product_id must be a product id.")))
            continue
        if not _is_quantity(quantity):
            problems.append(
                (index, lazy_message(_("quantity must be a whole number from 1 to %(maximum)s."), maximum=MAX_QUANTITY))
            )
        wanted.append((index, product_id, quantity))
    products = Product.objects.only("id", "sku", "name", "unit_price", "is_active").in_bulk(
        [product_id for _index, product_id, _quantity in wanted]
    )
    seen: set[int] = set()
    lines = []
    for index, product_id, quantity in wanted:
        product = products.get(product_id)
        if product is None:
            problems.append((index, lazy_message(_("unknown product %(id)s."), id=product_id)))
        elif not product.is_active:
            problems.append(
                (index, lazy_message(_("product %(sku)s is inactive and takes no orders."), sku=product.sku))
            )
        elif product_id in seen:
            repeated = _("product %(sku)s appears more than once; use one line per product.")
            problems.append((index, lazy_message(repeated, sku=product.sku)))
        else:
            lines.append((product, quantity))
        seen.add(product_id)
    return lines, problems


def _validate_location(location_id, allowed_location_ids: list[int] | None) -> tuple[Location | None, list[str]]:
    """The order's location (None: the job chooses) and the messages for ``location_id`` when it cannot take
    orders: unknown, inactive, transit or not sellable. Outside ``allowed_location_ids``: LocationForbidden (403)."""
    if location_id is None:
        return None, []
    is_id = isinstance(location_id, int) and not isinstance(location_id, bool) and 0 < location_id < 2**63
    location = Location.objects.filter(pk=location_id).first() if is_id else None
    if location is None:
        return None, [_("Unknown location.")]
    if not location.is_active:
        return None, [lazy_message(_("The location %(code)s is inactive and takes no orders."), code=location.code)]
    if location.is_transit or not location.is_sellable:
        not_sellable = _("The location %(code)s is not sellable: orders cannot be reserved there.")
        return None, [lazy_message(not_sellable, code=location.code)]
    if allowed_location_ids is not None and location.pk not in allowed_location_ids:
        raise LocationForbidden(
            lazy_message(_("This API client may not order at %(code)s."), code=location.code),
            errors={"location_id": [_("Outside the client's locations.")]},
        )
    return location, []


def _line_errors(problems: list[tuple[int | None, str]]) -> tuple[list[str], dict[int, list[str]]]:
    """The API's ``items`` messages ("Line N: ...", numbered from 1) and the same messages per line index."""
    messages = [
        message if index is None else lazy_message(_("Line %(number)s: %(message)s"), number=index + 1, message=message)
        for index, message in problems
    ]
    per_line: dict[int, list[str]] = {}
    for index, message in problems:
        if index is not None:
            per_line.setdefault(index, []).append(message)
    return messages, per_line


def place_order(
    *,
    user: User,
    customer_name: str,
    items: list[dict],
    customer_email: str = "",
    reference: str = "",
    priority: str = Priority.NORMAL,
    note: str = "",
    location_id: int | None = None,
    allowed_location_ids: list[int] | None = None,
) -> Order:
    """Validate and save a ``pending`` order; once committed, ``process_order`` runs on the priority's queue.

    ``location_id``: every line is reserved at that location (or below it) or the order is rejected; None: the
    job chooses among the sellable locations. ``allowed_location_ids`` (an API client restricted to locations:
    the ids with their descendants, as stock.access.restriction gives them; None for any) bounds that choice
    and ``location_id`` (outside it: LocationForbidden, 403).

    Raises InvalidOrder (an Invalid: 400) with ``errors`` for a bad header, no lines, a bad quantity, an
    unknown or inactive product, one product on two lines, or a location that takes no orders; its
    ``line_errors`` has the line messages by line index. The returned order is the order as placed
    (``pending``), with its items and history loaded.
    """
    customer_email, reference, note = customer_email or "", reference or "", note or ""
    errors = _validate_header(
        customer_name=customer_name, customer_email=customer_email, reference=reference, note=note, priority=priority
    )
    if allowed_location_ids is None:
        allowed_location_ids = access.restriction(user)  # an API client restricted to locations; None: any
    allowed = sorted(set(allowed_location_ids)) if allowed_location_ids is not None else None
    location, location_errors = _validate_location(location_id, allowed)
    if location_errors:
        errors["location_id"] = location_errors
    lines, problems = _validate_lines(items)
    messages, line_errors = _line_errors(problems)
    if messages:
        errors["items"] = messages
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidOrder(first, errors=errors, line_errors=line_errors)
    with transaction.atomic():
        order = Order.objects.create(
            number=uuid.uuid4().hex,  # replaced below by the id-based number, in the same transaction
            status=Status.PENDING,
            priority=priority,
            customer_name=customer_name.strip(),
            customer_email=customer_email,
            reference=reference,
            note=note,
            location=location,
            allowed_location_ids=allowed,
            created_by=user,
        )
        order.number = order_number(order.pk)
        Order.objects.filter(pk=order.pk).update(number=order.number)
        order_items = OrderItem.objects.bulk_create(
            [
                OrderItem(order=order, product=product, quantity=quantity, unit_price=product.unit_price)
                for product, quantity in lines
            ]
        )
        change = OrderStatusChange.objects.create(order=order, from_status="", to_status=Status.PENDING, by=user)
        record_event(
            action="order.created",
            actor=user,
            obj=order,
            changes={
                "number": order.number,
                "priority": priority,
                "location_id": location.pk if location else None,
                "items": [{"product_id": p.pk, "quantity": q} for p, q in lines],
            },
        )
        _emit_status(order, EventType.ORDER_CREATED, from_status=None)
        enqueue_on_commit(
            PROCESS_ORDER_JOB, order.pk, queue=QUEUE_FOR_PRIORITY[priority], job_id=process_order_job_id(order.pk)
        )
    # The order as placed (the job may already have run in-process at the commit), with no query.
    _set_prefetched(order, "items", order_items)
    _set_prefetched(order, "history", [change])
    return order


def _set_prefetched(instance, name: str, objects: list) -> None:
    """Fill ``instance.<name>.all()`` with ``objects``, as prefetch_related() does."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset


def process_order_job_id(order_id: int) -> str:
    """One job id per order: the queue holds at most one waiting ``process_order`` job for it."""
    return f"process_order-{order_id}"


# --- the job's work -------------------------------------------------------------------------------------------


def process_pending_order(*, order_id: int) -> Order | None:
    """Reserve every line of a pending order or none; a no-op unless the order is still ``pending``."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or order.status != Status.PENDING:
            return order
        items = list(
            order.items.order_by("product_id").values_list(
                "product_id", "quantity", "product__is_active", "product__sku"
            )
        )
        inactive = [sku for _, _, is_active, sku in items if not is_active]
        if inactive:
            _apply_transition(
                order,
                Status.REJECTED,
                user=None,
                rejection_reason=f"Inactive products: {', '.join(inactive)}",
            )
            return order
        try:
            stock_services.allocate(
                lines=[(product_id, quantity) for product_id, quantity, _, _ in items],
                reference=order.reservation_reference,
                location_id=order.location_id,
                allowed_location_ids=order.allowed_location_ids,
                order_id=order.pk,
            )
        except ShortLines as short:
            reason = _shortage_reason(short.shortages, order.location)
            _apply_transition(order, Status.REJECTED, user=None, rejection_reason=reason)
        else:
            _apply_transition(order, Status.CONFIRMED, user=None)
    return order


def _shortage_reason(shortages: list[dict], location: Location | None = None) -> str:
    lines = "; ".join(f"{s['sku']} (requested {s['requested']}, available {s['available']})" for s in shortages)
    where = f" at {location.code}" if location is not None else ""
    return f"Insufficient stock{where} for: {lines}"


# --- actions --------------------------------------------------------------------------------------------------


def _lock_for_action(*, order: Order, user: User, action: policy.Action) -> Order:
    """Lock the order row, then ask the policy: 404, 403, then 409 (see orders.policy)."""
    locked = Order.objects.select_for_update().filter(pk=order.pk).first()
    policy.check(user, locked, action)
    return locked


def _apply_transition(order: Order, to_status: str, *, user: User | None, **fields) -> None:
    """Move a locked order to ``to_status``: the row, an OrderStatusChange and an audit event, in one transaction."""
    from_status = order.status
    if not policy.can_transition(from_status, to_status):
        message = lazy_message(
            _("An order that is %(from_status)s cannot become %(to_status)s."),
            from_status=from_status,
            to_status=to_status,
        )
        raise InvalidTransition(message, order_status=from_status)
    order.status = to_status
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=["status", "updated_at", *fields])
    OrderStatusChange.objects.create(order=order, from_status=from_status, to_status=to_status, by=user)
    changes = {"status": [from_status, to_status], **fields}
    record_event(action=f"order.{to_status}", actor=user, obj=order, changes=changes)
    _emit_status(order, EventType.ORDER_STATUS_CHANGED, from_status=from_status)


def _emit_status(order: Order, type_: str, *, from_status: str | None) -> None:
    """The order's event in the outbox, in the change's transaction; only its creator's client sees it."""
    data = {"order_id": order.pk, "number": order.number, "from_status": from_status, "to_status": order.status}
    outbox.emit(type_, data, owner_id=order.created_by_id)


def _consume(order: Order, user: User) -> None:
    stock_services.consume(
        reference=order.reservation_reference,
        user=user,
        movement_reference=order.number,
        note=f"Order {order}",
        order_id=order.pk,
    )


def _release(order: Order, user: User) -> None:
    stock_services.release(reference=order.reservation_reference, order_id=order.pk)


# What an action does to stock, under the same locks as its transition.
_STOCK_EFFECTS = {policy.SHIP: _consume, policy.CANCEL: _release}


def act(*, order: Order, user: User, action: str) -> Order:
    """Take the action named ``action`` (``ship``, ``deliver``, ``cancel``: orders.policy.ACTIONS) on ``order``.

    NotFound (404) for an unknown action, an order that no longer exists or that ``user`` may not see;
    PermissionDenied (403) when ``user`` may not take it; InvalidTransition (409) from the wrong status.
    """
    step = policy.ACTIONS.get(action)
    if step is None:
        raise NotFound(_("No such action."))
    with transaction.atomic():
        order = _lock_for_action(order=order, user=user, action=step)
        if effect := _STOCK_EFFECTS.get(step):
            effect(order, user)
        _apply_transition(order, step.to_status, user=user)
    return order


def ship_order(*, order: Order, user: User) -> Order:
    """confirmed -> shipped: each reservation becomes an OUT movement (reason ``sale``, reference the number)."""
    return act(order=order, user=user, action=policy.SHIP.name)


def deliver_order(*, order: Order, user: User) -> Order:
    """shipped -> delivered (admins only)."""
    return act(order=order, user=user, action=policy.DELIVER.name)


def cancel_order(*, order: Order, user: User) -> Order:
    """pending or confirmed -> cancelled; a reservation is released (staff: only the orders they placed)."""
    return act(order=order, user=user, action=policy.CANCEL.name)


# --- recovery -------------------------------------------------------------------------------------------------


def requeue_pending_orders(*, older_than: timedelta | None = None) -> int:
    """Enqueue ``process_order`` again for every order ``pending`` longer than ``older_than``.

    Redis keeps nothing on disk here and may be down when an order commits, or a worker may lose its job
    mid-way: this is how such work is recovered. An order whose job still waits on its queue is skipped (one
    job id per order), so the queues hold at most one job per order however many ticks an outage lasts; a
    job that runs twice anyway is harmless (``process_order`` does nothing once the order left ``pending``).
    Returns how many were enqueued; an enqueue that fails is left for the next run.
    """
    if older_than is None:
        older_than = timedelta(seconds=settings.ORDER_REQUEUE_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    stale = Order.objects.filter(status=Status.PENDING, created_at__lt=cutoff).order_by("created_at", "id")
    stale = list(stale.values_list("id", "priority")[:REQUEUE_BATCH])
    jobs = [(order_id, QUEUE_FOR_PRIORITY[priority], process_order_job_id(order_id)) for order_id, priority in stale]
    return requeue(PROCESS_ORDER_JOB, jobs, what="order")
