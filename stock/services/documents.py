"""Stock documents: receipts, issues, transfers and counts of many lines, all lines or none; receive and cancel
of a transfer via transit; reversal as a new document (also of a single movement).

A document is one service call and one transaction: every line is checked before anything is written, then
the document row, one lock statement for every level row involved, one INSERT of its movements and one UPDATE of
the levels (stock.services.ledger).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, Supplier
from inventory_site import limits
from inventory_site.bulk import insert_rows
from inventory_site.exceptions import Invalid, InvalidTransition, PermissionDenied, lazy_message, use_one_of
from stock import access
from stock.exceptions import AlreadyReversed, InsufficientStock, ShortLines
from stock.models import (
    DEFAULT_REASON,
    SERVICE_REASONS,
    ChangeType,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    Location,
    Reason,
    StockMovement,
)
from stock.services import ledger
from stock.services.locations import transit_location, usable_location
from stock.services.movements import MAX_QUANTITY, count_change

MAX_LINES = 1000
INACTIVE_PRODUCT = _("product_id: %(sku)s is inactive and takes no movements.")
DOCUMENT_REASON = {
    DocumentKind.RECEIPT: DEFAULT_REASON[ChangeType.IN],
    DocumentKind.ISSUE: DEFAULT_REASON[ChangeType.OUT],
    DocumentKind.TRANSFER: Reason.TRANSFER,
    DocumentKind.COUNT: Reason.COUNT,
}


@dataclass
class Line:
    index: int
    product: Product
    quantity: int | None = None  # receipt, issue, transfer
    counted_quantity: int | None = None  # count
    difference: int | None = None  # count: counted less on hand before


# --- create ---------------------------------------------------------------------------------------------------


def create_document(
    *,
    kind: str,
    user,
    lines: list,
    location_id: int | None = None,
    source_location_id: int | None = None,
    destination_location_id: int | None = None,
    via_transit: bool = False,
    supplier_id: int | None = None,
    reason: str = "",
    reference: str = "",
    note: str = "",
    at: datetime | None = None,
) -> Document:
    """Record a document of ``kind`` with ``lines`` (``{product_id, quantity}``, or ``{product_id,
    counted_quantity}`` on a count). Bad input anywhere is a 400 (line errors under ``errors.lines`` by index
    from 0); lines short of stock make one 409 ``insufficient_stock`` naming every short line."""
    if kind not in DocumentKind.values:
        raise Invalid.of({"kind": [use_one_of(DocumentKind.values)]})
    if kind != DocumentKind.TRANSFER and location_id is None and (allowed := access.default_for(user)) is not None:
        location_id = allowed.pk  # a client restricted to locations: its first allowed one, not the default
    header = _header(kind, location_id, source_location_id, destination_location_id, via_transit, supplier_id, reason)
    _check_allowed(user, document_locations=header)
    checked = _lines(kind, lines)
    document = Document(
        kind=kind,
        status=DocumentStatus.IN_TRANSIT if kind == DocumentKind.TRANSFER and via_transit else DocumentStatus.COMPLETED,
        reference=reference or "",
        note=note or "",
        created_by=user,
        **header,
    )
    if at is not None:
        document.created_at = at
    with transaction.atomic():
        document.save()
        if kind == DocumentKind.COUNT:
            locked = ledger.lock([(line.product.pk, document.location_id) for line in checked])
            changes = _count_changes(document, checked, locked)
        else:
            changes = _changes(document, checked)
            locked = _locked_checked(changes)
        written = insert_rows(
            DocumentLine,
            [
                DocumentLine(
                    document=document,
                    position=line.index,
                    product=line.product,
                    quantity=line.quantity,
                    counted_quantity=line.counted_quantity,
                    difference=line.difference,
                )
                for line in checked
            ],
        )
        movements = ledger.write(locked, changes, user=user, document=document, at=at)
    return _as_written(document, written, movements)


def _as_written(document: Document, lines: list[DocumentLine], movements: list[StockMovement]) -> Document:
    """``document`` holding what was just written as its relations (the lines with their products, the
    movements, no reversal), as ``selectors.document_list`` prefetches them: its answer is built without
    reading back three queries and a model per line and movement (a 50-line receipt, in-process: 25.7 -> 20.9 ms
    of CPU)."""
    cache = {}
    for name, rows in (("lines", lines), ("movements", movements)):
        cache[name] = getattr(document, name).get_queryset()  # what a prefetch leaves: a queryset, evaluated
        cache[name]._result_cache, cache[name]._prefetch_done = rows, True
    document._prefetched_objects_cache = cache
    Document.reversed_by.related.set_cached_value(document, None)
    return document


def _header(kind, location_id, source_id, destination_id, via_transit, supplier_id, reason) -> dict:
    errors: dict[str, list[str]] = {}
    header: dict = {"via_transit": bool(via_transit), "reason": DOCUMENT_REASON[kind]}
    if kind == DocumentKind.TRANSFER:
        for field, value in (("location_id", location_id), ("supplier_id", supplier_id)):
            if value is not None:
                errors[field] = [_("Not on a transfer: give source_location_id and destination_location_id.")]
        for field, value in (("source_location_id", source_id), ("destination_location_id", destination_id)):
            if value is None:
                errors[field] = [_("Required on a transfer.")]
        if source_id is not None and source_id == destination_id:
            errors["destination_location_id"] = [_("The destination must differ from the source.")]
        if not errors:
            header["source_location"] = _location(source_id, "source_location_id", errors)
            header["destination_location"] = _location(destination_id, "destination_location_id", errors)
    else:
        for field, value in (("source_location_id", source_id), ("destination_location_id", destination_id)):
            if value is not None:
                errors[field] = [_("Only on a transfer.")]
        if via_transit:
            errors["via_transit"] = [_("Only on a transfer.")]
        header["location"] = _location(location_id, "location_id", errors)
        if supplier_id is not None:
            supplier = Supplier.objects.filter(pk=supplier_id).first()
            if kind != DocumentKind.RECEIPT:
                errors["supplier_id"] = [_("A supplier is only allowed on a receipt.")]
            elif supplier is None:
                errors["supplier_id"] = [_("Unknown supplier.")]
            elif not supplier.is_active:
                errors["supplier_id"] = [_("Inactive supplier.")]
            header["supplier"] = supplier
    if reason:
        allowed = [value for value in Reason.values if value not in SERVICE_REASONS]
        if kind in (DocumentKind.TRANSFER, DocumentKind.COUNT):
            errors["reason"] = [
                lazy_message(_("A %(kind)s always has the reason %(reason)s."), kind=kind, reason=DOCUMENT_REASON[kind])
            ]
        elif reason not in allowed:
            errors["reason"] = [use_one_of(allowed)]
        else:
            header["reason"] = reason
    if errors:
        raise Invalid.of(errors)
    return header


def _location(location_id, field: str, errors: dict) -> Location | None:
    try:
        return usable_location(location_id, field=field)
    except Invalid as error:
        errors.update(error.errors or {})
        return None


def _lines(kind: str, lines) -> list[Line]:
    """Every line checked: its shape, its product (known, active, once per document), its quantity."""
    if not isinstance(lines, list | tuple) or not 1 <= len(lines) <= MAX_LINES:
        raise Invalid.of({"lines": [lazy_message(_("Give from 1 to %(maximum)s lines."), maximum=MAX_LINES)]})
    field = "counted_quantity" if kind == DocumentKind.COUNT else "quantity"
    minimum = 0 if kind == DocumentKind.COUNT else 1
    errors: dict[str, list[str]] = {}
    wanted = []
    for index, raw in enumerate(lines):
        messages = []
        product_id = raw.get("product_id") if isinstance(raw, dict) else None
        quantity = raw.get(field) if isinstance(raw, dict) else None
        if not isinstance(raw, dict):
            messages.append(lazy_message(_("A line is an object with product_id and %(field)s."), field=field))
        else:
            if isinstance(product_id, bool) or not isinstance(product_id, int) or product_id < 1:
                messages.append(_("product_id: a product id is required."))
            if isinstance(quantity, bool) or not isinstance(quantity, int) or not minimum <= quantity <= MAX_QUANTITY:
                messages.append(
                    lazy_message(
                        _("%(field)s: a whole number from %(minimum)s to %(maximum)s is required."),
                        field=field,
                        minimum=minimum,
                        maximum=MAX_QUANTITY,
                    )
                )
        if messages:
            errors[str(index)] = messages
        else:
            wanted.append((index, product_id, quantity))
    # An id past the column's range is unknown (the database would refuse to compare it: SQLite overflows).
    products = Product.objects.in_bulk([product_id for _, product_id, _ in wanted if product_id <= limits.MAX_ID])
    seen: set[int] = set()
    checked = []
    for index, product_id, quantity in wanted:
        product = products.get(product_id)
        if product is None:
            errors[str(index)] = [lazy_message(_("product_id: unknown product %(id)s."), id=product_id)]
        elif not product.is_active:
            errors[str(index)] = [lazy_message(INACTIVE_PRODUCT, sku=product.sku)]
        elif product_id in seen:
            errors[str(index)] = [
                lazy_message(_("product_id: %(sku)s is on another line; one line per product."), sku=product.sku)
            ]
        else:
            line = Line(index=index, product=product)
            setattr(line, field, quantity)
            checked.append(line)
        seen.add(product_id)
    if errors:
        raise Invalid.of({"lines": dict(sorted(errors.items(), key=lambda item: int(item[0])))})
    return checked


def _changes(document: Document, lines: list[Line]) -> list[ledger.Change]:
    common = {"reason": document.reason, "reference": document.reference, "note": document.note}
    if document.kind == DocumentKind.RECEIPT:
        supplier_id = document.supplier_id
        return [
            ledger.Change(
                line.product.pk,
                document.location_id,
                ChangeType.IN,
                line.quantity,
                index=line.index,
                supplier_id=supplier_id,
                **common,
            )
            for line in lines
        ]
    if document.kind == DocumentKind.ISSUE:
        return [
            ledger.Change(
                line.product.pk, document.location_id, ChangeType.OUT, line.quantity, index=line.index, **common
            )
            for line in lines
        ]
    destination = transit_location().pk if document.via_transit else document.destination_location_id
    return [
        change
        for line in lines
        for change in _move(
            line.product.pk, line.quantity, document.source_location_id, destination, line.index, common
        )
    ]


def _move(product_id, quantity, source_id, destination_id, index, common) -> list[ledger.Change]:
    """A transfer leg: OUT at the source and IN at the destination, both counted as transfers."""
    return [
        ledger.Change(product_id, source_id, ChangeType.OUT, quantity, index=index, is_transfer=True, **common),
        ledger.Change(product_id, destination_id, ChangeType.IN, quantity, index=index, is_transfer=True, **common),
    ]


def _count_changes(document: Document, lines: list[Line], locked: ledger.Locked) -> list[ledger.Change]:
    """Each counted line's difference, and the movement writing it; a count below what is reserved at the
    location is a short line."""
    changes, short = [], []
    for line in lines:
        level = locked.level(line.product.pk, document.location_id)
        try:
            change = count_change(
                level, line.counted_quantity, note=document.note, reference=document.reference, index=line.index
            )
        except InsufficientStock:
            short.append(_short(line, line.counted_quantity, level.available))
            continue
        line.difference = line.counted_quantity - level.on_hand
        if change is not None:
            changes.append(change)
    if short:
        raise ShortLines(short, with_lines=True)
    return changes


def _short(line: Line, requested: int, available: int) -> dict:
    return {
        "index": line.index,
        "product_id": line.product.pk,
        "sku": line.product.sku,
        "requested": requested,
        "available": available,
    }


# --- a transfer via transit: receive or cancel ----------------------------------------------------------------


def receive_transfer(*, document: Document, user, at: datetime | None = None) -> Document:
    """in_transit -> completed: the stock moves from TRANSIT to the destination."""
    return _finish_transfer(document, user=user, to_source=False, at=at)


def cancel_transfer(*, document: Document, user, at: datetime | None = None) -> Document:
    """in_transit -> cancelled: the stock goes back from TRANSIT to the source."""
    return _finish_transfer(document, user=user, to_source=True, at=at)


def _finish_transfer(document: Document, *, user, to_source: bool, at) -> Document:
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        if document.kind != DocumentKind.TRANSFER or document.status != DocumentStatus.IN_TRANSIT:
            refused = (
                _("Only a transfer in transit can be cancelled; %(number)s is %(status)s.")
                if to_source
                else _("Only a transfer in transit can be received; %(number)s is %(status)s.")
            )
            raise InvalidTransition(
                lazy_message(refused, number=document.number, status=document.get_status_display()),
                document_status=document.status,
            )
        _check_allowed(user, document=document)  # an API client must reach both ends
        destination = document.source_location if to_source else document.destination_location
        usable_location(destination.pk, field="destination_location_id")
        common = {"reason": Reason.TRANSFER, "reference": document.reference, "note": document.note}
        changes = [
            change
            for line in document.lines.all()
            for change in _move(
                line.product_id, line.quantity, transit_location().pk, destination.pk, line.position, common
            )
        ]
        _write_checked(document, changes, user=user, at=at)
        document.status = DocumentStatus.CANCELLED if to_source else DocumentStatus.COMPLETED
        document.save(update_fields=["status", "updated_at"])
    return document


def _check_allowed(user, *, document: Document | None = None, document_locations: dict | None = None) -> None:
    """An API client restricted to locations acts only where it may (403 ``location_forbidden``): every
    location a document names (a transfer: both ends)."""
    if document is not None:
        document_locations = {
            "location": document.location,
            "source_location": document.source_location,
            "destination_location": document.destination_location,
        }
    for name, location in (document_locations or {}).items():
        if name in ("location", "source_location", "destination_location") and location is not None:
            access.check_allowed(user, location, field=f"{name}_id")


# --- reversal -------------------------------------------------------------------------------------------------

OPPOSITE = {ChangeType.IN: ChangeType.OUT, ChangeType.OUT: ChangeType.IN}


def reverse_document(*, document: Document, user, at: datetime | None = None) -> Document:
    """A new document of the same kind whose movements undo the original's (reason ``reversal``). Staff reverse
    only their own documents (403); a document is reversed at most once (409 ``already_reversed``); an
    in-transit transfer is cancelled instead, and a cancelled transfer or a reversal is not reversed (409
    ``invalid_transition``); a reversal needing stock that is no longer there is a 409 and writes nothing."""
    with transaction.atomic():
        original = Document.objects.select_for_update().get(pk=document.pk)
        _may_reverse(user, original.created_by_id, original.number)
        _check_allowed(user, document=original)
        if original.reverses_id or original.reverses_movement_id:
            raise InvalidTransition(
                lazy_message(_("%(number)s is itself a reversal."), number=original.number),
                document_status=original.status,
            )
        if original.status == DocumentStatus.IN_TRANSIT:
            raise InvalidTransition(
                lazy_message(_("%(number)s is in transit: cancel it instead."), number=original.number),
                document_status=original.status,
            )
        if original.status == DocumentStatus.CANCELLED:
            raise InvalidTransition(
                lazy_message(_("%(number)s was cancelled."), number=original.number), document_status=original.status
            )
        if (
            Document.objects.filter(reverses=original).exists()
            or Document.objects.filter(reverses_movement__document=original).exists()
        ):
            raise AlreadyReversed(
                lazy_message(_("%(number)s was already reversed, in whole or in part."), number=original.number)
            )
        positions = {line.product_id: line.position for line in original.lines.all()}
        changes = [
            _opposite(
                movement, is_transfer=original.kind == DocumentKind.TRANSFER, index=positions.get(movement.product_id)
            )
            for movement in original.movements.order_by("id")
        ]
        for location_id in sorted({change.location_id for change in changes}):
            usable_location(location_id, transit_ok=True)  # an inactive location takes no movements (400)
        reversal = Document.objects.create(
            kind=original.kind,
            reason=Reason.REVERSAL,
            reference=original.number,
            note=f"Reversal of {original.number}",
            location=original.location,
            source_location=original.source_location,
            destination_location=original.destination_location,
            via_transit=original.via_transit,
            supplier=original.supplier,
            reverses=original,
            created_by=user,
            **({"created_at": at} if at else {}),
        )
        DocumentLine.objects.bulk_create(
            [
                DocumentLine(
                    document=reversal,
                    position=line.position,
                    product_id=line.product_id,
                    quantity=line.quantity if line.quantity is not None else abs(line.difference or 0) or None,
                    difference=-line.difference if line.difference is not None else None,
                )
                for line in original.lines.all()
            ]
        )
        _write_checked(reversal, changes, user=user, at=at, reversal=True)
    return reversal


def reverse_movement(*, movement: StockMovement, user, at: datetime | None = None) -> Document:
    """The opposite of one movement, as a one-line reversal document (the rules of document reversal)."""
    with transaction.atomic():
        # Locked (the movement, then its document, as reverse_document locks it) so that racing reversals of
        # the movement or of its document see each other: one wins, the others are a 409, not a 500.
        movement = StockMovement.objects.select_for_update().select_related("location").get(pk=movement.pk)
        _may_reverse(user, movement.user_id, lazy_message(_("movement %(id)s"), id=movement.pk))
        access.check_allowed(user, movement.location)
        parent = Document.objects.select_for_update().get(pk=movement.document_id) if movement.document_id else None
        movement.document = parent
        if movement.reason == Reason.REVERSAL:
            raise InvalidTransition(lazy_message(_("Movement %(id)s is itself a reversal."), id=movement.pk))
        if parent is not None and parent.kind == DocumentKind.TRANSFER:
            raise InvalidTransition(
                lazy_message(
                    _("Movement %(id)s is part of transfer %(number)s: reverse the transfer."),
                    id=movement.pk,
                    number=parent.number,
                )
            )
        if Document.objects.filter(reverses_movement=movement).exists() or (
            parent is not None and Document.objects.filter(reverses=parent).exists()
        ):
            raise AlreadyReversed(lazy_message(_("Movement %(id)s was already reversed."), id=movement.pk))
        location = usable_location(movement.location_id)
        kind = _kind_of(movement)
        signed = movement.quantity if movement.change_type == ChangeType.IN else -movement.quantity
        reversal = Document.objects.create(
            kind=kind,
            reason=Reason.REVERSAL,
            reference=parent.number if parent else movement.reference,
            note=f"Reversal of movement {movement.pk}",
            location=location,
            reverses_movement=movement,
            created_by=user,
            **({"created_at": at} if at else {}),
        )
        DocumentLine.objects.create(
            document=reversal,
            position=0,
            product_id=movement.product_id,
            quantity=movement.quantity,
            difference=-signed if kind == DocumentKind.COUNT else None,
        )
        _write_checked(reversal, [_opposite(movement, is_transfer=False, index=0)], user=user, at=at, reversal=True)
    return reversal


def _kind_of(movement: StockMovement) -> str:
    if movement.document is not None:
        return movement.document.kind
    if movement.reason == Reason.COUNT:
        return DocumentKind.COUNT
    return DocumentKind.RECEIPT if movement.change_type == ChangeType.IN else DocumentKind.ISSUE


def _may_reverse(user, owner_id, what: str) -> None:
    if not getattr(user, "is_admin", False) and owner_id != getattr(user, "pk", None):
        raise PermissionDenied(
            lazy_message(_("Staff reverse only their own entries; %(what)s is another user's."), what=what)
        )


def _opposite(movement: StockMovement, *, is_transfer: bool, index) -> ledger.Change:
    return ledger.Change(
        product_id=movement.product_id,
        location_id=movement.location_id,
        change_type=OPPOSITE[movement.change_type],
        quantity=movement.quantity,
        reason=Reason.REVERSAL,
        note=movement.note,
        reference=movement.reference,
        is_transfer=is_transfer,
        index=index,
    )


def _locked_checked(changes: list[ledger.Change], *, reversal: bool = False) -> ledger.Locked:
    """The rows of ``changes`` locked, and checked: every short line named in one 409. A reversal is a new
    movement like any other: an inactive location or product takes none (400)."""
    locked = ledger.lock([(change.product_id, change.location_id) for change in changes])
    if reversal:
        _refuse_inactive(locked, changes)
    short = ledger.shortfalls(locked, changes)
    if short:
        raise ShortLines(short, with_lines=True)
    return locked


def _refuse_inactive(locked: ledger.Locked, changes: list[ledger.Change]) -> None:
    errors: dict = {}
    locations = [locked.level(change.product_id, change.location_id).location for change in changes]
    inactive = sorted({location.code for location in locations if not location.is_active})
    if inactive:
        errors["location_id"] = [
            lazy_message(_("The location %(code)s is inactive and takes no movements."), code=", ".join(inactive))
        ]
    lines = {
        str(change.index): [lazy_message(INACTIVE_PRODUCT, sku=locked.products[change.product_id].sku)]
        for change in changes
        if not locked.products[change.product_id].is_active
    }
    if lines:
        errors["lines"] = lines
    if errors:
        raise Invalid.of(errors)


def _write_checked(
    document: Document, changes: list[ledger.Change], *, user, at, reversal: bool = False
) -> list[StockMovement]:
    locked = _locked_checked(changes, reversal=reversal)
    return ledger.write(locked, changes, user=user, document=document, at=at)
