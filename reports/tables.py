"""The four reports as tables: validated parameters in, ordered rows out, a page at a time (cached) or all (CSV).

The API and the HTML pages both go through ``parse``, ``page`` and ``rows``.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from math import ceil

from django.db.models import F, QuerySet
from django.utils import timezone

from inventory_site.exceptions import NotFound
from reports import params as report_params
from reports import selectors
from reports.cache import TTL_CLOSED_RANGE, TTL_CURRENT, TTL_OPEN_RANGE, cached

CSV_CHUNK = 2000


@dataclass(frozen=True)
class Table:
    name: str
    parse: Callable[[object], dict]
    source: Callable[[dict], tuple[QuerySet | list, Callable[[dict], dict]]]
    ttl: Callable[[dict], int]

    def columns(self, parsed: dict) -> list[str]:
        if self.name == "movements":
            by_day = parsed["group_by"] == "day"
            return selectors.MOVEMENTS_BY_DAY_COLUMNS if by_day else selectors.MOVEMENTS_BY_PRODUCT_COLUMNS
        return {
            "stock": selectors.STOCK_COLUMNS,
            "low-stock": selectors.LOW_STOCK_COLUMNS,
            "top-products": selectors.TOP_PRODUCTS_COLUMNS,
        }[self.name]


def _identity(row: dict) -> dict:
    return row


def _order(queryset: QuerySet, sort: tuple[str, bool], fields: dict[str, str], tie: str) -> QuerySet:
    field, descending = sort
    expression = F(fields[field])
    # Every sortable column is NOT NULL (levels are coalesced): a NULLS clause would only stop PostgreSQL from
    # walking an index such as the one on the product name.
    ordering = expression.desc() if descending else expression.asc()
    return queryset.order_by(ordering, f"-{tie}" if descending else tie)


def _stock_source(parsed: dict):
    queryset = selectors.stock_report(
        search=parsed["search"], category_id=parsed["category_id"], is_active=parsed["is_active"]
    )
    queryset = _order(queryset, parsed["sort"], report_params.STOCK_SORT, "id")
    return queryset.values(*selectors.stock_values()), selectors.stock_row


def _low_stock_source(parsed: dict):
    queryset = selectors.low_stock_report(
        search=parsed["search"],
        category_id=parsed["category_id"],
        is_active=parsed["is_active"],
        today=parsed["today"],
    )
    queryset = _order(queryset, parsed["sort"], report_params.LOW_STOCK_SORT, "id")
    return queryset.values(*selectors.low_stock_values()), selectors.low_stock_row


def _movements_source(parsed: dict):
    start, end = parsed["start"], parsed["end"]
    field, descending = parsed["sort"]
    if parsed["group_by"] == "day":
        days = selectors.movements_by_day(start=start, end=end)
        if field != "day" or descending:
            days.sort(key=lambda row: (row[field], row["day"]), reverse=descending)
        return days, _identity
    queryset = selectors.movements_by_product(start=start, end=end)
    return _order(queryset, parsed["sort"], report_params.BY_PRODUCT_SORT, "product_id"), _identity


def _top_products_source(parsed: dict):
    queryset = selectors.top_products(
        direction=parsed["direction"], start=parsed["start"], end=parsed["end"], category_id=parsed["category_id"]
    )
    top = list(queryset.order_by("-quantity", "product_id")[: parsed["limit"]])
    if not parsed["sort"][1]:
        top.reverse()
    return top, _identity


def _range_ttl(parsed: dict) -> int:
    return TTL_OPEN_RANGE if parsed["end"] > timezone.now() else TTL_CLOSED_RANGE


def _low_stock_parse(query) -> dict:
    # Days of cover look back from today: a new day is a new report.
    return {**report_params.low_stock_params(query), "today": timezone.localdate()}


TABLES = {
    "stock": Table("stock", report_params.stock_params, _stock_source, lambda parsed: TTL_CURRENT),
    "low-stock": Table("low-stock", _low_stock_parse, _low_stock_source, lambda parsed: TTL_CURRENT),
    "movements": Table("movements", report_params.movements_params, _movements_source, _range_ttl),
    "top-products": Table("top-products", report_params.top_products_params, _top_products_source, _range_ttl),
}


def parse(name: str, query) -> dict:
    """Validate ``query`` (a QueryDict or dict) for report ``name``; raises ValidationError (400)."""
    return TABLES[name].parse(query)


def _count(source) -> int:
    return len(source) if isinstance(source, list) else source.count()


def page(name: str, parsed: dict, page_number: int | str, page_size: int) -> dict:
    """``{count, page, num_pages, results}`` for one page, cached. A page past the last is a NotFound (404)."""
    table = TABLES[name]

    def compute() -> dict:
        source, to_row = table.source(parsed)
        count = _count(source)
        num_pages = max(1, ceil(count / page_size))
        number = num_pages if page_number == "last" else page_number
        if number > num_pages:
            return {"count": count, "page": number, "num_pages": num_pages, "results": None}
        offset = (number - 1) * page_size
        results = [to_row(values) for values in source[offset : offset + page_size]]
        return {"count": count, "page": number, "num_pages": num_pages, "results": results}

    key_params = {**parsed, "page": page_number, "page_size": page_size}
    data = cached(name, key_params, compute, ttl=table.ttl(parsed))
    if data["results"] is None:
        raise NotFound("Invalid page.")
    return data


def all_rows_cached(name: str, parsed: dict) -> list[dict]:
    """Every row, cached: only for the bounded reports (movements by day, top products) behind the charts."""
    table = TABLES[name]

    def compute() -> list[dict]:
        source, to_row = table.source(parsed)
        return [to_row(values) for values in source]

    return cached(f"{name}:all", parsed, compute, ttl=table.ttl(parsed))


def rows(name: str, parsed: dict) -> Iterator[dict]:
    """Every row, streamed from the database in chunks (CSV): never all in memory."""
    source, to_row = TABLES[name].source(parsed)
    iterable: Iterable = source if isinstance(source, list) else source.iterator(chunk_size=CSV_CHUNK)
    for values in iterable:
        yield to_row(values)
