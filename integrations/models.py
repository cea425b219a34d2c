"""The event outbox, webhooks and their deliveries.

An ``Event`` is written by the stock and order services in the same transaction as the change it describes,
with no ``sequence``. One relay at a time stamps ``sequence`` on committed events in insertion order and creates
their deliveries (integrations.relay), so the feed never shows a later event before an earlier one.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class EventType(models.TextChoices):
    STOCK_CHANGED = "stock.changed", "Stock changed"
    STOCK_LOW = "stock.low", "Stock low"
    STOCK_BACK_IN_STOCK = "stock.back_in_stock", "Back in stock"
    ORDER_CREATED = "order.created", "Order created"
    ORDER_STATUS_CHANGED = "order.status_changed", "Order status changed"


ORDER_EVENT_TYPES = frozenset({EventType.ORDER_CREATED, EventType.ORDER_STATUS_CHANGED})


class Event(models.Model):
    """One change, as the feed and the webhooks show it: ``{id (uuid), sequence, type, occurred_at, data}``.

    ``location_id`` and ``owner_id`` (the user who created the order, for order events) let the feed and
    the webhooks show a client only what its reads would show.
    """

    position = models.BigAutoField(primary_key=True)  # insertion order: the relay stamps in this order
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.BigIntegerField(null=True, blank=True, unique=True)
    type = models.CharField(max_length=32, choices=EventType.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField()
    location_id = models.BigIntegerField(null=True, blank=True)
    owner_id = models.BigIntegerField(null=True, blank=True)
    sequenced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sequence"]
        indexes = [
            models.Index(fields=["position"], condition=Q(sequence__isnull=True), name="event_unsequenced"),
            models.Index(fields=["occurred_at"], name="event_occurred"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence or '-'} {self.type}"


class Webhook(models.Model):
    """An endpoint that receives events of ``events`` types (at ``location_ids``: every one when empty),
    signed with its secret (Standard Webhooks). It belongs to the principal (an admin, or an API client's
    principal) that created it, and delivers only what that principal's ``events:read`` would show."""

    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)
    location_ids = models.JSONField(default=list, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhooks")
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class WebhookDelivery(models.Model):
    """One event to one endpoint: claimed with a lease (``locked_until``), sent outside any transaction, and
    its result recorded in another short one; an expired lease may be claimed again (a worker died)."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    ping = models.JSONField(null=True, blank=True)  # a ping's own payload (not an event of the feed)
    ping_id = models.UUIDField(null=True, blank=True)
    sequence = models.BigIntegerField(null=True, blank=True)  # the event's, to send in order
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    lease = models.UUIDField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="delivery_pending_due"),
            models.Index(fields=["webhook", "sequence"], name="delivery_webhook_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.webhook_id}:{self.event_id or 'ping'} {self.status}"
