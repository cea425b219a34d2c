"""The Django admin writes through the services (validated, audited) and lists stock without N+1."""

import pytest
from django.contrib.messages import get_messages

from audit.models import AuditEvent
from catalog.models import Category, Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from stock.models import StockMovement
from stock.tests.factories import issue, stocked_product

pytestmark = pytest.mark.django_db

PRODUCTS = "/admin/catalog/product/"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_product_changelist_shows_stock_in_constant_queries(admin_web, django_assert_max_num_queries):
    for index in range(5):
        issue(stocked_product(20 + index), 1)
    with django_assert_max_num_queries(12) as few:
        admin_web.get(PRODUCTS)
    for index in range(25):
        issue(stocked_product(40 + index), 1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_web.get(PRODUCTS)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 30
    first = response.context["cl"].result_list[0]
    assert first.on_hand == first.available == first.total_in - 1


def test_product_search_and_low_stock_filter(admin_web):
    stocked_product(50, sku="FIND-ME", min_quantity=5)
    stocked_product(1, sku="LOW-ONE", min_quantity=5)
    found = admin_web.get(PRODUCTS, {"q": "find-me"})
    assert [p.sku for p in found.context["cl"].result_list] == ["FIND-ME"]
    low = admin_web.get(PRODUCTS, {"low_stock": "yes"})
    assert [p.sku for p in low.context["cl"].result_list] == ["LOW-ONE"]


def product_form(category, **overrides):
    data = {
        "sku": "ADM-1",
        "name": "Admin product",
        "description": "",
        "category": category.pk,
        "unit": "pcs",
        "unit_price": "3.50",
        "min_quantity": 0,
        "reorder_quantity": 0,
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_add_product_goes_through_the_service(admin_web, admin_user):
    category = CategoryFactory()
    response = admin_web.post(f"{PRODUCTS}add/", product_form(category))
    assert response.status_code == 302
    product = Product.objects.get(sku="ADM-1")
    event = AuditEvent.objects.get(action="product.created")
    assert event.object_id == str(product.pk) and event.actor == admin_user


def test_change_product_is_audited(admin_web):
    product = ProductFactory()
    data = product_form(product.category, sku=product.sku, name="Renamed")
    assert admin_web.post(f"{PRODUCTS}{product.pk}/change/", data).status_code == 302
    event = AuditEvent.objects.get(action="product.updated")
    assert event.changes["name"][1] == "Renamed"


def test_duplicate_sku_in_admin_is_refused(admin_web):
    existing = ProductFactory(sku="DUP-1")
    response = admin_web.post(f"{PRODUCTS}add/", product_form(existing.category, sku="dup-1"))
    assert Product.objects.count() == 1
    assert response.status_code in (200, 302)


def test_deactivate_action(admin_web):
    products = [ProductFactory(), ProductFactory(), ProductFactory(is_active=False)]
    response = admin_web.post(
        PRODUCTS, {"action": "deactivate", "_selected_action": [p.pk for p in products]}, follow=True
    )
    assert not Product.objects.filter(is_active=True).exists()
    assert AuditEvent.objects.filter(action="product.updated").count() == 2
    assert "Deactivated 2 product(s)." in messages_of(response)


def test_deleting_a_product_with_movements_is_refused(admin_web):
    product = stocked_product(5)
    admin_web.post(f"{PRODUCTS}{product.pk}/delete/", {"post": "yes"})
    assert Product.objects.filter(pk=product.pk).exists()


def test_delete_category_through_the_service(admin_web):
    category = CategoryFactory()
    response = admin_web.post(f"/admin/catalog/category/{category.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Category.objects.exists()
    assert AuditEvent.objects.filter(action="category.deleted").exists()


def test_bulk_delete_reports_domain_errors(admin_web):
    empty, used = CategoryFactory(name="Empty"), CategoryFactory(name="Used")
    ProductFactory(category=used)
    admin_web.post(
        "/admin/catalog/category/",
        {"action": "delete_selected", "_selected_action": [empty.pk, used.pk], "post": "yes"},
    )
    # Django refuses protected objects itself; nothing is deleted behind the services' back.
    assert Category.objects.filter(pk=used.pk).exists()


def test_the_ledger_is_read_only_in_the_admin(admin_web):
    product = stocked_product(5)
    movement = StockMovement.objects.get(product=product)
    assert admin_web.get("/admin/stock/stockmovement/").status_code == 200
    assert admin_web.get("/admin/stock/stockmovement/add/").status_code == 403
    assert admin_web.post(f"/admin/stock/stockmovement/{movement.pk}/delete/", {"post": "yes"}).status_code == 403
    page = admin_web.get(f"/admin/stock/stockmovement/{movement.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_web.get("/admin/stock/stocklevel/").status_code == 200
    assert admin_web.get("/admin/stock/reservation/").status_code == 200


def test_staff_cannot_use_the_admin(staff_web):
    assert staff_web.get(PRODUCTS).status_code == 302


def test_domain_error_from_a_service_is_shown_to_the_admin(admin_web, monkeypatch):
    from inventory_site.exceptions import Conflict
    from stock.admin import ProductAdmin

    def refuse(**kwargs):
        raise Conflict("Refused by the service.")

    monkeypatch.setattr(ProductAdmin, "service_update", staticmethod(refuse))
    product = ProductFactory(name="Before")
    data = product_form(product.category, sku=product.sku, name="After")
    response = admin_web.post(f"{PRODUCTS}{product.pk}/change/", data, follow=True)
    assert "Refused by the service." in messages_of(response)
    product.refresh_from_db()
    assert product.name == "Before"
