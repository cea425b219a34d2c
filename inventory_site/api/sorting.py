"""`?sort_by=FIELD&sort_order=asc|desc`; an unknown field is a 400."""

from django.db.models import F, QuerySet
from rest_framework.exceptions import ValidationError


def sort_queryset(
    queryset: QuerySet, params, *, fields: dict[str, str], default: str, nullable: frozenset[str] = frozenset()
) -> QuerySet:
    """Order by a whitelisted field; ``fields`` maps the public name to an ORM expression path.

    ``default`` is a public name, optionally prefixed with ``-``. Ties break on ``id`` so pages are stable.
    Only ``nullable`` fields get an explicit NULLS FIRST/LAST (the same on every database): on a NOT NULL
    column it would stop PostgreSQL from walking an index backwards for ``ORDER BY ... DESC LIMIT n``.
    """
    sort_by = params.get("sort_by")
    sort_order = params.get("sort_order")
    if sort_by is None:
        descending = default.startswith("-")
        sort_by = default.lstrip("-")
    else:
        descending = False
    if sort_by not in fields:
        raise ValidationError({"sort_by": [f"Unknown sort field. Choose one of: {', '.join(sorted(fields))}."]})
    if sort_order is not None:
        if sort_order not in ("asc", "desc"):
            raise ValidationError({"sort_order": ["Use asc or desc."]})
        descending = sort_order == "desc"
    expression = F(fields[sort_by])
    if sort_by in nullable:
        ordering = expression.desc(nulls_last=True) if descending else expression.asc(nulls_first=True)
    else:
        ordering = expression.desc() if descending else expression.asc()
    tie_break = "-id" if descending else "id"
    return queryset.order_by(ordering, tie_break)


class SortMixin:
    """For list views: set ``sort_fields`` and ``default_sort``."""

    sort_fields: dict[str, str] = {}
    nullable_sort_fields: frozenset[str] = frozenset()
    default_sort = "id"

    def sort(self, queryset: QuerySet) -> QuerySet:
        return sort_queryset(
            queryset,
            self.request.query_params,
            fields=self.sort_fields,
            default=self.default_sort,
            nullable=self.nullable_sort_fields,
        )
