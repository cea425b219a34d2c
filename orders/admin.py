from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from inventory_site.admin import ReadOnlyAdmin, ReadOnlyInline
from inventory_site.exceptions import DomainError
from orders import policy, services
from orders.models import Order, OrderItem, OrderStatusChange

# The message after an admin action, by action: "Shipped 2 order(s).".
DONE = {
    "ship": _("Shipped %(count)s order(s)."),
    "deliver": _("Delivered %(count)s order(s)."),
    "cancel": _("Cancelled %(count)s order(s)."),
}


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = ("product", "quantity", "unit_price")


class OrderStatusChangeInline(ReadOnlyInline):
    model = OrderStatusChange
    verbose_name_plural = _("status history")
    fields = ("from_status", "to_status", "by", "at")


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    """Read-only here: every change is one of orders.policy.ACTIONS through orders.services (the actions below)."""

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
        "location",
        "allowed_location_ids",
        "rejection_reason",
        "created_by",
        "created_at",
        "updated_at",
    )
    inlines = [OrderItemInline, OrderStatusChangeInline]
    actions = [f"{action.name}_orders" for action in policy.ACTIONS.values()]
    list_select_related = ("created_by",)

    def get_queryset(self, request):
        return policy.visible_orders(super().get_queryset(request), principal=request.user)

    def _act(self, request, queryset, action: policy.Action) -> None:
        """``action`` on each selected order through the service, so the policy decides (404, 403, 409)."""
        done = 0
        for order in queryset.order_by("id"):
            try:
                services.act(order=order, user=request.user, action=action.name)
            except DomainError as error:
                message = _("%(number)s: %(reason)s") % {"number": order.number, "reason": error.message}
                self.message_user(request, message, level=messages.ERROR)
            else:
                done += 1
        if done:
            message = DONE[action.name] % {"count": done}
            self.message_user(request, message, level=messages.SUCCESS)

    @admin.action(description=_("Ship the selected orders"))
    def ship_orders(self, request, queryset):
        self._act(request, queryset, policy.SHIP)

    @admin.action(description=_("Mark the selected orders delivered"))
    def deliver_orders(self, request, queryset):
        self._act(request, queryset, policy.DELIVER)

    @admin.action(description=_("Cancel the selected orders"))
    def cancel_orders(self, request, queryset):
        self._act(request, queryset, policy.CANCEL)
