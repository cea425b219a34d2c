"""Every page, as an admin in a real browser, asks nothing of any host but this server (no CDN, no fonts, no logo).

Grepping the HTML cannot see what scripts fetch at run time (ReDoc's logo was one such request), so every
request the browser makes is intercepted: anything off the test server is aborted and fails the test.
"""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from orders import services as order_services
from stock import services as stock_services
from tests.factories import SupplierFactory, stocked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def remote_requests(page, live_server):
    """The URLs the page asked of any other host (each aborted)."""
    local = urlsplit(live_server.url).netloc
    seen: list[str] = []

    def check(route):
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).netloc != local:
            seen.append(url)
            route.abort()
        else:
            route.continue_()

    page.context.route("**/*", check)
    return seen


def _visit(page, path: str, *, wait_for: str | None = None):
    response = page.goto(path, wait_until="networkidle")
    assert response is not None and response.status < 400, (path, response and response.status)
    if wait_for:
        expect(page.get_by_text(wait_for).first).to_be_visible(timeout=15_000)
        page.wait_for_load_state("networkidle")


def test_every_page_loads_only_local_assets(page, login, admin_user, staff_user, remote_requests):
    product = stocked(10, sku="LOCAL-1", name="Local rope", user=staff_user)
    SupplierFactory(name="Local supplier")
    order = order_services.place_order(
        user=staff_user, customer_name="Local shop", items=[{"product_id": product.pk, "quantity": 2}]
    )
    document = stock_services.create_document(
        kind="issue", user=staff_user, lines=[{"product_id": product.pk, "quantity": 1}]
    )
    _visit(page, "/login/")
    login(admin_user)
    pages = [
        "/",
        "/stock/movements/new/",
        "/stock/movements/new/?type=OUT",
        "/stock/counts/new/",
        "/stock/movements/",
        "/products/",
        "/orders/",
        "/orders/new/",
        f"/orders/{order.pk}/",
        "/stock/documents/new/?kind=receipt",
        "/stock/documents/new/?kind=transfer",
        "/stock/documents/",
        f"/stock/documents/{document.pk}/",
        "/locations/",
        "/reports/",
        "/reports/stock/",
        "/reports/low-stock/",
        "/reports/movements/",
        "/reports/top-products/",
        "/admin/",
        "/admin/catalog/product/",
        f"/admin/catalog/product/{product.pk}/change/",
    ]
    for path in pages:
        _visit(page, path)
    _visit(page, "/docs", wait_for="Inventory service API")
    _visit(page, "/redoc", wait_for="API docs by Redocly")
    assert remote_requests == [], f"requests to other hosts: {remote_requests}"


def test_redoc_shows_its_logo_from_this_server(page, live_server, remote_requests):
    _visit(page, "/redoc", wait_for="API docs by Redocly")
    logo = page.locator('img[alt="redocly logo"]')
    expect(logo).to_have_attribute("src", "/static/docs/redoc-logo.svg")
    assert remote_requests == []
