"""Every write to stock: one transaction, level rows locked in ascending product id, figures via F()."""

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from audit.services import record_event
from catalog.models import Product, Supplier
from inventory_site import limits
from inventory_site.cache import bump_stock_version
from inventory_site.exceptions import Invalid
from inventory_site.jobs import enqueue_on_commit, requeue
from stock.exceptions import InsufficientStock, ShortLines
from stock.jobs import low_stock_alert_job_id, send_low_stock_alert
from stock.models import (
    DEFAULT_REASON,
    ChangeType,
    LowStockAlert,
    Reason,
    Reservation,
    ReservationState,
    StockLevel,
    StockMovement,
)


def ensure_level(product_id: int) -> None:
    """Create the product's level row on first need; a no-op when it exists."""
    ensure_levels([product_id])


def ensure_levels(product_ids) -> None:
    StockLevel.objects.bulk_create([StockLevel(product_id=pid) for pid in product_ids], ignore_conflicts=True)


def lock_levels(product_ids) -> dict[int, StockLevel]:
    """Lock the levels of these products, in ascending product id so concurrent writers never deadlock.

    One product whose level exists (every movement after the first) takes one statement. Otherwise the
    missing rows are created before any lock is taken, so no lock is held while waiting on another insert.
    """
    ids = sorted(set(product_ids))
    if len(ids) == 1:
        levels = _select_locked(ids)
        if levels:
            return levels
    ensure_levels(ids)
    return _select_locked(ids)


def _select_locked(ids: list[int]) -> dict[int, StockLevel]:
    levels = StockLevel.objects.select_for_update().filter(product_id__in=ids).order_by("product_id")
    return {level.product_id: level for level in levels}


MAX_QUANTITY = limits.MAX_QUANTITY  # the ledger's quantity column is a 32-bit integer


def _check_quantity(value, name: str = "quantity", *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_QUANTITY:
        raise Invalid(
            f"{name} must be a whole number from {minimum} to {MAX_QUANTITY}.", errors={name: ["Invalid quantity."]}
        )
    return value


def _on_stock_changed() -> None:
    transaction.on_commit(bump_stock_version, robust=True)


def _note_low_stock(product: Product, level: StockLevel, available_before: int, actor) -> None:
    """A ``stock.low`` event and an alert to email when ``available`` crosses down to ``min_quantity`` or below."""
    if available_before > product.min_quantity >= level.available:
        record_event(
            action="stock.low",
            actor=actor,
            obj=product,
            changes={"available": level.available, "min_quantity": product.min_quantity},
        )
        # The alert row, not the job, is what must not be lost: a job lost with Redis is enqueued again.
        alert = LowStockAlert.objects.create(
            product=product, available=level.available, min_quantity=product.min_quantity
        )
        enqueue_on_commit(send_low_stock_alert, alert.pk, queue="low", job_id=low_stock_alert_job_id(alert.pk))


def _apply(level: StockLevel, *, product, change_type, quantity, user, supplier, reason, note, reference, at=None):
    """Write one movement and move the locked level with it. The caller holds the lock and checked stock.

    ``at`` backdates the movement (demo history, tests); by default it is now.
    """
    now = at or timezone.now()
    movement = StockMovement.objects.create(
        product=product,
        change_type=change_type,
        quantity=quantity,
        supplier=supplier,
        reason=reason,
        note=note,
        reference=reference,
        user=user,
        created_at=now,
    )
    if change_type == ChangeType.IN:
        StockLevel.objects.filter(pk=level.pk).update(total_in=F("total_in") + quantity, last_restocked_at=now)
        level.total_in += quantity
        level.last_restocked_at = now
    else:
        StockLevel.objects.filter(pk=level.pk).update(total_out=F("total_out") + quantity)
        level.total_out += quantity
    return movement


def _validate_movement(*, product: Product, change_type: str, supplier: Supplier | None, reason: str) -> str:
    if change_type not in ChangeType.values:
        raise Invalid("change_type must be IN or OUT.", errors={"change_type": ["Use IN or OUT."]})
    if not product.is_active:
        raise Invalid("This product is inactive and takes no movements.", errors={"product_id": ["Inactive product."]})
    if supplier is not None:
        if change_type != ChangeType.IN:
            raise Invalid("A supplier is only allowed on IN.", errors={"supplier_id": ["Only on IN movements."]})
        if not supplier.is_active:
            raise Invalid("This supplier is inactive.", errors={"supplier_id": ["Inactive supplier."]})
    reason = reason or DEFAULT_REASON[change_type]
    if reason not in Reason.values:
        raise Invalid("Unknown reason.", errors={"reason": [f"Use one of: {', '.join(Reason.values)}."]})
    return reason


def record_movement(
    *,
    product: Product,
    change_type: str,
    quantity: int,
    user: User | None,
    supplier: Supplier | None = None,
    reason: str = "",
    note: str = "",
    reference: str = "",
    at: datetime | None = None,
) -> tuple[StockMovement, StockLevel]:
    """Record one IN or OUT. An OUT above ``available`` raises InsufficientStock; nothing is written then.

    ``at`` backdates the movement (demo history, tests); by default it is now.
    """
    quantity = _check_quantity(quantity)
    reason = _validate_movement(product=product, change_type=change_type, supplier=supplier, reason=reason)
    with transaction.atomic():
        level = lock_levels([product.pk])[product.pk]
        movement = _record_locked(
            level,
            product=product,
            change_type=change_type,
            quantity=quantity,
            user=user,
            supplier=supplier,
            reason=reason,
            note=note,
            reference=reference,
            at=at,
        )
    return movement, level


def record_movement_by_id(
    *,
    product_id: int,
    change_type: str,
    quantity: int,
    user: User | None,
    supplier_id: int | None = None,
    reason: str = "",
    note: str = "",
    reference: str = "",
) -> tuple[StockMovement, StockLevel]:
    """``record_movement`` for callers holding ids (the API): an unknown product or supplier is Invalid (400).

    The hot path: the product is read with its locked level in one statement, so a movement costs the lock,
    the INSERT and the UPDATE. ``level.product`` is the product.
    """
    quantity = _check_quantity(quantity)
    supplier = None
    if supplier_id is not None:
        supplier = Supplier.objects.filter(pk=supplier_id).first()
        if supplier is None:
            raise Invalid("Unknown supplier.", errors={"supplier_id": ["Unknown supplier."]})
    with transaction.atomic():
        level = _lock_level_with_product(product_id)
        product = level.product
        reason = _validate_movement(product=product, change_type=change_type, supplier=supplier, reason=reason)
        movement = _record_locked(
            level,
            product=product,
            change_type=change_type,
            quantity=quantity,
            user=user,
            supplier=supplier,
            reason=reason,
            note=note,
            reference=reference,
        )
    return movement, level


def _lock_level_with_product(product_id: int) -> StockLevel:
    if connection.vendor == "postgresql":
        level = _select_for_update_with_product_sql(product_id)
    else:
        locked = StockLevel.objects.select_for_update(of=("self",)).select_related("product")
        level = locked.filter(product_id=product_id).first()
    if level is None:  # the product's first movement, or no such product
        product = Product.objects.filter(pk=product_id).first()
        if product is None:
            raise Invalid("Unknown product.", errors={"product_id": ["Unknown product."]})
        level = lock_levels([product_id])[product_id]
        level.product = product
    return level


_LEVEL_FIELDS = [field.attname for field in StockLevel._meta.concrete_fields]
_PRODUCT_FIELDS = [field.attname for field in Product._meta.concrete_fields]
_LOCK_WITH_PRODUCT_SQL = (
    "SELECT {level}, {product} FROM {levels} l JOIN {products} p ON p.id = l.product_id "
    "WHERE l.product_id = %s FOR UPDATE OF l"
).format(
    level=", ".join(f"l.{field.column}" for field in StockLevel._meta.concrete_fields),
    product=", ".join(f"p.{field.column}" for field in Product._meta.concrete_fields),
    levels=StockLevel._meta.db_table,
    products=Product._meta.db_table,
)


def _select_for_update_with_product_sql(product_id: int) -> StockLevel | None:
    """``select_for_update(of=self).select_related("product")`` written out: the same lock and rows, but this
    runs on every API movement and the ORM spends more CPU compiling that query than PostgreSQL spends
    running it (bench/movements.py). psycopg's values are Django's (Decimal, aware datetimes), so from_db fits.
    """
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_WITH_PRODUCT_SQL, [product_id])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(_LEVEL_FIELDS)
    level = StockLevel.from_db(connection.alias, _LEVEL_FIELDS, row[:split])
    level.product = Product.from_db(connection.alias, _PRODUCT_FIELDS, row[split:])
    return level


def _record_locked(
    level, *, product, change_type, quantity, user, supplier, reason, note, reference, at=None
) -> StockMovement:
    """The checked write, under the level's lock: nothing is written when the stock is short."""
    available_before = level.available
    if change_type == ChangeType.OUT and quantity > available_before:
        raise InsufficientStock(available=available_before)
    movement = _apply(
        level,
        product=product,
        change_type=change_type,
        quantity=quantity,
        user=user,
        supplier=supplier,
        reason=reason,
        note=note,
        reference=reference,
        at=at,
    )
    _note_low_stock(product, level, available_before, user)
    _on_stock_changed()
    return movement


def count_stock(
    *, product: Product, counted_quantity: int, user: User | None, note: str = "", at: datetime | None = None
) -> tuple[StockMovement | None, StockLevel, int]:
    """A stocktake: write the difference to the counted figure as one IN or OUT with reason ``count``."""
    counted_quantity = _check_quantity(counted_quantity, "counted_quantity", minimum=0)
    if not product.is_active:
        raise Invalid("This product is inactive and takes no movements.", errors={"product_id": ["Inactive product."]})
    with transaction.atomic():
        level = lock_levels([product.pk])[product.pk]
        if counted_quantity < level.reserved:
            raise InsufficientStock(
                f"The count {counted_quantity} is below the {level.reserved} reserved.", available=level.available
            )
        difference = counted_quantity - level.on_hand
        if difference == 0:
            return None, level, 0
        _check_quantity(abs(difference), "counted_quantity")
        available_before = level.available
        movement = _apply(
            level,
            product=product,
            change_type=ChangeType.IN if difference > 0 else ChangeType.OUT,
            quantity=abs(difference),
            user=user,
            supplier=None,
            reason=Reason.COUNT,
            note=note,
            reference="",
            at=at,
        )
        _note_low_stock(product, level, available_before, user)
        _on_stock_changed()
    return movement, level, difference


def reserve(*, lines: list[tuple[int, int]], reference: str, user: User | None = None) -> list[Reservation]:
    """Reserve every line or none. Raises ShortLines naming each line that cannot be met.

    Call inside the caller's transaction (e.g. with the order row locked).
    """
    with transaction.atomic():
        levels = lock_levels(product_id for product_id, _ in lines)
        products = Product.objects.in_bulk([product_id for product_id, _ in lines])
        shortages = [
            {"product_id": pid, "sku": products[pid].sku, "requested": qty, "available": levels[pid].available}
            for pid, qty in lines
            if qty > levels[pid].available
        ]
        if shortages:
            raise ShortLines(shortages)
        reservations = []
        for product_id, quantity in sorted(lines):
            level = levels[product_id]
            available_before = level.available
            reservations.append(
                Reservation.objects.create(product_id=product_id, quantity=quantity, reference=reference)
            )
            StockLevel.objects.filter(pk=product_id).update(reserved=F("reserved") + quantity)
            level.reserved += quantity
            _note_low_stock(products[product_id], level, available_before, user)
        _on_stock_changed()
    return reservations


def _lock_active_reservations(reference: str) -> tuple[dict[int, StockLevel], list[Reservation]]:
    """Lock the levels behind ``reference``'s active reservations, then read those reservations again.

    Every writer of a reservation holds its product's level lock, so the second read is exact.
    """
    active = Reservation.objects.filter(reference=reference, state=ReservationState.ACTIVE)
    levels = lock_levels(active.values_list("product_id", flat=True))
    return levels, list(active.order_by("product_id"))


def release(*, reference: str) -> int:
    """Release the active reservations under ``reference``; returns how many."""
    with transaction.atomic():
        _, reservations = _lock_active_reservations(reference)
        for reservation in reservations:
            StockLevel.objects.filter(pk=reservation.product_id).update(reserved=F("reserved") - reservation.quantity)
        Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(state=ReservationState.RELEASED)
        if reservations:
            _on_stock_changed()
    return len(reservations)


def consume(*, reference: str, user: User | None, movement_reference: str, note: str = "") -> list[StockMovement]:
    """Turn the active reservations under ``reference`` into OUT movements (reason ``sale``)."""
    with transaction.atomic():
        levels, reservations = _lock_active_reservations(reference)
        products = Product.objects.in_bulk([r.product_id for r in reservations])
        movements = []
        for reservation in reservations:
            level = levels[reservation.product_id]
            # Lower ``reserved`` before the OUT: the CHECK reserved <= on_hand holds after every statement.
            StockLevel.objects.filter(pk=level.pk).update(reserved=F("reserved") - reservation.quantity)
            level.reserved -= reservation.quantity
            movements.append(
                _apply(
                    level,
                    product=products[reservation.product_id],
                    change_type=ChangeType.OUT,
                    quantity=reservation.quantity,
                    user=user,
                    supplier=None,
                    reason=Reason.SALE,
                    note=note,
                    reference=movement_reference,
                )
            )
        Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(state=ReservationState.CONSUMED)
        if reservations:
            _on_stock_changed()
    return movements


# --- recovery -------------------------------------------------------------------------------------------------

ALERT_REQUEUE_BATCH = 1000


def requeue_low_stock_alerts(*, older_than: timedelta) -> int:
    """Enqueue the email job again for every low-stock alert unsent for longer than ``older_than``: a job
    lost with Redis (down at commit time, or restarted empty) is rebuilt from the alert row. An alert whose
    job still waits is skipped; a job that runs twice sends nothing the second time. Returns how many."""
    unsent = LowStockAlert.objects.filter(sent_at__isnull=True, created_at__lt=timezone.now() - older_than)
    ids = list(unsent.order_by("id").values_list("id", flat=True)[:ALERT_REQUEUE_BATCH])
    jobs = [(alert_id, "low", low_stock_alert_job_id(alert_id)) for alert_id in ids]
    return requeue(send_low_stock_alert, jobs, what="low-stock alert")
