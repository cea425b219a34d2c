"""The dashboard reads stock figures and "low stock" through stock.selectors, and today's totals from the ledger."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Product
from reports.tests.factories import ProductFactory, backdated_movement
from stock.services import record_movement, reserve

pytestmark = pytest.mark.django_db


def test_admin_dashboard_low_stock_and_today(admin_web, admin_user):
    at_minimum = ProductFactory(sku="ATMIN", name="Bolt", min_quantity=4)
    record_movement(product=at_minimum, change_type="IN", quantity=4, user=admin_user)  # available == minimum: low
    reserved = ProductFactory(sku="RES", name="Anvil", min_quantity=5)
    record_movement(product=reserved, change_type="IN", quantity=9, user=admin_user)
    reserve(lines=[(reserved.pk, 6)], reference="order:1")  # on hand 9, available 3: low by what is reserved
    ProductFactory(sku="NEVER", name="Chisel", min_quantity=2)  # no level row at all: available 0
    above = ProductFactory(sku="FINE", min_quantity=1)
    record_movement(product=above, change_type="IN", quantity=3, user=admin_user)
    retired = ProductFactory(sku="OLD", min_quantity=50)  # low, but inactive: not shown
    backdated_movement(retired, "IN", 7, timezone.now() - timedelta(days=1))  # yesterday: not in today's totals
    Product.objects.filter(pk=retired.pk).update(is_active=False)
    record_movement(product=above, change_type="OUT", quantity=1, user=admin_user)  # available 2: above

    context = admin_web.get("/").context
    # Largest shortfall first (RES 2, NEVER 2: by name, then ATMIN 0).
    assert [product.sku for product in context["low_stock"]] == ["RES", "NEVER", "ATMIN"]
    assert [(product.available, product.shortfall) for product in context["low_stock"]] == [(3, 2), (0, 2), (4, 0)]
    assert context["low_stock_count"] == 3
    assert context["today"] == {"total_in": 16, "total_out": 1, "count": 4}
