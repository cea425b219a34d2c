import pytest

from audit.models import AuditEvent
from catalog import services
from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from inventory_site.cache import stock_version
from inventory_site.exceptions import Invalid
from stock.models import StockLevel
from stock.services import ensure_level

pytestmark = pytest.mark.django_db


def test_product_changes_invalidate_reports_on_commit(admin_user, django_capture_on_commit_callbacks):
    category = CategoryFactory()
    before = stock_version()
    with django_capture_on_commit_callbacks(execute=True):
        product = services.create_product(
            actor=admin_user, sku="S-1", name="N", category_id=category.pk, unit_price="1.00"
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.update_product(actor=admin_user, product=product, unit_price="2.00")
    assert stock_version() == before + 2


def test_update_without_changes_writes_no_event(admin_user):
    product = ProductFactory(name="Same")
    services.update_product(actor=admin_user, product=product, name="Same")
    assert not AuditEvent.objects.exists()


def test_unknown_field_is_invalid(admin_user):
    with pytest.raises(Invalid):
        services.update_product(actor=admin_user, product=ProductFactory(), colour="red")


def test_sku_is_stripped(admin_user):
    category = CategoryFactory()
    product = services.create_product(
        actor=admin_user, sku="  AB-1 ", name=" Name ", category_id=category.pk, unit_price="1"
    )
    assert (product.sku, product.name) == ("AB-1", "Name")


def test_product_with_an_empty_level_can_be_deleted(admin_user):
    product = ProductFactory()
    ensure_level(product.pk)
    services.delete_product(actor=admin_user, product=product)
    assert not Product.objects.exists() and not StockLevel.objects.exists()


def test_audit_event_rolls_back_with_the_change(admin_user):
    from django.db import transaction

    category = CategoryFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.create_product(actor=admin_user, sku="RB-1", name="N", category_id=category.pk, unit_price="1")
        raise RuntimeError
    assert not Product.objects.exists() and not AuditEvent.objects.exists()
