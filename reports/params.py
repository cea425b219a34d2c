"""Query parameters of the reports, validated and normalized once for the API and the HTML pages.

Every bad value is an ``Invalid`` (400): a bad date or text (checked by inventory_site.params), an end
before the start, an unknown ``group_by`` or ``direction``, a ``limit`` outside 1-100, a sort field that is not a
sortable column of the report (its column table in ``reports.selectors``), a ``location_id`` that names no location.
The normalized dict is also the cache key's input, so defaults (such as "the 30 days ending today") are
resolved here, never left implicit.
"""

from datetime import datetime

from inventory_site import paging
from inventory_site.api.filters import parse_boolean
from inventory_site.exceptions import Invalid
from inventory_site.params import date_range, text_param
from inventory_site.sorting import sort_request
from reports import selectors
from reports.columns import ColumnTable
from stock.models import Location

DEFAULT_RANGE_DAYS = 30
MAX_DAYS_BY_DAY = 3660  # ten years of zero-filled day rows at most
MAX_LIMIT = 100
MAX_INTEGER = 2**63 - 1  # the largest id a database column holds: past it SQLite refuses the query (a 500)


def _invalid(field: str, message: str) -> Invalid:
    return Invalid.of({field: [message]})


def _whole_number(params, name: str, *, minimum: int, maximum: int | None = None, default=None):
    raw = params.get(name)
    if raw in (None, ""):
        return default
    bounds = f"from {minimum} to {maximum}" if maximum is not None else f"of {minimum} or more"
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise _invalid(name, f"A whole number {bounds}.") from None
    if value < minimum or (maximum is not None and value > maximum):
        raise _invalid(name, f"A whole number {bounds}.")
    if value > MAX_INTEGER:
        raise _invalid(name, "The number is too large.")
    return value


def _boolean(params, name: str) -> bool | None:
    try:
        return parse_boolean(params.get(name))
    except ValueError:
        raise _invalid(name, "Use true or false.") from None


def _choice(params, name: str, choices: tuple[str, ...], default: str) -> str:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if raw not in choices:
        raise _invalid(name, f"Use one of: {', '.join(choices)}.")
    return raw


def _sort(params, columns: ColumnTable, default: str) -> tuple[str, bool]:
    """``(column name, descending)`` among the sortable columns; ``default`` may start with ``-``."""
    return sort_request(params, columns.sort_fields(), default)


def dates(params) -> tuple[datetime, datetime]:
    """``(start, end_exclusive)``; defaults to the 30 days ending today (local calendar days)."""
    return date_range(params, default_days=DEFAULT_RANGE_DAYS)


def page(params) -> tuple[int | str, int]:
    """``(page, page_size)`` like the API's paginator: page from 1 (or ``last``), page_size 1-100 (capped)."""
    return paging.page_request(params)


def location_id(params) -> int | None:
    """A location's id (the report covers it and its descendants), or None for every location."""
    value = _whole_number(params, "location_id", minimum=1)
    if value is not None and not Location.objects.filter(pk=value).exists():
        raise _invalid("location_id", "Unknown location.")
    return value


def _catalogue_filters(params) -> dict:
    return {
        "search": text_param(params, "search"),
        "category_id": _whole_number(params, "category_id", minimum=1),
        "is_active": _boolean(params, "is_active"),
        "location_id": location_id(params),
    }


def stock_params(params) -> dict:
    return {**_catalogue_filters(params), "sort": _sort(params, selectors.STOCK_COLUMNS, "name")}


def low_stock_params(params) -> dict:
    return {**_catalogue_filters(params), "sort": _sort(params, selectors.LOW_STOCK_COLUMNS, "-shortfall")}


def movements_params(params) -> dict:
    start, end = dates(params)
    group_by = _choice(params, "group_by", ("day", "product"), "day")
    if group_by == "day":
        if (end - start).days > MAX_DAYS_BY_DAY:
            raise _invalid("start_date", f"Group by day covers at most {MAX_DAYS_BY_DAY} days; use group_by=product.")
        order = _sort(params, selectors.MOVEMENTS_BY_DAY_COLUMNS, "day")
    else:
        order = _sort(params, selectors.MOVEMENTS_BY_PRODUCT_COLUMNS, "name")
    return {"start": start, "end": end, "group_by": group_by, "location_id": location_id(params), "sort": order}


def top_products_params(params) -> dict:
    start, end = dates(params)
    return {
        "direction": _choice(params, "direction", ("in", "out"), "out"),
        "start": start,
        "end": end,
        "limit": _whole_number(params, "limit", minimum=1, maximum=MAX_LIMIT, default=10),
        "category_id": _whole_number(params, "category_id", minimum=1),
        "location_id": location_id(params),
        "sort": _sort(params, selectors.TOP_PRODUCTS_COLUMNS, "-quantity"),
    }
