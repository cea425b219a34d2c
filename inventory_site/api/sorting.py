"""The API's list views sort with inventory_site.sorting; an unknown field is a 400."""

from django.db.models import QuerySet

from inventory_site.sorting import sort_queryset


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
