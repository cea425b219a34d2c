"""Scanner-style entry in a real browser: the direction stays what it says, an unknown code is said at once, and
Enter in an order line adds a line instead of placing the order."""

import re

import pytest
from playwright.sync_api import expect

from orders.models import Order
from stock.models import StockMovement
from tests.factories import stocked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_next_scan_after_an_out_is_an_out_again(page, login, staff_user):
    product = stocked(20, sku="SCAN-OUT", name="Scanned crate")
    login(staff_user)
    page.goto("/stock/movements/new/?type=OUT")
    heading = page.locator("#movement-heading")
    expect(heading).to_have_text("Stock OUT")
    expect(heading).to_have_class(re.compile(r"\bdirection-out\b"))
    for _ in range(2):
        page.get_by_label("Product").fill("SCAN-OUT")
        page.get_by_label("Product").press("Enter")
        expect(page.get_by_label("Quantity")).to_be_focused()
        page.get_by_label("Quantity").fill("2")
        page.get_by_role("button", name="Record movement").click()
        expect(page.locator(".message.success")).to_contain_text("Recorded OUT 2")
        expect(page.get_by_label("Type")).to_have_value("OUT")
        expect(heading).to_have_text("Stock OUT")
    assert list(StockMovement.objects.filter(product=product).order_by("id").values_list("change_type", flat=True)) == [
        "IN",
        "OUT",
        "OUT",
    ]
    page.get_by_label("Type").select_option("IN")  # the heading and colour follow the choice at once
    expect(heading).to_have_text("Stock IN")
    expect(page.locator("form.entry-form")).to_have_class(re.compile(r"\bdirection-in\b"))


def test_an_unknown_scan_is_said_beside_the_field_without_submitting(page, login, staff_user):
    stocked(5, sku="SCAN-OK")
    login(staff_user)
    page.goto("/stock/movements/new/")
    product = page.get_by_label("Product")
    product.fill("XX-NOPE")
    product.press("Enter")
    message = page.locator("#field-product [aria-live]")
    expect(message).to_be_visible()
    expect(message).to_have_text("No product with the SKU or name “XX-NOPE”.")
    expect(product).to_have_attribute("aria-invalid", "true")
    expect(product).to_be_focused()
    assert page.url.endswith("/stock/movements/new/")
    assert page.locator(".field-error:not([aria-live])").count() == 0  # nothing was submitted
    product.fill("SCAN-OK")
    product.press("Enter")
    expect(page.get_by_label("Quantity")).to_be_focused()
    expect(message).to_be_hidden()
    expect(product).not_to_have_attribute("aria-invalid", "true")


def test_an_unknown_scan_on_an_order_line_is_said_on_that_line(page, login, staff_user):
    login(staff_user)
    page.goto("/orders/new/")
    page.locator("#id_items-0-product").fill("XX-NOPE")
    page.locator("#id_items-0-product").press("Enter")
    expect(page.locator("[data-line] [aria-live]").first).to_have_text("No product with the SKU or name “XX-NOPE”.")
    assert not Order.objects.exists()


def test_enter_in_an_order_quantity_adds_a_line_and_only_the_button_places_the_order(page, login, staff_user):
    stocked(10, sku="LINE-A", name="Anchor")
    stocked(10, sku="LINE-B", name="Buoy")
    login(staff_user)
    page.goto("/orders/new/")
    page.get_by_label("Customer name").fill("Scanner Shop")
    lines = page.locator("[data-line]")
    for index, (sku, quantity) in enumerate([("LINE-A", "2"), ("LINE-B", "3")]):
        product = page.locator(f"#id_items-{index}-product")
        product.fill(sku)
        product.press("Enter")
        quantity_field = page.locator(f"#id_items-{index}-quantity")
        expect(quantity_field).to_be_focused()
        quantity_field.fill(quantity)
        quantity_field.press("Enter")  # what a scanner sends: a new line, never the order
        expect(lines).to_have_count(index + 2)
        expect(page.locator(f"#id_items-{index + 1}-product")).to_be_focused()
    assert page.url.endswith("/orders/new/") and not Order.objects.exists()
    page.locator("#id_items-0-quantity").press("Enter")  # on an earlier line: on to the next line's product
    expect(page.locator("#id_items-1-product")).to_be_focused()
    expect(lines).to_have_count(3)
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r"/orders/\d+/$"))
    order = Order.objects.get()
    assert sorted((item.product.sku, item.quantity) for item in order.items.all()) == [("LINE-A", 2), ("LINE-B", 3)]
