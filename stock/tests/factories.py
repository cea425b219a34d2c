"""Stock comes into being through the services only, so the level always matches the ledger."""

from catalog.tests.factories import ProductFactory
from stock import services


def stocked_product(quantity: int = 0, *, user=None, **product_fields):
    """A product with ``quantity`` received by one IN movement (none when 0)."""
    product = ProductFactory(**product_fields)
    if quantity:
        services.record_movement(product=product, change_type="IN", quantity=quantity, user=user)
    return product


def receive(product, quantity: int, *, user=None, **kwargs):
    return services.record_movement(product=product, change_type="IN", quantity=quantity, user=user, **kwargs)


def issue(product, quantity: int, *, user=None, **kwargs):
    return services.record_movement(product=product, change_type="OUT", quantity=quantity, user=user, **kwargs)
