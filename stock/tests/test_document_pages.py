"""The document pages through Django's test client: entry of many lines (with and without JavaScript's help),
errors on their lines, the list and the detail with Reverse, Receive and Cancel, the location picker of the
movement and count forms, and /locations/."""

import re

import pytest
from django.urls import NoReverseMatch, reverse

from stock import services
from stock.models import (
    MAIN_LOCATION_ID,
    TRANSIT_LOCATION_ID,
    Document,
    DocumentStatus,
    Location,
    LocationKind,
    StockLevel,
    StockMovement,
)
from stock.tests import factories as stock_factories
from tests.factories import ProductFactory, SupplierFactory, stocked
from tests.web.conftest import form_token

pytestmark = pytest.mark.django_db
NEW = "/stock/documents/new/"
LIST = "/stock/documents/"


@pytest.fixture
def wh2(admin_user):
    return services.create_location(actor=admin_user, code="WH2", name="Second warehouse", priority=10)


def on_hand(product, location_id=MAIN_LOCATION_ID) -> int:
    level = StockLevel.objects.filter(product=product, location_id=location_id).first()
    return level.total_in - level.total_out if level else 0


def header(kind="receipt", **fields) -> dict:
    return {"kind": kind, "reference": "", "note": "", **fields}


def lines_data(*lines, quantity="quantity", initial=0) -> dict:
    data = {"lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": str(initial)}
    for index, (sku, amount) in enumerate(lines):
        data[f"lines-{index}-product"] = sku
        data[f"lines-{index}-{quantity}"] = amount
    return data


def save(client, kind, data, **kwargs):
    """GET the form for its token, then press Save."""
    url = f"{NEW}?kind={kind}"
    token = form_token(client.get(url))
    return client.post(url, {"form_token": token, "save": "1", **data}, **kwargs)


def html_of(response) -> str:
    return response.content.decode()


def line_html(html: str, number: int) -> str:
    """The markup of line ``number`` (from 1)."""
    match = re.search(
        rf'<div class="[^"]*document-line[^"]*" data-line id="line-{number}">(.*?)data-line-stock', html, re.S
    )
    assert match, f"line {number} is on the page"
    return match.group(1)


# --- every page renders -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_every_document_page_renders_with_labelled_fields(client, staff_user, admin_user, role, wh2):
    user = admin_user if role == "admin" else staff_user
    client.force_login(user)
    product = stocked(10, sku="PG-1", user=user)
    document = stock_factories.transfer(product, 2, MAIN_LOCATION_ID, wh2.pk, user=user, via_transit=True)
    for kind, labels in {
        "receipt": ["Location", "Supplier", "Reason", "Reference", "Note", "Product", "Quantity"],
        "issue": ["Location", "Reason", "Reference", "Product", "Quantity"],
        "transfer": ["Source location", "Destination location", "Via transit", "Product", "Quantity"],
        "count": ["Location", "Reference", "Product", "Counted quantity"],
    }.items():
        response = client.get(f"{NEW}?kind={kind}")
        html = html_of(response)
        assert response.status_code == 200, kind
        for label in labels:
            assert re.search(rf"<label for=\"id_[a-z0-9_-]+\">{label}[<*]", html), (kind, label)
        for input_id in re.findall(r'<(?:input(?! type="hidden")|select|textarea)[^>]*?id="(id_[^"]+)"', html):
            if "__prefix__" not in input_id:
                assert f'for="{input_id}"' in html, f"{kind}: {input_id} has no label"
        assert ">+ Add line</button>" in html and ">Save</button>" in html
        assert html.index('name="add_line"') < html.index('name="save"')  # Enter without JS adds a line
        assert 'name="csrfmiddlewaretoken"' in html
    assert ">Supplier<" not in html_of(client.get(f"{NEW}?kind=issue"))
    for url in (LIST, f"/stock/documents/{document.pk}/", "/locations/"):
        assert client.get(url).status_code == 200, url


def test_pages_need_login(client):
    for url in (NEW, LIST, "/stock/documents/1/", "/locations/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_navigation_links_documents_and_locations(staff_web):
    html = html_of(staff_web.get("/"))
    assert '<a href="/stock/documents/">Documents</a>' in html
    assert '<a href="/locations/">Locations</a>' in html


# --- entry -----------------------------------------------------------------------------------------------------


def test_a_receipt_of_three_lines_is_saved_at_once(staff_web, staff_user, wh2):
    products = [stocked(0, sku=f"RC-{n}", name=f"Crate {n}") for n in range(3)]
    supplier = SupplierFactory(name="Acme")
    data = {
        **header(location=wh2.pk, supplier=supplier.pk, reference="DN-77", note="Pallet 1"),
        **lines_data(("rc-0", "5"), ("RC-1", "7"), ("RC-2", "1")),
    }
    response = save(staff_web, "receipt", data, follow=True)
    document = Document.objects.get()
    assert response.redirect_chain == [(f"/stock/documents/{document.pk}/", 302)]
    html = html_of(response)
    assert f"Receipt {document.number} saved: 3 lines at WH2." in html
    assert (document.kind, document.status, document.location, document.supplier) == (
        "receipt",
        "completed",
        wh2,
        supplier,
    )
    assert (document.reference, document.note, document.created_by) == ("DN-77", "Pallet 1", staff_user)
    assert [on_hand(p, wh2.pk) for p in products] == [5, 7, 1]
    assert [line.product.sku for line in document.lines.order_by("position")] == ["RC-0", "RC-1", "RC-2"]
    assert StockMovement.objects.filter(document=document, supplier=supplier, reason="purchase").count() == 3
    for product in products:
        assert f"?document={document.pk}&amp;product={product.sku}" in html  # the line's movements in history


def test_empty_lines_are_ignored_and_the_default_location_is_used(staff_web):
    product = stocked(0, sku="EMPTY-1")
    data = {**header(), **lines_data(("", ""), ("EMPTY-1", "4"), ("", ""))}
    assert save(staff_web, "receipt", data).status_code == 302
    assert Document.objects.get().location_id == MAIN_LOCATION_ID
    assert on_hand(product) == 4


def test_add_line_without_javascript_keeps_every_value_and_saves_nothing(staff_web, wh2):
    stocked(0, sku="KEEP-1")
    stocked(0, sku="KEEP-2")
    supplier = SupplierFactory(name="Keeper")
    token = form_token(staff_web.get(f"{NEW}?kind=receipt"))
    data = {
        **header(location=wh2.pk, supplier=supplier.pk, reference="REF-9", note="Keep me", reason="return"),
        **lines_data(("KEEP-1", "3"), ("NOPE-404", "")),
        "form_token": token,
        "add_line": "1",
    }
    response = staff_web.post(f"{NEW}?kind=receipt", data)
    html = html_of(response)
    assert response.status_code == 200
    assert not Document.objects.exists()
    assert 'name="lines-TOTAL_FORMS" value="3"' in html
    assert 'value="KEEP-1"' in line_html(html, 1) and 'value="3"' in line_html(html, 1)
    assert 'value="NOPE-404"' in line_html(html, 2)
    assert re.search(r'<input type="text" name="lines-2-product" autocomplete="off"[^>]* autofocus', line_html(html, 3))
    assert f'<option value="{wh2.pk}" selected>' in html
    assert f'<option value="{supplier.pk}" selected>' in html
    assert '<option value="return" selected>' in html
    assert 'value="REF-9"' in html and "Keep me</textarea>" in html
    assert "Nothing was saved" not in html  # adding a line checks nothing yet
    assert f'value="{token}"' in html  # the same form: its token still saves it once
    data = {**data, **lines_data(("KEEP-1", "3"), ("KEEP-2", "2"), ("", ""), initial=3)}
    data.pop("add_line")
    response = staff_web.post(f"{NEW}?kind=receipt", {**data, "save": "1"})
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.location, document.supplier, document.reason, document.reference) == (
        wh2,
        supplier,
        "return",
        "REF-9",
    )
    assert document.lines.count() == 2


def test_an_unknown_sku_is_an_error_on_its_line_and_nothing_is_lost(staff_web):
    stocked(0, sku="OK-1")
    data = {**header(reference="R-1"), **lines_data(("OK-1", "2"), ("XX-UNKNOWN", "5"))}
    response = save(staff_web, "receipt", data)
    html = html_of(response)
    assert response.status_code == 400
    assert not Document.objects.exists() and not StockMovement.objects.exists()
    assert "Nothing was saved" in html
    assert '<a href="#id_lines-1-product">Line 2, Product</a>: No product with this SKU or name.' in html
    assert "No product with this SKU or name." in line_html(html, 2)
    assert "field-error" not in line_html(html, 1)
    assert 'value="OK-1"' in line_html(html, 1) and 'value="XX-UNKNOWN"' in line_html(html, 2)
    assert 'value="5"' in line_html(html, 2) and 'value="R-1"' in html


def test_half_a_line_is_an_error_on_that_line(staff_web):
    stocked(0, sku="HALF-1")
    response = save(staff_web, "receipt", {**header(), **lines_data(("HALF-1", ""), ("", "3"))})
    html = html_of(response)
    assert response.status_code == 400
    assert "Enter the quantity of this line." in line_html(html, 1)
    assert "Scan or type the product of this line." in line_html(html, 2)


def test_no_line_at_all_is_refused(staff_web):
    response = save(staff_web, "receipt", {**header(), **lines_data(("", ""))})
    assert response.status_code == 400
    assert "Add at least one line with a product and a quantity." in html_of(response)


def test_a_service_line_error_lands_on_its_line_past_blank_lines(staff_web):
    stocked(0, sku="TWICE-1")
    data = {**header(), **lines_data(("TWICE-1", "1"), ("", ""), ("TWICE-1", "2"))}
    response = save(staff_web, "receipt", data)
    html = html_of(response)
    assert response.status_code == 400 and not Document.objects.exists()
    assert "TWICE-1 is on another line; one line per product." in line_html(html, 3)
    assert "field-error" not in line_html(html, 1) and "field-error" not in line_html(html, 2)
    assert '<a href="#id_lines-2-product">Line 3, Product</a>' in html


def test_short_lines_are_named_on_their_lines_and_nothing_is_issued(staff_web):
    short_a = stocked(2, sku="SHORT-A")
    enough = stocked(10, sku="ENOUGH")
    short_b = stocked(1, sku="SHORT-B")
    data = {**header("issue"), **lines_data(("SHORT-A", "5"), ("ENOUGH", "3"), ("SHORT-B", "4"))}
    response = save(staff_web, "issue", data)
    html = html_of(response)
    assert response.status_code == 400
    assert "Insufficient stock for: SHORT-A (requested 5, available 2), SHORT-B (requested 4, available 1)" in html
    assert "Short: 5 requested, 2 available." in line_html(html, 1)
    assert "field-error" not in line_html(html, 2)
    assert "Short: 4 requested, 1 available." in line_html(html, 3)
    assert [on_hand(p) for p in (short_a, enough, short_b)] == [2, 10, 1]
    assert not Document.objects.exists()
    assert 'value="SHORT-A"' in line_html(html, 1) and 'value="5"' in line_html(html, 1)


def test_a_count_below_what_is_reserved_is_short_on_its_line(staff_web, staff_user):
    product = stocked(5, sku="RES-1")
    services.reserve(lines=[(product.pk, 3)], reference="order:1")
    response = save(staff_web, "count", {**header("count"), **lines_data(("RES-1", "1"), quantity="counted_quantity")})
    assert response.status_code == 400
    assert "A count of 1 is below what orders have reserved here." in line_html(html_of(response), 1)
    assert on_hand(product) == 5 and not Document.objects.exists()


def test_a_count_document_records_the_differences(staff_web):
    counted_down = stocked(10, sku="CNT-1")
    unchanged = stocked(4, sku="CNT-2")
    data = {**header("count"), **lines_data(("CNT-1", "7"), ("CNT-2", "4"), quantity="counted_quantity")}
    response = save(staff_web, "count", data, follow=True)
    document = Document.objects.get()
    assert f"Count {document.number} saved: 2 lines counted at MAIN, 1 adjusted." in html_of(response)
    assert (on_hand(counted_down), on_hand(unchanged)) == (7, 4)
    assert [line.difference for line in document.lines.order_by("position")] == [-3, 0]
    assert ">-3</td>" in html_of(response)


def test_a_header_error_is_on_its_field(staff_web):
    stocked(5, sku="SAME-1")
    data = {
        **header("transfer", source_location=MAIN_LOCATION_ID, destination_location=MAIN_LOCATION_ID),
        **lines_data(("SAME-1", "1")),
    }
    response = save(staff_web, "transfer", data)
    assert response.status_code == 400
    assert "The destination must differ from the source." in html_of(response)
    assert not Document.objects.exists()


def test_a_transit_location_is_never_offered_nor_accepted(staff_web):
    stocked(5, sku="TR-1")
    html = html_of(staff_web.get(f"{NEW}?kind=receipt"))
    assert f'<option value="{TRANSIT_LOCATION_ID}"' not in html
    response = save(staff_web, "receipt", {**header(location=TRANSIT_LOCATION_ID), **lines_data(("TR-1", "1"))})
    assert response.status_code == 400 and not Document.objects.exists()


def test_save_posted_twice_records_once(staff_web):
    product = stocked(0, sku="TWICE-SAVE")
    url = f"{NEW}?kind=receipt"
    data = {"form_token": form_token(staff_web.get(url)), "save": "1", **header(), **lines_data(("TWICE-SAVE", "3"))}
    first = staff_web.post(url, data)
    second = staff_web.post(url, data, follow=True)
    document = Document.objects.get()
    assert first["Location"] == second.redirect_chain[0][0] == f"/stock/documents/{document.pk}/"
    assert "already saved" in html_of(second)
    assert on_hand(product) == 3


def test_a_stale_token_saves_nothing_and_keeps_the_lines(staff_web):
    stocked(0, sku="STALE-1")
    data = {"form_token": "0" * 32, "save": "1", **header(reference="STALE"), **lines_data(("STALE-1", "3"))}
    response = staff_web.post(f"{NEW}?kind=receipt", data)
    html = html_of(response)
    assert response.status_code == 400 and not Document.objects.exists()
    assert "This form had expired" in html and 'value="STALE-1"' in html and 'value="STALE"' in html
    fresh = re.search(r'name="form_token" value="([0-9a-f]+)"', html).group(1)
    assert staff_web.post(f"{NEW}?kind=receipt", {**data, "form_token": fresh}).status_code == 302


def test_csrf_is_enforced_on_the_document_form(staff_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert client.post(f"{NEW}?kind=receipt", {**header(), **lines_data(("X", "1"))}).status_code == 403


# --- list and detail -------------------------------------------------------------------------------------------


@pytest.fixture
def documents(staff_user, admin_user, wh2):
    product = stocked(50, sku="LST-1")
    receipt = services.create_document(
        kind="receipt", user=staff_user, reference="PO-1", lines=[{"product_id": product.pk, "quantity": 5}]
    )
    issue = services.create_document(
        kind="issue", user=admin_user, reference="SO-2", lines=[{"product_id": product.pk, "quantity": 2}]
    )
    transfer = stock_factories.transfer(
        product, 4, MAIN_LOCATION_ID, wh2.pk, user=staff_user, via_transit=True, reference="TR-3"
    )
    return {"receipt": receipt, "issue": issue, "transfer": transfer, "product": product}


def listed(client, query="") -> list[str]:
    response = client.get(f"{LIST}{query}")
    assert response.status_code == 200
    return re.findall(r">(DOC-\d+)</a>", html_of(response))


def test_document_list_filters(staff_web, documents, wh2):
    receipt, issue, transfer = documents["receipt"], documents["issue"], documents["transfer"]
    assert listed(staff_web) == [transfer.number, issue.number, receipt.number]
    assert listed(staff_web, "?kind=issue") == [issue.number]
    assert listed(staff_web, "?status=in_transit") == [transfer.number]
    assert listed(staff_web, f"?location={wh2.pk}") == [transfer.number]
    assert listed(staff_web, "?reference=PO-1") == [receipt.number]
    assert listed(staff_web, "?sort_by=created_at&sort_order=asc") == [receipt.number, issue.number, transfer.number]
    today = receipt.created_at.date().isoformat()
    assert len(listed(staff_web, f"?start_date={today}&end_date={today}")) == 3
    assert listed(staff_web, "?start_date=2001-01-01&end_date=2001-01-02") == []
    assert staff_web.get(f"{LIST}?start_date=2024-02-30").status_code == 400
    assert staff_web.get(f"{LIST}?start_date=2024-02-03&end_date=2024-02-01").status_code == 400
    assert staff_web.get(f"{LIST}?kind=nonsense").status_code == 400
    assert listed(staff_web, "?sort_by=bogus&page=x") == [transfer.number, issue.number, receipt.number]


def test_document_list_is_paginated_with_few_queries(staff_web, staff_user, django_assert_max_num_queries):
    product = stocked(100, sku="PAGE-1")
    for _ in range(30):
        services.create_document(kind="issue", user=staff_user, lines=[{"product_id": product.pk, "quantity": 1}])
    with django_assert_max_num_queries(7):
        response = staff_web.get(LIST)
    assert len(re.findall(r">DOC-\d+</a>", html_of(response))) == 25
    assert "Page 1 of 2 · 30 rows" in html_of(response)
    assert len(listed(staff_web, "?page=2")) == 5


def test_detail_shows_the_header_lines_and_movements(staff_web, documents):
    receipt = documents["receipt"]
    html = html_of(staff_web.get(f"/stock/documents/{receipt.pk}/"))
    assert f"Receipt {receipt.number}</h1>" in html
    assert "PO-1" in html and "Completed" in html and "LST-1" in html
    assert f"?document={receipt.pk}&amp;product=LST-1" in html
    assert ">IN</span> 5 at MAIN</a>" in html
    assert staff_web.get("/stock/documents/999999/").status_code == 404


def test_history_rows_link_to_their_document(staff_web, documents):
    receipt = documents["receipt"]
    html = html_of(staff_web.get(f"/stock/movements/?document={receipt.pk}"))
    assert html.count(f'<a href="/stock/documents/{receipt.pk}/">{receipt.number}</a>') == 1
    transfer = documents["transfer"]
    html = html_of(staff_web.get(f"/stock/movements/?document={transfer.pk}"))
    assert html.count(f">{transfer.number}</a>") == 2  # OUT at MAIN, IN at TRANSIT


def buttons(html: str) -> list[str]:
    return re.findall(r'action="/stock/documents/\d+/(reverse|receive|cancel)/"', html)


def test_reverse_rights_staff_own_admins_any(client, staff_user, admin_user, documents):
    receipt, issue = documents["receipt"], documents["issue"]  # the staff user's and the admin's
    client.force_login(staff_user)
    assert buttons(html_of(client.get(f"/stock/documents/{receipt.pk}/"))) == ["reverse"]
    assert buttons(html_of(client.get(f"/stock/documents/{issue.pk}/"))) == []
    response = client.post(f"/stock/documents/{issue.pk}/reverse/", follow=True)
    assert response.status_code == 200
    assert "Staff reverse only their own entries" in html_of(response)
    assert not hasattr(Document.objects.get(pk=issue.pk), "reversed_by")
    client.force_login(admin_user)
    assert buttons(html_of(client.get(f"/stock/documents/{receipt.pk}/"))) == ["reverse"]
    response = client.post(f"/stock/documents/{issue.pk}/reverse/", follow=True)
    reversal = Document.objects.get(reverses=issue)
    assert response.redirect_chain == [(f"/stock/documents/{reversal.pk}/", 302)]
    assert f"{issue.number} reversed by {reversal.number}" in html_of(response)
    assert buttons(html_of(response)) == []  # a reversal is not reversed
    html = html_of(client.get(f"/stock/documents/{issue.pk}/"))
    assert buttons(html) == [] and f">{reversal.number}</a>" in html
    again = client.post(f"/stock/documents/{issue.pk}/reverse/", follow=True)
    assert again.status_code == 200 and "already reversed" in html_of(again)
    assert Document.objects.filter(reverses=issue).count() == 1


def test_a_reversal_short_of_stock_is_a_message(staff_web, staff_user):
    product = stocked(0, sku="GONE-1")
    receipt = services.create_document(
        kind="receipt", user=staff_user, lines=[{"product_id": product.pk, "quantity": 5}]
    )
    services.record_movement(product=product, change_type="OUT", quantity=4, user=staff_user)
    response = staff_web.post(f"/stock/documents/{receipt.pk}/reverse/", follow=True)
    assert response.status_code == 200
    assert "Insufficient stock for: GONE-1 (requested 5, available 1)" in html_of(response)
    assert on_hand(product) == 1


def test_receive_and_cancel_a_transfer_in_transit(staff_web, admin_user, documents, wh2):
    transfer, product = documents["transfer"], documents["product"]
    html = html_of(staff_web.get(f"/stock/documents/{transfer.pk}/"))
    assert buttons(html) == ["receive", "cancel"]
    assert "Receive at WH2</button>" in html and "Cancel transfer (return to MAIN)</button>" in html
    assert 'data-confirm="Receive' in html
    refused = staff_web.post(f"/stock/documents/{transfer.pk}/reverse/", follow=True)
    assert "in transit: cancel it instead" in html_of(refused)
    response = staff_web.post(f"/stock/documents/{transfer.pk}/receive/", follow=True)
    assert f"{transfer.number} received at WH2." in html_of(response)
    assert Document.objects.get(pk=transfer.pk).status == DocumentStatus.COMPLETED
    assert (on_hand(product, wh2.pk), on_hand(product, TRANSIT_LOCATION_ID)) == (4, 0)
    assert buttons(html_of(response)) == ["reverse"]  # the staff user's own transfer, now completed
    again = staff_web.post(f"/stock/documents/{transfer.pk}/receive/", follow=True)
    assert "Only a transfer in transit can be received" in html_of(again)

    second = stock_factories.transfer(product, 3, MAIN_LOCATION_ID, wh2.pk, user=admin_user, via_transit=True)
    before = on_hand(product)
    response = staff_web.post(f"/stock/documents/{second.pk}/cancel/", follow=True)
    assert f"{second.number} cancelled: the stock is back at MAIN." in html_of(response)
    assert on_hand(product) == before + 3
    assert buttons(html_of(response)) == []


def test_an_unknown_action_or_a_get_is_refused(staff_web, documents):
    receipt = documents["receipt"]
    assert staff_web.post(f"/stock/documents/{receipt.pk}/explode/").status_code == 404
    assert staff_web.get(f"/stock/documents/{receipt.pk}/reverse/").status_code == 405
    assert staff_web.post("/stock/documents/999999/reverse/").status_code == 404


def test_a_transfer_saved_through_the_form_goes_via_transit(staff_web, wh2):
    product = stocked(9, sku="VIA-1")
    data = {
        **header("transfer", source_location=MAIN_LOCATION_ID, destination_location=wh2.pk, via_transit="on"),
        **lines_data(("VIA-1", "4")),
    }
    response = save(staff_web, "transfer", data, follow=True)
    document = Document.objects.get()
    assert document.status == DocumentStatus.IN_TRANSIT
    assert f"Transfer {document.number} saved: 1 line from MAIN to WH2, now in transit" in html_of(response)
    assert (on_hand(product), on_hand(product, TRANSIT_LOCATION_ID)) == (5, 4)


# --- the location picker of the movement and count forms -------------------------------------------------------


def test_movement_and_count_forms_offer_active_non_transit_locations_default_first(staff_web, admin_user, wh2):
    closed = services.create_location(actor=admin_user, code="OLD", name="Closed", is_active=False)
    for url in ("/stock/movements/new/", "/stock/counts/new/"):
        html = html_of(staff_web.get(url))
        assert '<label for="id_location">Location</label>' in html
        assert f'<option value="{MAIN_LOCATION_ID}" selected>MAIN · ' in html
        assert f'<option value="{wh2.pk}">WH2 · Second warehouse</option>' in html
        assert f'<option value="{TRANSIT_LOCATION_ID}"' not in html and f'<option value="{closed.pk}"' not in html


def test_the_chosen_location_reaches_the_services(staff_web, wh2):
    product = stocked(0, sku="PICK-1")
    url = "/stock/movements/new/"
    data = {"product": "PICK-1", "change_type": "IN", "quantity": "6", "location": wh2.pk}
    response = staff_web.post(url, {"form_token": form_token(staff_web.get(url)), **data})
    assert response.status_code == 302 and f"location={wh2.pk}" in response["Location"]
    assert on_hand(product, wh2.pk) == 6 and on_hand(product) == 0
    assert f'<option value="{wh2.pk}" selected>' in html_of(staff_web.get(response["Location"]))
    url = "/stock/counts/new/"
    data = {"product": "PICK-1", "counted_quantity": "2", "location": wh2.pk}
    assert staff_web.post(url, {"form_token": form_token(staff_web.get(url)), **data}).status_code == 302
    assert on_hand(product, wh2.pk) == 2


# --- /locations/ ----------------------------------------------------------------------------------------------


def test_locations_page_shows_the_tree(client, staff_user, admin_user, wh2):
    bin_a = services.create_location(actor=admin_user, code="WH2-A", name="Aisle A", parent_id=wh2.pk, kind="zone")
    services.create_location(actor=admin_user, code="WH2-A1", name="Bin A1", parent_id=bin_a.pk, kind=LocationKind.BIN)
    client.force_login(staff_user)
    html = html_of(client.get("/locations/"))
    indent = r'<td class="sku"><span class="tree-indent depth-(\d)">'
    codes = re.findall(indent + r'(?:<span aria-hidden="true">└ </span>)?([A-Z0-9-]+)</span>', html)
    order = [code for _, code in codes]
    assert order.index("WH2") < order.index("WH2-A") < order.index("WH2-A1")
    assert dict((code, int(depth)) for depth, code in codes) == {
        "MAIN": 0,
        "TRANSIT": 0,
        "WH2": 0,
        "WH2-A": 1,
        "WH2-A1": 2,
    }
    assert "Bin A1" in html and "In transit" in html and ">default</span>" in html
    assert "/admin/" not in html.split("<main")[1]  # staff: no links into admin
    client.force_login(admin_user)
    html = html_of(client.get("/locations/"))
    try:
        change = reverse("admin:stock_location_change", args=[wh2.pk])
    except NoReverseMatch:  # the location admin is not registered (yet): the page still works, without links
        assert "/admin/stock/location" not in html
    else:
        assert f'href="{change}"' in html and f'href="{reverse("admin:stock_location_add")}"' in html


def test_a_product_line_accepts_an_exact_name_too(staff_web):
    product = ProductFactory(sku="NM-1", name="Blue bucket")
    assert save(staff_web, "receipt", {**header(), **lines_data(("Blue bucket", "2"))}).status_code == 302
    assert on_hand(product) == 2


def test_kind_comes_from_the_query_and_defaults_to_receipt(staff_web):
    assert "New issue</h1>" in html_of(staff_web.get(f"{NEW}?kind=issue"))
    assert "New receipt</h1>" in html_of(staff_web.get(NEW))
    assert "New receipt</h1>" in html_of(staff_web.get(f"{NEW}?kind=bogus"))
    assert Location.objects.filter(is_default=True).count() == 1
