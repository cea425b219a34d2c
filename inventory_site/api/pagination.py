from django.core.paginator import Paginator as DjangoPaginator
from django.db import connection
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (default 25, at most 100)."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({"page_size": ["A whole number from 1 to 100."]}) from None
        if size < 1:
            raise ValidationError({"page_size": ["A whole number from 1 to 100."]})
        return min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param, 1)
        if raw == "last":
            return raw
        try:
            if int(raw) < 1:
                raise ValueError
        except ValueError:
            raise ValidationError({"page": ["A whole number of 1 or more."]}) from None
        return raw


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
