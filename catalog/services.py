"""Every write to the catalogue: validated, audited in the same transaction, and safe against racing duplicates.

Uniqueness is left to the case-insensitive unique constraints: a pre-check would still lose a race, so the
insert runs in a savepoint and the constraint's IntegrityError becomes the 409.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError

from audit.services import diff, record_event, snapshot
from catalog.exceptions import CategoryInUse, DuplicateName, DuplicateSku, ProductHasMovements, SupplierInUse
from catalog.models import Category, Product, Supplier
from inventory_site.cache import bump_stock_version
from inventory_site.exceptions import Invalid

CATEGORY_FIELDS = ("name", "description")
SUPPLIER_FIELDS = ("name", "email", "phone", "address", "notes", "is_active")
PRODUCT_FIELDS = (
    "sku",
    "name",
    "description",
    "category_id",
    "unit",
    "unit_price",
    "min_quantity",
    "reorder_quantity",
    "is_active",
)


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


def _save(instance: models.Model, *, constraint: str, conflict: Exception) -> None:
    """Save in a savepoint; a violation of the named unique constraint becomes ``conflict``."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        if constraint in str(error):
            raise conflict from None
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


# --- categories ------------------------------------------------------------------------------


def _duplicate_category(name: str) -> DuplicateName:
    return DuplicateName(f"A category named {name!r} already exists.", errors={"name": ["Already exists."]})


@transaction.atomic
def create_category(*, actor, name: str, description: str = "") -> Category:
    category = Category()
    _assign(category, {"name": name, "description": description}, CATEGORY_FIELDS)
    _clean(category)
    _save(category, constraint="category_name_ci_unique", conflict=_duplicate_category(category.name))
    record_event(action="category.created", actor=actor, obj=category, changes=snapshot(category, CATEGORY_FIELDS))
    return category


@transaction.atomic
def update_category(*, actor, category: Category, **fields) -> Category:
    category = Category.objects.select_for_update().get(pk=category.pk)
    before = snapshot(category, CATEGORY_FIELDS)
    _assign(category, fields, CATEGORY_FIELDS)
    _clean(category)
    changes = diff(category, before, CATEGORY_FIELDS)
    if changes:
        _save(category, constraint="category_name_ci_unique", conflict=_duplicate_category(category.name))
        record_event(action="category.updated", actor=actor, obj=category, changes=changes)
        _reports_changed()  # reports show the category's name
    return category


@transaction.atomic
def delete_category(*, actor, category: Category) -> None:
    category_id, name = category.pk, category.name
    _delete(category, conflict=CategoryInUse(f"The category {name!r} holds products; move or delete them first."))
    record_event(
        action="category.deleted", actor=actor, object_type="category", object_id=category_id, changes={"name": name}
    )


# --- suppliers -------------------------------------------------------------------------------


@transaction.atomic
def create_supplier(*, actor, name: str, **fields) -> Supplier:
    supplier = Supplier()
    _assign(supplier, {"name": name, **fields}, SUPPLIER_FIELDS)
    _clean(supplier)
    supplier.save()
    record_event(action="supplier.created", actor=actor, obj=supplier, changes=snapshot(supplier, SUPPLIER_FIELDS))
    return supplier


@transaction.atomic
def update_supplier(*, actor, supplier: Supplier, **fields) -> Supplier:
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    before = snapshot(supplier, SUPPLIER_FIELDS)
    _assign(supplier, fields, SUPPLIER_FIELDS)
    _clean(supplier)
    changes = diff(supplier, before, SUPPLIER_FIELDS)
    if changes:
        supplier.save()
        record_event(action="supplier.updated", actor=actor, obj=supplier, changes=changes)
    return supplier


@transaction.atomic
def delete_supplier(*, actor, supplier: Supplier) -> None:
    supplier_id, name = supplier.pk, supplier.name
    _delete(supplier, conflict=SupplierInUse(f"The supplier {name!r} is named on movements; deactivate it instead."))
    record_event(
        action="supplier.deleted", actor=actor, object_type="supplier", object_id=supplier_id, changes={"name": name}
    )


# --- products --------------------------------------------------------------------------------


def _duplicate_sku(sku: str) -> DuplicateSku:
    return DuplicateSku(f"A product with the SKU {sku!r} already exists.", errors={"sku": ["Already exists."]})


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


def _product_snapshot(product: Product) -> dict:
    return snapshot(product, PRODUCT_FIELDS)


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
    product = Product()
    fields = dict(sku=sku, name=name, category_id=category_id, unit_price=unit_price, description=description)
    fields.update(unit=unit, min_quantity=min_quantity, reorder_quantity=reorder_quantity, is_active=is_active)
    _assign(product, fields, PRODUCT_FIELDS)
    _check_product(product)
    _save(product, constraint="product_sku_ci_unique", conflict=_duplicate_sku(product.sku))
    record_event(action="product.created", actor=actor, obj=product, changes=_product_snapshot(product))
    _reports_changed()
    return product


@transaction.atomic
def update_product(*, actor, product: Product, **fields) -> Product:
    """Partial update; ``is_active=False`` deactivates (no more movements or orders)."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = _product_snapshot(product)
    _assign(product, fields, PRODUCT_FIELDS)
    _check_product(product)
    changes = diff(product, before, PRODUCT_FIELDS)
    if changes:
        _save(product, constraint="product_sku_ci_unique", conflict=_duplicate_sku(product.sku))
        record_event(action="product.updated", actor=actor, obj=product, changes=changes)
        _reports_changed()
    return product


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
    product_id, sku = product.pk, product.sku
    _delete(
        product,
        conflict=ProductHasMovements(
            f"The product {sku!r} has movements, reservations or orders; deactivate it instead."
        ),
    )
    record_event(
        action="product.deleted", actor=actor, object_type="product", object_id=product_id, changes={"sku": sku}
    )
    _reports_changed()
