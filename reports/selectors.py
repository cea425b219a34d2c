"""Read-only report queries over catalog and stock.

Current-stock reports read ``StockLevel`` (one row per product, O(products)); only the date-range reports scan the
ledger, on its ``(created_at)`` and ``(product_id, created_at)`` indexes. Days are calendar days in the current
time zone (``TIME_ZONE`` or a ``timezone.override``). Rows are plain dicts with the contract's columns.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from catalog.models import Product
from stock.models import ChangeType, StockMovement

STOCK_COLUMNS = [
    "product_id",
    "sku",
    "name",
    "category",
    "is_active",
    "total_in",
    "total_out",
    "on_hand",
    "reserved",
    "available",
    "unit_price",
    "stock_value",
]
LOW_STOCK_COLUMNS = [*STOCK_COLUMNS, "min_quantity", "shortfall", "suggested_reorder", "days_of_cover"]
MOVEMENTS_BY_DAY_COLUMNS = ["day", "total_in", "total_out"]
MOVEMENTS_BY_PRODUCT_COLUMNS = ["product_id", "sku", "name", "total_in", "total_out"]
TOP_PRODUCTS_COLUMNS = ["product_id", "sku", "name", "quantity"]

COVER_WINDOW_DAYS = 30
CENTS = Decimal("0.01")
_ZERO = Value(0, output_field=BigIntegerField())


def _level(field: str):
    # A product without a level row yet has no stock: LEFT JOIN, then zero.
    return Coalesce(F(f"stock_level__{field}"), _ZERO, output_field=BigIntegerField())


def _stock_queryset(*, search: str = "", category_id: int | None = None, is_active: bool | None = None) -> QuerySet:
    queryset = Product.objects.annotate(
        product_id=F("id"),
        category_name=F("category__name"),
        total_in=_level("total_in"),
        total_out=_level("total_out"),
        reserved=_level("reserved"),
    ).annotate(on_hand=F("total_in") - F("total_out"))
    queryset = queryset.annotate(
        available=F("on_hand") - F("reserved"),
        stock_value=ExpressionWrapper(F("on_hand") * F("unit_price"), output_field=DecimalField(decimal_places=2)),
    )
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(sku__icontains=search))
    if category_id is not None:
        queryset = queryset.filter(category_id=category_id)
    if is_active is not None:
        queryset = queryset.filter(is_active=is_active)
    return queryset


_STOCK_VALUES = [
    "product_id",
    "sku",
    "name",
    "category_name",
    "is_active",
    "total_in",
    "total_out",
    "on_hand",
    "reserved",
    "available",
    "unit_price",
]


def money(value) -> str:
    return str(Decimal(value).quantize(CENTS))


def _stock_row(values: dict) -> dict:
    unit_price = Decimal(values["unit_price"])
    row = {column: values.get(column) for column in STOCK_COLUMNS}
    row["category"] = values["category_name"]
    row["unit_price"] = money(unit_price)
    # Computed here rather than read from the database so the figure is exact on every backend.
    row["stock_value"] = money(unit_price * values["on_hand"])
    return row


def stock_report(*, search: str = "", category_id: int | None = None, is_active: bool | None = None) -> QuerySet:
    """Current stock per product, from ``StockLevel``: an annotated ``Product`` queryset, unordered.

    Sort it, slice it, then turn each of ``.values(*stock_values())`` into a row with ``stock_row``.
    """
    return _stock_queryset(search=search, category_id=category_id, is_active=is_active)


def stock_values() -> list[str]:
    return list(_STOCK_VALUES)


def stock_row(values: dict) -> dict:
    return _stock_row(values)


def cover_window(today: date | None = None) -> tuple[datetime, datetime]:
    """The last ``COVER_WINDOW_DAYS`` calendar days, today included, as ``(start, end_exclusive)``."""
    today = today or timezone.localdate()
    end = timezone.make_aware(datetime.combine(today + timedelta(days=1), datetime.min.time()))
    start = timezone.make_aware(datetime.combine(today - timedelta(days=COVER_WINDOW_DAYS - 1), datetime.min.time()))
    return start, end


def low_stock_report(
    *, search: str = "", category_id: int | None = None, is_active: bool | None = None, today: date | None = None
) -> QuerySet:
    """Products whose ``available <= min_quantity``, with the recent OUT total for days of cover.

    The OUT total is a correlated subquery per low product on the ``(product_id, created_at)`` index.
    """
    start, end = cover_window(today)
    recent_out = (
        StockMovement.objects.filter(
            product_id=OuterRef("pk"), change_type=ChangeType.OUT, created_at__gte=start, created_at__lt=end
        )
        .order_by()
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    queryset = _stock_queryset(search=search, category_id=category_id, is_active=is_active)
    return queryset.filter(available__lte=F("min_quantity")).annotate(
        shortfall=F("min_quantity") - F("available"),
        recent_out=Subquery(recent_out, output_field=BigIntegerField()),
    )


def low_stock_values() -> list[str]:
    return [*_STOCK_VALUES, "min_quantity", "reorder_quantity", "shortfall", "recent_out"]


def suggested_reorder(shortfall: int, reorder_quantity: int) -> int:
    """The shortfall rounded up to a multiple of ``reorder_quantity`` (when that is set)."""
    if shortfall <= 0:
        return 0
    if not reorder_quantity:
        return shortfall
    return -(-shortfall // reorder_quantity) * reorder_quantity


def days_of_cover(available: int, recent_out: int | None) -> float | None:
    """``available`` divided by the mean daily OUT over the cover window; None without OUTs."""
    if not recent_out:
        return None
    return available / (recent_out / COVER_WINDOW_DAYS)


def low_stock_row(values: dict) -> dict:
    row = _stock_row(values)
    row["min_quantity"] = values["min_quantity"]
    row["shortfall"] = values["shortfall"]
    row["suggested_reorder"] = suggested_reorder(values["shortfall"], values["reorder_quantity"])
    row["days_of_cover"] = days_of_cover(values["available"], values["recent_out"])
    return row


def _in_out_sums() -> dict:
    return {
        "total_in": Coalesce(
            Sum(Case(When(change_type=ChangeType.IN, then=F("quantity")), default=0, output_field=IntegerField())),
            0,
        ),
        "total_out": Coalesce(
            Sum(Case(When(change_type=ChangeType.OUT, then=F("quantity")), default=0, output_field=IntegerField())),
            0,
        ),
    }


def _ledger(start: datetime, end: datetime) -> QuerySet:
    return StockMovement.objects.filter(created_at__gte=start, created_at__lt=end).order_by()


def range_days(start: datetime, end: datetime) -> list[date]:
    """Every local calendar day touched by ``[start, end)``."""
    first = timezone.localtime(start).date()
    last = timezone.localtime(end - timedelta(microseconds=1)).date()
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def movements_by_day(*, start: datetime, end: datetime) -> list[dict]:
    """``{day, total_in, total_out}`` for every local day of the range, zero days included, oldest first."""
    # TruncDate without tzinfo uses the current time zone, so the days are local ones on every backend.
    totals = _ledger(start, end).annotate(day=TruncDate("created_at")).values("day").annotate(**_in_out_sums())
    by_day = {row["day"]: row for row in totals}
    rows = []
    for day in range_days(start, end):
        found = by_day.get(day, {})
        rows.append(
            {"day": day.isoformat(), "total_in": found.get("total_in", 0), "total_out": found.get("total_out", 0)}
        )
    return rows


def movements_by_product(*, start: datetime, end: datetime) -> QuerySet:
    """``{product_id, sku, name, total_in, total_out}`` per product that moved in the range; unordered."""
    return (
        _ledger(start, end)
        .values("product_id")
        .annotate(sku=F("product__sku"), name=F("product__name"), **_in_out_sums())
        .values(*MOVEMENTS_BY_PRODUCT_COLUMNS)
    )


def top_products(*, direction: str, start: datetime, end: datetime, category_id: int | None = None) -> QuerySet:
    """``{product_id, sku, name, quantity}`` per product, grouped by id (never by name); unordered, unlimited."""
    ledger = _ledger(start, end).filter(change_type=ChangeType.IN if direction == "in" else ChangeType.OUT)
    if category_id is not None:
        ledger = ledger.filter(product__category_id=category_id)
    return (
        ledger.values("product_id")
        .annotate(sku=F("product__sku"), name=F("product__name"), quantity=Sum("quantity"))
        .values(*TOP_PRODUCTS_COLUMNS)
    )
