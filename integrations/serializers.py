from rest_framework import serializers

from integrations.delivery import event_body
from integrations.models import DeliveryStatus, EventType, Webhook, WebhookDelivery
from inventory_site.api.fields import FlatListField, StrictBooleanField, StrictIntegerField


class EventSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    sequence = serializers.IntegerField()
    type = serializers.ChoiceField(choices=EventType.choices)
    occurred_at = serializers.DateTimeField()
    data = serializers.DictField()

    def to_representation(self, event):
        return event_body(event)


class FeedSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    next_after = serializers.IntegerField()
    last_sequence = serializers.IntegerField()


class WebhookSerializer(serializers.ModelSerializer):
    events = FlatListField(child=serializers.ChoiceField(choices=EventType.choices))
    location_ids = FlatListField(child=serializers.IntegerField())

    class Meta:
        model = Webhook
        fields = ("id", "url", "events", "location_ids", "is_active", "created_at", "disabled_reason")
        read_only_fields = fields


class NewWebhookSerializer(WebhookSerializer):
    """As created: ``secret`` (``whsec_<base64>``) is shown in this answer only."""

    class Meta(WebhookSerializer.Meta):
        fields = (*WebhookSerializer.Meta.fields, "secret")
        read_only_fields = fields


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField()


class WebhookInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    events = FlatListField(child=serializers.ChoiceField(choices=EventType.choices), allow_empty=False)
    location_ids = FlatListField(child=StrictIntegerField(min_value=1, max_value=2**63 - 1), required=False)
    is_active = StrictBooleanField(required=False)


class DeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.SerializerMethodField()
    event_type = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)

    class Meta:
        model = WebhookDelivery
        fields = (
            "id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "duration_ms",
            "next_attempt_at",
            "created_at",
        )
        read_only_fields = fields

    def get_event_id(self, delivery) -> str:
        return str(delivery.event.uuid) if delivery.event_id else str(delivery.ping_id)

    def get_event_type(self, delivery) -> str:
        return delivery.event.type if delivery.event_id else "webhook.ping"
