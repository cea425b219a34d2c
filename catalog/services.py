"""Every write to the catalogue: validated, audited in the same transaction, and safe against racing duplicates.

Uniqueness is left to the case-insensitive unique constraints: a pre-check would still lose a race, so the
insert runs in a savepoint and the constraint's IntegrityError becomes the 409.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError

from audit.services import diff, record_event, snapshot
from catalog.exceptions import CategoryInUse, DuplicateName, DuplicateSku, ProductHasMovements, SupplierInUse
from catalog.models import CATEGORY_FIELDS, PRODUCT_FIELDS, SUPPLIER_FIELDS, Category, Product, Supplier
from inventory_site.cache import bump_stock_version
from inventory_site.exceptions import Invalid

# --- helpers ---------------------------------------------------------------------------------


def _assign(instance: models.Model, fields: dict, allowed) -> None:
    for name, value in fields.items():
        if name not in allowed:
            raise Invalid(f"Unknown field {name}.", errors={name: ["Unknown field."]})
        if isinstance(value, str) and name in ("sku", "name", "unit", "email", "phone"):
            value = value.strip()
        setattr(instance, name, value)


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


def _create(kind: _Kind, model: type[models.Model], *, actor, fields: dict) -> models.Model:
    instance = model()
    _assign(instance, fields, kind.fields)
    kind.check(instance)
    _save(instance, kind)
    record_event(action=f"{kind.name}.created", actor=actor, obj=instance, changes=snapshot(instance, kind.fields))
    if kind.shown_in_reports:
        _reports_changed()
    return instance


def _update(kind: _Kind, instance: models.Model, *, actor, fields: dict) -> models.Model:
    instance = type(instance).objects.select_for_update().get(pk=instance.pk)
    before = snapshot(instance, kind.fields)
    _assign(instance, fields, kind.fields)
    kind.check(instance)
    changes = diff(instance, before, kind.fields)
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


def _check_product(product: Product) -> None:
    """Rules the field definitions do not carry: a known category, a price that is a non-negative decimal."""
    try:
        known = isinstance(product.category_id, int) and Category.objects.filter(pk=product.category_id).exists()
    except (TypeError, ValueError):
        known = False
    if not known:
        raise Invalid("Unknown category.", errors={"category_id": ["Unknown category."]})
    try:
        price = Decimal(str(product.unit_price))
    except (InvalidOperation, ValueError):
        raise Invalid("unit_price must be a decimal.", errors={"unit_price": ["A decimal is required."]}) from None
    if not price.is_finite() or price < 0:
        raise Invalid("unit_price must not be negative.", errors={"unit_price": ["Must be 0 or more."]})
    product.unit_price = price
    _clean(product, exclude=["category"])


CATEGORY = _Kind(
    name="category",
    fields=CATEGORY_FIELDS,
    label="name",
    unique="category_name_ci_unique",
    duplicate=lambda name: DuplicateName(
        f"A category named {name!r} already exists.", errors={"name": ["Already exists."]}
    ),
    in_use=lambda name: CategoryInUse(f"The category {name!r} holds products; move or delete them first."),
    shown_in_reports=True,
)
SUPPLIER = _Kind(
    name="supplier",
    fields=SUPPLIER_FIELDS,
    label="name",
    in_use=lambda name: SupplierInUse(f"The supplier {name!r} is named on movements; deactivate it instead."),
)
PRODUCT = _Kind(
    name="product",
    fields=PRODUCT_FIELDS,
    label="sku",
    unique="product_sku_ci_unique",
    duplicate=lambda sku: DuplicateSku(
        f"A product with the SKU {sku!r} already exists.", errors={"sku": ["Already exists."]}
    ),
    in_use=lambda sku: ProductHasMovements(
        f"The product {sku!r} has movements, reservations or orders; deactivate it instead."
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


def deactivate_products(*, actor, products) -> int:
    """Deactivate each active product (one audited update each); returns how many changed."""
    changed = 0
    for product in products:
        if product.is_active:
            update_product(actor=actor, product=product, is_active=False)
            changed += 1
    return changed


@transaction.atomic
def delete_product(*, actor, product: Product) -> None:
    _delete_row(PRODUCT, product, actor=actor)
