"""Imports in Django admin: a read-only list (uploads and applies go through the /imports/ page or the API)."""

from django.contrib import admin

from imports import selectors
from imports.models import Import
from inventory_site.admin import ReadOnlyAdmin


@admin.register(Import)
class ImportAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "created_by",
        "kind",
        "file_name",
        "status",
        "count_rows",
        "count_invalid",
        "count_applied",
        "count_conflict",
    )
    list_filter = ("kind", "status")
    search_fields = ("file_name", "created_by__email")
    exclude = ("source",)

    def get_queryset(self, request):
        return selectors.import_list()
