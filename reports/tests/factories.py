"""Report test data: the catalogue's factories, plus ledger rows back-dated for date-range reports."""

from datetime import datetime

from django.db.models import F

from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory

__all__ = ["CategoryFactory", "ProductFactory", "backdated_movement"]
from stock.models import StockLevel, StockMovement


def backdated_movement(product: Product, change_type: str, quantity: int, at: datetime, **fields) -> StockMovement:
    """A ledger row at ``at`` with its level moved to match (the services always stamp ``now``)."""
    movement = StockMovement.objects.create(
        product=product,
        change_type=change_type,
        quantity=quantity,
        reason=fields.pop("reason", "purchase" if change_type == "IN" else "sale"),
        created_at=at,
        **fields,
    )
    StockLevel.objects.get_or_create(product=product)
    column = "total_in" if change_type == "IN" else "total_out"
    StockLevel.objects.filter(product=product).update(**{column: F(column) + quantity})
    return movement
