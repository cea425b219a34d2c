"""An import: a file read into rows, validated without writing anything else, then applied row by row.

The uploaded table waits in ``Import.source`` until the validation job turns it into ``ImportRow``s (and
empties it). Counts are kept on the import as the jobs go, so lists and progress read one row.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    PRODUCTS = "products", _("Products")
    STOCK = "stock", _("Stock")


class ImportStatus(models.TextChoices):
    VALIDATING = "validating", _("Validating")
    READY = "ready", _("Ready")
    APPLYING = "applying", _("Applying")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RowStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    INVALID = "invalid", _("Invalid")
    CONFLICT = "conflict", _("Conflict")
    APPLIED = "applied", _("Applied")


class RowAction(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    UNCHANGED = "unchanged", _("Unchanged")
    COUNT = "count", _("Count")


# The counts of an import, in the order the API shows them (``counts.<name>``).
COUNT_NAMES = ("rows", "valid", "invalid", "create", "update", "unchanged", "count", "conflict", "applied")


class Import(models.Model):
    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.VALIDATING)
    file_name = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(max_length=4)  # csv or xlsx
    file_size = models.PositiveBigIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64)
    # The stock rows' location when a row names none (the default location when this is empty too).
    location = models.ForeignKey("stock.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    columns = models.JSONField(default=list)  # the recognised columns of the file, in its order
    source = models.JSONField(default=list, blank=True)  # [row_number, {column: text}] until validated
    error = models.TextField(blank=True)  # why the import failed, when it did
    skip_invalid = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="imports")
    created_at = models.DateTimeField(default=timezone.now)
    validated_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    apply_started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The last sign of life of the import's job (created, validation started, apply requested, a chunk applied):
    # the scheduler's sweep enqueues the job again of an import validating or applying that shows none for a while.
    touched_at = models.DateTimeField(default=timezone.now)
    count_rows = models.PositiveIntegerField(default=0)
    count_valid = models.PositiveIntegerField(default=0)
    count_invalid = models.PositiveIntegerField(default=0)
    count_create = models.PositiveIntegerField(default=0)
    count_update = models.PositiveIntegerField(default=0)
    count_unchanged = models.PositiveIntegerField(default=0)
    count_count = models.PositiveIntegerField(default=0)
    count_conflict = models.PositiveIntegerField(default=0)
    count_applied = models.PositiveIntegerField(default=0)
    # What applying wrote: products created and updated, counts that moved stock (unchanged rows write nothing).
    changed_create = models.PositiveIntegerField(default=0)
    changed_update = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.kind}, {self.file_name})"

    @property
    def counts(self) -> dict:
        return {name: getattr(self, f"count_{name}") for name in COUNT_NAMES}

    @property
    def changed(self) -> dict:
        return {"created": self.changed_create, "updated": self.changed_update, "counted": self.changed_count}

    @property
    def to_apply(self) -> int:
        """Rows an apply goes through: every valid row (invalid ones are never applied)."""
        return self.count_valid

    @property
    def progress(self) -> dict:
        """How far the running job is: validation over rows, apply over the valid rows."""
        if self.status == ImportStatus.VALIDATING:
            return {"done": 0, "total": self.count_rows}
        if self.apply_started_at is None:
            return {"done": self.count_rows, "total": self.count_rows}
        return {"done": self.count_applied + self.count_conflict, "total": self.to_apply}

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.VALIDATING, ImportStatus.APPLYING)


class ImportRow(models.Model):
    job = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()  # data rows from 1, the header not counted
    status = models.CharField(max_length=10, choices=RowStatus.choices)
    action = models.CharField(max_length=10, choices=RowAction.choices, blank=True)
    errors = models.JSONField(default=dict, blank=True)  # column -> messages
    data = models.JSONField(default=dict)  # column -> the text of the cell, as read
    # What validation saw, for apply to act on and to judge whether it moved since.
    product_id = models.BigIntegerField(null=True, blank=True)
    location_id = models.BigIntegerField(null=True, blank=True)
    seen_on_hand = models.BigIntegerField(null=True, blank=True)
    seen_reserved = models.BigIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)  # what applying did: product_id, movement_id, ...

    class Meta:
        ordering = ["job", "row_number"]
        constraints = [models.UniqueConstraint(fields=["job", "row_number"], name="import_row_number_unique")]
        indexes = [models.Index(fields=["job", "status", "row_number"])]

    def __str__(self) -> str:
        return f"Row {self.row_number} of import {self.job_id}"
