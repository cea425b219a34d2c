"""A stock document typed as a scanner does, in a real browser: Enter after a SKU goes to the quantity, Enter
after a quantity starts the next line, and only Save records the document (all lines at once). Without
JavaScript the same form still works: "Add line" posts it back with one more line."""

import re

import pytest
from playwright.sync_api import expect

from stock import services
from stock.models import Document, StockLevel
from tests.factories import SupplierFactory, stocked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def on_hand(product, location) -> int:
    level = StockLevel.objects.filter(product=product, location=location).first()
    return level.total_in - level.total_out if level else 0


def test_a_three_line_receipt_typed_like_a_scanner(page, login, staff_user, admin_user):
    wh2 = services.create_location(actor=admin_user, code="WH2", name="Second warehouse", priority=10)
    products = [
        stocked(2, sku=sku, name=name) for sku, name in [("SC-A", "Anchor"), ("SC-B", "Buoy"), ("SC-C", "Cleat")]
    ]
    SupplierFactory(name="Harbour supplies")
    login(staff_user)
    page.goto("/stock/documents/new/?kind=receipt")
    page.get_by_label("Location").select_option(label="WH2 · Second warehouse")
    page.get_by_label("Supplier").select_option(label="Harbour supplies")
    page.get_by_label("Reference").fill("DN-2026")
    page.get_by_label("Reference").press("Enter")  # Enter in the header never saves either
    lines = page.locator("[data-line]")
    for index, (sku, quantity) in enumerate([("SC-A", "5"), ("sc-b", "7"), ("SC-C", "1")]):
        product = page.locator(f"#id_lines-{index}-product")
        product.click()
        page.keyboard.type(sku)
        page.keyboard.press("Enter")  # the scanner's Enter: on to the quantity, nothing submitted
        quantity_field = page.locator(f"#id_lines-{index}-quantity")
        expect(quantity_field).to_be_focused()
        expect(product).to_have_value(sku.upper())
        page.keyboard.type(quantity)
        page.keyboard.press("Enter")  # a new line, focused for the next scan
        expect(lines).to_have_count(index + 2)
        expect(page.locator(f"#id_lines-{index + 1}-product")).to_be_focused()
    expect(page.locator("[data-line-stock]").first).to_contain_text("Anchor: 2 available")
    assert page.url.endswith("/stock/documents/new/?kind=receipt") and not Document.objects.exists()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/stock/documents/\d+/$"))
    document = Document.objects.get()
    expect(page.locator(".message.success")).to_have_text(f"Receipt {document.number} saved: 3 lines at WH2.")
    assert (document.kind, document.location, document.reference, document.supplier.name) == (
        "receipt",
        wh2,
        "DN-2026",
        "Harbour supplies",
    )
    assert [(line.product.sku, line.quantity) for line in document.lines.order_by("position")] == [
        ("SC-A", 5),
        ("SC-B", 7),
        ("SC-C", 1),
    ]
    assert [on_hand(p, wh2) for p in products] == [5, 7, 1]
    expect(page.locator("table.document-lines tbody tr")).to_have_count(3)


def test_an_unknown_scan_stays_on_its_line_and_the_lines_survive_a_failed_save(page, login, staff_user):
    stocked(3, sku="SC-OK", name="Known")
    login(staff_user)
    page.goto("/stock/documents/new/?kind=issue")
    page.locator("#id_lines-0-product").fill("SC-OK")
    page.locator("#id_lines-0-product").press("Enter")
    page.locator("#id_lines-0-quantity").fill("9")  # more than the 3 there
    page.locator("#id_lines-0-quantity").press("Enter")
    unknown = page.locator("#id_lines-1-product")
    unknown.fill("SC-NOPE")
    unknown.press("Enter")
    expect(page.locator("#id_lines-1-product-picker-message")).to_have_text(
        "No product with the SKU or name “SC-NOPE”.",
        timeout=15_000,  # the lookup is a request: slow on a busy CI
    )
    expect(unknown).to_be_focused()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#form-errors")).to_contain_text("Line 2, Product")
    expect(page.locator("#line-2")).to_contain_text("No product with this SKU or name.")
    expect(page.locator("#id_lines-0-product")).to_have_value("SC-OK")
    expect(page.locator("#id_lines-0-quantity")).to_have_value("9")
    expect(unknown).to_have_value("SC-NOPE")
    assert not Document.objects.exists()


def test_without_javascript_add_line_posts_back_one_more_line(chromium, live_server, staff_user, password):
    stocked(0, sku="NJ-A")
    stocked(0, sku="NJ-B")
    context = chromium.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto("/login/")
        page.get_by_label("Email").fill(staff_user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.goto("/stock/documents/new/?kind=receipt")
        page.get_by_label("Reference").fill("NOJS-1")
        page.locator("#id_lines-0-product").fill("NJ-A")
        page.locator("#id_lines-0-quantity").fill("4")
        page.locator("#id_lines-0-quantity").press("Enter")  # the form's first button: Add line, not Save
        expect(page.locator("[data-line]")).to_have_count(2)
        expect(page.locator("#id_lines-0-product")).to_have_value("NJ-A")
        expect(page.get_by_label("Reference")).to_have_value("NOJS-1")
        page.locator("#id_lines-1-product").fill("NJ-B")
        page.locator("#id_lines-1-quantity").fill("6")
        page.get_by_role("button", name="Add line").click()
        expect(page.locator("[data-line]")).to_have_count(3)
        assert not Document.objects.exists()
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(re.compile(r"/stock/documents/\d+/$"))
        document = Document.objects.get()
        assert document.reference == "NOJS-1"
        assert sorted((line.product.sku, line.quantity) for line in document.lines.all()) == [("NJ-A", 4), ("NJ-B", 6)]
    finally:
        context.close()


def test_receive_a_transfer_in_transit_from_its_page(page, login, staff_user, admin_user):
    wh2 = services.create_location(actor=admin_user, code="WH2", name="Second warehouse")
    product = stocked(8, sku="TT-1")
    transfer = services.create_document(
        kind="transfer",
        user=admin_user,
        source_location_id=1,
        destination_location_id=wh2.pk,
        via_transit=True,
        lines=[{"product_id": product.pk, "quantity": 3}],
    )
    login(staff_user)
    page.goto(f"/stock/documents/{transfer.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())  # the button's confirmation
    page.get_by_role("button", name="Receive at WH2").click()
    expect(page.locator(".message.success")).to_have_text(f"{transfer.number} received at WH2.")
    expect(page.locator("[data-status]")).to_have_text("Completed")
    assert on_hand(product, wh2) == 3
