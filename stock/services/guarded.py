"""A single movement as one guarded statement (PostgreSQL): the hot path of ``POST stock/movements``.

``ledger`` is the reference: lock every level row of the product (one SELECT .. FOR UPDATE), check, INSERT the
movement, UPDATE the row, INSERT the event, each a round trip inside BEGIN .. COMMIT (six with them). Here the
same work is one statement, a chain of CTEs, run in autocommit when the caller holds no transaction (one round
trip; the commit is the statement's own):

1. ``locked``: every level row of the product, ``ORDER BY location_id FOR UPDATE``, the same order as
   ``ledger.lock``, so the two paths never deadlock each other. PostgreSQL re-reads a row it had to wait for,
   so the figures are the ones committed before us;
2. ``moved``: the UPDATE of the one row at the location, guarded: it only happens when the row keeps
   ``available >= 0`` (an OUT never oversells; the CHECK constraints stay the last line of defence) and the
   product's ``available`` crosses no reorder point (a crossing writes an audit event, an alert and its own
   event: the reference service does that);
3. the movement and the ``stock.changed`` event are INSERTed from ``moved``'s row, so they exist exactly when
   the UPDATE happened, with the same figures ``stock.events`` computes.

No row back means "not here": a user who is not (or no longer) active staff or an admin, an unknown or
inactive product or location, no level row yet, too little stock, a crossing. The caller then runs the reference
service (or, on the hot path, Django), which writes the row, raises the right error (400, 401, 409), or writes
the crossing, with nothing written by this attempt. Measured (bench/movements.py, 16 clients,
4 gunicorn workers on 2 cores): the statement replaces six round trips and the ORM's query building; see the
README's benchmark table for the figures.
"""

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import HUMAN_ROLES
from integrations import relay
from integrations.models import EventType
from inventory_site.bulk import prepared_cursor
from inventory_site.cache import bump_stock_version
from stock.models import ChangeType, LocationKind, StockLevel, StockMovement

# The target: the named location when given (active, not transit), else the default one. The user's own row
# is checked here too (active, a role that may record a movement anywhere: staff and admins), so the hot path
# needs no lookup of its own for the user of a JWT (stock/hotpath.py). Every parameter is cast: the statement
# is prepared (server-side binding), so its types are fixed once per connection.
STATEMENT = """
WITH product AS (
    SELECT id, sku, min_quantity FROM catalog_product
    WHERE id = %(product_id)s::bigint AND is_active
      AND EXISTS (SELECT 1 FROM accounts_user
                  WHERE id = %(user_id)s::bigint AND is_active AND role = ANY(%(writers)s::varchar[]))
), target AS (
    SELECT id FROM stock_location
    WHERE CASE WHEN %(location_id)s::bigint IS NULL THEN is_default
               ELSE id = %(location_id)s::bigint AND is_active AND kind <> %(transit)s::varchar END
), locked AS (
    SELECT s.id, s.location_id, s.total_in, s.total_out, s.reserved, s.last_restocked_at,
           (l.is_sellable AND l.is_active) AS sellable, l.kind = %(transit)s::varchar AS transit
    FROM stock_stocklevel s JOIN stock_location l ON l.id = s.location_id
    WHERE s.product_id = (SELECT id FROM product)
    ORDER BY s.location_id
    FOR UPDATE OF s
), before AS (
    SELECT COALESCE(SUM(total_in - total_out - reserved) FILTER (WHERE sellable), 0)::bigint AS available,
           COALESCE(SUM(total_in - total_out), 0)::bigint AS on_hand, COALESCE(SUM(reserved), 0)::bigint AS reserved,
           COALESCE(SUM(total_in - total_out) FILTER (WHERE transit), 0)::bigint AS in_transit,
           MAX(last_restocked_at) AS last_restocked_at
    FROM locked
), moved AS (
    UPDATE stock_stocklevel s
    SET total_in = s.total_in + %(in)s::bigint, total_out = s.total_out + %(out)s::bigint,
        last_restocked_at = CASE WHEN %(in)s::bigint > 0 THEN %(now)s::timestamptz ELSE s.last_restocked_at END
    FROM locked, target, product, before
    WHERE s.id = locked.id AND locked.location_id = target.id
      AND s.total_in + %(in)s::bigint - s.total_out - %(out)s::bigint - s.reserved >= 0
      AND NOT (before.available > product.min_quantity
               AND product.min_quantity >= before.available + (%(in)s::bigint - %(out)s::bigint) * locked.sellable::int)
      AND NOT (before.available <= product.min_quantity
               AND product.min_quantity < before.available + (%(in)s::bigint - %(out)s::bigint) * locked.sellable::int)
    RETURNING s.id, s.location_id, s.total_in, s.total_out, s.reserved, s.transfer_in, s.transfer_out,
              s.last_restocked_at, locked.sellable
), movement AS (
    INSERT INTO stock_stockmovement (product_id, change_type, quantity, supplier_id, reason, note, reference,
                                     user_id, created_at, location_id, document_id)
    SELECT %(product_id)s::bigint, %(change_type)s::varchar, %(quantity)s::integer, NULL, %(reason)s::varchar,
           %(note)s::text, %(reference)s::varchar, %(user_id)s::bigint, %(now)s::timestamptz, moved.location_id, NULL
    FROM moved
    RETURNING id
), event AS (
    INSERT INTO integrations_event (uuid, type, occurred_at, data, location_id)
    SELECT gen_random_uuid(), %(event_type)s::varchar, %(now)s::timestamptz, jsonb_build_object(
        'product_id', %(product_id)s::bigint, 'sku', product.sku, 'location_id', moved.location_id,
        'on_hand', moved.total_in - moved.total_out, 'reserved', moved.reserved,
        'available', moved.total_in - moved.total_out - moved.reserved,
        'delta_on_hand', %(in)s::bigint - %(out)s::bigint, 'delta_reserved', 0,
        'product_available', before.available + (%(in)s::bigint - %(out)s::bigint) * moved.sellable::int,
        'reason', %(reason)s::text, 'movement_ids', jsonb_build_array(movement.id),
        'document_id', NULL, 'order_id', NULL), moved.location_id
    FROM moved, movement, product, before
    RETURNING position
)
SELECT movement.id, moved.id, moved.location_id, moved.total_in, moved.total_out, moved.reserved,
       moved.transfer_in, moved.transfer_out, moved.last_restocked_at,
       before.on_hand + %(in)s::bigint - %(out)s::bigint, before.reserved,
       before.available + (%(in)s::bigint - %(out)s::bigint) * moved.sellable::int, before.in_transit,
       GREATEST(before.last_restocked_at, moved.last_restocked_at), (SELECT count(*) FROM event)
FROM moved, movement, before
"""

WRITERS = [str(role) for role in HUMAN_ROLES]  # inventory_site.api.permissions: both have stock:write


def applies() -> bool:
    return settings.STOCK_GUARDED_STATEMENT and connection.vendor == "postgresql"


def record(
    *,
    product_id: int,
    location_id: int | None,
    change_type: str,
    quantity: int,
    reason: str,
    note: str,
    reference: str,
    user,
):
    """``(movement, level, stock, location_stock)`` written, or None when the reference service must do it
    (see the module docstring). The input is validated (quantity, reason); the user may act everywhere."""
    now = timezone.now()
    incoming = quantity if change_type == ChangeType.IN else 0
    params = {
        "product_id": product_id,
        "location_id": location_id,
        "transit": LocationKind.TRANSIT,
        "in": incoming,
        "out": quantity - incoming,
        "now": now,
        "change_type": change_type,
        "quantity": quantity,
        "reason": reason,
        "note": note,
        "reference": reference,
        "user_id": getattr(user, "pk", None),
        "writers": WRITERS,
        "event_type": EventType.STOCK_CHANGED,
    }
    with prepared_cursor() as cursor:
        cursor.execute(STATEMENT, params)
        row = cursor.fetchone()
    if row is None:
        return None
    (movement_id, level_id, location, total_in, total_out, reserved, transfer_in, transfer_out, restocked) = row[:9]
    on_hand, product_reserved, available, in_transit, last_restocked, _ = row[9:]
    transaction.on_commit(relay.kick, robust=True)  # in autocommit: now
    transaction.on_commit(bump_stock_version, robust=True)
    level = StockLevel(
        id=level_id,
        product_id=product_id,
        location_id=location,
        total_in=total_in,
        total_out=total_out,
        reserved=reserved,
        transfer_in=transfer_in,
        transfer_out=transfer_out,
        last_restocked_at=restocked,
    )
    movement = StockMovement(
        id=movement_id,
        product_id=product_id,
        location_id=location,
        change_type=change_type,
        quantity=quantity,
        supplier_id=None,
        reason=reason,
        note=note,
        reference=reference,
        user_id=params["user_id"],
        created_at=now,
        document_id=None,
    )
    movement._state.adding = False
    stock = {
        "on_hand": on_hand,
        "reserved": product_reserved,
        "available": available,
        "in_transit": in_transit,
        "last_restocked_at": last_restocked,
    }
    location_stock = {"on_hand": level.on_hand, "reserved": reserved, "available": level.available}
    return movement, level, stock, location_stock
