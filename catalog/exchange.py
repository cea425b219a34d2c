"""The catalogue as a table: the columns an export writes and an import reads (``imports``), in one place.

An export writes every product in these columns, so a file exported and imported again changes nothing.
"""

from catalog.models import Product

PRODUCT_COLUMNS = (
    "sku",
    "name",
    "category",
    "unit",
    "unit_price",
    "min_quantity",
    "reorder_quantity",
    "description",
    "is_active",
)
# What an import cannot do without: the fields a product is created with.
PRODUCT_REQUIRED_COLUMNS = ("sku", "name", "category", "unit_price")


def product_row(product: Product) -> list:
    """One product's cells in ``PRODUCT_COLUMNS`` order (its category read with it: ``select_related``)."""
    return [
        product.sku,
        product.name,
        product.category.name,
        product.unit,
        product.unit_price,
        product.min_quantity,
        product.reorder_quantity,
        product.description,
        product.is_active,
    ]
