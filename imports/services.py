"""Every write of an import: the upload, the validation job (only the import's own rows), the apply job.

Applying goes through the same services as the API: catalog's for products and categories, stock's count
service for stock (reason ``count``, reference ``import:<id>``). It runs in chunks, one transaction each, and
marks each row in the chunk that applied it, so a job that runs twice or resumes after a failure never applies
a row twice.
"""

import hashlib
import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from catalog import services as catalog_services
from catalog.services import ProductWrite
from imports import selectors, validation
from imports.exceptions import FileTooLarge, ImportHasErrors, ImportNotReady
from imports.files import MAX_FILE_BYTES, read_table
from imports.models import Import, ImportKind, ImportRow, ImportStatus, RowAction, RowStatus
from inventory_site.bulk import copy_rows, update_rows
from inventory_site.exceptions import DomainError, Invalid, NotFound, lazy_message, use_one_of
from inventory_site.jobs import enqueue_on_commit, requeue
from stock import services as stock_services
from stock.services import ledger

log = logging.getLogger(__name__)

QUEUE = "low"  # imports are long and never urgent: orders and alerts go first
CHUNK_ROWS = {ImportKind.PRODUCTS: 500, ImportKind.STOCK: 200}  # stock chunks hold level locks: keep them short
VALIDATE_JOB = "imports.jobs.validate_import"
APPLY_JOB = "imports.jobs.apply_import"
REQUEUE_BATCH = 100


def check_size(size: int | None) -> None:
    if size is not None and size > MAX_FILE_BYTES:
        raise FileTooLarge(
            lazy_message(
                _("The file is larger than %(megabytes)s MB: split it into several files."),
                megabytes=MAX_FILE_BYTES // (1024 * 1024),
            )
        )


# --- upload ---------------------------------------------------------------------------------------------------
def create_import(*, actor, kind: str, data: bytes, file_name: str = "", location_id: int | None = None) -> Import:
    """Read ``data`` as a table (a file that cannot be read is a 400 and nothing is stored), store it, and
    validate it in a job after commit. Nothing in the catalogue or stock is written."""
    if kind not in ImportKind.values:
        raise Invalid.of({"kind": [use_one_of(ImportKind.values)]})
    check_size(len(data))
    location = None
    if location_id is not None:
        if kind != ImportKind.STOCK:
            raise Invalid.of({"location_id": [_("Only a stock import takes a location.")]})
        location = stock_services.usable_location(location_id)
    known, required = validation.COLUMNS[kind]
    table = read_table(data, known=known, required=required)
    with transaction.atomic():
        job = Import.objects.create(
            kind=kind,
            file_name=file_name[:255],
            file_format=table.file_format,
            file_size=len(data),
            file_sha256=hashlib.sha256(data).hexdigest(),
            location=location,
            columns=table.columns,
            source=[[number, row] for number, row in table.rows],
            count_rows=len(table.rows),
            created_by=actor,
        )
        changes = {"kind": kind, "file_name": job.file_name, "rows": job.count_rows}
        record_event(action="import.created", actor=actor, obj=job, changes=changes)
        enqueue_on_commit(VALIDATE_JOB, job.pk, queue=QUEUE, job_id=_job_id("validate", job.pk))
    return job


# --- validation (the job) -------------------------------------------------------------------------------------
def validate_import(import_id: int) -> None:
    """Judge every stored row and write them as the import's rows; then ``ready`` (or ``failed``)."""
    job = Import.objects.filter(pk=import_id, status=ImportStatus.VALIDATING).first()
    if job is None:
        return  # validated already (a job may run twice)
    _touch(import_id)  # a worker has it: the sweep leaves it alone for a while
    try:
        judged = _judge(job)
    except Exception as error:  # noqa: BLE001 - whatever happens, the import must not stay "validating"
        log.exception("validation of import %s failed", import_id)
        _fail(
            import_id, ImportStatus.VALIDATING, f"Validation stopped at an unexpected error ({type(error).__name__})."
        )
        return
    with transaction.atomic():
        status = Import.objects.select_for_update().filter(pk=import_id).values_list("status", flat=True).first()
        if status != ImportStatus.VALIDATING:
            return
        _store_rows(job, judged)
        valid = [row for row in judged if not row.errors]
        job.count_valid, job.count_invalid = len(valid), len(judged) - len(valid)
        for action in RowAction.values:
            setattr(job, f"count_{action}", sum(1 for row in valid if row.action == action))
        job.source, job.status, job.validated_at = [], ImportStatus.READY, timezone.now()
        counted = [f"count_{name}" for name in ("valid", "invalid", *RowAction.values)]
        job.save(update_fields=["source", "status", "validated_at", *counted])


ROW_FIELDS = ("job_id", "row_number", "status", "action", "errors", "data", "product_id", "location_id")
ROW_FIELDS += ("seen_on_hand", "seen_reserved", "result")


def _store_rows(job: Import, judged: list[validation.Judged]) -> None:
    """The import's rows, in one COPY on PostgreSQL (bulk_create's INSERTs of 10,000 rows of JSON took most of a
    validation's time)."""
    copy_rows(ImportRow, ROW_FIELDS, (_row_values(job, row) for row in judged))


def _row_values(job: Import, row: validation.Judged) -> tuple:
    """A judged row as the values of ``ROW_FIELDS``."""
    status, action = (RowStatus.INVALID.value, "") if row.errors else (RowStatus.VALID.value, str(row.action))
    values = (job.pk, row.row_number, status, action, row.errors, row.data, row.product_id, row.location_id)
    return (*values, row.seen_on_hand, row.seen_reserved, {})


def _judge(job: Import) -> list[validation.Judged]:
    rows = [(number, row) for number, row in job.source]
    if job.kind == ImportKind.PRODUCTS:
        return validation.judge_products(rows)
    default = job.location if job.location_id else stock_services.default_location()
    return validation.judge_stock(rows, default_location=default)


def _touch(import_id: int) -> None:
    Import.objects.filter(pk=import_id).update(touched_at=timezone.now())


def _fail(import_id: int, expected: str, message: str) -> None:
    with transaction.atomic():
        updated = Import.objects.filter(pk=import_id, status=expected).update(
            status=ImportStatus.FAILED, error=message, finished_at=timezone.now()
        )
    if updated:
        log.warning("import %s failed: %s", import_id, message)


# --- apply ----------------------------------------------------------------------------------------------------
def request_apply(*, actor, job: Import, skip_invalid: bool = False) -> tuple[Import, bool]:
    """Start applying ``job`` (a job after commit). Returns the import and whether a job was started: an
    import already ``done`` is returned as it is and nothing is written; one ``applying`` gets its job
    enqueued again (a lost job resumes where it stopped). With invalid rows, ``skip_invalid`` is required."""
    with transaction.atomic():
        job = Import.objects.select_for_update().get(pk=job.pk)
        if job.status == ImportStatus.DONE:
            return job, False
        if job.status == ImportStatus.VALIDATING or (job.status == ImportStatus.FAILED and job.validated_at is None):
            raise ImportNotReady(
                _("This import is still validating.")
                if job.status == ImportStatus.VALIDATING
                else lazy_message(
                    _("This import failed to validate (%(error)s): upload the file again."), error=job.error
                )
            )
        if job.status == ImportStatus.READY:
            if job.count_invalid and not skip_invalid:
                raise ImportHasErrors(
                    lazy_message(
                        _(
                            "%(count)s row(s) are invalid: fix them and upload the file again, or apply with "
                            "skip_invalid=true to leave them out."
                        ),
                        count=job.count_invalid,
                    ),
                    invalid=job.count_invalid,
                )
            job.skip_invalid = bool(job.count_invalid)
            job.applied_by = actor
            job.apply_started_at = timezone.now()
        job.status, job.error, job.touched_at = ImportStatus.APPLYING, "", timezone.now()
        job.save(update_fields=["status", "error", "skip_invalid", "applied_by", "apply_started_at", "touched_at"])
        enqueue_on_commit(APPLY_JOB, job.pk, queue=QUEUE, job_id=_job_id("apply", job.pk))
    return job, True


def apply_import(import_id: int) -> None:
    """Apply every valid row, a chunk per transaction, then ``done``. A failure leaves the import ``failed``
    with the rows applied so far marked; applying again resumes with the rest."""
    appliers: dict = {}
    try:
        while _apply_chunk(import_id, appliers):
            pass
    except Exception as error:  # noqa: BLE001 - the import must not stay "applying"; the next apply resumes
        log.exception("applying import %s failed", import_id)
        _fail(
            import_id,
            ImportStatus.APPLYING,
            f"Applying stopped at an unexpected error ({type(error).__name__}); "
            "apply again to go on with the rows left.",
        )
        return
    with transaction.atomic():
        job = Import.objects.select_for_update().get(pk=import_id)
        if job.status != ImportStatus.APPLYING:
            return
        job.status, job.finished_at = ImportStatus.DONE, timezone.now()
        job.save(update_fields=["status", "finished_at"])
        record_event(
            action="import.applied",
            actor=job.applied_by,
            obj=job,
            changes={**job.changed, "conflict": job.count_conflict},
        )


def requeue_stuck_imports(*, older_than: timedelta) -> int:
    """The scheduler's sweep (``settings.SCHEDULER_SWEEPS``): enqueue the job again of every import still
    ``validating`` or ``applying`` whose job showed no sign of life (``touched_at``) for ``older_than``: the job
    was lost with Redis (down at commit, or restarted empty) or with a worker killed mid-way. A job still waiting
    on its queue is skipped (one job id per import); a job that runs twice is harmless: validation writes the
    rows once, under the import's lock, and apply goes on with the rows not yet applied (none left: nothing is
    written). Returns how many were enqueued."""
    cutoff = timezone.now() - older_than
    stuck = Import.objects.filter(status__in=[ImportStatus.VALIDATING, ImportStatus.APPLYING], touched_at__lt=cutoff)
    stuck = list(stuck.order_by("touched_at", "id").values_list("id", "status")[:REQUEUE_BATCH])
    validating = [(pk, QUEUE, _job_id("validate", pk)) for pk, status in stuck if status == ImportStatus.VALIDATING]
    applying = [(pk, QUEUE, _job_id("apply", pk)) for pk, status in stuck if status == ImportStatus.APPLYING]
    enqueued = requeue(VALIDATE_JOB, validating, what="import validation")
    return enqueued + requeue(APPLY_JOB, applying, what="import apply")


def _job_id(step: str, import_id: int) -> str:
    """One job id per import and step: a job waits at most once on its queue (inventory_site.jobs)."""
    return f"import-{step}-{import_id}"


def _apply_chunk(import_id: int, appliers: dict) -> bool:
    """Apply the next chunk of valid rows in one transaction; False when none is left."""
    with transaction.atomic():
        job = Import.objects.select_for_update().get(pk=import_id)
        if job.status != ImportStatus.APPLYING:
            return False
        rows = list(
            ImportRow.objects.filter(job=job, status=RowStatus.VALID).order_by("row_number")[: CHUNK_ROWS[job.kind]]
        )
        if not rows:
            return False
        if job.pk not in appliers:
            appliers[job.pk] = ProductApplier(job) if job.kind == ImportKind.PRODUCTS else StockApplier(job)
        changed = appliers[job.pk].apply(rows)
        update_rows(ImportRow, rows, ["status", "errors", "result"])
        job.count_applied += sum(1 for row in rows if row.status == RowStatus.APPLIED)
        job.count_conflict += sum(1 for row in rows if row.status == RowStatus.CONFLICT)
        for action, number in changed.items():
            setattr(job, f"changed_{action}", getattr(job, f"changed_{action}") + number)
        job.touched_at = timezone.now()
        counted = ["count_applied", "count_conflict", "changed_create", "changed_update", "changed_count"]
        job.save(update_fields=[*counted, "touched_at"])
    return True


def _conflict(row: ImportRow, column: str, message: str) -> None:
    # The row keeps the message as text, in English like the file's other messages (the API shows it as it is).
    with translation.override(settings.LANGUAGE_CODE):
        row.status, row.errors = RowStatus.CONFLICT, {column: [str(message)]}


class ProductApplier:
    """Products through catalog.services.create_or_update_products, a call per chunk: the rules and audit of
    the single-product services, with a bulk INSERT of the new categories and products and a bulk UPDATE.
    A row the service refuses (its SKU taken or its product deleted since the preview) is a conflict."""

    def __init__(self, job: Import):
        self.job = job

    def apply(self, rows: list[ImportRow]) -> dict:
        writes = {}
        for row in rows:
            if row.action == RowAction.UNCHANGED:
                row.status, row.result = RowStatus.APPLIED, {"product_id": row.product_id}
                continue
            values, _errors = validation.product_values(row.data)
            category = values.pop("category")
            if row.action == RowAction.UPDATE:
                values.pop("sku")  # the SKU names the product (in any case): it is not rewritten
            writes[row.pk] = ProductWrite(fields=values, product_id=row.product_id, category=category)
        catalog_services.create_or_update_products(actor=self.job.applied_by, rows=list(writes.values()))
        changed = {"create": 0, "update": 0}
        for row in rows:
            write = writes.get(row.pk)
            if write is None:
                continue
            if write.error is not None:
                self._refused(row, write.error)
                continue
            row.status, row.result = RowStatus.APPLIED, {"product_id": write.saved.pk}
            if write.changed:
                changed[row.action] += 1
        return changed

    @staticmethod
    def _refused(row: ImportRow, error: DomainError) -> None:
        if isinstance(error, NotFound):
            _conflict(row, "sku", "This product was deleted after the preview.")
        else:
            _conflict(row, "sku" if "sku" in (error.errors or {}) else "row", error.message)


class StockApplier:
    """Counts against the figures the preview saw, a count document per chunk and location (one lock statement,
    one INSERT of movements: stock.services.create_document, reason ``count``, reference ``import:<id>``).

    The chunk's level rows are locked first (ascending product, location: the order of every stock writer), so
    the figures compared are the ones the counts are written against: a row whose on-hand or reserved figure
    moved since the preview is a conflict and writes nothing. Should a document be refused (a product or
    location deactivated since), that group goes row by row through count_stock, each refused row a conflict."""

    def __init__(self, job: Import):
        self.job = job
        self.reference = f"import:{job.pk}"

    def apply(self, rows: list[ImportRow]) -> dict:
        locked = ledger.lock(sorted({(row.product_id, row.location_id) for row in rows}))
        groups: dict[int, list[ImportRow]] = defaultdict(list)
        for row in rows:
            level = locked.levels.get((row.product_id, row.location_id))
            if level is None or locked.products.get(row.product_id) is None:
                _conflict(row, "sku", "This product or location was deleted after the preview.")
            elif (level.on_hand, level.reserved) != (row.seen_on_hand, row.seen_reserved):
                _conflict(
                    row,
                    "quantity",
                    f"The figures changed since the preview: on hand {row.seen_on_hand} -> {level.on_hand}, "
                    f"reserved {row.seen_reserved} -> {level.reserved}. Nothing was written; count again.",
                )
            elif row.action == RowAction.UNCHANGED:
                row.status, row.result = RowStatus.APPLIED, {"difference": 0}
            else:
                groups[row.location_id].append(row)
        counted = 0
        for location_id, group in sorted(groups.items()):
            counted += self._document(location_id, group) if len(group) > 1 else self._one_by_one(group)
        return {"count": counted}

    def _document(self, location_id: int, group: list[ImportRow]) -> int:
        lines = [{"product_id": row.product_id, "counted_quantity": _counted(row)} for row in group]
        try:
            with transaction.atomic():
                document = stock_services.create_document(
                    kind="count",
                    user=self.job.applied_by,
                    lines=lines,
                    location_id=location_id,
                    reference=self.reference,
                    note=f"Import {self.job.pk}",
                )
        except DomainError:
            return self._one_by_one(group)
        for row in group:
            row.status = RowStatus.APPLIED
            row.result = {"document_id": document.pk, "difference": _counted(row) - row.seen_on_hand}
        return sum(1 for row in group if _counted(row) != row.seen_on_hand)

    def _one_by_one(self, group: list[ImportRow]) -> int:
        locations = selectors.locations_in_bulk({row.location_id for row in group})
        products = selectors.products_in_bulk({row.product_id for row in group})
        counted = 0
        for row in group:
            try:
                recorded = stock_services.count_stock(
                    product=products[row.product_id],
                    counted_quantity=_counted(row),
                    user=self.job.applied_by,
                    location=locations[row.location_id],
                    reference=self.reference,
                    note=f"Import {self.job.pk}, row {row.row_number}",
                    expected=(row.seen_on_hand, row.seen_reserved),
                )
            except DomainError as error:
                _conflict(row, "quantity", error.message)
                continue
            row.status = RowStatus.APPLIED
            row.result = {"movement_id": recorded.movement.pk if recorded.movement else None}
            row.result["difference"] = recorded.difference
            counted += 1 if recorded.movement else 0
        return counted


def _counted(row: ImportRow) -> int:
    return int(row.data["quantity"].strip())
