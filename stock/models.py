from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import Product, Supplier


class ChangeType(models.TextChoices):
    IN = "IN", "In"
    OUT = "OUT", "Out"


class Reason(models.TextChoices):
    PURCHASE = "purchase", "Purchase"
    RETURN = "return", "Return"
    SALE = "sale", "Sale"
    DAMAGE = "damage", "Damage"
    ADJUSTMENT = "adjustment", "Adjustment"
    COUNT = "count", "Count"


DEFAULT_REASON = {ChangeType.IN: Reason.PURCHASE, ChangeType.OUT: Reason.SALE}


class AppendOnlyError(Exception):
    pass


class StockMovementQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Stock movements are append-only.")

    def delete(self):
        raise AppendOnlyError("Stock movements are append-only.")


class StockMovement(models.Model):
    """The ledger: the source of truth. Append-only (a trigger enforces it on PostgreSQL)."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements")
    change_type = models.CharField(max_length=3, choices=ChangeType.choices)
    quantity = models.PositiveIntegerField()
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="movements")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.TextField(blank=True)
    reference = models.CharField(max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="stock_movements"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_gt_0"),
            models.CheckConstraint(condition=Q(change_type__in=["IN", "OUT"]), name="movement_change_type_valid"),
            models.CheckConstraint(
                condition=Q(change_type="IN") | Q(supplier__isnull=True), name="movement_supplier_only_on_in"
            ),
        ]
        indexes = [
            models.Index(fields=["product", "created_at"], name="movement_product_created"),
            models.Index(fields=["created_at"], name="movement_created"),
        ]

    def __str__(self) -> str:
        return f"{self.change_type} {self.quantity} x {self.product_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Stock movements are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Stock movements are append-only.")


class StockLevel(models.Model):
    """The projection of the ledger for one product, kept in the same transaction as every movement."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, primary_key=True, related_name="stock_level")
    total_in = models.BigIntegerField(default=0)
    total_out = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)
    last_restocked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(total_in__gte=0), name="level_total_in_gte_0"),
            models.CheckConstraint(condition=Q(total_out__gte=0), name="level_total_out_gte_0"),
            models.CheckConstraint(condition=Q(total_out__lte=F("total_in")), name="level_out_lte_in"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="level_reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("total_in") - F("total_out")), name="level_reserved_lte_on_hand"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.on_hand} on hand, {self.available} available"

    @property
    def on_hand(self) -> int:
        return self.total_in - self.total_out

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class ReservationState(models.TextChoices):
    ACTIVE = "active", "Active"
    CONSUMED = "consumed", "Consumed"
    RELEASED = "released", "Released"


class Reservation(models.Model):
    """Stock promised to someone (``reference``, e.g. ``order:42``); active ones sum to ``StockLevel.reserved``."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField()
    reference = models.CharField(max_length=100)
    state = models.CharField(max_length=10, choices=ReservationState.choices, default=ReservationState.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_gt_0"),
            models.UniqueConstraint(fields=["reference", "product"], name="reservation_reference_product_unique"),
        ]
        indexes = [models.Index(fields=["product", "state"])]

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity} x {self.product_id} ({self.state})"


class LowStockAlert(models.Model):
    """A low-stock email to send, written in the same transaction as the crossing; ``sent_at`` once sent.

    The row, not the queued job, is what counts: a job lost with Redis is enqueued again by the scheduler
    (``requeue_orders``) while ``sent_at`` is empty, and the job sends each alert once.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="low_stock_alerts")
    available = models.BigIntegerField()
    min_quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True), name="low_stock_alert_unsent"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.available} available, reorder point {self.min_quantity}"
