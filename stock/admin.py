"""Stock admin: the ledger, its projection and reservations are read-only here.

Movements are written only through stock.services (API, HTML form, orders); the admin shows them.
"""

from django.contrib import admin

from catalog import services as catalog_services
from catalog.models import Product
from inventory_site.admin import ReadOnlyAdmin, ServiceAdmin, deactivate
from stock import selectors
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


class LowStockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "low_stock"

    def lookups(self, request, model_admin):
        return [("yes", "Low (available <= reorder point)"), ("no", "Above the reorder point")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return selectors.low_stock(queryset, self.value() == "yes")
        return queryset


@admin.register(Product)
class ProductAdmin(ServiceAdmin):
    list_display = (
        "sku",
        "name",
        "category",
        "unit_price",
        "on_hand",
        "reserved",
        "available",
        "min_quantity",
        "is_active",
    )
    list_filter = ("is_active", LowStockFilter, "category")
    list_select_related = ("category",)
    search_fields = ("sku", "name")
    fields = (
        "sku",
        "name",
        "description",
        "category",
        "unit",
        "unit_price",
        "min_quantity",
        "reorder_quantity",
        "is_active",
    )
    service_create = staticmethod(catalog_services.create_product)
    service_update = staticmethod(catalog_services.update_product)
    service_delete = staticmethod(catalog_services.delete_product)
    instance_name = "product"
    actions = [deactivate]

    def get_queryset(self, request):
        # Stock figures through the level row's LEFT JOIN: one query per page, no N+1.
        return selectors.with_stock_figures(super().get_queryset(request))

    def deactivate_queryset(self, request, queryset) -> int:
        return catalog_services.deactivate_products(actor=request.user, products=queryset)

    def service_data(self, form) -> dict:
        data = {name: form.cleaned_data[name] for name in self.fields if name in form.cleaned_data}
        if "category" in data:
            data["category_id"] = data.pop("category").pk
        return data

    @admin.display(ordering="on_hand", description="On hand")
    def on_hand(self, obj) -> int:
        return obj.on_hand

    @admin.display(ordering="reserved", description="Reserved")
    def reserved(self, obj) -> int:
        return obj.reserved

    @admin.display(ordering="available", description="Available")
    def available(self, obj) -> int:
        return obj.available
