"""Stock admin: the ledger, its projection and reservations are read-only here.

Movements are written only through stock.services (API, HTML form, orders); the admin shows them.
"""

from django.contrib import admin

from inventory_site.admin import ReadOnlyAdmin
from stock.models import LowStockAlert, Reservation, StockLevel, StockMovement


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "product", "change_type", "quantity", "reason", "supplier", "user", "reference")
    list_filter = ("change_type", "reason", "created_at")
    list_select_related = ("product", "supplier", "user")
    search_fields = ("product__sku", "reference", "note")
    date_hierarchy = "created_at"
    # The ledger grows without bound: skip the unfiltered COUNT(*) on every page.
    show_full_result_count = False


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ("product", "total_in", "total_out", "reserved", "on_hand", "available", "last_restocked_at")
    list_select_related = ("product",)
    search_fields = ("product__sku", "product__name")
    ordering = ("product__sku",)

    @admin.display(description="On hand")
    def on_hand(self, level) -> int:
        return level.on_hand

    @admin.display(description="Available")
    def available(self, level) -> int:
        return level.available


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ("reference", "product", "quantity", "state", "created_at", "updated_at")
    list_filter = ("state",)
    list_select_related = ("product",)
    search_fields = ("reference", "product__sku")


@admin.register(LowStockAlert)
class LowStockAlertAdmin(ReadOnlyAdmin):
    """Emails still unsent here after an outage are sent by the scheduler (``requeue_orders``)."""

    list_display = ("created_at", "product", "available", "min_quantity", "sent_at")
    list_filter = (("sent_at", admin.EmptyFieldListFilter), "created_at")
    list_select_related = ("product",)
    search_fields = ("product__sku", "product__name")
