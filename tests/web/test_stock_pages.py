import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from stock.models import StockLevel, StockMovement
from tests.factories import ProductFactory, SupplierFactory, stocked
from tests.web.conftest import form_token

pytestmark = pytest.mark.django_db
NEW = "/stock/movements/new/"
COUNT = "/stock/counts/new/"
HISTORY = "/stock/movements/"


def level(product):
    return StockLevel.objects.filter(product=product).first()


def test_pages_need_login(client):
    for url in (NEW, COUNT, HISTORY, "/products/", "/products/lookup/?q=a", "/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_movement_form_has_labelled_fields(staff_web):
    response = staff_web.get(NEW)
    html = response.content.decode()
    assert response.status_code == 200
    for label, field in [
        ("Product", "product"),
        ("Type", "change_type"),
        ("Quantity", "quantity"),
        ("Supplier", "supplier"),
        ("Reason", "reason"),
        ("Note", "note"),
    ]:
        assert f'<label for="id_{field}">{label}' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<option value="IN"' in html and '<option value="OUT"' in html


def test_record_in_redirects_with_message_and_new_stock(staff_web, staff_user, post_form):
    product = stocked(5, sku="ABC-1", name="Widget")
    supplier = SupplierFactory()
    response = post_form(
        staff_web,
        NEW,
        {"product": "abc-1", "change_type": "IN", "quantity": "7", "supplier": supplier.pk, "note": "delivery"},
        follow=True,
    )
    assert response.redirect_chain == [(f"{NEW}?type=IN&supplier={supplier.pk}", 302)]
    text = response.content.decode()
    assert "Recorded IN 7 × Widget" in text
    assert "12 on hand, 12 available" in text
    movement = StockMovement.objects.get(product=product, user=staff_user)
    assert (movement.change_type, movement.quantity, movement.supplier, movement.reason) == (
        "IN",
        7,
        supplier,
        "purchase",
    )
    assert level(product).on_hand == 12


def test_out_above_available_reshows_form_and_writes_nothing(staff_web, post_form):
    product = stocked(3, sku="OUT-1")
    before = StockMovement.objects.count()
    response = post_form(staff_web, NEW, {"product": "OUT-1", "change_type": "OUT", "quantity": "4"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Only 3 available." in html
    assert 'id="form-errors"' in html
    assert 'class="field-error"' in html
    assert StockMovement.objects.count() == before
    assert level(product).on_hand == 3
    # The product's stock is shown, and the form keeps what was typed with a fresh token.
    assert 'data-stock="available">3<' in html
    assert 'value="OUT-1"' in html
    assert form_token(response)


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"product": "NOPE", "change_type": "IN", "quantity": "1"}, "product", "No product with this SKU or name."),
        ({"product": "P-1", "change_type": "IN", "quantity": "0"}, "quantity", "greater than or equal to 1"),
        ({"product": "P-1", "change_type": "IN", "quantity": "1.5"}, "quantity", "Enter a whole number."),
        ({"product": "P-1", "change_type": "IN", "quantity": ""}, "quantity", "This field is required."),
        ({"product": "P-1", "change_type": "SIDEWAYS", "quantity": "1"}, "change_type", "Select a valid choice."),
        (
            {"product": "P-1", "change_type": "IN", "quantity": "1", "reason": "gift"},
            "reason",
            "Select a valid choice.",
        ),
        ({"product": "", "change_type": "IN", "quantity": "1"}, "product", "This field is required."),
    ],
)
def test_invalid_movement_input(staff_web, post_form, data, field, message):
    stocked(2, sku="P-1")
    before = StockMovement.objects.count()
    response = post_form(staff_web, NEW, data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert StockMovement.objects.count() == before


def test_supplier_on_out_is_refused(staff_web, post_form):
    stocked(5, sku="S-1")
    supplier = SupplierFactory()
    response = post_form(
        staff_web, NEW, {"product": "S-1", "change_type": "OUT", "quantity": "1", "supplier": supplier.pk}
    )
    assert response.status_code == 400
    assert "only allowed on IN" in " ".join(response.context["form"].errors["supplier"])


def test_inactive_product_is_refused(staff_web, post_form):
    ProductFactory(sku="OLD-1", is_active=False)
    response = post_form(staff_web, NEW, {"product": "OLD-1", "change_type": "IN", "quantity": "1"})
    assert response.status_code == 400
    assert "inactive" in response.content.decode()
    assert not StockMovement.objects.exists()


def test_double_submit_records_once(staff_web):
    product = stocked(0, sku="DBL-1")
    token = form_token(staff_web.get(NEW))
    data = {"form_token": token, "product": "DBL-1", "change_type": "IN", "quantity": "3"}
    first = staff_web.post(NEW, data)
    second = staff_web.post(NEW, data, follow=True)
    assert first.status_code == 302
    assert "already submitted" in second.content.decode()
    assert StockMovement.objects.filter(product=product).count() == 1
    assert level(product).on_hand == 3


def test_post_without_token_records_nothing(staff_web):
    product = stocked(0, sku="NT-1")
    response = staff_web.post(NEW, {"product": "NT-1", "change_type": "IN", "quantity": "3"})
    assert response.status_code == 400  # re-shown as typed, with a fresh token and a warning
    assert not StockMovement.objects.filter(product=product).exists()


def test_token_from_another_session_is_refused(client, staff_web, admin_user):
    token = form_token(staff_web.get(NEW))
    product = stocked(0, sku="X-1")
    client.force_login(admin_user)
    client.post(NEW, {"form_token": token, "product": "X-1", "change_type": "IN", "quantity": "1"})
    assert not StockMovement.objects.filter(product=product).exists()


def test_corrected_form_can_be_posted_after_an_error(staff_web, post_form):
    product = stocked(1, sku="FIX-1")
    response = post_form(staff_web, NEW, {"product": "FIX-1", "change_type": "OUT", "quantity": "5"})
    token = form_token(response)
    response = staff_web.post(NEW, {"form_token": token, "product": "FIX-1", "change_type": "OUT", "quantity": "1"})
    assert response.status_code == 302
    assert level(product).on_hand == 0


def test_prefilled_product_shows_stock(staff_web):
    stocked(9, sku="PRE-1")
    html = staff_web.get(NEW + "?product=PRE-1&type=OUT").content.decode()
    assert 'data-stock="on_hand">9<' in html
    assert '<option value="OUT" selected>' in html


def test_count_records_the_difference(staff_web, post_form):
    product = stocked(10, sku="CNT-1")
    response = post_form(staff_web, COUNT, {"product": "CNT-1", "counted_quantity": "7"}, follow=True)
    assert "Count recorded for CNT-1: -3 (OUT)" in response.content.decode()
    movement = StockMovement.objects.filter(product=product).first()
    assert (movement.change_type, movement.quantity, movement.reason) == ("OUT", 3, "count")
    response = post_form(staff_web, COUNT, {"product": "CNT-1", "counted_quantity": "7"}, follow=True)
    assert "nothing to adjust" in response.content.decode()


def test_count_errors(staff_web, post_form):
    stocked(4, sku="CNT-2")
    html = staff_web.get(COUNT).content.decode()
    assert '<label for="id_product">Product' in html and '<label for="id_counted_quantity">Counted quantity' in html
    response = post_form(staff_web, COUNT, {"product": "CNT-2", "counted_quantity": "-1"})
    assert response.status_code == 400
    assert "counted_quantity" in response.context["form"].errors


@pytest.fixture
def ledger(staff_user, admin_user):
    supplier = SupplierFactory(name="Acme")
    a = stocked(0, sku="HA-1", name="Apple")
    b = stocked(0, sku="HB-1", name="Banana")
    from stock import services

    services.record_movement(product=a, change_type="IN", quantity=10, user=staff_user, supplier=supplier)
    services.record_movement(product=a, change_type="OUT", quantity=2, user=staff_user, reason="damage")
    services.record_movement(product=b, change_type="IN", quantity=5, user=admin_user)
    return {"a": a, "b": b, "supplier": supplier}


def rows(response):
    return [(m.product.sku, m.change_type, m.quantity) for m in response.context["page"]]


def test_history_filters(staff_web, staff_user, ledger):
    assert len(rows(staff_web.get(HISTORY))) == 3
    assert rows(staff_web.get(HISTORY, {"change_type": "OUT"})) == [("HA-1", "OUT", 2)]
    assert {r[0] for r in rows(staff_web.get(HISTORY, {"product": "hb-1"}))} == {"HB-1"}
    assert len(rows(staff_web.get(HISTORY, {"user": staff_user.pk}))) == 2
    assert rows(staff_web.get(HISTORY, {"supplier": ledger["supplier"].pk})) == [("HA-1", "IN", 10)]
    assert rows(staff_web.get(HISTORY, {"reason": "damage"})) == [("HA-1", "OUT", 2)]
    today = timezone.localdate()
    assert len(rows(staff_web.get(HISTORY, {"start_date": today, "end_date": today}))) == 3
    assert rows(staff_web.get(HISTORY, {"start_date": today + timedelta(days=1)})) == []
    assert rows(staff_web.get(HISTORY, {"end_date": today - timedelta(days=1)})) == []


def test_history_sorting_and_pagination(staff_web, ledger):
    by_quantity = rows(staff_web.get(HISTORY, {"sort_by": "quantity", "sort_order": "asc"}))
    assert [r[2] for r in by_quantity] == [2, 5, 10]
    page = staff_web.get(HISTORY, {"page_size": 25, "page": 99}).context["page"]
    assert page.number == 1  # out of range falls back to the last page


def test_history_bad_filters(staff_web, ledger):
    today = timezone.localdate()
    response = staff_web.get(HISTORY, {"start_date": today, "end_date": today - timedelta(days=2)})
    assert response.status_code == 400
    assert "before the start date" in response.content.decode()
    assert staff_web.get(HISTORY, {"sort_by": "nonsense"}).status_code == 400
    assert staff_web.get(HISTORY, {"product": "UNKNOWN"}).status_code == 400


def test_history_csv_export(staff_web, ledger):
    response = staff_web.get(HISTORY, {"change_type": "IN", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    data = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {(row["sku"], row["quantity"]) for row in data} == {("HA-1", "10"), ("HB-1", "5")}
    assert data[0].keys() >= {"created_at", "change_type", "supplier", "reason", "user"}


def test_history_query_count_is_constant(staff_web, staff_user, django_assert_max_num_queries):
    from stock import services

    for i in range(30):
        services.record_movement(product=stocked(0, sku=f"QC-{i}"), change_type="IN", quantity=1, user=staff_user)
    with django_assert_max_num_queries(10):
        response = staff_web.get(HISTORY)
    assert len(response.context["page"]) == 25


def test_csv_escapes_formulas(staff_web, staff_user):
    from stock import services

    services.record_movement(product=stocked(0, sku="F-1"), change_type="IN", quantity=1, user=staff_user, note="=1+1")
    body = b"".join(staff_web.get(HISTORY, {"format": "csv"}).streaming_content).decode()
    assert "'=1+1" in body


def test_history_csv_escapes_every_text_column(staff_web, staff_user):
    from stock import services

    names = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@x", "\tx"]
    for index, name in enumerate(names):
        services.record_movement(
            product=stocked(0, sku=f"@F-{index}", name=name),
            change_type="IN",
            quantity=3,
            user=staff_user,
            supplier=SupplierFactory(name=f"=S{index}"),
            note=f"-note {index}",
        )
    body = b"".join(staff_web.get(HISTORY, {"format": "csv"}).streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sorted(row["name"] for row in rows) == sorted("'" + name for name in names)
    assert all(row["sku"].startswith("'@F-") and row["supplier"].startswith("'=S") for row in rows)
    assert all(row["note"].startswith("'-note") and row["quantity"] == "3" for row in rows)
