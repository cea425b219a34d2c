"""Sorting, read the same way by the API, the reports and the HTML pages: `?sort_by=FIELD&sort_order=asc|desc`.

``fields`` maps each public name to an ORM expression path; an unknown field or order is a 400 naming the
parameter. ``default`` is a public name, optionally prefixed with ``-``: without ``sort_by`` it applies with its
own direction; with ``sort_by`` and no ``sort_order`` the order is ascending. Ties break on ``id`` (or ``tie``)
so pages are stable.
"""

from django.db.models import F, QuerySet

from inventory_site.exceptions import Invalid


def sort_request(params, fields, default: str) -> tuple[str, bool]:
    """``(public field, descending)``."""
    explicit = params.get("sort_by")
    sort_by = explicit or default.lstrip("-")
    if sort_by not in fields:
        raise Invalid.of({"sort_by": [f"Unknown sort field. Choose one of: {', '.join(sorted(fields))}."]})
    sort_order = params.get("sort_order")
    if sort_order in (None, ""):
        return sort_by, not explicit and default.startswith("-")
    if sort_order not in ("asc", "desc"):
        raise Invalid.of({"sort_order": ["Use asc or desc."]})
    return sort_by, sort_order == "desc"


def order_queryset(
    queryset: QuerySet, path: str, descending: bool, *, nullable: bool = False, tie: str = "id"
) -> QuerySet:
    """Order by ``path`` then ``tie``. Only a ``nullable`` column gets an explicit NULLS FIRST/LAST (the same on
    every database): on a NOT NULL column it would stop PostgreSQL from walking an index backwards for
    ``ORDER BY ... DESC LIMIT n``."""
    expression = F(path)
    if nullable:
        ordering = expression.desc(nulls_last=True) if descending else expression.asc(nulls_first=True)
    else:
        ordering = expression.desc() if descending else expression.asc()
    return queryset.order_by(ordering, f"-{tie}" if descending else tie)


def sort_queryset(
    queryset: QuerySet, params, *, fields: dict[str, str], default: str, nullable: frozenset[str] = frozenset()
) -> QuerySet:
    """``queryset`` ordered as ``params`` ask, within ``fields``."""
    sort_by, descending = sort_request(params, fields, default)
    return order_queryset(queryset, fields[sort_by], descending, nullable=sort_by in nullable)
