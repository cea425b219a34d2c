"""Events, webhooks and deliveries in Django admin: read-only (writes go through the API's services)."""

from django.contrib import admin

from integrations.models import Event, Webhook, WebhookDelivery
from inventory_site.admin import ReadOnlyAdmin


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("sequence", "type", "occurred_at", "location_id", "uuid")
    list_filter = ("type",)
    search_fields = ("uuid",)
    show_full_result_count = False


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    list_display = ("id", "url", "owner", "is_active", "disabled_reason", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url",)
    exclude = ("secret", "previous_secret")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "webhook",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "duration_ms",
        "next_attempt_at",
    )
    list_filter = ("status",)
    list_select_related = ("webhook", "event")
    show_full_result_count = False
