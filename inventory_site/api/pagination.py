from django.core.paginator import Paginator as DjangoPaginator
from django.db import connection
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework import pagination

from inventory_site import paging


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (default 25, at most 100), read by inventory_site.paging."""

    page_size = paging.DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = paging.MAX_PAGE_SIZE

    def get_page_size(self, request):
        return paging.page_size(request.query_params, default=self.page_size)

    def get_page_number(self, request, paginator):
        return paging.page_number(request.query_params)


class _EstimatingPaginator(DjangoPaginator):
    """Counts exactly, except an unfiltered scan of a large PostgreSQL table, whose planner estimate is used.

    ``COUNT(*)`` over a million-row ledger costs ~90 ms on every history page; past
    ``ESTIMATE_ABOVE`` rows an estimate from ``pg_class.reltuples`` (kept by autovacuum) is close enough for a
    page count, and filtered lists (one product, a date range) are always counted exactly.
    """

    ESTIMATE_ABOVE = 100_000

    @cached_property
    def count(self):
        queryset = self.object_list
        if connection.vendor == "postgresql" and isinstance(queryset, QuerySet) and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
                )
                row = cursor.fetchone()
            if row and row[0] > self.ESTIMATE_ABOVE:
                return int(row[0])
        return super().count


class LargeTablePagination(PageNumberPagination):
    """For append-only tables that grow without bound (the ledger)."""

    django_paginator_class = _EstimatingPaginator
