import logging

from django.conf import settings
from django.core.mail import send_mail

from accounts.models import Role, User
from catalog.models import Product
from inventory_site.jobs import db_job

log = logging.getLogger(__name__)


@db_job
def send_low_stock_alert(product_id: int) -> None:
    """Email the low-stock alert; the audit event was written with the change itself."""
    product = Product.objects.select_related("stock_level").filter(pk=product_id).first()
    if product is None:
        return
    level = getattr(product, "stock_level", None)
    available = level.available if level else 0
    recipients = settings.STOCK_ALERT_EMAILS or list(
        User.objects.filter(role=Role.ADMIN, is_active=True).values_list("email", flat=True)
    )
    if not recipients:
        return
    send_mail(
        subject=f"Low stock: {product.sku} {product.name}",
        message=f"{product.sku} {product.name}: {available} available, reorder point {product.min_quantity}.",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
