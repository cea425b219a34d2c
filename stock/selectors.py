"""Reads of stock, the one home of every stock figure and of "low stock".

Current figures come from the level rows (a handful per product, one subquery per figure: one query per page);
only history and the date-range reports read the ledger. Nothing outside ``stock`` builds a stock figure: the
products API and page, levels, admin, the dashboard and the reports all annotate products here.

A product's figures are sums over its rows: ``on_hand`` everywhere (transit included), ``reserved``,
``available`` = (on hand - reserved) over sellable, active locations only, ``in_transit`` = on hand at transit
locations. At a location (or a subtree of them), ``available`` is what can be taken there: on hand less
reserved.
"""

from collections import defaultdict
from datetime import timedelta

from django.db.models import (
    BigIntegerField,
    Case,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Product, Supplier
from integrations.models import Event, EventType
from stock import figures
from stock.models import (
    ChangeType,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    Location,
    LocationKind,
    Reason,
    Reservation,
    ReservationState,
    StockLevel,
    StockMovement,
)
from stock.services.locations import subtree_ids

# "Low stock": a product's available figure at or below its reorder point (``min_quantity``).
LOW_STOCK = Q(available__lte=F("min_quantity"))
SELLABLE = Q(location__is_sellable=True, location__is_active=True)
AT_TRANSIT = Q(location__kind=LocationKind.TRANSIT)
ON_HAND = F("total_in") - F("total_out")
HELD_OR_RESERVED = Q(total_in__gt=0) | Q(reserved__gt=0)


def is_low(*, available: int, min_quantity: int) -> bool:
    """The same predicate as ``LOW_STOCK``, for one product's figures in hand."""
    return available <= min_quantity


def _sum(expression, levels: QuerySet, condition: Q | None = None):
    rows = levels.filter(condition) if condition is not None else levels
    total = rows.order_by().values("product").annotate(total=Sum(expression)).values("total")
    return Coalesce(Subquery(total, output_field=BigIntegerField()), Value(0), output_field=BigIntegerField())


def with_stock_figures(products: QuerySet, *, location_ids: list[int] | None = None) -> QuerySet:
    """Annotate products with ``total_in``, ``total_out``, ``transfer_in``, ``transfer_out``, ``on_hand``,
    ``reserved``, ``available``, ``in_transit``, ``last_restocked_at`` and ``is_low``.

    With ``location_ids`` (a location and its descendants) the figures are those locations' only, zeros where
    the product has none there.
    """
    levels = StockLevel.objects.filter(product=OuterRef("pk"))
    if location_ids is not None:
        levels = levels.filter(location_id__in=location_ids)
        available = _sum(ON_HAND - F("reserved"), levels)
    else:
        available = _sum(ON_HAND - F("reserved"), levels, SELLABLE)
    restocked = levels.order_by().values("product").annotate(last=Max("last_restocked_at")).values("last")
    return (
        products.annotate(
            total_in=_sum(F("total_in"), levels),
            total_out=_sum(F("total_out"), levels),
            transfer_in=_sum(F("transfer_in"), levels),
            transfer_out=_sum(F("transfer_out"), levels),
            reserved=_sum(F("reserved"), levels),
            available=available,
            in_transit=_sum(ON_HAND, levels, AT_TRANSIT),
            last_restocked_at=Subquery(restocked),
        )
        .annotate(on_hand=F("total_in") - F("total_out"))
        .annotate(is_low=LOW_STOCK)
    )


def low_stock(products: QuerySet, value: bool = True) -> QuerySet:
    """Products (annotated by ``with_stock_figures``) at or below their reorder point, or (False) above it."""
    return products.filter(LOW_STOCK) if value else products.exclude(LOW_STOCK)


def product_list(*, location_ids: list[int] | None = None) -> QuerySet:
    """Every product with its figures; a product that never moved shows zeros."""
    return with_stock_figures(Product.objects.all(), location_ids=location_ids)


def product_detail(pk: int, *, allowed: list[int] | None = None) -> Product | None:
    """One product with its figures and ``location_figures``: every location that has held or reserved it
    (``allowed``: an API client's locations, when it is restricted; None for every location)."""
    product = product_list(location_ids=allowed).filter(pk=pk).first()
    if product is not None:
        rows = product_locations(product.pk)
        product.location_figures = rows if allowed is None else [row for row in rows if row["location_id"] in allowed]
    return product


ORDER_REFERENCE_PREFIX = "order:"  # an order's reservations carry ``order:<id>`` (stock never imports orders)
RECENT_MOVEMENTS = 20


def order_id_of(reference: str) -> int | None:
    """The order id a reservation's ``reference`` names (``order:42``), or None."""
    if reference.startswith(ORDER_REFERENCE_PREFIX) and reference[len(ORDER_REFERENCE_PREFIX) :].isdigit():
        return int(reference[len(ORDER_REFERENCE_PREFIX) :])
    return None


def product_page(pk: int) -> Product | None:
    """What the product page shows: the product with its figures and category, ``location_figures`` (each row
    with ``in_transit``), ``suppliers`` it was received from, ``recent_movements`` and ``open_reservations``
    (each with its ``order_id``)."""
    product = product_detail(pk)
    if product is None:
        return None
    product.category  # noqa: B018 - loaded once, for the page
    for row in product.location_figures:
        row["in_transit"] = row["on_hand"] if row["kind"] == LocationKind.TRANSIT else 0
    product.suppliers = list(
        Supplier.objects.filter(movements__product_id=pk, movements__change_type=ChangeType.IN).distinct()
    )
    product.recent_movements = list(
        movement_list()
        .filter(product_id=pk)
        .select_related("location", "document", "user", "supplier")
        .order_by("-created_at", "-id")[:RECENT_MOVEMENTS]
    )
    product.open_reservations = open_reservations(product_id=pk)
    return product


def open_reservations(*, product_id: int, location_id: int | None = None) -> list[Reservation]:
    """The active reservations of a product (at a location), oldest first, each with ``order_id``."""
    rows = Reservation.objects.filter(product_id=product_id, state=ReservationState.ACTIVE)
    rows = rows.select_related("location", "product")
    if location_id is not None:
        rows = rows.filter(location_id=location_id)
    rows = list(rows.order_by("created_at", "id"))
    for row in rows:
        row.order_id = order_id_of(row.reference)
    return rows


def product_locations(product_id: int) -> list[dict]:
    rows = (
        StockLevel.objects.filter(HELD_OR_RESERVED, product_id=product_id)
        .select_related("location")
        .order_by("location__priority", "location_id")
    )
    return [
        {
            "location_id": level.location_id,
            "code": level.location.code,
            "kind": level.location.kind,
            "is_sellable": level.location.is_sellable and level.location.is_active,
            **figures.location_figures(level),
        }
        for level in rows
    ]


def stock_figures(product: Product | None) -> dict:
    """One product's totals (``{on_hand, reserved, available, in_transit, last_restocked_at}``), zeros without rows."""
    if product is None or not product.pk:
        return figures.product_figures([])
    return figures.product_figures(StockLevel.objects.filter(product=product).select_related("location"))


def level_rows(*, location_ids: list[int] | None = None) -> QuerySet:
    """``stock/levels?by_location=true``: one row (a dict) per product and location that has held or reserved it."""
    rows = StockLevel.objects.filter(HELD_OR_RESERVED)
    if location_ids is not None:
        rows = rows.filter(location_id__in=location_ids)
    figures = rows.annotate(
        sku=F("product__sku"),
        name=F("product__name"),
        min_quantity=F("product__min_quantity"),
        location_code=F("location__code"),
        on_hand=ON_HAND,
        available=ON_HAND - F("reserved"),
        in_transit=Case(When(AT_TRANSIT, then=ON_HAND), default=Value(0), output_field=BigIntegerField()),
    )
    return figures.values(
        "id",
        "product_id",
        "location_id",
        "location_code",
        "sku",
        "name",
        "on_hand",
        "reserved",
        "available",
        "in_transit",
        "min_quantity",
        "last_restocked_at",
    )


def movement_list(*, allowed: list[int] | None = None) -> QuerySet:
    """The ledger (``allowed``: only the movements at those locations; None: every one)."""
    movements = StockMovement.objects.all()
    return movements if allowed is None else movements.filter(location_id__in=allowed)


RECENT_ENTRY_HOURS = 24
RECENT_ENTRIES = 5


def recent_entries(*, user, counts: bool) -> list[StockMovement]:
    """The user's own movements of the last day that a form wrote and that may still be reversed: single
    movements (no document, no reference; ``counts``: those of counts, else the others), none a reversal or
    already reversed. Newest first."""
    since = timezone.now() - timedelta(hours=RECENT_ENTRY_HOURS)
    rows = StockMovement.objects.filter(
        user=user, document__isnull=True, reference="", created_at__gte=since, reversed_by__isnull=True
    ).exclude(reason=Reason.REVERSAL)
    rows = rows.filter(reason=Reason.COUNT) if counts else rows.exclude(reason=Reason.COUNT)
    return list(rows.select_related("product", "location").order_by("-created_at", "-id")[:RECENT_ENTRIES])


def movement_detail(pk: int, *, allowed: list[int] | None = None) -> StockMovement | None:
    return movement_list(allowed=allowed).filter(pk=pk).first()


def stock_level_list(*, location_ids: list[int] | None = None) -> QuerySet:
    """Every product with its figures; a product that never moved shows zeros."""
    return product_list(location_ids=location_ids)


def product_for_movement(pk: int) -> Product | None:
    return Product.objects.filter(pk=pk).first()


def location_list() -> QuerySet:
    return Location.objects.all()


def location_detail(pk: int) -> Location | None:
    return Location.objects.filter(pk=pk).first()


def location_code_taken(code: str, *, exclude_pk: int | None = None) -> bool:
    """Whether another location has ``code`` in any case (the admin form's message; the constraint decides)."""
    return Location.objects.filter(code__iexact=code.strip()).exclude(pk=exclude_pk).exists()


def locations_for(location_id) -> list[int] | None:
    """A ``location_id`` filter's ids: the location and its descendants (None: no filter)."""
    return None if location_id in (None, "") else subtree_ids(location_id)


def document_list(*, allowed: list[int] | None = None) -> QuerySet:
    """Documents with what their answer shows: lines with their products joined (an IN list of a thousand
    products is too deep an expression for SQLite), movement ids, and the reversal (a reverse one-to-one).
    ``allowed``: only documents at those locations (a transfer: either end); None: every one."""
    documents = Document.objects.select_related("reversed_by").prefetch_related(
        Prefetch("lines", queryset=DocumentLine.objects.select_related("product")),
        Prefetch("movements", queryset=StockMovement.objects.only("id", "product_id", "document_id")),
    )
    if allowed is not None:
        documents = documents.filter(
            Q(location_id__in=allowed) | Q(source_location_id__in=allowed) | Q(destination_location_id__in=allowed)
        )
    return documents


def document_detail(pk: int, *, allowed: list[int] | None = None) -> Document | None:
    return document_list(allowed=allowed).filter(pk=pk).first()


def within(location_ids: list[int] | None, allowed: list[int] | None) -> list[int] | None:
    """The locations a read asked for (None: all) narrowed to those a principal may see (None: all)."""
    if allowed is None:
        return location_ids
    return sorted(set(allowed) if location_ids is None else set(location_ids) & set(allowed))


def reservations_of(reference: str) -> QuerySet:
    return Reservation.objects.filter(reference=reference).order_by("product_id", "location__priority", "location_id")


# --- reconciliation -----------------------------------------------------------------------------------------

FIGURES = ("total_in", "total_out", "transfer_in", "transfer_out", "reserved")


def stock_drift() -> list[dict]:
    """Every (product, location) whose level differs from its ledger or its active reservations, every
    completed transfer that does not net to zero per product, and every product whose stock at transit
    locations differs from what open transfers carry; and every movement written while the outbox holds events
    that is not in exactly one ``stock.changed`` event. A full scan, meant for the reconcile command."""
    return [*_level_drift(), *_transfer_drift(), *_transit_drift(), *_event_drift()]


def _event_drift() -> list[dict]:
    """Movements written since the oldest ``stock.changed`` kept (the retention window) that are in no event or
    in more than one, and events naming a movement twice. Older movements have no event by design."""
    changed = Event.objects.filter(type=EventType.STOCK_CHANGED)
    oldest = changed.aggregate(at=Min("occurred_at"))["at"]
    if oldest is None:
        return []
    seen: dict[int, int] = defaultdict(int)
    for ids in changed.values_list("data__movement_ids", flat=True).iterator(chunk_size=5000):
        for movement_id in ids or ():
            seen[movement_id] += 1
    window = StockMovement.objects.filter(created_at__gte=oldest).values_list("pk", "product_id")
    drift = [
        {"kind": "event", "product_id": product_id, "movement_id": pk, "events": seen.get(pk, 0)}
        for pk, product_id in window.order_by("pk").iterator(chunk_size=5000)
        if seen.get(pk, 0) != 1
    ]
    in_window = {row["movement_id"] for row in drift}
    doubled = [pk for pk, count in seen.items() if count > 1 and pk not in in_window]
    products = dict(StockMovement.objects.filter(pk__in=doubled).values_list("pk", "product_id"))
    drift += [
        {"kind": "event", "product_id": products.get(pk), "movement_id": pk, "events": seen[pk]} for pk in doubled
    ]
    return drift


def _level_drift() -> list[dict]:
    expected: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    transfer = Q(document__kind=DocumentKind.TRANSFER)
    sums = (
        StockMovement.objects.values("product_id", "location_id", "change_type")
        .annotate(total=Sum("quantity"), transfers=Coalesce(Sum("quantity", filter=transfer), 0))
        .order_by()
    )
    for row in sums:
        figures = expected[(row["product_id"], row["location_id"])]
        direction = "in" if row["change_type"] == ChangeType.IN else "out"
        figures[f"total_{direction}"] += row["total"]
        figures[f"transfer_{direction}"] += row["transfers"]
    active = Reservation.objects.filter(state=ReservationState.ACTIVE).values("product_id", "location_id").order_by()
    for row in active.annotate(total=Sum("quantity")):
        expected[(row["product_id"], row["location_id"])]["reserved"] = row["total"]
    levels = {
        (row["product_id"], row["location_id"]): row
        for row in StockLevel.objects.values("product_id", "location_id", *FIGURES)
    }
    drift = []
    for pair in sorted(set(expected) | set(levels)):
        want = expected.get(pair, dict.fromkeys(FIGURES, 0))
        level = levels.get(pair)
        actual = {key: level[key] for key in FIGURES} if level else None
        if (actual is None and any(want.values())) or (actual is not None and actual != want):
            drift.append(
                {
                    "kind": "level",
                    "product_id": pair[0],
                    "location_id": pair[1],
                    "level": actual,
                    "expected": dict(want),
                }
            )
    return drift


def _transfer_drift() -> list[dict]:
    """A completed (or cancelled) transfer and its reversal move stock between locations: per document and
    product, the INs equal the OUTs."""
    sums = (
        StockMovement.objects.filter(document__kind=DocumentKind.TRANSFER)
        .exclude(document__status=DocumentStatus.IN_TRANSIT)
        .values("document_id", "product_id")
        .annotate(
            total_in=Coalesce(Sum("quantity", filter=Q(change_type=ChangeType.IN)), 0),
            total_out=Coalesce(Sum("quantity", filter=Q(change_type=ChangeType.OUT)), 0),
        )
        .order_by("document_id", "product_id")
    )
    return [
        {
            "kind": "transfer",
            "document_id": row["document_id"],
            "product_id": row["product_id"],
            "total_in": row["total_in"],
            "total_out": row["total_out"],
        }
        for row in sums
        if row["total_in"] != row["total_out"]
    ]


def _transit_drift() -> list[dict]:
    """The stock at transit locations equals what the transfers in transit carry, per product."""
    held = dict(
        StockLevel.objects.filter(location__kind=LocationKind.TRANSIT)
        .values("product_id")
        .annotate(total=Sum(ON_HAND))
        .order_by()
        .values_list("product_id", "total")
    )
    carried = dict(
        DocumentLine.objects.filter(document__kind=DocumentKind.TRANSFER, document__status=DocumentStatus.IN_TRANSIT)
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .order_by()
        .values_list("product_id", "total")
    )
    return [
        {"kind": "transit", "product_id": pid, "at_transit": held.get(pid, 0), "in_open_transfers": carried.get(pid, 0)}
        for pid in sorted(set(held) | set(carried))
        if held.get(pid, 0) != carried.get(pid, 0)
    ]
