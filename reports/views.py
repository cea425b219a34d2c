"""The report pages for admins: the API's reports with filters, pagination, CSV links and SVG charts."""

from datetime import timedelta

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Category, Product
from inventory_site.exceptions import Invalid
from inventory_site.templatetags.inventory import format_money
from inventory_site.web import admin_required
from reports import charts, selectors, tables
from reports import params as report_params
from reports.columns import DECIMAL, FLOAT, Column, ColumnTable
from stock.selectors import location_list

MAX_CHART_DAYS = 366


def _query(request, **changes) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


LINKED = ("sku", "name")  # a row's SKU and name link to its product page


def _cell(column: Column, value, inactive: bool, product_id=None):
    if column.name == "is_active":
        return {"text": "active" if value else "inactive", "badge": "" if value else "low"}
    url = reverse("stock:product-detail", kwargs={"pk": product_id}) if product_id and column.name in LINKED else None
    if column.name == "name" and inactive:
        return {"text": value, "badge_after": "inactive", "url": url}
    if value is None:
        return {"text": "–", "num": True}
    if column.type == FLOAT:
        return {"text": f"{value:.1f}", "num": True}
    if column.type == DECIMAL:  # money: the amount with the currency
        return {"text": format_money(value), "num": True}
    return {"text": value, "num": column.numeric, "url": url, "sku": column.name == "sku"}


def _table(columns: ColumnTable, rows: list[dict]) -> dict:
    ids = {row["product_id"] for row in rows if "product_id" in row and "is_active" not in row}
    # Rows without an is_active column still mark an inactive product (one small query for the page).
    inactive = set(Product.objects.filter(pk__in=ids, is_active=False).values_list("pk", flat=True)) if ids else set()
    return {
        "headers": [{"label": column.label, "num": column.numeric} for column in columns],
        "rows": [
            [_cell(c, row[c.name], row.get("product_id") in inactive, row.get("product_id")) for c in columns]
            for row in rows
        ],
    }


def _field(request, name: str, label: str, kind: str = "text", options=None) -> dict:
    return {"name": name, "label": label, "type": kind, "value": request.GET.get(name, ""), "options": options or []}


def _sort_fields(request, columns: ColumnTable) -> list[dict]:
    sortable = [(name, columns.label(name)) for name in columns.sort_fields()]
    return [
        _field(request, "sort_by", _("Sort by"), "select", [("", _("Default")), *sortable]),
        _field(
            request,
            "sort_order",
            _("Order"),
            "select",
            [("", _("Default")), ("asc", _("Ascending")), ("desc", _("Descending"))],
        ),
    ]


def _location_field(request) -> dict:
    """The location select: a location covers its descendants; "All locations" leaves transfers out."""
    locations = [(str(pk), f"{code} – {name}") for pk, code, name in location_list().values_list("pk", "code", "name")]
    return _field(request, "location_id", _("Location"), "select", [("", _("All locations")), *locations])


def _catalogue_fields(request) -> list[dict]:
    categories = [("", _("All"))] + [(str(pk), name) for pk, name in Category.objects.values_list("pk", "name")]
    return [
        _field(request, "search", _("Search (name or SKU)"), "search"),
        _field(request, "category_id", _("Category"), "select", categories),
        _field(
            request,
            "is_active",
            _("Status"),
            "select",
            [("", _("All")), ("true", _("Active")), ("false", _("Inactive"))],
        ),
        _location_field(request),
    ]


def _date_fields(request) -> list[dict]:
    return [_field(request, "start_date", _("From"), "date"), _field(request, "end_date", _("To (inclusive)"), "date")]


def _show_default_dates(fields: list[dict], parsed: dict) -> None:
    """Empty date fields show the range the report used (its default), marked as the default."""
    bounds = {"start_date": parsed.get("start"), "end_date": parsed.get("end")}
    for field in fields:
        moment = bounds.get(field["name"])
        if moment is None or field["value"]:
            continue
        if field["name"] == "end_date":
            moment -= timedelta(microseconds=1)  # the end is exclusive: its last day is the one before
        field["value"] = timezone.localtime(moment).date().isoformat()
        field["help"] = _("Default")


def _render_report(request, name: str, title: str, fields: list[dict], chart=None):
    context = {"title": title, "fields": fields, "report": name, "errors": None, "table": None}
    context["has_dates"] = any(field["name"] == "start_date" for field in fields)
    status = 200
    try:
        parsed = tables.parse(name, request.GET)
        page_number, page_size = report_params.page(request.GET)
        data = tables.page(name, parsed, page_number, page_size)
    except Invalid as error:
        context["errors"] = error.errors
        return render(request, "reports/report.html", context, status=400)
    number, num_pages = data["page"], data["num_pages"]
    _show_default_dates(fields, parsed)
    context.update(
        table=_table(tables.TABLES[name].columns(parsed), data["results"]),
        count=data["count"],
        page=number,
        num_pages=num_pages,
        previous_query=_query(request, page=str(number - 1)) if number > 1 else None,
        next_query=_query(request, page=str(number + 1)) if number < num_pages else None,
        csv_url=f"{reverse(f'report-{name}')}?{_query(request, page=None, page_size=None, format='csv')}",
        chart=chart(parsed) if chart else None,
        start=parsed.get("start"),
        end=parsed["end"] - timedelta(microseconds=1) if "end" in parsed else None,
    )
    return render(request, "reports/report.html", context, status=status)


def _movements_chart(parsed: dict):
    if parsed["group_by"] != "day" or (parsed["end"] - parsed["start"]).days > MAX_CHART_DAYS:
        return None
    by_day = {**parsed, "sort": ("day", False)}
    return charts.movements_chart(tables.all_rows_cached("movements", by_day))


def _top_chart(parsed: dict):
    most_first = {**parsed, "sort": ("quantity", True)}
    title = _("Top inbound") if parsed["direction"] == "in" else _("Top consumption")
    return charts.top_products_chart(tables.all_rows_cached("top-products", most_first), title=title)


@admin_required
def index(request):
    movements = tables.parse("movements", {})
    consumption = tables.parse("top-products", {"direction": "out"})
    low_count = tables.page("low-stock", tables.parse("low-stock", {}), 1, 1)["count"]
    context = {
        "movements_chart": _movements_chart(movements),
        "top_chart": _top_chart(consumption),
        "low_count": low_count,
        "start": movements["start"],
        "end": movements["end"] - timedelta(microseconds=1),
        "today": timezone.localdate(),
    }
    return render(request, "reports/index.html", context)


@admin_required
def stock(request):
    fields = [*_catalogue_fields(request), *_sort_fields(request, selectors.STOCK_COLUMNS)]
    return _render_report(request, "stock", _("Current stock"), fields)


@admin_required
def low_stock(request):
    fields = [*_catalogue_fields(request), *_sort_fields(request, selectors.LOW_STOCK_COLUMNS)]
    return _render_report(request, "low-stock", _("Low stock"), fields)


@admin_required
def movements(request):
    group_by = [("day", _("Day")), ("product", _("Product"))]
    by_product = request.GET.get("group_by") == "product"
    sortable = selectors.MOVEMENTS_BY_PRODUCT_COLUMNS if by_product else selectors.MOVEMENTS_BY_DAY_COLUMNS
    fields = [
        *_date_fields(request),
        _field(request, "group_by", _("Group by"), "select", group_by),
        _location_field(request),
        *_sort_fields(request, sortable),
    ]
    return _render_report(request, "movements", _("Movements"), fields, chart=_movements_chart)


@admin_required
def top_products(request):
    categories = [("", _("All"))] + [(str(pk), name) for pk, name in Category.objects.values_list("pk", "name")]
    fields = [
        _field(
            request, "direction", _("Direction"), "select", [("out", _("Consumption (OUT)")), ("in", _("Inbound (IN)"))]
        ),
        *_date_fields(request),
        _field(request, "limit", _("Limit (1-100)"), "number"),
        _field(request, "category_id", _("Category"), "select", categories),
        _location_field(request),
    ]
    return _render_report(request, "top-products", _("Top products"), fields, chart=_top_chart)
