"""Reads of stock, the one home of every stock figure and of "low stock".

Current figures come from StockLevel (O(products), a LEFT JOIN: one query per page); only history and the
date-range reports read the ledger. Nothing outside ``stock`` builds a stock figure: the products API and page,
levels, admin, the dashboard and the reports all annotate products here.
"""

from collections import defaultdict

from django.db.models import BigIntegerField, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from catalog.models import Product
from stock.models import ChangeType, Reservation, ReservationState, StockLevel, StockMovement

# "Low stock": a product's available figure at or below its reorder point (``min_quantity``).
LOW_STOCK = Q(available__lte=F("min_quantity"))


def is_low(*, available: int, min_quantity: int) -> bool:
    """The same predicate as ``LOW_STOCK``, for one product's figures in hand."""
    return available <= min_quantity


def _level_figure(field: str):
    # A product without a level row yet has no stock: 0, not NULL.
    return Coalesce(F(f"stock_level__{field}"), 0, output_field=BigIntegerField())


def with_stock_figures(products: QuerySet) -> QuerySet:
    """Annotate products with ``total_in``, ``total_out``, ``on_hand``, ``reserved``, ``available``,
    ``last_restocked_at`` and ``is_low``."""
    return (
        products.annotate(
            total_in=_level_figure("total_in"),
            total_out=_level_figure("total_out"),
            reserved=_level_figure("reserved"),
            last_restocked_at=F("stock_level__last_restocked_at"),
        )
        .annotate(on_hand=F("total_in") - F("total_out"))
        .annotate(available=F("on_hand") - F("reserved"))
        .annotate(is_low=LOW_STOCK)
    )


def low_stock(products: QuerySet, value: bool = True) -> QuerySet:
    """Products (annotated by ``with_stock_figures``) at or below their reorder point, or (False) above it."""
    return products.filter(LOW_STOCK) if value else products.exclude(LOW_STOCK)


def product_list() -> QuerySet:
    """Every product with its figures; a product that never moved shows zeros."""
    return with_stock_figures(Product.objects.all())


def product_detail(pk: int) -> Product | None:
    return product_list().filter(pk=pk).first()


def stock_figures(product: Product | None) -> dict:
    """One product's ``{on_hand, reserved, available}`` from its level row (zeros without one)."""
    level = StockLevel.objects.filter(product=product).first() if product is not None and product.pk else None
    if level is None:
        return {"on_hand": 0, "reserved": 0, "available": 0}
    return {"on_hand": level.on_hand, "reserved": level.reserved, "available": level.available}


def movement_list() -> QuerySet:
    return StockMovement.objects.all()


def movement_detail(pk: int) -> StockMovement | None:
    return StockMovement.objects.filter(pk=pk).first()


def stock_level_list() -> QuerySet:
    """Every product with its figures; a product that never moved shows zeros."""
    return product_list()


def product_for_movement(pk: int) -> Product | None:
    return Product.objects.filter(pk=pk).first()


def stock_drift() -> list[dict]:
    """Every product whose level differs from ``SUM(IN)``, ``SUM(OUT)`` or ``SUM(active reservations)``.

    One grouped query per source, compared in Python: a full scan, meant for the reconcile command.
    """
    ledger: dict[int, dict[str, int]] = defaultdict(lambda: {"total_in": 0, "total_out": 0, "reserved": 0})
    sums = StockMovement.objects.values("product_id", "change_type").annotate(total=Sum("quantity")).order_by()
    for row in sums:
        key = "total_in" if row["change_type"] == ChangeType.IN else "total_out"
        ledger[row["product_id"]][key] = row["total"]
    active = Reservation.objects.filter(state=ReservationState.ACTIVE).values("product_id").order_by()
    for row in active.annotate(total=Sum("quantity")):
        ledger[row["product_id"]]["reserved"] = row["total"]
    levels = {
        level["product_id"]: level
        for level in StockLevel.objects.values("product_id", "total_in", "total_out", "reserved")
    }
    drift = []
    for product_id in sorted(set(ledger) | set(levels)):
        expected = ledger.get(product_id, {"total_in": 0, "total_out": 0, "reserved": 0})
        level = levels.get(product_id)
        if level is None:
            if any(expected.values()):
                drift.append({"product_id": product_id, "level": None, "expected": dict(expected)})
            continue
        actual = {key: level[key] for key in ("total_in", "total_out", "reserved")}
        if actual != expected:
            drift.append({"product_id": product_id, "level": actual, "expected": dict(expected)})
    return drift
