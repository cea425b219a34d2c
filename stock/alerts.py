"""Low-stock alerts: read from the outbox, emailed once by a job, rebuilt by the scheduler.

A crossing writes its ``stock.low`` event in its own transaction (stock.services.ledger), like every change.
The relay, stamping committed events one run at a time, hands them to ``alerts_from_events``
(``OUTBOX_CONSUMERS``), which makes the alert row in the relay's transaction: one alert per committed
crossing, none for a rolled-back one, and none lost when Redis is down (the scheduler's outbox sweep runs the
relay). Then the row, not the queued job, is what counts: a job lost with Redis is enqueued again while the
alert is unsent (``requeue_low_stock_alerts``), and the job sends each alert once.
"""

from datetime import timedelta

from django.utils import timezone

from catalog.models import Product
from integrations.models import EventType
from inventory_site.jobs import enqueue_on_commit, requeue
from stock.models import LowStockAlert

SEND_JOB = "stock.jobs.send_low_stock_alert"
ALERT_REQUEUE_BATCH = 1000


def low_stock_alert_job_id(alert_id: int) -> str:
    """One job id per alert: the queue holds at most one waiting email job for it."""
    return f"low_stock_alert-{alert_id}"


def alerts_from_events(events) -> list[LowStockAlert]:
    """Inside the relay's transaction, for the events it just stamped: an alert for each ``stock.low``, and
    its email job once that commits."""
    low = [event for event in events if event.type == EventType.STOCK_LOW]
    if not low:
        return []
    products = set(Product.objects.filter(pk__in={e.data["product_id"] for e in low}).values_list("pk", flat=True))
    alerts = LowStockAlert.objects.bulk_create(
        [
            LowStockAlert(
                product_id=event.data["product_id"],
                event=event,
                available=event.data["available"],
                min_quantity=event.data["min_quantity"],
                created_at=event.occurred_at,
            )
            for event in low
            if event.data["product_id"] in products  # a product deleted since has nothing to reorder
        ]
    )
    for alert in alerts:
        enqueue_on_commit(SEND_JOB, alert.pk, queue="low", job_id=low_stock_alert_job_id(alert.pk))
    return alerts


def requeue_low_stock_alerts(*, older_than: timedelta) -> int:
    """Enqueue the email job again for every low-stock alert unsent for longer than ``older_than``: a job
    lost with Redis (down at commit time, or restarted empty) is rebuilt from the alert row. An alert whose
    job still waits is skipped; a job that runs twice sends nothing the second time. Returns how many."""
    unsent = LowStockAlert.objects.filter(sent_at__isnull=True, created_at__lt=timezone.now() - older_than)
    ids = list(unsent.order_by("id").values_list("id", flat=True)[:ALERT_REQUEUE_BATCH])
    jobs = [(alert_id, "low", low_stock_alert_job_id(alert_id)) for alert_id in ids]
    return requeue(SEND_JOB, jobs, what="low-stock alert")
