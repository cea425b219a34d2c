"""Issue 15 in a real browser: the product page per location, staff shipping a colleague's order after its
confirmation, copying a rejected order, reversing one's own entry, and an admin adding a product."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from catalog.models import Product
from catalog.tests.factories import CategoryFactory
from orders import services as order_services
from orders.models import Order, Status
from stock import selectors
from stock import services as stock_services
from stock.models import Document
from tests.factories import stocked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _run_jobs_if_queued():
    """On PostgreSQL+Redis runs jobs go to RQ: work them off here, as the worker process would."""
    if settings.JOBS_IN_PROCESS:
        return
    import django_rq

    django_rq.get_worker("high", "default", "low").work(burst=True)


def place(user, items, **kwargs):
    order = order_services.place_order(user=user, customer_name="Harbour Shop", items=items, **kwargs)
    _run_jobs_if_queued()
    order.refresh_from_db()
    return order


def location_row(page, code):
    return page.locator(f'#product-locations tr[data-location="{code}"]')


def test_the_product_page_shows_each_location_with_its_figures(page, login, staff_user, admin_user):
    wh2 = stock_services.create_location(actor=admin_user, code="WH2", name="Second warehouse", priority=10)
    product = stocked(8, sku="BP-1", name="Blue pallet", unit_price="12.00")
    stock_services.create_document(
        kind="receipt", user=staff_user, lines=[{"product_id": product.pk, "quantity": 5}], location_id=wh2.pk
    )
    order = place(staff_user, [{"product_id": product.pk, "quantity": 3}], location_id=wh2.pk)
    assert order.status == Status.CONFIRMED
    login(staff_user)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Products").click()
    page.get_by_role("link", name="BP-1").click()
    expect(page).to_have_url(re.compile(rf"/products/{product.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Blue pallet")
    main, second = location_row(page, "MAIN"), location_row(page, "WH2")
    expect(main.locator('[data-figure="on_hand"]')).to_have_text("8")
    expect(main.locator('[data-figure="reserved"]')).to_have_text("0")
    expect(main.locator('[data-figure="available"]')).to_have_text("8")
    expect(second.locator('[data-figure="on_hand"]')).to_have_text("5")
    expect(second.locator('[data-figure="reserved"]')).to_have_text("3")
    expect(second.locator('[data-figure="available"]')).to_have_text("2")
    expect(page.locator('#product-totals [data-total="available"]')).to_contain_text("10")
    expect(page.locator("#product-details")).to_contain_text("12.00 EUR")
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    page.locator("#product-reservations").get_by_role("link", name=order.number).click()
    expect(page).to_have_url(re.compile(rf"/orders/{order.pk}/$"))
    page.go_back()
    page.get_by_role("link", name="Receive").click()
    expect(page.get_by_label("Product")).to_have_value("BP-1")
    expect(page.get_by_label("Type")).to_have_value("IN")


def test_staff_ship_a_colleagues_order_after_confirming(page, login, staff_user):
    product = stocked(10, sku="SHIP-1", name="Rope")
    colleague = UserFactory(role="staff", email="colleague@example.com")
    order = place(colleague, [{"product_id": product.pk, "quantity": 4}])
    assert order.status == Status.CONFIRMED
    login(staff_user)
    page.goto("/orders/?placed_by=mine")
    expect(page.locator("table.orders tbody tr")).to_have_count(1)
    expect(page.locator("table.orders")).to_contain_text("No orders yet")
    page.get_by_role("link", name="All orders").click()
    expect(page.locator("table.orders")).to_contain_text("colleague@example.com")
    page.get_by_role("link", name=order.number).click()
    page.get_by_role("button", name="Ship").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ship order {order.number}?")
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED  # nothing happens before the confirmation
    page.get_by_role("button", name=f"Yes, ship {order.number}").click()
    expect(page.locator(".message.success")).to_contain_text(f"Order {order.number} shipped.")
    expect(page.locator("#order-status")).to_have_text("Shipped")
    order.refresh_from_db()
    assert order.status == Status.SHIPPED
    assert selectors.stock_figures(product)["on_hand"] == 6


def test_a_rejected_order_is_copied_into_a_new_order(page, login, staff_user):
    short = stocked(2, sku="CPY-1", name="Short thing")
    plenty = stocked(20, sku="CPY-2", name="Plenty thing")
    rejected = place(staff_user, [{"product_id": short.pk, "quantity": 5}, {"product_id": plenty.pk, "quantity": 3}])
    assert rejected.status == Status.REJECTED
    login(staff_user)
    page.goto(f"/orders/{rejected.pk}/")
    expect(page.locator("#rejection-reason")).to_contain_text("CPY-1")
    page.get_by_role("link", name="Copy into a new order").click()
    expect(page.locator("#copied-from")).to_contain_text(rejected.number)
    expect(page.get_by_label("Customer name")).to_have_value("Harbour Shop")
    expect(page.locator("#id_items-0-product")).to_have_value("CPY-1")
    expect(page.locator("#id_items-0-quantity")).to_have_value("2")
    expect(page.locator("#line-1 [data-reduced]")).to_contain_text("Reduced from 5 to 2")
    expect(page.locator("#id_items-1-quantity")).to_have_value("3")
    expect(page.locator("#line-2 [data-reduced]")).to_have_count(0)
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r"/orders/\d+/$"))
    _run_jobs_if_queued()
    expect(page.locator("#order-status")).to_have_text("Confirmed", timeout=15_000)
    copy = Order.objects.exclude(pk=rejected.pk).get()
    assert sorted((i.product.sku, i.quantity) for i in copy.items.all()) == [("CPY-1", 2), ("CPY-2", 3)]


def test_staff_reverse_their_own_entry_from_the_movement_form(page, login, staff_user):
    product = stocked(5, sku="REV-1", name="Crate")
    login(staff_user)
    page.goto("/stock/movements/new/")
    page.get_by_label("Product").fill("REV-1")
    page.get_by_label("Type").select_option("IN")
    page.get_by_label("Quantity").fill("40")
    page.get_by_role("button", name="Record movement").click()
    expect(page.locator(".message.success")).to_contain_text("45 on hand")
    entries = page.locator("#recent-entries")
    expect(entries).to_contain_text("REV-1")
    page.once("dialog", lambda dialog: dialog.accept())  # "Reverse IN 40 × REV-1? ..."
    entries.get_by_role("button", name="Reverse IN 40 × REV-1").click()
    expect(page.locator(".message.success")).to_contain_text("Reversed: IN 40 × REV-1 at MAIN")
    expect(page).to_have_url(re.compile(r"/stock/movements/new/"))
    expect(page.locator("#recent-entries")).to_have_count(0)
    assert selectors.stock_figures(product)["on_hand"] == 5
    reversal = Document.objects.get(reverses_movement__isnull=False)
    assert reversal.created_by == staff_user


def test_an_admin_adds_a_product_with_opening_stock(page, login, admin_user):
    CategoryFactory(name="Tools")
    login(admin_user)
    page.goto("/products/")
    page.get_by_role("link", name="Add product").click()
    page.get_by_label("SKU").fill("TOOL-9")
    page.locator("#id_name").fill("Hammer")
    page.get_by_label("Category").select_option(label="Tools")
    page.get_by_label("Unit price (EUR)").fill("9.90")
    page.get_by_label("Reorder point").fill("2")
    page.locator("#id_opening_quantity").fill("6")
    page.get_by_role("button", name="Save product").click()
    product = Product.objects.get(sku="TOOL-9")
    expect(page).to_have_url(re.compile(rf"/products/{product.pk}/$"))
    expect(page.locator(".message.success")).to_contain_text("Product TOOL-9 created.")
    expect(location_row(page, "MAIN").locator('[data-figure="on_hand"]')).to_have_text("6")
