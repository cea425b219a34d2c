"""Small factories for the report tests (the catalogue has its own; reports does not depend on them)."""

from datetime import datetime
from decimal import Decimal

import factory
from django.db.models import F

from catalog.models import Category, Product
from stock.models import StockLevel, StockMovement


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Report category {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"RPT-{n:05d}")
    name = factory.Sequence(lambda n: f"Report product {n}")
    category = factory.SubFactory(CategoryFactory)
    unit_price = Decimal("10.00")


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
