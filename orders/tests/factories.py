"""Products for order tests, local to orders (catalog's factories are written separately)."""

from decimal import Decimal

import factory

from catalog.models import Category, Product
from stock import services as stock_services


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Order test category {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"ORD-SKU-{n:04d}")
    name = factory.Sequence(lambda n: f"Order test product {n}")
    category = factory.SubFactory(CategoryFactory)
    unit_price = Decimal("9.50")


def stocked_product(quantity: int, *, user=None, **fields) -> Product:
    """A product with ``quantity`` received through the stock service (the ledger and the level agree)."""
    product = ProductFactory(**fields)
    if quantity:
        stock_services.record_movement(product=product, change_type="IN", quantity=quantity, user=user)
    return product
