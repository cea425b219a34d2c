"""Query parameters of the reports, validated and normalized once for the API and the HTML pages.

Every bad value is an ``Invalid`` (400): a bad date or text (checked by inventory_site.params), an end
before the start, an unknown ``group_by`` or ``direction``, a ``limit`` outside 1-100, an unknown sort field.
The normalized dict is also the cache key's input, so defaults (such as "the 30 days ending today") are
resolved here, never left implicit.
"""

from datetime import datetime

from inventory_site import paging
from inventory_site.api.filters import parse_boolean
from inventory_site.exceptions import Invalid
from inventory_site.params import date_range, text_param
from inventory_site.sorting import sort_request

DEFAULT_RANGE_DAYS = 30
MAX_DAYS_BY_DAY = 3660  # ten years of zero-filled day rows at most
MAX_LIMIT = 100
MAX_INTEGER = 2**63 - 1  # the largest id a database column holds: past it SQLite refuses the query (a 500)

STOCK_SORT = {
    "product_id": "id",
    "sku": "sku",
    "name": "name",
    "category": "category_name",
    "created_at": "created_at",
    "unit_price": "unit_price",
    "total_in": "total_in",
    "total_out": "total_out",
    "on_hand": "on_hand",
    "reserved": "reserved",
    "available": "available",
    "stock_value": "stock_value",
}
LOW_STOCK_SORT = {**STOCK_SORT, "min_quantity": "min_quantity", "shortfall": "shortfall"}
BY_PRODUCT_SORT = {
    "product_id": "product_id",
    "sku": "sku",
    "name": "name",
    "total_in": "total_in",
    "total_out": "total_out",
}
BY_DAY_SORT = {"day": "day", "total_in": "total_in", "total_out": "total_out"}
TOP_SORT = {"quantity": "quantity"}


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


def sort(params, fields: dict[str, str], default: str) -> tuple[str, bool]:
    """``(public field, descending)`` from ``sort_by``/``sort_order``; ``default`` may start with ``-``."""
    return sort_request(params, fields, default)


def dates(params) -> tuple[datetime, datetime]:
    """``(start, end_exclusive)``; defaults to the 30 days ending today (local calendar days)."""
    return date_range(params, default_days=DEFAULT_RANGE_DAYS)


def page(params) -> tuple[int | str, int]:
    """``(page, page_size)`` like the API's paginator: page from 1 (or ``last``), page_size 1-100 (capped)."""
    return paging.page_request(params)


def _catalogue_filters(params) -> dict:
    return {
        "search": text_param(params, "search"),
        "category_id": _whole_number(params, "category_id", minimum=1),
        "is_active": _boolean(params, "is_active"),
    }


def stock_params(params) -> dict:
    return {**_catalogue_filters(params), "sort": sort(params, STOCK_SORT, "name")}


def low_stock_params(params) -> dict:
    return {**_catalogue_filters(params), "sort": sort(params, LOW_STOCK_SORT, "-shortfall")}


def movements_params(params) -> dict:
    start, end = dates(params)
    group_by = _choice(params, "group_by", ("day", "product"), "day")
    if group_by == "day":
        if (end - start).days > MAX_DAYS_BY_DAY:
            raise _invalid("start_date", f"Group by day covers at most {MAX_DAYS_BY_DAY} days; use group_by=product.")
        order = sort(params, BY_DAY_SORT, "day")
    else:
        order = sort(params, BY_PRODUCT_SORT, "name")
    return {"start": start, "end": end, "group_by": group_by, "sort": order}


def top_products_params(params) -> dict:
    start, end = dates(params)
    return {
        "direction": _choice(params, "direction", ("in", "out"), "out"),
        "start": start,
        "end": end,
        "limit": _whole_number(params, "limit", minimum=1, maximum=MAX_LIMIT, default=10),
        "category_id": _whole_number(params, "category_id", minimum=1),
        "sort": sort(params, TOP_SORT, "-quantity"),
    }
