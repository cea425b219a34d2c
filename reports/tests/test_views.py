"""The admin report pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from reports.tests.factories import CategoryFactory, ProductFactory
from stock.services import record_movement

pytestmark = pytest.mark.django_db

PAGES = ["reports:index", "reports:stock", "reports:low-stock", "reports:movements", "reports:top-products"]


@pytest.fixture
def moved(admin_user):
    tools = CategoryFactory(name="Tools")
    first = ProductFactory(sku="W-1", name="Widget", category=tools, min_quantity=10, unit_price=Decimal("3.00"))
    second = ProductFactory(sku="W-2", name="Widget", category=tools)
    retired = ProductFactory(sku="OLD", name="Retired")
    for product, quantity in [(first, 9), (second, 4), (retired, 2)]:
        record_movement(product=product, change_type="IN", quantity=quantity, user=admin_user)
        record_movement(product=product, change_type="OUT", quantity=1, user=admin_user)
    retired.is_active = False
    retired.save()
    return first, second, retired


@pytest.mark.parametrize("name", PAGES)
def test_admin_only(client, staff_web, name):
    url = reverse(name)
    staff = staff_web.get(url)
    assert staff.status_code == 403
    staff_web.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]


def test_index_has_both_charts(admin_web, moved):
    response = admin_web.get(reverse("reports:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") == 2
    assert "W-1 Widget" in html and "W-2 Widget" in html  # the top chart keeps same names apart
    assert "1 product at or below minimum" in html
    for name in PAGES[1:]:
        assert reverse(name) in html


def test_stock_page(admin_web, moved):
    first, second, retired = moved
    response = admin_web.get(reverse("reports:stock"), {"search": "W-", "page_size": 1})
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 rows" in html and "Page 1 of 2" in html and 'rel="next"' in html
    assert "/api/v1/reports/stock?search=W-&amp;format=csv" in html
    assert '<label for="f-search">' in html
    inactive = admin_web.get(reverse("reports:stock"), {"is_active": "false"}).content.decode()
    assert "Retired" in inactive and '<span class="badge low">inactive</span>' in inactive
    assert "Widget" not in inactive


def test_low_stock_page(admin_web, moved):
    html = admin_web.get(reverse("reports:low-stock")).content.decode()
    assert "W-1" in html and "W-2" not in html and "Suggested reorder" in html


def test_movements_page_has_the_day_chart(admin_web, moved):
    html = admin_web.get(reverse("reports:movements")).content.decode()
    assert "<svg" in html and "IN 15" in html and "OUT 3" in html
    by_product = admin_web.get(reverse("reports:movements"), {"group_by": "product"}).content.decode()
    assert "<svg" not in by_product and by_product.count(">Widget<") == 2
    assert '<span class="badge low">inactive</span>' in by_product  # the retired product is marked


def test_top_products_page(admin_web, moved):
    response = admin_web.get(reverse("reports:top-products"), {"direction": "in", "limit": 2})
    html = response.content.decode()
    assert response.status_code == 200 and "<svg" in html and "Top inbound" in html
    assert "W-1 Widget: 9" in html and "W-2 Widget: 4" in html and "Retired" not in html


def test_bad_filters_show_errors(admin_web):
    response = admin_web.get(reverse("reports:top-products"), {"limit": "500", "start_date": "nope"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "limit" in html and "start_date" in html and 'role="alert"' in html
    assert admin_web.get(reverse("reports:stock"), {"page": "9"}).status_code == 404


def test_csv_link_works_with_the_admin_session(admin_web, moved):
    response = admin_web.get("/api/v1/reports/stock", {"search": "W-", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 3 and lines[0].startswith("product_id,sku,name,category,is_active")
