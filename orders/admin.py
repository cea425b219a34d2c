from django.contrib import admin, messages

from inventory_site.exceptions import DomainError
from orders import services
from orders.models import Order, OrderItem, OrderStatusChange


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    fields = ("product", "quantity", "unit_price")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OrderStatusChangeInline(admin.TabularInline):
    model = OrderStatusChange
    verbose_name_plural = "status history"
    fields = ("from_status", "to_status", "by", "at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Read-only here: every change goes through orders.services (the actions below)."""

    list_display = ("number", "status", "priority", "customer_name", "created_by", "created_at")
    list_filter = ("status", "priority", "created_at")
    date_hierarchy = "created_at"
    search_fields = ("number", "customer_name", "customer_email", "reference")
    readonly_fields = (
        "number",
        "status",
        "priority",
        "customer_name",
        "customer_email",
        "reference",
        "note",
        "rejection_reason",
        "created_by",
        "created_at",
        "updated_at",
    )
    inlines = [OrderItemInline, OrderStatusChangeInline]
    actions = ["ship_orders", "cancel_orders"]
    list_select_related = ("created_by",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _act(self, request, queryset, action, verb: str) -> None:
        done = 0
        for order in queryset.order_by("id"):
            try:
                action(order=order, user=request.user)
            except DomainError as error:
                self.message_user(request, f"{order.number}: {error.message}", level=messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} order(s).", level=messages.SUCCESS)

    @admin.action(description="Ship the selected orders")
    def ship_orders(self, request, queryset):
        self._act(request, queryset, services.ship_order, "Shipped")

    @admin.action(description="Cancel the selected orders")
    def cancel_orders(self, request, queryset):
        self._act(request, queryset, services.cancel_order, "Cancelled")
