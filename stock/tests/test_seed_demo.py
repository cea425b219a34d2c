from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Max, Min
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from catalog.models import Category, Product, Supplier
from stock.models import StockLevel, StockMovement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_passwords(monkeypatch):
    # seed_demo refuses unset or published demo passwords outside DJANGO_DEBUG (make run generates them).
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "admin-test-Wq7-Er4-long")
    monkeypatch.setenv("DEMO_STAFF_PASSWORD", "staff-test-Pl5-Ok9-long")


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    return [model.objects.count() for model in (User, Category, Supplier, Product, StockMovement, AuditEvent)]


def test_demo_is_loaded_once_through_the_services():
    assert "Demo data loaded." in seed()
    first = counts()
    assert "already present" in seed()
    assert counts() == first
    assert Product.objects.filter(stock_levels__isnull=False).distinct().count() == Product.objects.count() > 0
    assert AuditEvent.objects.filter(action="product.created").count() == Product.objects.count()
    assert "No drift" in reconcile()


def reconcile() -> str:
    out = StringIO()
    call_command("reconcile_stock", stdout=out)
    return out.getvalue()


def test_bulk_generator_keeps_levels_consistent():
    seed()
    before = Product.objects.count()
    output = seed("--products", "30", "--movements", "2000")
    assert "Added 30 products and 2,000 movements" in output and "movements: 2,000/2,000 (100%)" in output
    assert Product.objects.count() == before + 30
    bulk = StockMovement.objects.filter(product__sku__startswith="BLK-")
    assert bulk.count() == 2000
    span = bulk.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert span["first"] >= timezone.now() - timedelta(days=90, minutes=1)
    assert span["last"] - span["first"] > timedelta(days=89)
    assert not bulk.filter(change_type="OUT", supplier__isnull=False).exists()
    assert StockLevel.objects.filter(product__sku__startswith="BLK-").count() == 30
    assert "No drift" in reconcile()
    seed("--products", "5", "--movements", "100")  # a second run adds more, with fresh SKUs
    assert Product.objects.filter(sku__startswith="BLK-").count() == 35
    assert "No drift" in reconcile()


def test_movements_without_products_is_an_error():
    with pytest.raises(CommandError):
        seed("--movements", "10")
