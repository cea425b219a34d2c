"""Reservations: stock promised to a ``reference`` (``order:42``) at a location, released or consumed later.

``allocate`` chooses the locations (orders): one sellable location that fills every line, lowest ``priority``
first, then lowest id; else line by line across sellable locations in that order, a line split where needed;
else nothing, naming the short lines. Release and consume follow the reservation rows and never choose again.
All under the locks of every level row of the products involved, so concurrent allocations never promise more
than a location holds.
"""

from django.db import transaction

from stock.exceptions import ShortLines
from stock.models import ChangeType, Location, Reason, Reservation, ReservationState, StockMovement
from stock.services import ledger
from stock.services.locations import subtree_ids


def allocate(
    *,
    lines: list[tuple[int, int]],
    reference: str,
    user=None,
    location_id: int | None = None,
    allowed_location_ids: list[int] | None = None,
    order_id: int | None = None,
) -> list[Reservation]:
    """Reserve every ``(product_id, quantity)`` line or none, choosing the locations (see the module).
    ``order_id`` names the order in the stock events.

    ``location_id`` (with its sub-locations) and ``allowed_location_ids`` restrict the choice. Raises
    ShortLines naming each line that cannot be met from the sellable locations allowed.
    """
    with transaction.atomic():
        candidates = _candidates(location_id, allowed_location_ids)
        locked = ledger.lock(product_ids=[pid for pid, _ in lines])
        plan = _single_location(locked, lines, candidates) or _line_by_line(locked, lines, candidates)
        return _reserve(locked, plan, reference=reference, user=user, order_id=order_id)


def reserve(*, lines: list[tuple[int, int]], reference: str, user=None) -> list[Reservation]:
    """Reserve every line or none, at the locations ``allocate`` chooses."""
    return allocate(lines=lines, reference=reference, user=user)


def _candidates(location_id, allowed_location_ids) -> list[int]:
    locations = Location.objects.filter(is_sellable=True, is_active=True)
    if location_id is not None:
        locations = locations.filter(pk__in=subtree_ids(location_id))
    if allowed_location_ids:
        locations = locations.filter(pk__in=allowed_location_ids)
    return list(locations.order_by("priority", "id").values_list("pk", flat=True))


def _single_location(locked, lines, candidates) -> list[tuple[int, int, int]] | None:
    for location_id in candidates:
        if all(locked.available_at(pid, location_id) >= quantity for pid, quantity in lines):
            return [(pid, location_id, quantity) for pid, quantity in lines]
    return None


def _line_by_line(locked, lines, candidates) -> list[tuple[int, int, int]]:
    plan, shortages = [], []
    for index, (pid, quantity) in enumerate(lines):
        remaining, taken = quantity, []
        for location_id in candidates:
            take = min(remaining, locked.available_at(pid, location_id))
            if take > 0:
                taken.append((pid, location_id, take))
                remaining -= take
            if not remaining:
                break
        if remaining:
            available = sum(locked.available_at(pid, location_id) for location_id in candidates)
            product = locked.products[pid]
            shortages.append(
                {"index": index, "product_id": pid, "sku": product.sku, "requested": quantity, "available": available}
            )
        plan += taken
    if shortages:
        raise ShortLines(shortages)
    return plan


def _reserve(locked, plan, *, reference: str, user, order_id=None) -> list[Reservation]:
    reservations = Reservation.objects.bulk_create(
        [Reservation(product_id=pid, location_id=lid, quantity=q, reference=reference) for pid, lid, q in plan]
    )
    ledger.write(locked, [], user=user, reserve={(pid, lid): q for pid, lid, q in plan}, order_id=order_id)
    return reservations


def _lock_active(reference: str):
    """Lock the levels behind ``reference``'s active reservations, then read those reservations again: every
    writer of a reservation holds its product's level locks, so the second read is exact."""
    active = Reservation.objects.filter(reference=reference, state=ReservationState.ACTIVE)
    locked = ledger.lock(product_ids=active.values_list("product_id", flat=True))
    return locked, list(active.order_by("product_id", "location_id"))


def release(*, reference: str, user=None, order_id: int | None = None) -> int:
    """Release the active reservations under ``reference``; returns how many."""
    with transaction.atomic():
        locked, reservations = _lock_active(reference)
        if reservations:
            ledger.write(
                locked,
                [],
                user=user,
                reserve={(r.product_id, r.location_id): -r.quantity for r in reservations},
                order_id=order_id,
            )
            Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(state=ReservationState.RELEASED)
    return len(reservations)


def consume(
    *, reference: str, user, movement_reference: str, note: str = "", order_id: int | None = None
) -> list[StockMovement]:
    """Turn the active reservations under ``reference`` into OUT movements at their locations (reason ``sale``)."""
    with transaction.atomic():
        locked, reservations = _lock_active(reference)
        if not reservations:
            return []
        changes = [
            ledger.Change(
                product_id=r.product_id,
                location_id=r.location_id,
                change_type=ChangeType.OUT,
                quantity=r.quantity,
                reason=Reason.SALE,
                note=note,
                reference=movement_reference,
            )
            for r in reservations
        ]
        reserve = {(r.product_id, r.location_id): -r.quantity for r in reservations}
        movements = ledger.write(locked, changes, user=user, reserve=reserve, order_id=order_id)
        Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(state=ReservationState.CONSUMED)
    return movements
