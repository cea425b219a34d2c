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


def transfer(product, quantity: int, source_id: int, destination_id: int, *, user, **fields):
    """A one-line transfer document between two locations (``fields``: ``via_transit``, ``reference``...)."""
    return services.create_document(
        kind="transfer",
        user=user,
        source_location_id=source_id,
        destination_location_id=destination_id,
        lines=[{"product_id": product.pk, "quantity": quantity}],
        **fields,
    )
