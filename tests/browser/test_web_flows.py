"""The staff and admin pages in a real browser (headless Chromium), against a live server."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from orders.models import Order, Status
from stock import services as stock_services
from stock.models import StockLevel, StockMovement
from tests.factories import SupplierFactory, stocked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def on_hand(product) -> int:
    level = StockLevel.objects.get(product=product)
    return level.total_in - level.total_out


def test_staff_records_an_in_and_sees_the_new_stock(page, login, staff_user):
    product = stocked(5, sku="BRW-IN", name="Blue crate")
    SupplierFactory(name="Acme supplies")
    login(staff_user)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New movement").click()
    product_field = page.get_by_label("Product")
    product_field.fill("brw-in")
    product_field.press("Enter")  # what a barcode scanner sends after the SKU
    expect(page.get_by_label("Quantity")).to_be_focused()
    expect(page.locator('#product-stock [data-stock="on_hand"]')).to_have_text("5")
    page.get_by_label("Type").select_option("IN")
    page.get_by_label("Quantity").fill("7")
    page.get_by_label("Supplier").select_option(label="Acme supplies")
    page.get_by_label("Note").fill("Morning delivery")
    page.get_by_role("button", name="Record movement").click()
    message = page.locator(".message.success")
    expect(message).to_contain_text("Recorded IN 7 × Blue crate")
    expect(message).to_contain_text("12 on hand, 12 available")
    assert on_hand(product) == 12
    assert StockMovement.objects.filter(product=product, user=staff_user, quantity=7).count() == 1


def test_suggestions_find_a_product_by_name(page, login, staff_user):
    stocked(3, sku="SUG-1", name="Green bucket")
    login(staff_user)
    page.goto("/stock/movements/new/")
    page.get_by_label("Product").press_sequentially("bucket", delay=20)
    expect(page.locator("datalist option[value='SUG-1']")).to_have_count(1)


def test_an_out_above_stock_shows_the_error_and_changes_nothing(page, login, staff_user):
    product = stocked(4, sku="BRW-OUT", name="Red crate")
    before = StockMovement.objects.count()
    login(staff_user)
    page.goto("/stock/movements/new/")
    page.get_by_label("Product").fill("BRW-OUT")
    page.get_by_label("Type").select_option("OUT")
    expect(page.get_by_label("Supplier")).to_be_disabled()
    page.get_by_label("Quantity").fill("9")
    page.get_by_role("button", name="Record movement").click()
    expect(page.locator("#form-errors")).to_contain_text("Only 4 available.")
    expect(page.locator("#field-quantity .field-error")).to_contain_text("Only 4 available.")
    expect(page.locator('#product-stock [data-stock="available"]')).to_have_text("4")
    expect(page.get_by_label("Quantity")).to_have_value("9")
    assert StockMovement.objects.count() == before
    assert on_hand(product) == 4


def test_history_filters(page, login, staff_user, admin_user):
    apples, pears = stocked(0, sku="H-APL", name="Apples"), stocked(0, sku="H-PEA", name="Pears")
    stock_services.record_movement(product=apples, change_type="IN", quantity=30, user=staff_user)
    stock_services.record_movement(product=apples, change_type="OUT", quantity=4, user=staff_user, reason="damage")
    stock_services.record_movement(product=pears, change_type="IN", quantity=12, user=admin_user)
    login(staff_user)
    page.get_by_role("link", name="History").first.click()
    rows = page.locator("table.movements tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_label("Type").select_option("OUT")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Damage")
    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Product").fill("H-PEA")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Pears")
    page.get_by_role("link", name="Clear").click()
    page.get_by_label("User").select_option(label=staff_user.email)
    page.get_by_label("Sort by").select_option("quantity")
    page.get_by_label("Order").select_option("asc")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td.num")).to_have_text("4")
    expect(rows.nth(1).locator("td.num")).to_have_text("30")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    body = open(download.value.path(), encoding="utf-8").read()
    assert body.count("\n") == 3 and "H-APL" in body and "H-PEA" not in body


def _run_jobs_if_queued():
    """On PostgreSQL+Redis runs jobs go to RQ: work them off here, as the worker process would."""
    if settings.JOBS_IN_PROCESS:
        return
    import django_rq

    django_rq.get_worker("high", "default", "low").work(burst=True)


def test_an_order_placed_through_the_form_turns_confirmed(page, login, staff_user):
    stocked(10, sku="ORD-A", name="Anchor")
    stocked(10, sku="ORD-B", name="Buoy")
    login(staff_user)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    page.get_by_role("link", name="New order").click()
    page.get_by_label("Customer name").fill("Harbour Shop")
    page.get_by_label("Priority").select_option("high")
    page.locator("#id_items-0-product").fill("ORD-A")
    page.locator("#id_items-0-quantity").fill("2")
    page.get_by_role("button", name="+ Add line").click()
    page.get_by_role("button", name="+ Add line").click()
    page.locator("#id_items-1-product").fill("ORD-B")
    page.locator("#id_items-1-quantity").fill("3")
    page.get_by_role("button", name="Remove line 3").click()
    expect(page.locator("[data-line]")).to_have_count(2)
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r"/orders/\d+/$"))
    _run_jobs_if_queued()
    expect(page.locator("#order-status")).to_have_text("Confirmed", timeout=15_000)
    order = Order.objects.get()
    assert order.status == Status.CONFIRMED and order.priority == "high"
    assert sorted((i.product.sku, i.quantity) for i in order.items.all()) == [("ORD-A", 2), ("ORD-B", 3)]
    expect(page.get_by_role("button", name="Ship")).to_be_visible()
    expect(page.get_by_role("button", name="Deliver")).to_have_count(0)


def test_a_pending_order_page_updates_without_a_reload(page, login, staff_user, monkeypatch):
    import orders.services

    product = stocked(5, sku="POLL-1")
    # Hold the job back so the page certainly opens on a pending order.
    monkeypatch.setattr(orders.services, "enqueue_on_commit", lambda *args, **kwargs: None)
    order = orders.services.place_order(
        user=staff_user, customer_name="Pat", items=[{"product_id": product.pk, "quantity": 2}]
    )
    login(staff_user)
    page.goto(f"/orders/{order.pk}/")
    expect(page.locator("#order-status")).to_have_text("Pending")
    page.evaluate("window.__samePage = true")
    orders.services.process_pending_order(order_id=order.pk)
    expect(page.locator("#order-status")).to_have_text("Confirmed", timeout=15_000)
    assert page.evaluate("window.__samePage") is True
    expect(page.get_by_role("button", name="Cancel")).to_be_visible()


def test_staff_cannot_reach_the_reports_or_admin(page, login, staff_user):
    login(staff_user)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Reports")).to_have_count(0)
    expect(nav.get_by_role("link", name="Admin")).to_have_count(0)
    response = page.goto("/reports/")
    assert response.status == 403
    expect(page.locator("main")).not_to_contain_text("Stock value")
    response = page.goto("/admin/")
    assert "/admin/login/" in page.url
    expect(page.locator("#content")).not_to_contain_text("Site administration")


def test_an_admin_sees_the_reports_with_a_chart(page, login, admin_user, staff_user):
    product = stocked(20, sku="REP-1", name="Report rope", user=staff_user)
    stock_services.record_movement(product=product, change_type="OUT", quantity=6, user=staff_user)
    login(admin_user)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    assert "/reports/" in page.url
    expect(page.locator("h1")).to_have_text(re.compile("Reports"))
    chart = page.locator("main svg, main canvas").first
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] > 100 and box["height"] > 50
