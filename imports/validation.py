"""Judging rows without writing: each row's errors (column -> messages) and what applying it would do.

A whole file is judged with a few bulk reads (every SKU of the file in one query, every category, every
location, every level row named); nothing is locked and nothing outside the import's own rows is written.
The same parsing serves the apply, so a row means the same thing in the preview and when applied.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from catalog.exchange import PRODUCT_COLUMNS, PRODUCT_REQUIRED_COLUMNS
from catalog.models import Product
from imports import selectors
from imports.models import ImportKind, RowAction
from inventory_site import limits

STOCK_COLUMNS = ("sku", "location", "quantity")
STOCK_REQUIRED_COLUMNS = ("sku", "quantity")
COLUMNS = {
    ImportKind.PRODUCTS: (PRODUCT_COLUMNS, PRODUCT_REQUIRED_COLUMNS),
    ImportKind.STOCK: (STOCK_COLUMNS, STOCK_REQUIRED_COLUMNS),
}

MAX_LENGTHS = {"sku": 64, "name": 200, "category": 100, "unit": 16, "description": limits.NOTE_MAX_LENGTH}
MAX_PRICE = Decimal("9999999999.99")  # the column: 12 digits, 2 after the point
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0"}
SKU_REPEATED = "Repeats the SKU of row {row} (SKUs are unique in any case): this row is left out."
PAIR_REPEATED = "Repeats the SKU and location of row {row}: this row is left out."


@dataclass
class Judged:
    """One row as validation leaves it (the fields of an ``ImportRow``)."""

    row_number: int
    data: dict
    errors: dict = field(default_factory=dict)
    action: str = ""
    product_id: int | None = None
    location_id: int | None = None
    seen_on_hand: int | None = None
    seen_reserved: int | None = None

    def error(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(message)


# --- cells --------------------------------------------------------------------------------------------------
class CellError(ValueError):
    pass


def text(data: dict, column: str, *, required: bool = False, strip: bool = True) -> str | None:
    """The cell's text (None: no such column, or an empty optional cell)."""
    if column not in data:
        return None
    value = data[column].strip() if strip else data[column]
    if not value.strip():
        if required:
            raise CellError("Required.")
        return "" if column == "description" else None
    limit = MAX_LENGTHS.get(column, limits.NOTE_MAX_LENGTH)
    if len(value) > limit:
        raise CellError(f"At most {limit} characters.")
    return value


def whole_number(raw: str | None, *, minimum: int = 0) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit() or not raw.isascii():
        raise CellError(f"A whole number from {minimum} to {limits.MAX_QUANTITY} is required.")
    value = int(raw)
    if not minimum <= value <= limits.MAX_QUANTITY:
        raise CellError(f"A whole number from {minimum} to {limits.MAX_QUANTITY} is required.")
    return value


def price(raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise CellError("A price such as 12.50 is required (a point before the cents, no currency).") from None
    if not value.is_finite() or value < 0:
        raise CellError("Must be 0 or more.")
    if value > MAX_PRICE:
        raise CellError(f"At most {MAX_PRICE}.")
    if value != value.quantize(Decimal("0.01")):
        raise CellError("At most 2 decimal places.")
    return value.quantize(Decimal("0.01"))


def boolean(raw: str | None) -> bool | None:
    if raw is None:
        return None
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError("Use true or false.")


# --- products -----------------------------------------------------------------------------------------------
PRODUCT_PARSERS = {
    "sku": lambda data: text(data, "sku", required=True),
    "name": lambda data: text(data, "name", required=True),
    "category": lambda data: text(data, "category", required=True),
    "unit": lambda data: text(data, "unit"),
    "unit_price": lambda data: price(text(data, "unit_price", required=True)),
    "min_quantity": lambda data: whole_number(text(data, "min_quantity")),
    "reorder_quantity": lambda data: whole_number(text(data, "reorder_quantity")),
    "description": lambda data: text(data, "description", strip=False),
    "is_active": lambda data: boolean(text(data, "is_active")),
}


def product_values(data: dict) -> tuple[dict, dict]:
    """``(values, errors)``: each column of the row parsed; a column the file lacks, or an empty optional
    cell, has no value (a create takes the default, an update keeps what the product has)."""
    values, errors = {}, {}
    for column, parse in PRODUCT_PARSERS.items():
        try:
            value = parse(data)
        except CellError as error:
            errors[column] = [str(error)]
            continue
        if value is not None:
            values[column] = value
    return values, errors


def product_changes(product: Product, values: dict) -> dict:
    """The fields of ``product`` the row would change (``category`` compared by name, in any case)."""
    changes = {}
    for column, value in values.items():
        if column == "sku":
            continue
        if column == "category":
            if product.category.name.lower() != value.lower():
                changes["category"] = value
        elif getattr(product, column) != value:
            changes[column] = value
    return changes


def judge_products(rows: list[tuple[int, dict]]) -> list[Judged]:
    judged = [Judged(row_number=number, data=data) for number, data in rows]
    parsed = []
    for row in judged:
        values, errors = product_values(row.data)
        row.errors.update(errors)
        parsed.append(values)
    existing = selectors.products_by_sku([values["sku"] for values in parsed if "sku" in values])
    first_row: dict[str, int] = {}
    for row, values in zip(judged, parsed, strict=True):
        if "sku" not in values:
            continue
        key = values["sku"].lower()
        if key in first_row:
            row.error("sku", SKU_REPEATED.format(row=first_row[key]))
            continue
        first_row[key] = row.row_number
        if row.errors:
            continue
        product = existing.get(key)
        if product is None:
            row.action = RowAction.CREATE
        else:
            row.product_id = product.pk
            row.action = RowAction.UPDATE if product_changes(product, values) else RowAction.UNCHANGED
    return judged


# --- stock --------------------------------------------------------------------------------------------------
def judge_stock(rows: list[tuple[int, dict]], *, default_location) -> list[Judged]:
    judged = [Judged(row_number=number, data=data) for number, data in rows]
    skus = []
    for row in judged:
        try:
            skus.append(text(row.data, "sku", required=True))
        except CellError as error:
            row.error("sku", str(error))
    products = selectors.product_keys_by_sku([sku for sku in skus if sku])
    locations = selectors.locations_by_code()
    first_row: dict[tuple[str, int], int] = {}
    counted: dict[int, int] = {}
    for row in judged:
        product = _stock_product(row, products)
        location = _stock_location(row, locations, default_location)
        try:
            counted[row.row_number] = whole_number(text(row.data, "quantity", required=True))
        except CellError as error:
            row.error("quantity", str(error))
        if product is None or location is None:
            continue
        pair = (product.sku.lower(), location.pk)
        if pair in first_row:
            row.error("sku", PAIR_REPEATED.format(row=first_row[pair]))
            continue
        first_row[pair] = row.row_number
        row.product_id, row.location_id = product.pk, location.pk
    figures = selectors.level_figures({(row.product_id, row.location_id) for row in judged if row.location_id})
    for row in judged:
        if row.errors or row.location_id is None:
            continue
        row.seen_on_hand, row.seen_reserved = figures.get((row.product_id, row.location_id), (0, 0))
        quantity = counted[row.row_number]
        if quantity < row.seen_reserved:
            row.error("quantity", f"The count {quantity} is below the {row.seen_reserved} reserved there.")
            continue
        row.action = RowAction.UNCHANGED if quantity == row.seen_on_hand else RowAction.COUNT
    return judged


def _stock_product(row: Judged, products: dict):
    if row.errors.get("sku"):
        return None
    product = products.get(row.data["sku"].strip().lower())
    if product is None:
        row.error("sku", "No product has this SKU.")
    elif not product.is_active:
        row.error("sku", "This product is inactive and takes no counts.")
    return product if product is not None and product.is_active else None


def _stock_location(row: Judged, locations: dict, default_location):
    code = (row.data.get("location") or "").strip()
    if not code:
        return default_location
    location = locations.get(code.lower())
    if location is None:
        row.error("location", "No location has this code.")
    elif not location.is_active:
        row.error("location", f"The location {location.code} is inactive.")
    elif location.is_transit:
        row.error("location", f"{location.code} is a transit location: only transfers move stock through it.")
    else:
        return location
    return None
