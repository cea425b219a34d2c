"""Web and browser tests use the apps' own factories."""

from catalog.tests.factories import CategoryFactory, ProductFactory, SupplierFactory
from stock.tests.factories import stocked_product as stocked

__all__ = ["CategoryFactory", "ProductFactory", "SupplierFactory", "stocked"]
