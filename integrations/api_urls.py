from integrations import api
from inventory_site.api.routing import api_path

ID = r"(?P<pk>[0-9]+)"
urlpatterns = [
    api_path("events", api.EventFeedApi.as_view(), "event-feed"),
    api_path("webhooks", api.WebhookListApi.as_view(), "webhook-list"),
    api_path(rf"webhooks/{ID}", api.WebhookDetailApi.as_view(), "webhook-detail"),
    api_path(rf"webhooks/{ID}/rotate-secret", api.WebhookRotateSecretApi.as_view(), "webhook-rotate-secret"),
    api_path(rf"webhooks/{ID}/ping", api.WebhookPingApi.as_view(), "webhook-ping"),
    api_path(rf"webhooks/{ID}/deliveries", api.WebhookDeliveryListApi.as_view(), "webhook-delivery-list"),
    api_path(rf"webhook-deliveries/{ID}/redeliver", api.RedeliverApi.as_view(), "webhook-redeliver"),
]
