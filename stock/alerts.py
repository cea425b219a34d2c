"""Low-stock alerts: a row written with the crossing, emailed once by a job, rebuilt by the scheduler.

The row, not the queued job, is what must not be lost: a job lost with Redis is enqueued again while the
alert is unsent (``requeue_low_stock_alerts``), and the job sends each alert once.
"""

from datetime import timedelta

from django.utils import timezone

from inventory_site.jobs import enqueue_on_commit, requeue
from stock.models import LowStockAlert

SEND_JOB = "stock.jobs.send_low_stock_alert"
ALERT_REQUEUE_BATCH = 1000


def low_stock_alert_job_id(alert_id: int) -> str:
    """One job id per alert: the queue holds at most one waiting email job for it."""
    return f"low_stock_alert-{alert_id}"


def record_low_stock_alert(*, product, available: int) -> LowStockAlert:
    """Inside the crossing's transaction: the alert row, and its email job once that commits."""
    alert = LowStockAlert.objects.create(product=product, available=available, min_quantity=product.min_quantity)
    enqueue_on_commit(SEND_JOB, alert.pk, queue="low", job_id=low_stock_alert_job_id(alert.pk))
    return alert


def requeue_low_stock_alerts(*, older_than: timedelta) -> int:
    """Enqueue the email job again for every low-stock alert unsent for longer than ``older_than``: a job
    lost with Redis (down at commit time, or restarted empty) is rebuilt from the alert row. An alert whose
    job still waits is skipped; a job that runs twice sends nothing the second time. Returns how many."""
    unsent = LowStockAlert.objects.filter(sent_at__isnull=True, created_at__lt=timezone.now() - older_than)
    ids = list(unsent.order_by("id").values_list("id", flat=True)[:ALERT_REQUEUE_BATCH])
    jobs = [(alert_id, "low", low_stock_alert_job_id(alert_id)) for alert_id in ids]
    return requeue(SEND_JOB, jobs, what="low-stock alert")
