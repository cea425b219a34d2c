from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from tree_queries.fields import TreeNodeForeignKey
from tree_queries.models import TreeNode

from catalog.models import Product, Supplier


class ChangeType(models.TextChoices):
    IN = "IN", _("In")
    OUT = "OUT", _("Out")


class Reason(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    RETURN = "return", _("Return")
    SALE = "sale", _("Sale")
    DAMAGE = "damage", _("Damage")
    ADJUSTMENT = "adjustment", _("Adjustment")
    COUNT = "count", _("Count")
    TRANSFER = "transfer", _("Transfer")
    REVERSAL = "reversal", _("Reversal")


# Reasons only the services set (a transfer's movements, a reversal's); a client sending one is a 400.
SERVICE_REASONS = frozenset({Reason.TRANSFER, Reason.REVERSAL})
CLIENT_REASONS = [choice for choice in Reason.choices if choice[0] not in SERVICE_REASONS]


class LocationKind(models.TextChoices):
    WAREHOUSE = "warehouse", _("Warehouse")
    ZONE = "zone", _("Zone")
    BIN = "bin", _("Bin")
    TRANSIT = "transit", _("Transit")


# The two locations the locations migration creates, with these ids (existing stock moved to MAIN).
MAIN_LOCATION_ID, TRANSIT_LOCATION_ID = 1, 2
MAIN_CODE, TRANSIT_CODE = "MAIN", "TRANSIT"


class Location(TreeNode):
    """Where stock is held: a tree by ``parent`` (django-tree-queries: a recursive CTE, no stored paths to corrupt).

    Stock is held only at the exact location a movement names; filters by a location include its descendants.
    Exactly one location is the default (active and sellable); a transit location is never sellable.
    """

    code = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    parent = TreeNodeForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="parent"
    )
    kind = models.CharField(max_length=10, choices=LocationKind.choices, default=LocationKind.WAREHOUSE)
    is_sellable = models.BooleanField(default=True)
    priority = models.IntegerField(default=0, help_text="Lower first when orders choose a location.")
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["priority", "id"]
        constraints = [
            models.UniqueConstraint(Lower("code"), name="location_code_ci_unique"),
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="location_one_default"),
            models.CheckConstraint(
                condition=~Q(kind=LocationKind.TRANSIT) | Q(is_sellable=False), name="location_transit_not_sellable"
            ),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(is_active=True, is_sellable=True),
                name="location_default_active_sellable",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_transit(self) -> bool:
        return self.kind == LocationKind.TRANSIT


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue")
    TRANSFER = "transfer", _("Transfer")
    COUNT = "count", _("Count")


class DocumentStatus(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    IN_TRANSIT = "in_transit", _("In transit")
    CANCELLED = "cancelled", _("Cancelled")


class Document(models.Model):
    """A unit of work of many lines (a delivery, a pick, a move, a stocktake): all lines or none.

    Its movements carry ``document_id``. A reversal is a new document (``reverses``), never an edit.
    """

    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    status = models.CharField(max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.COMPLETED)
    reference = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    destination_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    via_transit = models.BooleanField(default=False)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    # A reversal of one movement written without a document of its own (POST stock/movements/{id}/reverse).
    reverses_movement = models.OneToOneField(
        "StockMovement", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stock_documents")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at"], name="document_created"),
            models.Index(fields=["kind", "status"], name="document_kind_status"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """``DOC-000042``: derived from the id, so a document is one INSERT."""
        return document_number(self.pk)


def document_number(pk: int | None) -> str:
    return f"DOC-{pk:06d}" if pk else ""


class DocumentLine(models.Model):
    """One product of a document: ``quantity`` moved, or ``counted_quantity`` and its ``difference`` on a count."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="document_lines")
    quantity = models.PositiveIntegerField(null=True, blank=True)
    counted_quantity = models.PositiveIntegerField(null=True, blank=True)
    difference = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "product"], name="document_line_product_unique"),
            models.UniqueConstraint(fields=["document", "position"], name="document_line_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.position}: {self.product_id}"


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
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="movements")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT, related_name="movements")

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
            models.Index(fields=["location", "created_at"], name="movement_location_created"),
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
    """The projection of the ledger for one product at one location, kept in the same transaction as every
    movement. ``transfer_in``/``transfer_out`` are the parts of ``total_in``/``total_out`` that transfers (and
    their reversals) moved, so reports can leave internal moves out without scanning the ledger."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock_levels")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels")
    total_in = models.BigIntegerField(default=0)
    total_out = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)
    transfer_in = models.BigIntegerField(default=0)
    transfer_out = models.BigIntegerField(default=0)
    last_restocked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "location"], name="stocklevel_product_location_unique"),
            models.CheckConstraint(condition=Q(total_in__gte=0), name="stocklevel_total_in_gte_0"),
            models.CheckConstraint(condition=Q(total_out__gte=0), name="stocklevel_total_out_gte_0"),
            models.CheckConstraint(condition=Q(total_out__lte=F("total_in")), name="stocklevel_out_lte_in"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stocklevel_reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("total_in") - F("total_out")), name="stocklevel_reserved_lte_on_hand"
            ),
            models.CheckConstraint(
                condition=Q(transfer_in__gte=0, transfer_in__lte=F("total_in")), name="stocklevel_transfer_in_valid"
            ),
            models.CheckConstraint(
                condition=Q(transfer_out__gte=0, transfer_out__lte=F("total_out")), name="stocklevel_transfer_out_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.location_id}: {self.on_hand} on hand, {self.available} available"

    @property
    def on_hand(self) -> int:
        return self.total_in - self.total_out

    @property
    def available(self) -> int:
        """What can be taken from this row: on hand less reserved. (A product's ``available`` counts only
        sellable, active locations: see stock.selectors.)"""
        return self.on_hand - self.reserved


class ReservationState(models.TextChoices):
    ACTIVE = "active", _("Active")
    CONSUMED = "consumed", _("Consumed")
    RELEASED = "released", _("Released")


class Reservation(models.Model):
    """Stock promised to someone (``reference``, e.g. ``order:42``); active ones sum to ``StockLevel.reserved``."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="reservations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField()
    reference = models.CharField(max_length=100)
    state = models.CharField(max_length=10, choices=ReservationState.choices, default=ReservationState.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_gt_0"),
            models.UniqueConstraint(
                fields=["reference", "product", "location"], name="reservation_reference_product_location_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["product", "state"]),
            models.Index(fields=["reference"], name="reservation_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity} x {self.product_id}@{self.location_id} ({self.state})"


class LowStockAlert(models.Model):
    """A low-stock email to send, made from the crossing's ``stock.low`` event by the relay (in the transaction
    that stamps it, so each committed crossing makes exactly one); ``sent_at`` once sent.

    The outbox's event, written with the crossing, is what cannot be lost; this row, not the queued job, is
    what then counts: a job lost with Redis is enqueued again by the scheduler (``requeue_orders``) while
    ``sent_at`` is empty, and the job sends each alert once.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="low_stock_alerts")
    event = models.OneToOneField(
        "integrations.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="low_stock_alert"
    )
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
