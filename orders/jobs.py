"""RQ jobs for orders. A job may run twice (a re-enqueue, a worker killed and recovered): each is idempotent.

The services enqueue these by dotted path (``orders.services.PROCESS_ORDER_JOB``), so this module may import
them and not the other way round.
"""

from inventory_site.jobs import db_job
from orders.services import process_pending_order


@db_job
def process_order(order_id: int) -> str | None:
    """Reserve a pending order's lines, all or none: ``confirmed`` or ``rejected``. Returns the new status."""
    order = process_pending_order(order_id=order_id)
    return order.status if order is not None else None
