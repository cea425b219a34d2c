"""A product created with its opening stock: the catalogue's write and a receipt, in one transaction."""

from django.db import transaction

from catalog import services as catalog_services
from catalog.models import Product
from stock.models import DocumentKind, Reason
from stock.services.documents import create_document

OPENING_STOCK_NOTE = "Opening stock"


def create_product_with_stock(
    *, actor, opening_quantity: int = 0, location_id: int | None = None, **fields
) -> tuple[Product, object]:
    """Create the product (catalog.services) and, with ``opening_quantity``, a receipt of it at ``location_id``
    (the default location), reason ``adjustment``; both or neither. Returns the product and the receipt (or
    None). A bad opening line is an Invalid under ``opening_quantity`` / ``location_id``."""
    with transaction.atomic():
        product = catalog_services.create_product(actor=actor, **fields)
        receipt = None
        if opening_quantity:
            receipt = create_document(
                kind=DocumentKind.RECEIPT,
                user=actor,
                lines=[{"product_id": product.pk, "quantity": opening_quantity}],
                location_id=location_id,
                reason=Reason.ADJUSTMENT,
                note=OPENING_STOCK_NOTE,
            )
    return product, receipt
