"""Order tests use the catalogue's factories and stock received through the stock service."""

from catalog.tests.factories import CategoryFactory, ProductFactory
from stock.tests.factories import stocked_product

__all__ = ["CategoryFactory", "ProductFactory", "stocked_product"]
