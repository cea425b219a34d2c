"""The one write engine under every stock change: lock, check, write the ledger, move the levels.

A change of stock is a batch of movements (one for a single movement, a line or two per document line) and
reservation deltas. Whatever its size it takes:
- one statement that locks every level row of every product involved, in ascending (product id, location id):
  concurrent writers never deadlock, and a product's figures (its low-stock crossing, its totals) are judged
  with all of its rows locked;
- one multi-row INSERT of the movements and one multi-row UPDATE of the level rows.
Checks happen before any write, against the locked rows; the CHECK constraints on every row stay the last line
of defence. Callers hold the transaction (``transaction.atomic``) and pass validated input.
"""

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from catalog.models import Product
from inventory_site.bulk import insert_rows, prepared_cursor, update_rows
from inventory_site.cache import bump_stock_version
from inventory_site.exceptions import Invalid, lazy_message
from stock import events, figures
from stock.models import ChangeType, Location, StockLevel, StockMovement

LEVEL_FIELDS = ["total_in", "total_out", "reserved", "transfer_in", "transfer_out", "last_restocked_at"]


@dataclass
class Change:
    """One movement to write: ``quantity`` IN or OUT of ``product_id`` at ``location_id``."""

    product_id: int
    location_id: int
    change_type: str
    quantity: int
    reason: str
    supplier_id: int | None = None
    note: str = ""
    reference: str = ""
    is_transfer: bool = False  # counted in the level's transfer_in/transfer_out (reports leave those out)
    index: int | None = None  # the document line it comes from, for naming short lines


@dataclass
class Locked:
    """Level rows under lock (every row of each product involved), with their locations and products."""

    levels: dict[tuple[int, int], StockLevel]
    products: dict[int, Product]
    touched: set[tuple[int, int]] = field(default_factory=set)
    available_before: dict[int, int] = field(default_factory=dict)
    before: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # (on_hand, reserved) per row

    def level(self, product_id: int, location_id: int) -> StockLevel:
        return self.levels[(product_id, location_id)]

    def available_at(self, product_id: int, location_id: int) -> int:
        """What can be taken or reserved at one location (0 where the product has no row)."""
        level = self.levels.get((product_id, location_id))
        return level.available if level is not None else 0

    def rows_of(self, product_id: int) -> list[StockLevel]:
        return [level for (pid, _), level in self.levels.items() if pid == product_id]

    def product_figures(self, product_id: int) -> dict:
        """The product's totals over its rows: ``available`` counts sellable, active locations only."""
        return figures.product_figures(self.rows_of(product_id))


def lock(
    pairs: Iterable[tuple[int, int]] = (),
    *,
    product_ids: Iterable[int] = (),
    products: dict[int, Product] | None = None,
    present: bool = False,
) -> Locked:
    """Lock every level row of the products in ``pairs`` and ``product_ids``, creating the rows ``pairs`` name
    when missing (``product_ids`` alone creates nothing: reservations only take stock that is there).

    The rows ``pairs`` name are created first (one INSERT .. ON CONFLICT DO NOTHING), before any lock is held,
    then every row of the products is locked in one statement: a writer never waits on another's insert while
    holding a lock that writer needs. (A single movement once skipped the INSERT and created a missing row under
    its lock: against a document creating the same row, that deadlocked.) ``present``: the caller has just seen
    every row ``pairs`` names (an unlocked read), so the INSERT is skipped; a row gone meanwhile is still created.

    The locations come with the rows, read by the locking statement: ``check_locations`` judges them fresh.
    """
    wanted = sorted(set(pairs))
    product_ids = sorted({pid for pid, _ in wanted} | set(product_ids))
    if wanted and not present:
        ensure(wanted, unless_read=True)
    levels = _select_locked(product_ids)
    missing = [pair for pair in wanted if pair not in levels]
    if missing:
        ensure(missing)
        levels = _select_locked(product_ids)
    known = {level.product_id: level.product for level in levels.values()}
    missing_products = [pid for pid in product_ids if pid not in known and pid not in (products or {})]
    known.update(Product.objects.in_bulk(missing_products) if missing_products else {})
    locked = Locked(levels=levels, products={**known, **(products or {})})
    locked.available_before = {pid: locked.product_figures(pid)["available"] for pid in product_ids}
    locked.before = events.snapshot(levels.values())
    return locked


def check_usable(location: Location, *, field: str = "location_id", transit_ok: bool = False) -> Location:
    """A movement's location rules on a location in hand (no query): active, and not transit unless asked."""
    if not location.is_active:
        message = _("The location %(code)s is inactive and takes no movements.")
        raise Invalid.of({field: [lazy_message(message, code=location.code)]})
    if location.is_transit and not transit_ok:
        message = _("%(code)s is a transit location: only transfers move stock through it.")
        raise Invalid.of({field: [lazy_message(message, code=location.code)]})
    return location


def check_locations(locked: Locked, pairs, *, field: str = "location_id", transit_ok: bool = False) -> None:
    """The locations of ``pairs`` as the locking statement read them: one deactivated after the caller's first
    check (a concurrent commit) takes no movement either (400)."""
    for pair in sorted(set(pairs)):
        check_usable(locked.level(*pair).location, field=field, transit_ok=transit_ok)


def ensure(pairs, *, unless_read: bool = False) -> None:
    """Create the level rows of these (product, location) pairs that do not exist yet. ``unless_read``: first
    read which exist (no lock) and insert only the others, usually none: a plain SELECT of two columns costs
    far less than a many-row INSERT .. ON CONFLICT DO NOTHING (a 50-line receipt: about 1 ms of CPU less)."""
    if unless_read:
        product_ids = {pid for pid, _ in pairs}
        existing = set(StockLevel.objects.filter(product_id__in=product_ids).values_list("product_id", "location_id"))
        pairs = [pair for pair in pairs if pair not in existing]
        if not pairs:
            return
    StockLevel.objects.bulk_create(
        [StockLevel(product_id=pid, location_id=lid) for pid, lid in pairs], ignore_conflicts=True
    )


def _select_locked(product_ids: list[int]) -> dict[tuple[int, int], StockLevel]:
    """Every level row of ``product_ids`` with its product and location, locked in (product, location) order."""
    if connection.vendor != "postgresql":
        rows = (
            StockLevel.objects.select_for_update(of=("self",))
            .select_related("product", "location")
            .filter(product_id__in=product_ids)
            .order_by("product_id", "location_id")
        )
        return {(level.product_id, level.location_id): level for level in rows}
    # The same query written out: its text is the same for any number of products (``= ANY(array)``), prepared
    # once per connection, where the ORM built and compiled it on every call (about 1 ms of CPU of a 50-line
    # document, 2 of 4 ms measured under load). psycopg gives every column of these three models the value the
    # ORM would (none has a converter on PostgreSQL; SQLite's would need Django's, so it keeps the ORM).
    with prepared_cursor() as cursor:
        cursor.execute(_locked_sql(), [list(product_ids)])
        rows = cursor.fetchall()
    levels = {}
    db, (level_names, product_names, location_names) = connection.alias, _LOCKED_NAMES
    ends = (len(level_names), len(level_names) + len(product_names))
    for row in rows:
        level = StockLevel.from_db(db, level_names, row[: ends[0]])
        level._state.fields_cache["product"] = Product.from_db(db, product_names, row[ends[0] : ends[1]])
        level._state.fields_cache["location"] = Location.from_db(db, location_names, row[ends[1] :])
        levels[(level.product_id, level.location_id)] = level
    return levels


_LOCKED_NAMES = tuple(
    tuple(field.attname for field in model._meta.concrete_fields) for model in (StockLevel, Product, Location)
)


@functools.cache
def _locked_sql() -> str:
    quote = connection.ops.quote_name
    tables = [(alias, model._meta) for alias, model in (("s", StockLevel), ("p", Product), ("l", Location))]
    columns = ", ".join(f"{alias}.{quote(f.column)}" for alias, meta in tables for f in meta.concrete_fields)
    level, product, location = (quote(meta.db_table) for _, meta in tables)
    product_id, location_id = (quote(StockLevel._meta.get_field(name).column) for name in ("product", "location"))
    product_pk, location_pk = (quote(model._meta.pk.column) for model in (Product, Location))
    return (
        f"SELECT {columns} FROM {level} s JOIN {product} p ON p.{product_pk} = s.{product_id}"
        f" JOIN {location} l ON l.{location_pk} = s.{location_id} WHERE s.{product_id} = ANY(%s::bigint[])"
        f" ORDER BY s.{product_id}, s.{location_id} FOR UPDATE OF s"
    )


def shortfalls(locked: Locked, changes: list[Change], reserve: dict[tuple[int, int], int] | None = None) -> list[dict]:
    """The rows this batch would leave with less on hand than reserved, one entry per short change line.

    Each row is judged on the batch's net effect (a transfer's IN and OUT at TRANSIT net out), so nothing is
    written unless every touched row stays within its CHECKs.
    """
    net: dict[tuple[int, int], int] = defaultdict(int)
    for change in changes:
        net[(change.product_id, change.location_id)] += (
            change.quantity if change.change_type == ChangeType.IN else -change.quantity
        )
    for pair, quantity in (reserve or {}).items():
        net[pair] -= quantity
    short_pairs = {pair for pair, delta in net.items() if locked.level(*pair).available + delta < 0}
    found, seen = [], set()
    for change in changes:
        pair = (change.product_id, change.location_id)
        if pair in short_pairs and change.change_type == ChangeType.OUT and pair not in seen:
            seen.add(pair)
            found.append(_shortage(locked, change.index, pair, change.quantity))
    for pair, quantity in (reserve or {}).items():
        if pair in short_pairs and pair not in seen:
            seen.add(pair)
            found.append(_shortage(locked, None, pair, quantity))
    return found


def _shortage(locked: Locked, index, pair, requested: int) -> dict:
    product = locked.products[pair[0]]
    return {
        "index": index,
        "product_id": pair[0],
        "location_id": pair[1],
        "sku": product.sku,
        "requested": requested,
        "available": locked.level(*pair).available,
    }


def write(
    locked: Locked,
    changes: list[Change],
    *,
    user,
    document=None,
    at: datetime | None = None,
    reserve: dict[tuple[int, int], int] | None = None,
    order_id: int | None = None,
) -> list[StockMovement]:
    """Write ``changes`` (one INSERT) and move the locked rows with them and ``reserve`` (one UPDATE), with
    their events (one INSERT: a ``stock.changed`` per touched row, the low-stock crossings).

    ``reserve`` maps (product, location) to a change of ``reserved`` (negative: a release or a consumption);
    ``order_id`` names the order a reservation change belongs to, in the events.
    The caller has checked ``shortfalls``. A transfer's IN does not change ``last_restocked_at``.
    """
    now = at or timezone.now()
    movements = insert_rows(
        StockMovement,
        [
            StockMovement(
                product_id=change.product_id,
                location_id=change.location_id,
                change_type=change.change_type,
                quantity=change.quantity,
                supplier_id=change.supplier_id,
                reason=change.reason,
                note=change.note,
                reference=change.reference,
                user=user if getattr(user, "pk", None) else None,
                document=document,
                created_at=now,
            )
            for change in changes
        ],
    )
    for change in changes:
        level = locked.level(change.product_id, change.location_id)
        if change.change_type == ChangeType.IN:
            level.total_in += change.quantity
            if change.is_transfer:
                level.transfer_in += change.quantity
            else:
                level.last_restocked_at = now
        else:
            level.total_out += change.quantity
            if change.is_transfer:
                level.transfer_out += change.quantity
        locked.touched.add((change.product_id, change.location_id))
    for pair, quantity in (reserve or {}).items():
        locked.level(*pair).reserved += quantity
        locked.touched.add(pair)
    changed = events.stock_changed(
        locked,
        locked.touched,
        movements=movements,
        reserve=reserve,
        document_id=getattr(document, "pk", None),
        order_id=order_id,
    )
    save_levels(locked, user=user, changed=changed)
    return movements


def save_levels(locked: Locked, *, user=None, changed=None) -> None:
    """One UPDATE for every touched row, then the product-level consequences: the events (``changed``, or one
    ``stock.changed`` per touched row), low stock, caches."""
    touched = [locked.levels[pair] for pair in sorted(locked.touched)]
    if not touched:
        return
    if len(touched) == 1:  # a single movement: a plain UPDATE (bulk_update's CASE costs ms to compile)
        (level,) = touched
        StockLevel.objects.filter(pk=level.pk).update(**{name: getattr(level, name) for name in LEVEL_FIELDS})
    else:
        update_rows(StockLevel, touched, LEVEL_FIELDS)  # one UPDATE .. FROM (VALUES ..) on PostgreSQL
    if changed is None:
        changed = events.stock_changed(locked, locked.touched)
    crossings = [_note_crossing(locked, pid, user) for pid in sorted({level.product_id for level in touched})]
    events.emit(changed + crossings)
    locked.touched.clear()
    transaction.on_commit(bump_stock_version, robust=True)


def location_changed(locked: Locked, location: Location, *, user=None) -> None:
    """``location``'s ``is_sellable`` or ``is_active`` changed (saved by the caller, under ``locked``: every row of
    every product held there): one ``stock.changed`` per row there (reason ``location_changed``: the rows' own
    figures are unchanged, the products' ``available`` moved) and the low-stock crossings it caused."""
    pairs = [pair for pair in locked.levels if pair[1] == location.pk]
    for pair in pairs:
        locked.levels[pair].location = location
    changed = events.stock_changed(locked, pairs, reason=events.LOCATION_CHANGED)
    crossings = [_note_crossing(locked, pid, user) for pid in sorted({pid for pid, _ in pairs})]
    events.emit(changed + crossings)
    transaction.on_commit(bump_stock_version, robust=True)


def _note_crossing(locked: Locked, product_id: int, user):
    """A ``stock.low`` audit event when the product's available crosses down to its reorder point; returns the
    crossing's event (``stock.low`` or ``stock.back_in_stock``), or None. The low-stock email is made from that
    event once it has committed (stock.alerts.alerts_from_events)."""
    product = locked.products[product_id]
    before = locked.available_before.get(product_id, 0)
    after = locked.product_figures(product_id)["available"]
    crossing = events.crossing(product, before, after)
    if before > product.min_quantity >= after:
        record_event(
            action="stock.low",
            actor=user,
            obj=product,
            changes={"available": after, "min_quantity": product.min_quantity},
        )
    locked.available_before[product_id] = after
    return crossing


def locations_by_id(ids: Iterable[int]) -> dict[int, Location]:
    return Location.objects.in_bulk(sorted(set(ids)))
