"""Paging, read the same way by the API, the reports and the HTML pages: `?page=` and `?page_size=`.

`page` is a whole number from 1 (or `last`); `page_size` a whole number from 1, capped at ``MAX_PAGE_SIZE``.
A bad value is a 400 naming the parameter; the HTML pages (``lenient=True``) fall back to the defaults instead,
since a hand-edited address should still show a page.
"""

from inventory_site.exceptions import Invalid

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
PAGE_SIZE_MESSAGE = f"A whole number from 1 to {MAX_PAGE_SIZE}."
PAGE_MESSAGE = "A whole number of 1 or more."


def _whole_number(raw) -> int | None:
    try:
        value = int(str(raw).strip())
    except ValueError:
        return None
    return value if value >= 1 else None


def page_size(params, *, default: int = DEFAULT_PAGE_SIZE, lenient: bool = False) -> int:
    raw = params.get("page_size")
    if raw in (None, ""):
        return default
    size = _whole_number(raw)
    if size is None:
        if lenient:
            return default
        raise Invalid.of({"page_size": [PAGE_SIZE_MESSAGE]})
    return min(size, MAX_PAGE_SIZE)


def page_number(params, *, lenient: bool = False) -> int | str:
    raw = params.get("page")
    if raw in (None, ""):
        return 1
    if raw == "last":
        return raw
    number = _whole_number(raw)
    if number is None:
        if lenient:
            return 1
        raise Invalid.of({"page": [PAGE_MESSAGE]})
    return number


def page_request(params, *, lenient: bool = False) -> tuple[int | str, int]:
    """``(page, page_size)`` from query parameters."""
    return page_number(params, lenient=lenient), page_size(params, lenient=lenient)
