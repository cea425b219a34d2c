"""Products, dashboard, navigation and role rules."""

import pytest

from orders import services as order_services
from stock import services as stock_services
from tests.factories import CategoryFactory, ProductFactory, stocked

pytestmark = pytest.mark.django_db


def test_products_list_with_stock_figures_and_filters(staff_web):
    tools = CategoryFactory(name="Tools")
    stocked(10, sku="HAM-1", name="Hammer", category=tools, min_quantity=2)
    stocked(1, sku="NAI-1", name="Nails", min_quantity=5)
    ProductFactory(sku="OLD-1", name="Old thing", is_active=False)

    def skus(**params):
        return [p.sku for p in staff_web.get("/products/", params).context["page"]]

    assert skus() == ["HAM-1", "NAI-1"]
    assert skus(search="ham") == ["HAM-1"]
    assert skus(search="nai-") == ["NAI-1"]
    assert skus(category=tools.pk) == ["HAM-1"]
    assert skus(low_stock="on") == ["NAI-1"]
    assert skus(status="inactive") == ["OLD-1"]
    assert skus(sort_by="available", sort_order="desc") == ["HAM-1", "NAI-1"]
    page = staff_web.get("/products/", {"search": "Hammer"}).context["page"]
    assert (page[0].on_hand, page[0].reserved, page[0].available) == (10, 0, 10)


def test_product_without_level_shows_zeros(staff_web):
    ProductFactory(sku="ZERO-1")
    product = staff_web.get("/products/").context["page"][0]
    assert (product.on_hand, product.available) == (0, 0)


def test_products_read_only_for_staff_with_add_and_edit_for_admins(staff_web, client, admin_user):
    product = stocked(1, sku="LNK-1")
    html = staff_web.get("/products/").content.decode()
    assert "/admin/" not in html
    assert f"/products/{product.pk}/edit/" not in html and "/products/new/" not in html
    assert f'href="/products/{product.pk}/"' in html  # the SKU and the name link to the product page
    client.force_login(admin_user)
    html = client.get("/products/").content.decode()
    assert f"/products/{product.pk}/edit/" in html
    assert "/products/new/" in html


def test_products_query_count_is_constant(staff_web, django_assert_max_num_queries):
    for i in range(30):
        stocked(i % 3, sku=f"QP-{i:02d}")
    with django_assert_max_num_queries(8):
        response = staff_web.get("/products/")
    assert len(response.context["page"]) == 25


def test_product_lookup_by_sku_or_name_with_a_limit(staff_web):
    stocked(4, sku="LOOK-1", name="Blue widget")
    for i in range(30):
        ProductFactory(sku=f"LOOK-1{i:02d}", name=f"Thing {i}")
    ProductFactory(sku="GONE-1", name="Blue gone", is_active=False)
    results = staff_web.get("/products/lookup/", {"q": "look-1"}).json()["results"]
    assert len(results) == 20
    assert results[0]["sku"] == "LOOK-1"
    assert results[0]["on_hand"] == 4 and results[0]["available"] == 4
    names = [r["name"] for r in staff_web.get("/products/lookup/", {"q": "blue"}).json()["results"]]
    assert names == ["Blue widget"]
    everything = staff_web.get("/products/lookup/", {"q": "blue", "all": "1"}).json()["results"]
    assert len(everything) == 2
    assert staff_web.get("/products/lookup/", {"q": ""}).json() == {"results": []}


def test_lookup_stays_small_with_many_products(staff_web, django_assert_max_num_queries):
    category = CategoryFactory()
    from catalog.models import Product

    Product.objects.bulk_create(
        [Product(sku=f"BULK-{i:05d}", name=f"Bulk {i}", category=category, unit_price=1) for i in range(2000)]
    )
    with django_assert_max_num_queries(3):
        response = staff_web.get("/products/lookup/", {"q": "bulk"})
    assert len(response.json()["results"]) == 20
    html = staff_web.get("/stock/movements/new/").content.decode()
    assert "BULK-00001" not in html  # the catalogue is never rendered into the form


def test_staff_dashboard(staff_web, staff_user, admin_user):
    product = stocked(0, sku="DASH-1")
    stock_services.record_movement(product=product, change_type="IN", quantity=4, user=staff_user)
    stock_services.record_movement(product=product, change_type="IN", quantity=99, user=admin_user)
    response = staff_web.get("/")
    html = response.content.decode()
    assert [m.quantity for m in response.context["recent_movements"]] == [4]
    assert "/stock/movements/new/" in html
    assert "Low stock" not in html and 'id="today-in"' not in html


def test_admin_dashboard(admin_web, admin_user, staff_user):
    low = stocked(0, sku="LOW-1", min_quantity=5)
    stock_services.record_movement(product=low, change_type="IN", quantity=3, user=staff_user)
    ok = stocked(50, sku="OK-1")
    stock_services.record_movement(product=ok, change_type="OUT", quantity=8, user=staff_user)
    order = order_services.place_order(
        user=staff_user, customer_name="Ann", items=[{"product_id": ok.pk, "quantity": 1}]
    )
    response = admin_web.get("/")
    context = response.context
    assert context["today"]["total_in"] == 53 and context["today"]["total_out"] == 8
    assert [p.sku for p in context["low_stock"]] == ["LOW-1"]
    assert order in list(context["pending_orders"]) + list(context["confirmed_orders"])
    html = response.content.decode()
    assert 'id="today-in">53<' in html and 'id="today-out">8<' in html


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_navigation_shows_only_what_the_role_may_use(client, staff_user, admin_user, role):
    client.force_login(admin_user if role == "admin" else staff_user)
    html = client.get("/").content.decode()
    for label in ("Dashboard", "New movement", "Count", "History", "Products", "Orders"):
        assert f">{label}</a>" in html
    assert (">Reports</a>" in html) is (role == "admin")
    assert (">Admin</a>" in html) is (role == "admin")


def test_staff_are_refused_django_admin(staff_web):
    response = staff_web.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_are_refused_reports(staff_web):
    assert staff_web.get("/reports/").status_code == 403


def test_every_form_has_csrf_and_labels(staff_web):
    import re

    stocked(1, sku="CSRF-1")
    for url in ("/stock/movements/new/", "/stock/counts/new/", "/orders/new/"):
        html = staff_web.get(url).content.decode()
        assert "csrfmiddlewaretoken" in html
        for input_id in re.findall(r'<(?:input(?! type="hidden")|select|textarea)[^>]*?id="(id_[^"]+)"', html):
            if "__prefix__" not in input_id:
                assert f'for="{input_id}"' in html, f"{url}: {input_id} has no label"


def test_csrf_is_enforced(staff_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post("/stock/movements/new/", {"product": "X", "change_type": "IN", "quantity": "1"})
    assert response.status_code == 403


def test_logout_is_a_post(staff_web):
    assert staff_web.post("/logout/").status_code == 302
    assert staff_web.get("/").status_code == 302
