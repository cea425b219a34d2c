import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from inventory_site.jobs import db_job
from stock.models import LowStockAlert

log = logging.getLogger(__name__)


@db_job
def send_low_stock_alert(alert_id: int) -> None:
    """Email one low-stock alert, once: the alert row is locked, and marked sent in the same transaction.

    The audit event was written with the change itself. If the commit fails after the email left, the
    alert is sent again later: at least once, and exactly once unless that happens.
    """
    with transaction.atomic():
        alert = LowStockAlert.objects.select_for_update().filter(pk=alert_id, sent_at__isnull=True).first()
        if alert is None:  # sent already (a duplicate job), or unknown
            return
        product = alert.product
        recipients = settings.STOCK_ALERT_EMAILS or list(
            User.objects.filter(role=Role.ADMIN, is_active=True).values_list("email", flat=True)
        )
        if recipients:
            send_mail(
                subject=f"Low stock: {product.sku} {product.name}",
                message=(
                    f"{product.sku} {product.name}: {alert.available} available, reorder point {alert.min_quantity}."
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
        else:
            log.warning("low-stock alert %s for %s: no recipients (no STOCK_ALERT_EMAILS, no admin)", alert.pk, product)
        LowStockAlert.objects.filter(pk=alert.pk).update(sent_at=timezone.now())
