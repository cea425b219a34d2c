from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from catalog.models import Category, Product, Supplier
from stock.models import Document, DocumentKind, DocumentStatus, Location, StockLevel, StockMovement

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


def test_demo_shows_locations_and_documents():
    seed()
    codes = set(Location.objects.values_list("code", flat=True))
    assert {"MAIN", "TRANSIT", "WH2"} <= codes and len(codes) >= 5
    bins = Location.objects.filter(kind="bin")
    assert {b.parent.code for b in bins.select_related("parent")} == {"MAIN", "WH2"}
    held = StockLevel.objects.filter(total_in__gt=0).values_list("location__code", flat=True).distinct()
    assert len(set(held) - {"TRANSIT"}) >= 4  # stock at several locations
    transfers = Document.objects.filter(kind=DocumentKind.TRANSFER, reverses__isnull=True)
    assert transfers.filter(status=DocumentStatus.IN_TRANSIT).count() == 1
    assert transfers.filter(status=DocumentStatus.COMPLETED).count() >= 1
    reversed_receipt = Document.objects.get(kind=DocumentKind.RECEIPT, reversed_by__isnull=False)
    assert reversed_receipt.reversed_by.reason == "reversal"
    assert Document.objects.filter(kind=DocumentKind.COUNT).exists()
    assert StockLevel.objects.filter(location__code="TRANSIT", total_in__gt=0).exists()
    assert "No drift" in reconcile()


class Undo(Exception):
    pass


def test_demo_is_deterministic():
    """Loaded twice (the first rolled back), the demo has the same figures and documents."""
    snapshots = []
    for _ in range(2):
        try:
            with transaction.atomic():
                seed()
                snapshots.append(
                    (
                        sorted(
                            StockLevel.objects.values_list("product__sku", "location__code", "total_in", "total_out")
                        ),
                        sorted(
                            (kind, status, reason, "" if reason == "reversal" else reference, location)
                            for kind, status, reason, reference, location in Document.objects.values_list(
                                "kind", "status", "reason", "reference", "location__code"
                            )
                        ),
                    )
                )
                raise Undo
        except Undo:
            pass
    assert len(snapshots[0][0]) > 20 and len(snapshots[0][1]) >= 8
    assert snapshots[0] == snapshots[1]


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
