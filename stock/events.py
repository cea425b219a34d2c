"""The events of a stock change, written by the ledger engine in the change's transaction (integrations.outbox).

One ``stock.changed`` per (product, location) row a write touched, with the row's figures after the change, its
deltas, the product's ``available``, the reason (the movement's, or ``reserve``, ``release``, ``consume`` for a
reservation's own change) and the ids of the movements it wrote there; one ``stock.low`` or
``stock.back_in_stock`` per product whose ``available`` crossed its ``min_quantity``, judged with all of the
product's rows locked. Every write goes through ``ledger.write``, so no change is missed; a rolled-back change
rolls its events back with it.
"""

from collections import defaultdict

from integrations.models import EventType
from integrations.outbox import emit_many
from stock import figures

RESERVE, RELEASE, CONSUME = "reserve", "release", "consume"
LOCATION_CHANGED = "location_changed"  # a location's is_sellable or is_active changed its rows' available


def snapshot(levels) -> dict[tuple[int, int], tuple[int, int]]:
    """``{(product, location): (on_hand, reserved)}`` of locked rows, to compute the deltas of a change."""
    return {(level.product_id, level.location_id): (level.on_hand, level.reserved) for level in levels}


def stock_changed(locked, pairs, *, movements=(), reserve=None, reason=None, document_id=None, order_id=None):
    """The ``stock.changed`` events of one write (not yet emitted): ``[(type, data, location_id, owner_id)]``."""
    by_pair: dict[tuple[int, int], list] = defaultdict(list)
    for movement in movements:
        by_pair[(movement.product_id, movement.location_id)].append(movement)
    reserve = reserve or {}
    events = []
    for pair in sorted(pairs):
        level = locked.level(*pair)
        before_on_hand, before_reserved = locked.before.get(pair, (0, 0))
        written = by_pair.get(pair, [])
        product = locked.products[pair[0]]
        data = {
            "product_id": pair[0],
            "sku": product.sku,
            "location_id": pair[1],
            **figures.location_figures(level),
            "delta_on_hand": level.on_hand - before_on_hand,
            "delta_reserved": level.reserved - before_reserved,
            "product_available": locked.product_figures(pair[0])["available"],
            "reason": reason or _reason(written, reserve.get(pair, 0)),
            "movement_ids": [movement.pk for movement in written],
            "document_id": document_id,
            "order_id": order_id,
        }
        events.append((EventType.STOCK_CHANGED, data, pair[1], None))
        locked.before[pair] = (level.on_hand, level.reserved)
    return events


def _reason(movements, reserved_delta: int) -> str:
    if movements and reserved_delta < 0:
        return CONSUME
    if movements:
        return movements[0].reason
    return RESERVE if reserved_delta > 0 else RELEASE


def crossing(product, before: int, after: int):
    """The ``stock.low`` / ``stock.back_in_stock`` event of a product's ``available`` moving from ``before`` to
    ``after``, or None when it crossed nothing."""
    if before > product.min_quantity >= after:
        type_ = EventType.STOCK_LOW
    elif before <= product.min_quantity < after:
        type_ = EventType.STOCK_BACK_IN_STOCK
    else:
        return None
    data = {"product_id": product.pk, "sku": product.sku, "available": after, "min_quantity": product.min_quantity}
    return (type_, data, None, None)


def emit(events) -> None:
    emit_many([event for event in events if event is not None])
