"""The four reports as tables: validated parameters in, ordered rows out, a page at a time (cached) or all (CSV).

The API and the HTML pages both go through ``parse``, ``page`` and ``rows``.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from math import ceil

from django.db.models import F, QuerySet
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from inventory_site.exceptions import NotFound
from inventory_site.sorting import order_queryset
from reports import params as report_params
from reports import selectors
from reports.cache import TTL_CLOSED_RANGE, TTL_CURRENT, TTL_OPEN_RANGE, cached
from reports.columns import ColumnTable
from stock import selectors as stock_selectors

CSV_CHUNK = 2000


@dataclass(frozen=True)
class Table:
    """A report: its parameters, its column table (``reports.selectors``), where its rows come from, its TTL."""

    name: str
    parse: Callable[[object], dict]
    column_table: ColumnTable
    source: Callable[[dict, ColumnTable], QuerySet | list]  # the columns' .values(), ordered as parsed["sort"] asks
    ttl: Callable[[dict], int]

    def columns(self, parsed: dict) -> ColumnTable:
        """The columns of this request's rows (the movements report has one shape per ``group_by``)."""
        return self.column_table.shape(parsed.get("group_by"))

    def source_rows(self, parsed: dict) -> tuple[QuerySet | list, Callable[[dict], dict]]:
        columns = self.columns(parsed)
        return self.source(parsed, columns), columns.row


def _ordered(queryset: QuerySet, parsed: dict, columns: ColumnTable, *, tie: str) -> QuerySet:
    name, descending = parsed["sort"]
    path = columns.sort_fields()[name]
    return order_queryset(queryset, path, descending, nullable=name in columns.nullable_sorts(), tie=tie)


def _location_ids(parsed: dict) -> list[int] | None:
    """The parsed ``location_id`` with its descendants (None: every location)."""
    location_id = parsed.get("location_id")
    return stock_selectors.subtree_ids(location_id) if location_id is not None else None


def _catalogue_filters(parsed: dict) -> dict:
    return {
        "search": parsed["search"],
        "category_id": parsed["category_id"],
        "is_active": parsed["is_active"],
        "location_ids": _location_ids(parsed),
    }


def _stock_source(parsed: dict, columns: ColumnTable):
    queryset = selectors.stock_report(**_catalogue_filters(parsed))
    return _ordered(queryset, parsed, columns, tie="id").values(*columns.values())


def _low_stock_source(parsed: dict, columns: ColumnTable):
    queryset = selectors.low_stock_report(**_catalogue_filters(parsed), today=parsed["today"])
    return _ordered(queryset, parsed, columns, tie="id").values(*columns.values())


def _movements_source(parsed: dict, columns: ColumnTable):
    start, end = parsed["start"], parsed["end"]
    field, descending = parsed["sort"]
    if parsed["group_by"] == "day":
        # Every day of the range, zero days included: built in Python, so sorted in Python.
        days = selectors.movements_by_day(start=start, end=end, location_ids=_location_ids(parsed))
        if field != "day" or descending:
            days.sort(key=lambda row: (row[field], row["day"]), reverse=descending)
        return days
    queryset = selectors.movements_by_product(start=start, end=end, location_ids=_location_ids(parsed))
    return _ordered(queryset, parsed, columns, tie="product_id")


def _top_products_source(parsed: dict, columns: ColumnTable):
    queryset = selectors.top_products(
        direction=parsed["direction"],
        start=parsed["start"],
        end=parsed["end"],
        category_id=parsed["category_id"],
        location_ids=_location_ids(parsed),
    )
    path = columns.sort_fields()[parsed["sort"][0]]
    # The top ``limit`` are always the most (ties by id); ``sort_order=asc`` lists the same rows least first.
    top = list(queryset.order_by(F(path).desc(), "product_id")[: parsed["limit"]])
    if not parsed["sort"][1]:
        top.reverse()
    return top


def _range_ttl(parsed: dict) -> int:
    return TTL_OPEN_RANGE if parsed["end"] > timezone.now() else TTL_CLOSED_RANGE


def _low_stock_parse(query) -> dict:
    # Days of cover look back from today: a new day is a new report.
    return {**report_params.low_stock_params(query), "today": timezone.localdate()}


def _current_ttl(parsed: dict) -> int:
    return TTL_CURRENT


TABLES = {
    table.name: table
    for table in (
        Table("stock", report_params.stock_params, selectors.STOCK_COLUMNS, _stock_source, _current_ttl),
        Table("low-stock", _low_stock_parse, selectors.LOW_STOCK_COLUMNS, _low_stock_source, _current_ttl),
        Table("movements", report_params.movements_params, selectors.MOVEMENTS_COLUMNS, _movements_source, _range_ttl),
        Table(
            "top-products",
            report_params.top_products_params,
            selectors.TOP_PRODUCTS_COLUMNS,
            _top_products_source,
            _range_ttl,
        ),
    )
}


def parse(name: str, query) -> dict:
    """Validate ``query`` (a QueryDict or dict) for report ``name``; raises Invalid (400)."""
    return TABLES[name].parse(query)


def _count(source) -> int:
    return len(source) if isinstance(source, list) else source.count()


def page(name: str, parsed: dict, page_number: int | str, page_size: int, *, as_json: bool = False) -> dict:
    """``{count, page, num_pages, results}`` for one page, cached. A page past the last is a NotFound (404).

    ``as_json``: ``results`` as the bytes the API's JSON renderer makes of them, and cached so (under a key of its
    own): a warm API page then neither unpickles nor encodes its rows, about 0.3 ms of the 1.4 ms of CPU a page of
    100 rows cost in-process."""
    table = TABLES[name]

    def compute() -> dict:
        source, to_row = table.source_rows(parsed)
        count = _count(source)
        num_pages = max(1, ceil(count / page_size))
        number = num_pages if page_number == "last" else page_number
        if number > num_pages:
            return {"count": count, "page": number, "num_pages": num_pages, "results": None}
        offset = (number - 1) * page_size
        results = [to_row(values) for values in source[offset : offset + page_size]]
        if as_json:
            results = JSONRenderer().render(results)
        return {"count": count, "page": number, "num_pages": num_pages, "results": results}

    key_params = {**parsed, "page": page_number, "page_size": page_size, **({"as": "json"} if as_json else {})}
    data = cached(name, key_params, compute, ttl=table.ttl(parsed))
    if data["results"] is None:
        raise NotFound("Invalid page.")
    return data


def all_rows_cached(name: str, parsed: dict) -> list[dict]:
    """Every row, cached: only for the bounded reports (movements by day, top products) behind the charts."""
    table = TABLES[name]

    def compute() -> list[dict]:
        source, to_row = table.source_rows(parsed)
        return [to_row(values) for values in source]

    return cached(f"{name}:all", parsed, compute, ttl=table.ttl(parsed))


def rows(name: str, parsed: dict) -> Iterator[dict]:
    """Every row, streamed from the database in chunks (CSV): never all in memory."""
    source, to_row = TABLES[name].source_rows(parsed)
    iterable: Iterable = source if isinstance(source, list) else source.iterator(chunk_size=CSV_CHUNK)
    for values in iterable:
        yield to_row(values)
