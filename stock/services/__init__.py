"""Every write to stock, one module per subdomain; the public services are re-exported here.

- ``ledger``: the engine under all of them (lock every level row involved in one statement, ascending
  (product id, location id); one INSERT of movements; one UPDATE of levels);
- ``movements``: single movements and counts at a location;
- ``reservations``: allocate (orders choose locations), reserve, release, consume;
- ``documents``: receipts, issues, transfers (direct or via transit, received or cancelled), counts, reversals;
- ``locations``: the location tree and its rules;
- ``products``: a new product with its opening stock (catalog.services, then a receipt).
"""

from stock.alerts import requeue_low_stock_alerts
from stock.services import ledger
from stock.services.documents import (
    cancel_transfer,
    create_document,
    receive_transfer,
    reverse_document,
    reverse_movement,
)
from stock.services.locations import (
    create_location,
    default_location,
    delete_location,
    subtree_ids,
    transit_location,
    update_location,
    usable_location,
)
from stock.services.movements import (
    MAX_QUANTITY,
    Recorded,
    count_stock,
    record_guarded,
    record_movement,
    record_movement_by_id,
)
from stock.services.products import create_product_with_stock
from stock.services.reservations import allocate, consume, release, reserve


def ensure_level(product_id: int, location_id: int | None = None) -> None:
    """Create the product's level row at ``location_id`` (the default location) on first need."""
    ledger.ensure([(product_id, location_id or default_location().pk)])


__all__ = [
    "MAX_QUANTITY",
    "Recorded",
    "allocate",
    "cancel_transfer",
    "consume",
    "count_stock",
    "create_document",
    "create_product_with_stock",
    "create_location",
    "default_location",
    "delete_location",
    "ensure_level",
    "receive_transfer",
    "record_guarded",
    "record_movement",
    "record_movement_by_id",
    "release",
    "requeue_low_stock_alerts",
    "reserve",
    "reverse_document",
    "reverse_movement",
    "subtree_ids",
    "transit_location",
    "update_location",
    "usable_location",
]
