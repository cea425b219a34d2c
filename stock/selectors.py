"""Reads of stock: current figures come from StockLevel (O(products)); only history reads the ledger."""

from collections import defaultdict

from django.db.models import QuerySet, Sum

from catalog.models import Product, Supplier
from catalog.selectors import with_stock_figures
from stock.models import ChangeType, Reservation, ReservationState, StockLevel, StockMovement


def movement_list() -> QuerySet:
    return StockMovement.objects.all()


def movement_detail(pk: int) -> StockMovement | None:
    return StockMovement.objects.filter(pk=pk).first()


def stock_level_list() -> QuerySet:
    """Every product with its figures; a product that never moved shows zeros."""
    return with_stock_figures(Product.objects.all())


def product_for_movement(pk: int) -> Product | None:
    return Product.objects.filter(pk=pk).first()


def supplier_for_movement(pk: int) -> Supplier | None:
    return Supplier.objects.filter(pk=pk).first()


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
