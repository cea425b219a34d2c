from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from stock.models import Location


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class Priority(models.TextChoices):
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


QUEUE_FOR_PRIORITY = {Priority.HIGH: "high", Priority.NORMAL: "default", Priority.LOW: "low"}


def order_number(pk: int) -> str:
    """An order's number, from its id: ``ORD-000042`` (its ship movements carry it as their reference)."""
    return f"ORD-{pk:06d}"


def order_id_from_number(number: str) -> int | None:
    """The id an order number names (``ORD-000042`` -> 42), or None for any other text."""
    prefix, _, digits = number.partition("-")
    return int(digits) if prefix == "ORD" and len(digits) >= 6 and digits.isascii() and digits.isdigit() else None


class Order(models.Model):
    number = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    priority = models.CharField(max_length=6, choices=Priority.choices, default=Priority.NORMAL)
    customer_name = models.CharField(max_length=200)
    customer_email = models.EmailField(blank=True)
    reference = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    rejection_reason = models.TextField(blank=True)
    # Where the lines must be reserved (the location and its descendants); null: the job chooses.
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    # The locations the job may reserve at (an API client restricted to locations, subtrees expanded); null: any.
    allowed_location_ids = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="order_status_created"),
            models.Index(fields=["created_at"], name="order_created"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def reservation_reference(self) -> str:
        return f"order:{self.pk}"


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_items")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_item_quantity_gt_0"),
            models.UniqueConstraint(fields=["order", "product"], name="order_item_product_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.quantity} x {self.product_id}"


class OrderStatusChange(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status or '-'} -> {self.to_status}"
