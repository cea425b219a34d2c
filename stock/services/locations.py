"""Locations: create, change, deactivate, delete, and which location a write goes to.

Rules: a unique code in any case (409 ``duplicate_code``), at most 32 characters; a tree without cycles; a transit
location is never sellable; exactly one default, active and sellable (setting ``is_default`` moves the flag);
an inactive location takes no movements; a location with movements (or children) is not deleted, and one with
active reservations or open transfers is not deactivated (409 ``location_in_use``). Changing ``is_sellable`` or
``is_active`` changes products' ``available``: it is done under the lock of that location's level rows.
"""

from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError, Q
from django.utils.translation import gettext_lazy as _

from audit.services import assign, diff, record_event, snapshot, stripped
from inventory_site.exceptions import Invalid, lazy_message, use_one_of
from stock.exceptions import DuplicateCode, LocationInUse
from stock.models import (
    MAIN_CODE,
    MAIN_LOCATION_ID,
    TRANSIT_CODE,
    TRANSIT_LOCATION_ID,
    Document,
    DocumentStatus,
    Location,
    LocationKind,
    Reservation,
    ReservationState,
    StockLevel,
)
from stock.services import ledger

LOCATION_FIELDS = ("code", "name", "parent_id", "kind", "is_sellable", "priority", "is_default", "is_active")
CODE_MAX_LENGTH = 32


# --- where a write goes ----------------------------------------------------------------------------------------


def ensure_system_locations() -> None:
    """``MAIN`` and ``TRANSIT`` as the locations migration creates them, when missing (a flushed test database)."""
    if (
        not Location.objects.filter(pk=MAIN_LOCATION_ID).exists()
        and not Location.objects.filter(is_default=True).exists()
    ):
        Location.objects.create(
            id=MAIN_LOCATION_ID, code=MAIN_CODE, name="Main warehouse", kind=LocationKind.WAREHOUSE, is_default=True
        )
    if not Location.objects.filter(pk=TRANSIT_LOCATION_ID).exists():
        Location.objects.create(
            id=TRANSIT_LOCATION_ID,
            code=TRANSIT_CODE,
            name="In transit",
            kind=LocationKind.TRANSIT,
            is_sellable=False,
            priority=1000,
        )


def default_location() -> Location:
    return Location.objects.get(is_default=True)


def transit_location() -> Location:
    return Location.objects.get(pk=TRANSIT_LOCATION_ID)


def usable_location(location_id: int | None, *, field: str = "location_id", transit_ok: bool = False) -> Location:
    """The location a movement, count or document goes to: the default when ``location_id`` is None; an
    unknown or inactive location, or a transit one (unless ``transit_ok``), is a 400 naming ``field``."""
    if location_id is None:
        return default_location()
    location = Location.objects.filter(pk=location_id).first() if isinstance(location_id, int) else None
    if location is None:
        raise Invalid.of({field: [_("Unknown location.")]})
    return ledger.check_usable(location, field=field, transit_ok=transit_ok)


def subtree_ids(location_id: int) -> list[int]:
    """The location and every location below it (a filter by a location includes its descendants)."""
    return list(Location.objects.descendants(location_id, include_self=True).values_list("pk", flat=True))


# --- writes ---------------------------------------------------------------------------------------------------


@transaction.atomic
def create_location(*, actor, code: str, name: str, **fields) -> Location:
    location = Location()
    if fields.get("kind") == LocationKind.TRANSIT:
        fields.setdefault("is_sellable", False)  # never sellable: the default follows the kind
    _assign(location, {"code": code, "name": name, **fields})
    _check(location)
    if location.is_default:
        Location.objects.filter(is_default=True).update(is_default=False)
    _save(location)
    record_event(action="location.created", actor=actor, obj=location, changes=snapshot(location, LOCATION_FIELDS))
    return location


@transaction.atomic
def update_location(*, actor, location: Location, **fields) -> Location:
    _lock_tree()
    location = Location.objects.select_for_update().get(pk=location.pk)
    before = snapshot(location, LOCATION_FIELDS)
    _assign(location, fields)
    if location.pk == TRANSIT_LOCATION_ID and (location.kind != LocationKind.TRANSIT or not location.is_active):
        raise Invalid.of(
            {"kind": [_("TRANSIT carries every transfer via transit: it stays an active transit location.")]}
        )
    if before["is_default"] and not location.is_default:
        raise Invalid.of({"is_default": [_("Exactly one location is the default: make another location the default.")]})
    _check(location)
    figures_change = before["is_sellable"] != location.is_sellable or before["is_active"] != location.is_active
    locked = None
    if figures_change:
        locked = _lock_levels_at(location)
        if before["is_active"] and not location.is_active:
            _refuse_if_in_use(location)
    changes = diff(location, before, LOCATION_FIELDS)
    if changes:
        if location.is_default and not before["is_default"]:
            Location.objects.filter(is_default=True).exclude(pk=location.pk).update(is_default=False)
        _save(location)
        record_event(action="location.updated", actor=actor, obj=location, changes=changes)
    if locked is not None:
        ledger.location_changed(locked, location, user=actor)  # its events, the crossings, the caches
    return location


@transaction.atomic
def delete_location(*, actor, location: Location) -> None:
    location = Location.objects.select_for_update().get(pk=location.pk)
    if location.pk == TRANSIT_LOCATION_ID or location.is_default:
        raise LocationInUse(
            lazy_message(
                _("%(code)s is the default or the transit location: it cannot be deleted."), code=location.code
            )
        )
    pk, code = location.pk, location.code
    try:
        with transaction.atomic():
            # Rows created for stock that never came are not history: they go with the location.
            StockLevel.objects.filter(location=location, total_in=0, reserved=0).delete()
            location.delete()
    except (ProtectedError, IntegrityError):
        raise LocationInUse(
            lazy_message(
                _("%(code)s has movements, stock, reservations or sub-locations: deactivate it instead."), code=code
            )
        ) from None
    record_event(action="location.deleted", actor=actor, object_type="location", object_id=pk, changes={"code": code})


# --- helpers --------------------------------------------------------------------------------------------------


def _assign(location: Location, fields: dict) -> None:
    assign(location, fields, LOCATION_FIELDS, {"code": stripped, "name": stripped})


def _check(location: Location) -> None:
    errors: dict[str, list[str]] = {}
    if not location.code:
        errors["code"] = [_("This field is required.")]
    elif len(location.code) > CODE_MAX_LENGTH:
        errors["code"] = [lazy_message(_("At most %(maximum)s characters."), maximum=CODE_MAX_LENGTH)]
    if not location.name:
        errors["name"] = [_("This field is required.")]
    if location.kind not in LocationKind.values:
        errors["kind"] = [use_one_of(LocationKind.values)]
    if location.kind == LocationKind.TRANSIT and location.is_sellable:
        errors["is_sellable"] = [_("A transit location is never sellable.")]
    if location.is_default and not (location.is_active and location.is_sellable):
        errors["is_default"] = [_("The default location must be active and sellable.")]
    if location.parent_id is not None:
        parent = Location.objects.filter(pk=location.parent_id).first()
        if parent is None:
            errors["parent_id"] = [_("Unknown location.")]
        elif location.pk and location.pk in _ancestor_ids(parent.pk):
            errors["parent_id"] = [_("A location cannot be inside itself or one of its sub-locations.")]
    if errors:
        raise Invalid.of(errors)


def _ancestor_ids(location_id: int) -> set[int]:
    return set(Location.objects.ancestors(location_id, include_self=True).values_list("pk", flat=True))


def _lock_tree() -> None:
    """Tree moves serialize, so two concurrent re-parentings cannot close a cycle between them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('stock.location.tree'))")


def _lock_levels_at(location: Location):
    """Lock every level row of every product held at the location, as every writer of those rows does (one
    statement, ascending (product id, location id)): the products' available is judged with all rows locked."""
    product_ids = StockLevel.objects.filter(location=location).values_list("product_id", flat=True)
    return ledger.lock(product_ids=list(product_ids))


def _refuse_if_in_use(location: Location) -> None:
    reserved = Reservation.objects.filter(location=location, state=ReservationState.ACTIVE).exists()
    open_transfer = Document.objects.filter(status=DocumentStatus.IN_TRANSIT).filter(
        Q(source_location=location) | Q(destination_location=location)
    )
    if reserved or open_transfer.exists():
        raise LocationInUse(
            lazy_message(
                _("%(code)s has active reservations or open transfers: ship, cancel or receive them first."),
                code=location.code,
            )
        )


def _save(location: Location) -> None:
    try:
        with transaction.atomic():
            location.save()
    except IntegrityError as error:
        if "location_code_ci_unique" in str(error):
            raise DuplicateCode(
                lazy_message(_("A location with the code %(code)s already exists."), code=repr(location.code)),
                errors={"code": [_("Already exists.")]},
            ) from None
        raise
