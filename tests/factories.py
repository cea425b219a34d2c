"""Small factories for the web and browser tests (independent of the apps' own factories)."""

from decimal import Decimal

import factory

from catalog.models import Category, Product, Supplier
from stock import services as stock_services


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Web category {n}")


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Web supplier {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"WEB-{n:04d}")
    name = factory.Sequence(lambda n: f"Web product {n}")
    category = factory.SubFactory(CategoryFactory)
    unit_price = Decimal("4.25")


def stocked(quantity: int, *, user=None, **fields) -> Product:
    """A product with ``quantity`` received through the stock service."""
    product = ProductFactory(**fields)
    if quantity:
        stock_services.record_movement(product=product, change_type="IN", quantity=quantity, user=user)
    return product
