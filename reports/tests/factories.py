"""Report test data: the catalogue's factories, plus ledger rows back-dated for date-range reports."""

from datetime import datetime

from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from stock.models import StockMovement
from stock.services import record_movement

__all__ = ["CategoryFactory", "ProductFactory", "backdated_movement"]


def backdated_movement(product: Product, change_type: str, quantity: int, at: datetime, **fields) -> StockMovement:
    """A movement recorded at ``at`` through the stock services (their ``at``)."""
    return record_movement(
        product=product, change_type=change_type, quantity=quantity, user=None, at=at, **fields
    ).movement
