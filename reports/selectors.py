"""Read-only report queries over catalog and stock, and the column table of every report.

Current-stock reports read stock figures and "low stock" from ``stock.selectors`` (``StockLevel``, a handful of
rows per product, O(products)); only the date-range reports scan the ledger, on its ``(created_at)``,
``(product_id, created_at)`` and ``(location_id, created_at)`` indexes.

Locations: every report takes ``location_ids`` (a location and its descendants, or None for all). Over all
locations, transfers and their reversals (movements of transfer documents) are left out: internal moves net to
zero, and the current-stock totals subtract the levels' ``transfer_in``/``transfer_out`` rather than scan the
ledger. At a location a transfer is an IN or an OUT there like any other movement.

Days are calendar days in the current time zone (``TIME_ZONE`` or a ``timezone.override``). Each report's rows
are built by its ``ColumnTable`` from the ``.values()`` it names.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from inventory_site.params import day_range
from reports.columns import BOOLEAN, DATE, DECIMAL, FLOAT, INTEGER, TEXT, Column, ColumnTable
from stock import selectors as stock_selectors
from stock.models import ChangeType, DocumentKind, StockMovement

COVER_WINDOW_DAYS = 30


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


def _stock_value(values: dict) -> Decimal:
    # Worked out here rather than read from the database so the figure is exact on every backend (the query's own
    # stock_value is there to sort by).
    return Decimal(values["unit_price"]) * values["on_hand"]


# --- The column tables: the one place each report's columns are written --------------------------------------
STOCK_COLUMNS = ColumnTable(
    (
        Column("product_id", _("ID"), INTEGER, sort="id"),
        Column("sku", _("SKU"), TEXT, sort="sku"),
        Column("name", _("Name"), TEXT, sort="name"),
        Column("category", _("Category"), TEXT, sort="category_name", source="category_name"),
        Column("is_active", _("Status"), BOOLEAN),
        # Over all locations, without transfers; at a location, everything in and out of it (see the module).
        Column("total_in", _("Total in"), INTEGER, sort="report_in", source="report_in"),
        Column("total_out", _("Total out"), INTEGER, sort="report_out", source="report_out"),
        Column("on_hand", _("On hand"), INTEGER, sort="on_hand"),
        Column("reserved", _("Reserved"), INTEGER, sort="reserved"),
        Column("available", _("Available"), INTEGER, sort="available"),
        Column("unit_price", _("Unit price"), DECIMAL, sort="unit_price"),
        Column(
            "stock_value",
            _("Stock value"),
            DECIMAL,
            sort="stock_value",
            compute=_stock_value,
            reads=("unit_price", "on_hand"),
            max_digits=20,
        ),
    ),
    sort_only=(("created_at", "created_at"),),  # "sortable like products"
)
LOW_STOCK_COLUMNS = STOCK_COLUMNS.plus(
    Column("min_quantity", _("Reorder point"), INTEGER, sort="min_quantity"),
    Column("shortfall", _("Shortfall"), INTEGER, sort="shortfall"),
    Column(
        "suggested_reorder",
        _("Suggested reorder"),
        INTEGER,
        compute=lambda values: suggested_reorder(values["shortfall"], values["reorder_quantity"]),
        reads=("shortfall", "reorder_quantity"),
    ),
    Column(
        "days_of_cover",
        _("Days of cover"),
        FLOAT,
        compute=lambda values: days_of_cover(values["available"], values["recent_out"]),
        reads=("available", "recent_out"),
        nullable=True,
    ),
)
# One table, two shapes: a row per local day (group_by=day) or per product (group_by=product).
MOVEMENTS_COLUMNS = ColumnTable(
    (
        Column("day", _("Day"), DATE, sort="day", group_by="day"),
        Column("product_id", _("ID"), INTEGER, sort="product_id", group_by="product"),
        Column("sku", _("SKU"), TEXT, sort="sku", group_by="product"),
        Column("name", _("Name"), TEXT, sort="name", group_by="product"),
        Column("total_in", _("Total in"), INTEGER, sort="total_in"),
        Column("total_out", _("Total out"), INTEGER, sort="total_out"),
    )
)
MOVEMENTS_BY_DAY_COLUMNS = MOVEMENTS_COLUMNS.shape("day")
MOVEMENTS_BY_PRODUCT_COLUMNS = MOVEMENTS_COLUMNS.shape("product")
TOP_PRODUCTS_COLUMNS = ColumnTable(
    (
        Column("product_id", _("ID"), INTEGER),
        Column("sku", _("SKU"), TEXT),
        Column("name", _("Name"), TEXT),
        Column("quantity", _("Quantity"), INTEGER, sort="quantity"),
    )
)


# --- Current stock ----------------------------------------------------------------------------------------------
def stock_report(
    *,
    search: str = "",
    category_id: int | None = None,
    is_active: bool | None = None,
    location_ids: list[int] | None = None,
) -> QuerySet:
    """Current stock per product, from ``stock.selectors``: an annotated ``Product`` queryset, unordered.

    ``report_in``/``report_out`` are the report's totals: without ``location_ids`` the levels' totals less their
    transfers, with them those locations' whole totals. Sort it, slice it, then turn each of
    ``.values(*STOCK_COLUMNS.values())`` into a row with ``STOCK_COLUMNS.row``.
    """
    products = Product.objects.annotate(product_id=F("id"), category_name=F("category__name"))
    queryset = stock_selectors.with_stock_figures(products, location_ids=location_ids)
    if location_ids is None:
        totals = {"report_in": F("total_in") - F("transfer_in"), "report_out": F("total_out") - F("transfer_out")}
    else:
        totals = {"report_in": F("total_in"), "report_out": F("total_out")}
    queryset = queryset.annotate(
        **totals,
        stock_value=ExpressionWrapper(F("on_hand") * F("unit_price"), output_field=DecimalField(decimal_places=2)),
    )
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(sku__icontains=search))
    if category_id is not None:
        queryset = queryset.filter(category_id=category_id)
    if is_active is not None:
        queryset = queryset.filter(is_active=is_active)
    return queryset


def with_shortfall(products: QuerySet) -> QuerySet:
    """Low-stock products (annotated by ``stock.selectors``) with ``shortfall = min_quantity - available``."""
    return stock_selectors.low_stock(products).annotate(shortfall=F("min_quantity") - F("available"))


def cover_window(today: date | None = None) -> tuple[datetime, datetime]:
    """The last ``COVER_WINDOW_DAYS`` calendar days, today included, as ``(start, end_exclusive)``."""
    today = today or timezone.localdate()
    return day_range(today - timedelta(days=COVER_WINDOW_DAYS - 1), today)


def low_stock_report(
    *,
    search: str = "",
    category_id: int | None = None,
    is_active: bool | None = None,
    today: date | None = None,
    location_ids: list[int] | None = None,
) -> QuerySet:
    """Products whose ``available <= min_quantity`` (at ``location_ids`` when given), with the recent OUT total
    for days of cover (transfers left out over all locations, counted at a location).

    The OUT total is a correlated subquery per low product on the ``(product_id, created_at)`` index.
    """
    start, end = cover_window(today)
    recent_out = (
        _ledger(start, end, location_ids)
        .filter(product_id=OuterRef("pk"), change_type=ChangeType.OUT)
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    queryset = stock_report(search=search, category_id=category_id, is_active=is_active, location_ids=location_ids)
    return with_shortfall(queryset).annotate(recent_out=Subquery(recent_out, output_field=BigIntegerField()))


# --- The ledger over a date range ----------------------------------------------------------------------------
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


def _ledger(start: datetime, end: datetime, location_ids: list[int] | None = None) -> QuerySet:
    """The movements of ``[start, end)``: at ``location_ids``, or over all locations without transfers (the
    movements of transfer documents, their reversals included)."""
    movements = StockMovement.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
    if location_ids is not None:
        return movements.filter(location_id__in=location_ids)
    return movements.exclude(document__kind=DocumentKind.TRANSFER)


def range_days(start: datetime, end: datetime) -> list[date]:
    """Every local calendar day touched by ``[start, end)``."""
    first = timezone.localtime(start).date()
    last = timezone.localtime(end - timedelta(microseconds=1)).date()
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def movements_by_day(*, start: datetime, end: datetime, location_ids: list[int] | None = None) -> list[dict]:
    """``{day (a date), total_in, total_out}`` for every local day of the range, zero days included, oldest first."""
    # TruncDate without tzinfo uses the current time zone, so the days are local ones on every backend.
    totals = (
        _ledger(start, end, location_ids).annotate(day=TruncDate("created_at")).values("day").annotate(**_in_out_sums())
    )
    by_day = {row["day"]: row for row in totals}
    rows = []
    for day in range_days(start, end):
        found = by_day.get(day, {})
        rows.append({"day": day, "total_in": found.get("total_in", 0), "total_out": found.get("total_out", 0)})
    return rows


def movements_by_product(*, start: datetime, end: datetime, location_ids: list[int] | None = None) -> QuerySet:
    """``{product_id, sku, name, total_in, total_out}`` per product that moved in the range; unordered."""
    return (
        _ledger(start, end, location_ids)
        .values("product_id")
        .annotate(sku=F("product__sku"), name=F("product__name"), **_in_out_sums())
        .values(*MOVEMENTS_BY_PRODUCT_COLUMNS.values())
    )


def top_products(
    *,
    direction: str,
    start: datetime,
    end: datetime,
    category_id: int | None = None,
    location_ids: list[int] | None = None,
) -> QuerySet:
    """``{product_id, sku, name, quantity}`` per product, grouped by id (never by name); unordered, unlimited."""
    ledger = _ledger(start, end, location_ids).filter(
        change_type=ChangeType.IN if direction == "in" else ChangeType.OUT
    )
    if category_id is not None:
        ledger = ledger.filter(product__category_id=category_id)
    return (
        ledger.values("product_id")
        .annotate(sku=F("product__sku"), name=F("product__name"), quantity=Sum("quantity"))
        .values(*TOP_PRODUCTS_COLUMNS.values())
    )


# --- The dashboard ----------------------------------------------------------------------------------------------
def movement_totals(*, start: datetime, end: datetime) -> dict:
    """``{total_in, total_out, count}`` of the movements in ``[start, end)``."""
    return _ledger(start, end).aggregate(**_in_out_sums(), count=Count("id"))


def low_stock_products() -> QuerySet:
    """Active low-stock products with their figures and ``shortfall``, largest shortfall first."""
    products = stock_selectors.product_list().filter(is_active=True)
    return with_shortfall(products).select_related("category").order_by("-shortfall", "name")
