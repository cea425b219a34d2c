"""Every write to the catalogue: validated, audited in the same transaction, and safe against racing duplicates.

Uniqueness is left to the case-insensitive unique constraints: a pre-check would still lose a race, so the
insert runs in a savepoint and the constraint's IntegrityError becomes the 409.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import assign, diff, record_event, record_events, snapshot, stripped
from catalog.exceptions import CategoryInUse, DuplicateName, DuplicateSku, ProductHasMovements, SupplierInUse
from catalog.models import CATEGORY_FIELDS, PRODUCT_FIELDS, SUPPLIER_FIELDS, Category, Product, Supplier
from inventory_site.bulk import update_rows
from inventory_site.cache import bump_stock_version
from inventory_site.exceptions import DomainError, Invalid, NotFound, lazy_message

# --- helpers ---------------------------------------------------------------------------------


# The catalogue's text fields kept without surrounding white space.
_STRIPPED = dict.fromkeys(("sku", "name", "unit", "email", "phone"), stripped)


def _assign(instance: models.Model, fields: dict, allowed) -> None:
    assign(instance, fields, allowed, _STRIPPED)


def _clean(instance: models.Model, exclude=()) -> None:
    """Field validation (lengths, blanks, email); uniqueness is the constraint's job, see _save."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors = {("category_id" if key == "category" else key): value for key, value in error.message_dict.items()}
        field, messages = next(iter(errors.items()))
        raise Invalid(f"{field}: {messages[0]}", errors=errors) from None


def _save(instance: models.Model, kind: "_Kind") -> None:
    """Save in a savepoint; a violation of the kind's unique constraint becomes its duplicate error (409)."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        if kind.unique and kind.unique in str(error):
            raise kind.duplicate(getattr(instance, kind.label)) from None
        raise


def _delete(instance: models.Model, *, conflict: Exception) -> None:
    """Lock the row first: a concurrent insert referencing it then either finishes first (and protects it) or
    waits for the delete. PROTECT foreign keys turn a referenced row into ``conflict``."""
    type(instance).objects.select_for_update().filter(pk=instance.pk).first()
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, IntegrityError):
        raise conflict from None


def _reports_changed() -> None:
    transaction.on_commit(bump_stock_version, robust=True)


# --- one create/update/delete for every kind of catalogue row ---------------------------------


@dataclass(frozen=True)
class _Kind:
    """What differs between categories, suppliers and products; the steps of a write are the same."""

    name: str  # the audit object type and action prefix
    fields: tuple[str, ...]
    label: str  # the field that names a row in messages and delete events
    unique: str = ""  # the case-insensitive unique constraint, if any
    duplicate: Callable[[str], Exception] | None = None
    in_use: Callable[[str], Exception] = Invalid
    check: Callable[[models.Model], None] = _clean
    shown_in_reports: bool = False


def _new(kind: _Kind, model: type[models.Model], fields: dict, check=None) -> models.Model:
    """An unsaved row of ``model`` with ``fields``, checked (``check``: the kind's check, or a bulk write's
    variant of it)."""
    instance = model()
    _assign(instance, fields, kind.fields)
    (check or kind.check)(instance)
    return instance


def _changed(kind: _Kind, instance: models.Model, fields: dict, check=None) -> dict:
    """Apply ``fields`` to ``instance`` (locked by the caller) and check it; the changes it makes."""
    before = snapshot(instance, kind.fields)
    _assign(instance, fields, kind.fields)
    (check or kind.check)(instance)
    return diff(instance, before, kind.fields)


def _create(kind: _Kind, model: type[models.Model], *, actor, fields: dict) -> models.Model:
    instance = _new(kind, model, fields)
    _save(instance, kind)
    record_event(action=f"{kind.name}.created", actor=actor, obj=instance, changes=snapshot(instance, kind.fields))
    if kind.shown_in_reports:
        _reports_changed()
    return instance


def _update(kind: _Kind, instance: models.Model, *, actor, fields: dict) -> models.Model:
    instance = type(instance).objects.select_for_update().get(pk=instance.pk)
    changes = _changed(kind, instance, fields)
    if changes:
        _save(instance, kind)
        record_event(action=f"{kind.name}.updated", actor=actor, obj=instance, changes=changes)
        if kind.shown_in_reports:
            _reports_changed()  # reports show names, prices and categories
    return instance


def _delete_row(kind: _Kind, instance: models.Model, *, actor) -> None:
    pk, label = instance.pk, getattr(instance, kind.label)
    _delete(instance, conflict=kind.in_use(label))
    record_event(
        action=f"{kind.name}.deleted", actor=actor, object_type=kind.name, object_id=pk, changes={kind.label: label}
    )
    if kind.shown_in_reports:
        _reports_changed()


def _check_product(product: Product, *, category_ids: set[int] | None = None) -> None:
    """Rules the field definitions do not carry: a known category, a price that is a non-negative decimal.

    ``category_ids``: the categories known to exist (a bulk write reads them once); without, one query."""
    try:
        known = isinstance(product.category_id, int) and (
            product.category_id in category_ids
            if category_ids is not None
            else Category.objects.filter(pk=product.category_id).exists()
        )
    except (TypeError, ValueError):
        known = False
    if not known:
        raise Invalid(_("Unknown category."), errors={"category_id": [_("Unknown category.")]})
    try:
        price = Decimal(str(product.unit_price))
    except (InvalidOperation, ValueError):
        raise Invalid(
            _("unit_price must be a decimal."), errors={"unit_price": [_("A decimal is required.")]}
        ) from None
    if not price.is_finite() or price < 0:
        raise Invalid(_("unit_price must not be negative."), errors={"unit_price": [_("Must be 0 or more.")]})
    product.unit_price = price
    _clean(product, exclude=["category"])


CATEGORY = _Kind(
    name="category",
    fields=CATEGORY_FIELDS,
    label="name",
    unique="category_name_ci_unique",
    duplicate=lambda name: DuplicateName(
        lazy_message(_("A category named %(name)s already exists."), name=repr(name)),
        errors={"name": [_("Already exists.")]},
    ),
    in_use=lambda name: CategoryInUse(
        lazy_message(_("The category %(name)s holds products; move or delete them first."), name=repr(name))
    ),
    shown_in_reports=True,
)
SUPPLIER = _Kind(
    name="supplier",
    fields=SUPPLIER_FIELDS,
    label="name",
    in_use=lambda name: SupplierInUse(
        lazy_message(_("The supplier %(name)s is named on movements; deactivate it instead."), name=repr(name))
    ),
)
PRODUCT = _Kind(
    name="product",
    fields=PRODUCT_FIELDS,
    label="sku",
    unique="product_sku_ci_unique",
    duplicate=lambda sku: DuplicateSku(
        lazy_message(_("A product with the SKU %(sku)s already exists."), sku=repr(sku)),
        errors={"sku": [_("Already exists.")]},
    ),
    in_use=lambda sku: ProductHasMovements(
        lazy_message(
            _("The product %(sku)s has movements, reservations or orders; deactivate it instead."), sku=repr(sku)
        )
    ),
    check=_check_product,
    shown_in_reports=True,
)


# --- categories ------------------------------------------------------------------------------


@transaction.atomic
def create_category(*, actor, name: str, description: str = "") -> Category:
    return _create(CATEGORY, Category, actor=actor, fields={"name": name, "description": description})


@transaction.atomic
def update_category(*, actor, category: Category, **fields) -> Category:
    return _update(CATEGORY, category, actor=actor, fields=fields)


@transaction.atomic
def delete_category(*, actor, category: Category) -> None:
    _delete_row(CATEGORY, category, actor=actor)


# --- suppliers -------------------------------------------------------------------------------


@transaction.atomic
def create_supplier(*, actor, name: str, **fields) -> Supplier:
    return _create(SUPPLIER, Supplier, actor=actor, fields={"name": name, **fields})


@transaction.atomic
def update_supplier(*, actor, supplier: Supplier, **fields) -> Supplier:
    return _update(SUPPLIER, supplier, actor=actor, fields=fields)


@transaction.atomic
def delete_supplier(*, actor, supplier: Supplier) -> None:
    _delete_row(SUPPLIER, supplier, actor=actor)


# --- products --------------------------------------------------------------------------------


@transaction.atomic
def create_product(
    *,
    actor,
    sku: str,
    name: str,
    category_id: int,
    unit_price,
    description: str = "",
    unit: str = "pcs",
    min_quantity: int = 0,
    reorder_quantity: int = 0,
    is_active: bool = True,
) -> Product:
    fields = dict(sku=sku, name=name, category_id=category_id, unit_price=unit_price, description=description)
    fields.update(unit=unit, min_quantity=min_quantity, reorder_quantity=reorder_quantity, is_active=is_active)
    return _create(PRODUCT, Product, actor=actor, fields=fields)


@transaction.atomic
def update_product(*, actor, product: Product, **fields) -> Product:
    """Partial update; ``is_active=False`` deactivates (no more movements or orders)."""
    return _update(PRODUCT, product, actor=actor, fields=fields)


@transaction.atomic
def delete_product(*, actor, product: Product) -> None:
    _delete_row(PRODUCT, product, actor=actor)


# --- products in bulk (imports) ----------------------------------------------------------------


@dataclass
class ProductWrite:
    """One row of ``create_or_update_products``: update the product ``product_id`` with ``fields``, or (None)
    create one from them. ``category`` names the category, in any case, instead of a ``category_id`` in
    ``fields`` (a missing one is created). The call sets ``saved`` (the product, written or found unchanged)
    and ``changed``, or ``error``: the row's refusal (nothing of that row is written)."""

    fields: dict
    product_id: int | None = None
    category: str = ""
    saved: Product | None = None
    changed: bool = False
    error: DomainError | None = None


@transaction.atomic
def create_or_update_products(*, actor, rows: list[ProductWrite]) -> list[ProductWrite]:
    """Create and update many products at once, each row under the rules and audit of create_product and
    update_product (their checks; a ``product.created`` or ``product.updated`` event per product written, a
    ``category.created`` per category created), with one INSERT of the missing categories, one lock statement
    and one UPDATE of the products changed, one INSERT of the new ones, one INSERT of the audit events.

    A refused row (a bad field, a SKU taken, a product gone) gets its ``error`` and the others are written.
    Should a concurrent write take a SKU or a category name meanwhile, that INSERT goes row by row (each in its
    savepoint, as the single services do) and only the rows it concerns are refused."""
    events: list[dict] = []
    categories = _categories_named(actor, {row.category for row in rows if row.category}, events)
    for row in rows:
        if row.category:
            category = categories[_name_key(row.category)]
            if isinstance(category, DomainError):
                row.error = category
            else:
                row.fields = {**row.fields, "category_id": category.pk}
    updates = [row for row in rows if row.error is None and row.product_id is not None]
    query = Product.objects.select_for_update().filter(pk__in={row.product_id for row in updates}).order_by("pk")
    locked = {product.pk: product for product in query} if updates else {}  # ascending ids: no deadlocks
    wanted = {row.fields.get("category_id") for row in rows if row.error is None}
    wanted |= {product.category_id for product in locked.values()}
    ids = {pk for pk in wanted if isinstance(pk, int) and not isinstance(pk, bool)}
    check = functools.partial(
        _check_product, category_ids=set(Category.objects.filter(pk__in=ids).values_list("pk", flat=True))
    )
    _update_products(actor, updates, locked, check, events)
    _create_products(actor, [row for row in rows if row.error is None and row.product_id is None], check, events)
    if events:
        record_events(events)
        _reports_changed()
    return rows


def _name_key(name: str) -> str:
    return name.strip().lower()


def _categories_named(actor, names: set[str], events: list[dict]) -> dict[str, Category | DomainError]:
    """The categories of ``names`` (in any case) by lower-cased name, the missing ones created (one INSERT), or
    the error refusing a name."""
    spelled = {_name_key(name): name for name in sorted(names)}
    found: dict[str, Category | DomainError] = dict(_categories_by_key(list(spelled)))
    new = []
    for key, name in spelled.items():
        if key in found:
            continue
        try:
            new.append((key, _new(CATEGORY, Category, {"name": name, "description": ""})))
        except DomainError as error:
            found[key] = error
    for (key, category), error in zip(new, _insert(CATEGORY, [category for _key, category in new]), strict=True):
        if error is None:
            found[key] = category
            events.append(_created_event(CATEGORY, actor, category))
        else:  # created meanwhile by another writer: use it
            same = Category.objects.annotate(key=Lower("name")).filter(key=Lower(Value(category.name))).first()
            found[key] = same or error
    return found


def _update_products(actor, rows: list[ProductWrite], locked: dict[int, Product], check, events: list[dict]) -> None:
    changed, seen, now = [], set(), timezone.now()
    for row in rows:
        product = locked.get(row.product_id)
        if product is None:
            row.error = NotFound(
                lazy_message(_("Product %(id)s no longer exists."), id=row.product_id),
                errors={"product_id": [_("No longer exists.")]},
            )
            continue
        if product.pk in seen:
            row.error = Invalid.of(
                {"product_id": [lazy_message(_("%(sku)s is on another row: one row per product."), sku=product.sku)]}
            )
            continue
        seen.add(product.pk)
        try:
            changes = _changed(PRODUCT, product, row.fields, check)
        except DomainError as error:
            row.error = error
            continue
        row.saved, row.changed = product, bool(changes)
        if changes:
            product.updated_at = now  # auto_now: bulk_update does not set it
            changed.append((row, changes))
    if not changed:
        return
    fields = sorted({name for _, changes in changed for name in changes} | {"updated_at"})
    try:
        with transaction.atomic():
            update_rows(Product, [row.saved for row, _ in changed], fields)
        refused = [None] * len(changed)
    except IntegrityError as error:  # a SKU changed to one taken meanwhile: row by row, each in its savepoint
        if not PRODUCT.unique or PRODUCT.unique not in str(error):
            raise
        refused = [_saved_alone(PRODUCT, row.saved) for row, _ in changed]
    for (row, changes), error in zip(changed, refused, strict=True):
        if error is None:
            events.append({"action": "product.updated", "actor": actor, "obj": row.saved, "changes": changes})
        else:
            row.saved, row.changed, row.error = None, False, error


def _create_products(actor, rows: list[ProductWrite], check, events: list[dict]) -> None:
    new = []
    for row in rows:
        try:
            new.append((row, _new(PRODUCT, Product, row.fields, check)))
        except DomainError as error:
            row.error = error
    keys = [product.sku.lower() for _, product in new]
    taken = _skus_taken(keys)
    fresh = []
    for (row, product), key in zip(new, keys, strict=True):
        if key in taken:
            row.error = PRODUCT.duplicate(product.sku)
        else:
            taken.add(key)
            fresh.append((row, product))
    for (row, product), error in zip(fresh, _insert(PRODUCT, [product for _row, product in fresh]), strict=True):
        if error is None:
            row.saved, row.changed = product, True
            events.append(_created_event(PRODUCT, actor, product))
        else:
            row.error = error


def _categories_by_key(keys: list[str]) -> dict[str, Category]:
    """The categories named by ``keys`` (lower-cased names), by key (one query)."""
    query = Category.objects.annotate(key=Lower("name")).filter(key__in=keys) if keys else []
    return {category.name.lower(): category for category in query}


def _skus_taken(keys: list[str]) -> set[str]:
    """Which of ``keys`` (lower-cased SKUs) a product has (one query); the unique constraint stays the judge."""
    return set(Product.objects.annotate(key=Lower("sku")).filter(key__in=keys).values_list("key", flat=True))


def _insert(kind: _Kind, instances: list[models.Model]) -> list[DomainError | None]:
    """One INSERT of ``instances``; should it break the kind's unique constraint (a concurrent write took a
    name), each goes alone and only the duplicates are refused. Each instance's error, or None."""
    if not instances:
        return []
    try:
        with transaction.atomic():
            type(instances[0]).objects.bulk_create(instances, batch_size=1000)
        return [None] * len(instances)
    except IntegrityError as error:
        if not kind.unique or kind.unique not in str(error):
            raise
    return [_saved_alone(kind, instance) for instance in instances]


def _saved_alone(kind: _Kind, instance: models.Model) -> DomainError | None:
    try:
        _save(instance, kind)
    except DomainError as error:
        return error
    return None


def _created_event(kind: _Kind, actor, instance: models.Model) -> dict:
    changes = snapshot(instance, kind.fields)
    return {"action": f"{kind.name}.created", "actor": actor, "obj": instance, "changes": changes}
