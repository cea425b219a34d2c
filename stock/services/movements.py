"""Single movements and counts at a location (the default one unless named), through the ledger engine."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, Supplier
from inventory_site import limits
from inventory_site.exceptions import Invalid, lazy_message, use_one_of
from stock import access, figures
from stock.exceptions import FiguresChanged, InsufficientStock
from stock.models import DEFAULT_REASON, SERVICE_REASONS, ChangeType, Location, Reason, StockLevel, StockMovement
from stock.services import guarded, ledger
from stock.services.locations import default_location, usable_location

MAX_QUANTITY = limits.MAX_QUANTITY  # the ledger's quantity column is a 32-bit integer


@dataclass
class Recorded:
    """What a movement or count did: the movement (None for a count that matched), the location's row and the
    product's totals after it."""

    movement: StockMovement | None
    level: StockLevel
    stock: dict
    location_stock: dict
    difference: int = 0

    def __iter__(self):  # ``movement, level = record_movement(...)``
        return iter((self.movement, self.level))


def check_quantity(value, name: str = "quantity", *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_QUANTITY:
        raise Invalid(
            lazy_message(
                _("%(name)s must be a whole number from %(minimum)s to %(maximum)s."),
                name=name,
                minimum=minimum,
                maximum=MAX_QUANTITY,
            ),
            errors={name: [_("Invalid quantity.")]},
        )
    return value


def check_product(product: Product | None, field: str = "product_id") -> Product:
    if product is None:
        raise Invalid.of({field: [_("Unknown product.")]})
    if not product.is_active:
        raise Invalid(_("This product is inactive and takes no movements."), errors={field: [_("Inactive product.")]})
    return product


def _check_movement(*, change_type: str, supplier: Supplier | None, reason: str) -> str:
    if change_type not in ChangeType.values:
        raise Invalid(_("change_type must be IN or OUT."), errors={"change_type": [_("Use IN or OUT.")]})
    if supplier is not None:
        if change_type != ChangeType.IN:
            raise Invalid(_("A supplier is only allowed on IN."), errors={"supplier_id": [_("Only on IN movements.")]})
        if not supplier.is_active:
            raise Invalid(_("This supplier is inactive."), errors={"supplier_id": [_("Inactive supplier.")]})
    reason = reason or DEFAULT_REASON[change_type]
    allowed = [value for value in Reason.values if value not in SERVICE_REASONS]
    if reason not in allowed:
        raise Invalid(_("Unknown reason."), errors={"reason": [use_one_of(allowed)]})
    return reason


def record_movement(
    *,
    product: Product,
    change_type: str,
    quantity: int,
    user,
    supplier: Supplier | None = None,
    reason: str = "",
    note: str = "",
    reference: str = "",
    location: Location | None = None,
    at: datetime | None = None,
    level_present: bool = False,
) -> Recorded:
    """Record one IN or OUT at ``location`` (the default location when None; for an API client restricted to
    locations, its first allowed one; outside them: 403 ``location_forbidden``). An OUT above that location's
    available raises InsufficientStock; nothing is written then. ``at`` backdates it (demo history, tests).
    ``level_present``: the caller saw the (product, location) row exist (see ``ledger.lock``)."""
    check_product(product)
    return _record(
        product_id=product.pk,
        product=product,
        location=_location_for(user, location),
        change_type=change_type,
        quantity=quantity,
        user=user,
        supplier=supplier,
        reason=reason,
        note=note,
        reference=reference,
        at=at,
        level_present=level_present,
    )


# The hot path's memory, per process: the (product, location) rows it has locked (they exist: rows go only with
# their location, and a row gone is created again by ledger.lock), and the default location as last seen (the
# locking statement reads the location again: a default moved meanwhile is noticed there and read afresh).
_SEEN_ROWS: set[tuple[int, int]] = set()
_SEEN_ROWS_MAX = 200_000
_DEFAULT: list[Location] = []


class _DefaultMoved(Exception):
    pass


def _record(
    *,
    product_id,
    product,
    location,
    change_type,
    quantity,
    user,
    supplier,
    reason,
    note,
    reference,
    at=None,
    level_present=False,
    expect_default=False,
) -> Recorded:
    """The movement under the locks; ``product`` None: it is read by the locking statement (its rows exist)."""
    quantity = check_quantity(quantity)
    reason = _check_movement(change_type=change_type, supplier=supplier, reason=reason)
    pair = (product_id, location.pk)
    with transaction.atomic():
        products = {product_id: product} if product is not None else None
        locked = ledger.lock([pair], products=products, present=level_present)
        if expect_default and not locked.level(*pair).location.is_default:
            raise _DefaultMoved  # rolls back: nothing written, no lock kept
        check_product(locked.products.get(product_id))
        ledger.check_locations(locked, [pair])
        change = ledger.Change(
            product_id=product_id,
            location_id=location.pk,
            change_type=change_type,
            quantity=quantity,
            reason=reason,
            supplier_id=supplier.pk if supplier else None,
            note=note,
            reference=reference,
        )
        short = ledger.shortfalls(locked, [change])
        if short:
            raise InsufficientStock(available=short[0]["available"])
        (movement,) = ledger.write(locked, [change], user=user, at=at)
        recorded = _recorded(locked, movement, product_id, location.pk)
    if len(_SEEN_ROWS) >= _SEEN_ROWS_MAX:
        _SEEN_ROWS.clear()
    _SEEN_ROWS.add(pair)
    return recorded


def record_guarded(
    *,
    product_id: int,
    change_type: str,
    quantity: int,
    user,
    reason: str = "",
    note: str = "",
    reference: str = "",
    location_id: int | None = None,
) -> Recorded | None:
    """A movement with no supplier by a user who may act everywhere, as ``guarded``'s one statement, or None
    with nothing written: not on PostgreSQL, or a case the statement leaves to the reference service (an
    unknown or inactive product or location, no level row yet, too little stock, a reorder-point crossing)."""
    if not guarded.applies():
        return None
    reason = _check_movement(change_type=change_type, supplier=None, reason=reason)
    written = guarded.record(
        product_id=product_id,
        location_id=location_id,
        change_type=change_type,
        quantity=check_quantity(quantity),
        reason=reason,
        note=note,
        reference=reference,
        user=user,
    )
    if written is None:
        return None
    movement, level, stock, location_stock = written
    return Recorded(movement=movement, level=level, stock=stock, location_stock=location_stock)


def record_movement_by_id(
    *,
    product_id: int,
    change_type: str,
    quantity: int,
    user,
    supplier_id: int | None = None,
    reason: str = "",
    note: str = "",
    reference: str = "",
    location_id: int | None = None,
) -> Recorded:
    """``record_movement`` for callers holding ids (the API): an unknown product, supplier or location is a 400.

    The hot path: a movement at the default location on a row this process has locked before is the locking
    statement, the INSERT, the UPDATE and the event (the product and the location come with the locked row)."""
    restricted = access.restriction(user) is not None
    if supplier_id is None and not restricted:
        recorded = record_guarded(
            product_id=product_id,
            change_type=change_type,
            quantity=quantity,
            user=user,
            reason=reason,
            note=note,
            reference=reference,
            location_id=location_id,
        )
        if recorded is not None:
            return recorded
    supplier = None
    if supplier_id is not None:
        supplier = Supplier.objects.filter(pk=supplier_id).first()
        if supplier is None:
            raise Invalid(_("Unknown supplier."), errors={"supplier_id": [_("Unknown supplier.")]})
    fields = {
        "change_type": change_type,
        "quantity": quantity,
        "user": user,
        "supplier": supplier,
        "reason": reason,
        "note": note,
        "reference": reference,
    }
    if location_id is None and not restricted:
        for fresh in (False, True):
            if fresh or not _DEFAULT:
                _DEFAULT[:] = [default_location()]
            try:
                return _by_id(product_id, _DEFAULT[0], fields, expect_default=True)
            except _DefaultMoved:
                continue
    location = _location_for(user, usable_location(location_id) if location_id is not None else None)
    return _by_id(product_id, location, fields)


def _by_id(product_id: int, location: Location, fields: dict, *, expect_default: bool = False) -> Recorded:
    if (product_id, location.pk) in _SEEN_ROWS:
        return _record(
            product_id=product_id,
            product=None,
            location=location,
            level_present=True,
            expect_default=expect_default,
            **fields,
        )
    level_here = StockLevel.objects.filter(product_id=OuterRef("pk"), location_id=location.pk)
    product = check_product(Product.objects.filter(pk=product_id).annotate(level_present=Exists(level_here)).first())
    if not expect_default:
        ledger.check_usable(location)
    return _record(
        product_id=product.pk,
        product=product,
        location=location,
        level_present=product.level_present,
        expect_default=expect_default,
        **fields,
    )


def _location_for(user, location: Location | None) -> Location:
    """The location a movement or count of ``user`` goes to (checked: active, not transit, allowed)."""
    if location is None:
        location = access.default_for(user) or default_location()
    return access.check_allowed(user, ledger.check_usable(location))


def count_stock(
    *,
    product: Product,
    counted_quantity: int,
    user,
    note: str = "",
    location: Location | None = None,
    at: datetime | None = None,
    reference: str = "",
    expected: tuple[int, int] | None = None,
) -> Recorded:
    """A stocktake at ``location``: write the difference to the counted figure as one IN or OUT with reason
    ``count`` (none when equal). A count below that location's reserved is a 409 ``insufficient_stock``.

    ``expected``: the (on hand, reserved) figures the caller saw there earlier (an import's preview); when the
    locked row shows others, ``FiguresChanged`` is raised and nothing is written."""
    counted_quantity = check_quantity(counted_quantity, "counted_quantity", minimum=0)
    check_product(product)
    location = _location_for(user, location)
    with transaction.atomic():
        locked = ledger.lock([(product.pk, location.pk)], products={product.pk: product})
        ledger.check_locations(locked, [(product.pk, location.pk)])
        level = locked.level(product.pk, location.pk)
        if expected is not None and (level.on_hand, level.reserved) != tuple(expected):
            raise FiguresChanged(
                lazy_message(
                    _(
                        "%(sku)s at %(location)s changed since it was read: on hand %(seen_on_hand)s -> "
                        "%(on_hand)s, reserved %(seen_reserved)s -> %(reserved)s."
                    ),
                    sku=product.sku,
                    location=location.code,
                    seen_on_hand=expected[0],
                    on_hand=level.on_hand,
                    seen_reserved=expected[1],
                    reserved=level.reserved,
                ),
                on_hand=level.on_hand,
                reserved=level.reserved,
            )
        difference = counted_quantity - level.on_hand
        change = count_change(level, counted_quantity, note=note, reference=reference)
        if change is None:
            return _recorded(locked, None, product.pk, location.pk)
        check_quantity(change.quantity, "counted_quantity")
        (movement,) = ledger.write(locked, [change], user=user, at=at)
        return _recorded(locked, movement, product.pk, location.pk, difference=difference)


def count_change(level: StockLevel, counted: int, *, note: str = "", reference: str = "", index=None):
    """The movement that brings ``level`` to ``counted`` (None when it already is); InsufficientStock when the
    count is below what is reserved there."""
    if counted < level.reserved:
        raise InsufficientStock(
            lazy_message(
                _("The count %(counted)s is below the %(reserved)s reserved at this location."),
                counted=counted,
                reserved=level.reserved,
            ),
            available=level.available,
            reserved=level.reserved,
        )
    difference = counted - level.on_hand
    if difference == 0:
        return None
    return ledger.Change(
        product_id=level.product_id,
        location_id=level.location_id,
        change_type=ChangeType.IN if difference > 0 else ChangeType.OUT,
        quantity=abs(difference),
        reason=Reason.COUNT,
        note=note,
        reference=reference,
        index=index,
    )


def _recorded(locked, movement, product_id: int, location_id: int, *, difference: int = 0) -> Recorded:
    level = locked.level(product_id, location_id)
    return Recorded(
        movement=movement,
        level=level,
        stock=locked.product_figures(product_id),
        location_stock=figures.location_figures(level),
        difference=difference,
    )
