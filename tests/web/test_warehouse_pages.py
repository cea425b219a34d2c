"""Issue 15, items 1, 2, 3 and 6: the product page, product add/edit, ship confirmation, "Mine", copying a
rejected order, the order form's error summary, history links, reversing one's own entries, date presets,
counts below reserved, and one format for dates, money and the reorder point."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.models import Product
from catalog.tests.factories import CategoryFactory
from orders import services as order_services
from orders.models import Status
from stock import services as stock_services
from stock.models import Document, StockMovement
from tests.factories import SupplierFactory, stocked
from tests.web.conftest import form_token
from tests.web.test_order_pages import order_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def wh2(admin_user):
    return stock_services.create_location(actor=admin_user, code="WH2", name="Second warehouse", priority=10)


def place(user, items, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        order = order_services.place_order(user=user, customer_name="Bob", items=items, **kwargs)
    order.refresh_from_db()
    return order


# --- the product page ----------------------------------------------------------------------------------------


def test_product_page_shows_figures_per_location_suppliers_movements_and_reservations(
    staff_web, staff_user, admin_user, wh2, django_capture_on_commit_callbacks
):
    supplier = SupplierFactory(name="Acme supplies")
    product = stocked(0, sku="PP-1", name="Pallet wrap", min_quantity=3, reorder_quantity=12, unit_price="4.50")
    stock_services.record_movement(product=product, change_type="IN", quantity=10, user=staff_user, supplier=supplier)
    receipt = stock_services.create_document(
        kind="receipt", user=staff_user, lines=[{"product_id": product.pk, "quantity": 6}], location_id=wh2.pk
    )
    order = place(staff_user, [{"product_id": product.pk, "quantity": 4}], django_capture_on_commit_callbacks)
    assert order.status == Status.CONFIRMED
    response = staff_web.get(f"/products/{product.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    rows = {
        code: re.findall(r'data-figure="(\w+)">(\d+)<', row)
        for code, row in re.findall(r'<tr data-location="(\w+)">(.*?)</tr>', html, re.S)
    }
    assert rows["MAIN"] == [("on_hand", "10"), ("reserved", "4"), ("available", "6"), ("in_transit", "0")]
    assert rows["WH2"] == [("on_hand", "6"), ("reserved", "0"), ("available", "6"), ("in_transit", "0")]
    assert "Acme supplies" in html and "4.50 EUR" in html
    assert "<dt>Reorder point</dt><dd>3</dd>" in html and "<dt>Reorder quantity</dt><dd>12</dd>" in html
    assert f'href="/stock/documents/{receipt.pk}/">{receipt.number}</a>' in html  # a movement's document
    assert f'href="/orders/{order.pk}/">{order.number}</a>' in html  # the order holding the stock
    assert "/stock/movements/new/?type=IN&amp;product=PP-1" in html  # receive
    assert "/stock/movements/new/?type=OUT&amp;product=PP-1" in html  # issue
    assert "/stock/counts/new/?product=PP-1" in html
    assert f"/products/{product.pk}/edit/" not in html  # staff: no edit
    admin = staff_web
    admin.force_login(admin_user)
    assert f"/products/{product.pk}/edit/" in admin.get(f"/products/{product.pk}/").content.decode()


def test_product_page_needs_a_login_and_an_existing_product(client, staff_user):
    product = stocked(1, sku="PP-2")
    assert client.get(f"/products/{product.pk}/").status_code == 302
    client.force_login(staff_user)
    assert client.get("/products/999999/").status_code == 404


def test_product_page_query_count(staff_web, staff_user, django_assert_max_num_queries):
    product = stocked(5, sku="PP-Q")
    for _ in range(5):
        stock_services.record_movement(product=product, change_type="OUT", quantity=1, user=staff_user)
    with django_assert_max_num_queries(14):
        assert staff_web.get(f"/products/{product.pk}/").status_code == 200


# --- adding and editing products -------------------------------------------------------------------------------


def product_data(token, **fields):
    category = fields.pop("category", None) or CategoryFactory()
    data = {
        "form_token": token,
        "sku": "NEW-1",
        "name": "New thing",
        "category": category.pk,
        "unit": "pcs",
        "unit_price": "2.50",
        "min_quantity": "4",
        "reorder_quantity": "10",
        "description": "",
        "is_active": "on",
        "opening_quantity": "",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize("url", ["/products/new/", "/products/{pk}/edit/"])
def test_staff_may_not_add_or_edit_products(staff_web, client, url):
    product = stocked(1, sku="ED-0")
    url = url.format(pk=product.pk)
    assert staff_web.get(url).status_code == 403
    assert staff_web.post(url, product_data("x", sku="HACK")).status_code == 403
    assert not Product.objects.filter(sku="HACK").exists()
    client.logout()
    assert client.get(url).status_code == 302


def test_admin_adds_a_product_with_opening_stock_and_lands_on_its_page(admin_web, wh2):
    token = form_token(admin_web.get("/products/new/"))
    response = admin_web.post("/products/new/", product_data(token, opening_quantity="7", location=wh2.pk))
    product = Product.objects.get(sku="NEW-1")
    assert response.status_code == 302 and response["Location"] == f"/products/{product.pk}/"
    receipt = Document.objects.get(kind="receipt", lines__product=product)
    assert receipt.location == wh2 and receipt.lines.get().quantity == 7 and receipt.note == "Opening stock"
    assert StockMovement.objects.get(product=product).quantity == 7
    page = admin_web.get(response["Location"]).content.decode()
    assert "Product NEW-1 created." in page and f"recorded at WH2 by {receipt.number}" in page


def test_admin_adds_a_product_without_opening_stock(admin_web):
    token = form_token(admin_web.get("/products/new/"))
    assert admin_web.post("/products/new/", product_data(token)).status_code == 302
    product = Product.objects.get(sku="NEW-1")
    assert product.min_quantity == 4 and not StockMovement.objects.filter(product=product).exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"sku": "DUP-1"}, "sku", "Already exists."),
        ({"unit_price": "-1"}, "unit_price", "greater than or equal to 0"),
        ({"unit_price": "abc"}, "unit_price", "Enter a number."),
        ({"min_quantity": "-2"}, "min_quantity", "greater than or equal to 0"),
        ({"sku": ""}, "sku", "This field is required."),
        ({"name": "x" * 201}, "name", "at most 200 characters"),
        ({"opening_quantity": "-3"}, "opening_quantity", "greater than or equal to 0"),
        ({"sku": "A\x00B"}, "sku", "Null characters are not allowed."),
        ({"category": None, "category_id": ""}, "category", "This field is required."),
    ],
)
def test_product_form_errors_are_shown_and_nothing_is_saved(admin_web, fields, field, message):
    stocked(0, sku="DUP-1")
    before = (Product.objects.count(), StockMovement.objects.count())
    token = form_token(admin_web.get("/products/new/"))
    data = product_data(token, opening_quantity="5")
    data.update({key: value for key, value in fields.items() if value is not None})
    if "category" in fields:
        data.pop("category")
    response = admin_web.post("/products/new/", data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert 'id="form-errors"' in response.content.decode()
    assert (Product.objects.count(), StockMovement.objects.count()) == before


def test_admin_edits_a_product_through_the_service(admin_web, admin_user):
    product = stocked(2, sku="ED-1", name="Old name")
    form = admin_web.get(f"/products/{product.pk}/edit/")
    assert form.status_code == 200 and 'value="Old name"' in form.content.decode()
    data = product_data(form_token(form), sku="ED-1", name="New name", min_quantity="9", category=product.category)
    response = admin_web.post(f"/products/{product.pk}/edit/", data)
    assert response.status_code == 302 and response["Location"] == f"/products/{product.pk}/"
    product.refresh_from_db()
    assert (product.name, product.min_quantity) == ("New name", 9)
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="product.updated", actor=admin_user).exists()
    assert admin_web.get("/products/999999/edit/").status_code == 404


# --- ship confirmation, "Mine" -----------------------------------------------------------------------------------


def test_staff_ship_a_colleagues_order_after_a_confirmation_page(
    client, staff_user, django_capture_on_commit_callbacks
):
    product = stocked(10, sku="SH-1")
    order = place(staff_user, [{"product_id": product.pk, "quantity": 3}], django_capture_on_commit_callbacks)
    colleague = UserFactory(role="staff")
    client.force_login(colleague)
    html = client.get(f"/orders/{order.pk}/").content.decode()
    assert f'<form method="get" action="/orders/{order.pk}/ship/">' in html  # Ship leads to the confirmation
    confirm = client.get(f"/orders/{order.pk}/ship/")
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert f"Ship order {order.number}?" in page and f"Yes, ship {order.number}" in page and "MAIN" in page
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED  # the confirmation page changed nothing
    response = client.post(f"/orders/{order.pk}/ship/", follow=True)
    assert f"Order {order.number} shipped." in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.SHIPPED
    assert client.get(f"/orders/{order.pk}/deliver/").status_code == 405


def test_orders_list_shows_who_placed_and_filters_mine(client, staff_user, django_capture_on_commit_callbacks):
    product = stocked(10, sku="MN-1")
    colleague = UserFactory(role="staff", email="colleague@example.com")
    mine = place(staff_user, [{"product_id": product.pk, "quantity": 1}], django_capture_on_commit_callbacks)
    theirs = place(colleague, [{"product_id": product.pk, "quantity": 1}], django_capture_on_commit_callbacks)
    client.force_login(staff_user)
    everyone = client.get("/orders/")
    assert set(everyone.context["page"]) == {mine, theirs}
    assert "colleague@example.com" in everyone.content.decode() and "Placed by" in everyone.content.decode()
    only_mine = client.get("/orders/", {"placed_by": "mine"})
    assert list(only_mine.context["page"]) == [mine]
    assert client.get("/orders/", {"placed_by": "bogus"}).status_code == 400


# --- copying a rejected order, the form's error summary ----------------------------------------------------------


def test_a_rejected_order_is_copied_with_quantities_reduced_to_what_is_available(
    staff_web, staff_user, django_capture_on_commit_callbacks
):
    short = stocked(2, sku="CP-1")
    plenty = stocked(50, sku="CP-2")
    order = place(
        staff_user,
        [{"product_id": short.pk, "quantity": 5}, {"product_id": plenty.pk, "quantity": 3}],
        django_capture_on_commit_callbacks,
        reference="PO-99",
    )
    assert order.status == Status.REJECTED
    html = staff_web.get(f"/orders/{order.pk}/").content.decode()
    assert f"/orders/new/?copy={order.pk}" in html
    response = staff_web.get("/orders/new/", {"copy": order.pk})
    assert response.status_code == 200
    lines = response.context["lines"]
    assert [(f.initial["product"], f.initial["quantity"]) for f in lines.forms[:2]] == [("CP-1", 2), ("CP-2", 3)]
    page = response.content.decode()
    assert page.count("data-reduced") == 1 and "Reduced from 5 to 2" in page
    assert response.context["form"].initial["reference"] == "PO-99"
    assert f"A copy of {order.number}" in page
    assert staff_web.get("/orders/new/", {"copy": "999999"}).status_code == 404
    assert staff_web.get("/orders/new/", {"copy": "abc"}).status_code == 404


def test_order_form_errors_are_summarised_and_the_first_bad_line_is_focused(staff_web):
    stocked(5, sku="OE-1")
    token = form_token(staff_web.get("/orders/new/"))
    response = staff_web.post("/orders/new/", order_data(token, [("OE-1", "1"), ("NOPE", "2"), ("OE-1", "x")]))
    assert response.status_code == 400
    html = response.content.decode()
    summary = html.split('id="form-errors"')[1].split("</div>")[0]
    assert "Line 2, Product" in summary and "Line 3, Quantity" in summary
    assert re.search(r'<input[^>]*name="items-1-product"[^>]*autofocus', html)
    assert html.count("autofocus") == 1


# --- history links, presets, the date-time format --------------------------------------------------------------


def test_history_rows_link_their_document_or_order(staff_web, staff_user, django_capture_on_commit_callbacks):
    product = stocked(10, sku="HL-1", name="Hinge")
    receipt = stock_services.create_document(
        kind="receipt", user=staff_user, lines=[{"product_id": product.pk, "quantity": 2}]
    )
    order = place(staff_user, [{"product_id": product.pk, "quantity": 1}], django_capture_on_commit_callbacks)
    order_services.act(order=order, user=staff_user, action="ship")
    html = staff_web.get("/stock/movements/").content.decode()
    assert f'href="/stock/documents/{receipt.pk}/">{receipt.number}</a>' in html
    assert f'href="/orders/{order.pk}/">{order.number}</a>' in html
    assert f'href="/products/{product.pk}/"><span class="sku">HL-1</span> Hinge</a>' in html
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC</time>", html)  # one format, the zone shown


def test_order_find_goes_to_the_order_or_searches(staff_web, staff_user, django_capture_on_commit_callbacks):
    order = place(staff_user, [{"product_id": stocked(3).pk, "quantity": 1}], django_capture_on_commit_callbacks)
    assert staff_web.get("/orders/find/", {"number": order.number})["Location"] == f"/orders/{order.pk}/"
    assert staff_web.get("/orders/find/", {"number": "ORD-999999"})["Location"] == "/orders/?search=ORD-999999"
    assert staff_web.get("/orders/find/", {"number": "x\x00" * 50}).status_code == 302


def test_date_presets_on_history_and_reports(staff_web, admin_web):
    today = timezone.localdate()
    week = (today - timedelta(days=6)).isoformat()
    html = staff_web.get("/stock/movements/", {"type": "IN"}).content.decode()
    assert f"start_date={today.isoformat()}&amp;end_date={today.isoformat()}" in html
    assert f"start_date={week}&amp;end_date={today.isoformat()}" in html
    assert "type=IN" in html.split('id="date-presets"')[1].split("</p>")[0]  # other filters are kept
    chosen = staff_web.get("/stock/movements/", {"start_date": week, "end_date": today.isoformat()})
    assert chosen.status_code == 200 and 'aria-current="true">7 days' in chosen.content.decode()
    for report in ("movements", "top-products"):
        page = admin_web.get(f"/reports/{report}/").content.decode()
        assert 'id="date-presets"' in page
        thirty = (today - timedelta(days=29)).isoformat()
        assert f"start_date={thirty}&amp;end_date={today.isoformat()}" in page


def test_report_date_fields_show_the_default_range(admin_web):
    response = admin_web.get("/reports/movements/")
    fields = {field["name"]: field for field in response.context["fields"]}
    start, end = fields["start_date"], fields["end_date"]
    assert start["value"] and end["value"] == timezone.localdate().isoformat()
    assert start["help"] == "Default" and f'value="{start["value"]}"' in response.content.decode()
    chosen = admin_web.get("/reports/movements/", {"start_date": "2026-01-01", "end_date": "2026-01-31"})
    assert {f["name"]: f.get("help") for f in chosen.context["fields"]}["start_date"] is None


def test_reports_link_products_and_show_the_currency_and_the_reorder_point(admin_web):
    product = stocked(2, sku="RP-1", name="Rope", min_quantity=5, unit_price="3.00")
    html = admin_web.get("/reports/low-stock/").content.decode()
    assert f'href="/products/{product.pk}/">RP-1</a>' in html and f'href="/products/{product.pk}/">Rope</a>' in html
    assert "Reorder point" in html and "Minimum" not in html
    assert "3.00 EUR" in html and "6.00 EUR" in html  # unit price, stock value


# --- reversing one's own entries ---------------------------------------------------------------------------------


def test_the_movement_form_offers_reverse_for_ones_own_recent_entries(staff_web, staff_user, admin_user):
    product = stocked(0, sku="RV-1")
    mine = stock_services.record_movement(product=product, change_type="IN", quantity=4, user=staff_user).movement
    theirs = stock_services.record_movement(product=product, change_type="IN", quantity=9, user=admin_user).movement
    html = staff_web.get("/stock/movements/new/").content.decode()
    assert f"/stock/movements/{mine.pk}/reverse/" in html and f"/stock/movements/{theirs.pk}/reverse/" not in html
    response = staff_web.post(
        f"/stock/movements/{mine.pk}/reverse/", {"next": "/stock/movements/new/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/stock/movements/new/"
    reversal = Document.objects.get(reverses_movement=mine)
    assert f"undone by {reversal.number}" in response.content.decode()
    assert f"/stock/movements/{mine.pk}/reverse/" not in response.content.decode()  # reversed: no longer offered
    again = staff_web.post(f"/stock/movements/{mine.pk}/reverse/", follow=True)
    assert "was not reversed" in again.content.decode() and "already reversed" in again.content.decode()
    other = staff_web.post(f"/stock/movements/{theirs.pk}/reverse/", {"next": "https://evil.example/"})
    assert other["Location"] == "/stock/movements/new/"  # never off the site
    assert not Document.objects.filter(reverses_movement=theirs).exists()
    assert staff_web.post("/stock/movements/999999/reverse/").status_code == 404
    assert staff_web.get(f"/stock/movements/{mine.pk}/reverse/").status_code == 405


def test_the_count_form_offers_reverse_for_ones_own_counts(staff_web, staff_user):
    product = stocked(10, sku="RV-2")
    count = stock_services.count_stock(product=product, counted_quantity=7, user=staff_user).movement
    html = staff_web.get("/stock/counts/new/").content.decode()
    assert f"/stock/movements/{count.pk}/reverse/" in html
    assert f"/stock/movements/{count.pk}/reverse/" not in staff_web.get("/stock/movements/new/").content.decode()


def test_reverse_needs_a_login(client, staff_user):
    product = stocked(0, sku="RV-4")
    movement = stock_services.record_movement(product=product, change_type="IN", quantity=1, user=staff_user).movement
    assert client.post(f"/stock/movements/{movement.pk}/reverse/").status_code == 302
    assert not Document.objects.filter(reverses_movement=movement).exists()


# --- a count below reserved --------------------------------------------------------------------------------------


def test_a_count_below_reserved_names_the_orders_holding_the_stock(
    staff_web, staff_user, post_form, django_capture_on_commit_callbacks
):
    product = stocked(10, sku="CB-1")
    order = place(staff_user, [{"product_id": product.pk, "quantity": 6}], django_capture_on_commit_callbacks)
    response = post_form(staff_web, "/stock/counts/new/", {"product": "CB-1", "counted_quantity": "2", "note": ""})
    assert response.status_code == 400
    holders = response.content.decode().split('id="count-holders"')[1].split("</div>")[0]
    assert f'href="/orders/{order.pk}/">{order.number}</a>' in holders and "6 reserved at MAIN" in holders


# --- printable pages, the favicon, the print stylesheet, currency --------------------------------------------------


def test_pick_list_packing_slip_and_delivery_note(client, staff_web, staff_user, django_capture_on_commit_callbacks):
    product = stocked(10, sku="PR-1", unit_price="2.00")
    order = place(staff_user, [{"product_id": product.pk, "quantity": 3}], django_capture_on_commit_callbacks)
    html = staff_web.get(f"/orders/{order.pk}/print/").content.decode()
    assert 'id="pick-list"' in html and 'id="packing-slip"' in html and "data-print" in html
    assert "6.00 EUR" in html and "MAIN" in html
    assert f"/orders/{order.pk}/print/" in staff_web.get(f"/orders/{order.pk}/").content.decode()
    document = stock_services.create_document(
        kind="receipt", user=staff_user, lines=[{"product_id": product.pk, "quantity": 2}]
    )
    note = staff_web.get(f"/stock/documents/{document.pk}/print/").content.decode()
    assert f"Delivery note {document.number}" in note and "PR-1" in note and "data-print" in note
    detail = staff_web.get(f"/stock/documents/{document.pk}/").content.decode()
    assert f"/stock/documents/{document.pk}/print/" in detail
    assert staff_web.get("/stock/documents/999999/print/").status_code == 404
    client.logout()
    assert client.get(f"/orders/{order.pk}/print/").status_code == 302
    assert client.get(f"/stock/documents/{document.pk}/print/").status_code == 302


def test_every_page_has_the_favicon_and_the_print_stylesheet(staff_web):
    html = staff_web.get("/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in html
    assert 'href="/static/css/print.css" media="print"' in html


def test_prices_and_totals_carry_the_currency_setting(staff_web, settings):
    settings.CURRENCY = "USD"
    stocked(1, sku="CU-1", unit_price="1234.5")
    assert "1,234.50 USD" in staff_web.get("/products/").content.decode()


def test_reorder_point_is_one_name_on_the_pages_and_in_admin(staff_web, admin_web):
    stocked(1, sku="RO-1")
    assert "Reorder point" in staff_web.get("/products/").content.decode()
    assert "Reorder point" in admin_web.get("/admin/catalog/product/").content.decode()
    product = Product.objects.get(sku="RO-1")
    assert "Reorder point" in admin_web.get(f"/admin/catalog/product/{product.pk}/change/").content.decode()


def test_a_count_document_below_reserved_names_the_orders_too(
    staff_web, staff_user, django_capture_on_commit_callbacks
):
    product = stocked(10, sku="CB-2")
    order = place(staff_user, [{"product_id": product.pk, "quantity": 6}], django_capture_on_commit_callbacks)
    url = "/stock/documents/new/?kind=count"
    token = form_token(staff_web.get(url))
    data = {
        "form_token": token,
        "kind": "count",
        "reference": "",
        "note": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": "CB-2",
        "lines-0-counted_quantity": "1",
    }
    response = staff_web.post(url, data)
    assert response.status_code == 400
    holders = response.content.decode().split('id="count-holders"')[1].split("</div>")[0]
    assert f'href="/orders/{order.pk}/">{order.number}</a>' in holders and "6 reserved at MAIN" in holders
