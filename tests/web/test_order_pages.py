import re

import pytest

from orders import services as order_services
from orders.models import Order, Status
from stock.models import StockLevel, StockMovement
from tests.factories import stocked
from tests.web.conftest import form_token

pytestmark = pytest.mark.django_db
NEW = "/orders/new/"


def order_data(token, lines, **header):
    data = {
        "form_token": token,
        "customer_name": "Acme Ltd",
        "customer_email": "",
        "reference": "PO-7",
        "priority": "normal",
        "note": "",
        "items-TOTAL_FORMS": str(len(lines)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "100",
        **header,
    }
    for index, (product, quantity) in enumerate(lines):
        data[f"items-{index}-product"] = product
        data[f"items-{index}-quantity"] = quantity
    return data


def test_order_form_has_labelled_fields_and_one_line(staff_web):
    html = staff_web.get(NEW).content.decode()
    assert '<label for="id_customer_name">Customer name' in html
    assert '<label for="id_items-0-product">Product' in html
    assert '<label for="id_items-0-quantity">Quantity' in html
    assert 'name="items-TOTAL_FORMS" value="1"' in html
    assert 'id="line-template"' in html and "items-__prefix__-product" in html


def test_place_order_with_several_lines(staff_web, staff_user, django_capture_on_commit_callbacks):
    a, b = stocked(10, sku="OA-1"), stocked(10, sku="OB-1")
    token = form_token(staff_web.get(NEW))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_web.post(NEW, order_data(token, [("OA-1", "2"), ("", ""), ("ob-1", "3")], priority="high"))
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
    assert order.created_by == staff_user and order.priority == "high" and order.reference == "PO-7"
    assert sorted((i.product.sku, i.quantity) for i in order.items.all()) == [("OA-1", 2), ("OB-1", 3)]
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED  # in-process job after commit (embedded default)
    assert StockLevel.objects.get(product=a).reserved == 2 and StockLevel.objects.get(product=b).reserved == 3
    page = staff_web.get(f"/orders/{order.pk}/").content.decode()
    assert "Confirmed" in page and "OA-1" in page and "data-poll-url" not in page


@pytest.mark.parametrize(
    "lines, header, message",
    [
        ([("", "")], {}, "Add at least one line"),
        ([("NOPE", "1")], {}, "No product with this SKU or name."),
        ([("OE-1", "0")], {}, "greater than or equal to 1"),
        ([("OE-1", "1"), ("oe-1", "2")], {}, "appears more than once"),
        ([("OE-1", "1")], {"customer_name": ""}, "This field is required."),
        ([("OE-1", "1")], {"customer_email": "nope"}, "Enter a valid email address."),
        ([("OE-1", "1")], {"priority": "urgent"}, "Select a valid choice."),
    ],
)
def test_order_form_errors(staff_web, lines, header, message):
    stocked(5, sku="OE-1")
    token = form_token(staff_web.get(NEW))
    response = staff_web.post(NEW, order_data(token, lines, **header))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Order.objects.exists()
    assert form_token(response) != token


def test_order_double_submit_places_one(staff_web):
    stocked(5, sku="OD-1")
    data = order_data(form_token(staff_web.get(NEW)), [("OD-1", "1")])
    staff_web.post(NEW, data)
    response = staff_web.post(NEW, data, follow=True)
    assert "already submitted" in response.content.decode()
    assert Order.objects.count() == 1


@pytest.fixture
def confirmed_order(staff_user, django_capture_on_commit_callbacks):
    product = stocked(10, sku="OC-1")
    with django_capture_on_commit_callbacks(execute=True):
        order = order_services.place_order(
            user=staff_user, customer_name="Bob", items=[{"product_id": product.pk, "quantity": 4}]
        )
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED
    return order


def test_staff_see_every_order_and_ship_but_not_cancel_another_users(client, staff_user, admin_user, confirmed_order):
    from accounts.tests.factories import UserFactory

    other = UserFactory(role="staff")
    client.force_login(other)
    assert list(client.get("/orders/").context["page"]) == [confirmed_order]
    assert client.get(f"/orders/{confirmed_order.pk}/status/").status_code == 200
    html = client.get(f"/orders/{confirmed_order.pk}/").content.decode()
    assert f"/orders/{confirmed_order.pk}/ship/" in html and f"/orders/{confirmed_order.pk}/cancel/" not in html
    refused = client.post(f"/orders/{confirmed_order.pk}/cancel/")
    assert refused.status_code == 403 and "Only an admin or the user who placed" in refused.content.decode()
    confirmed_order.refresh_from_db()
    assert confirmed_order.status == Status.CONFIRMED
    assert client.get("/orders/99999/").status_code == 404
    client.force_login(staff_user)
    assert list(client.get("/orders/").context["page"]) == [confirmed_order]
    assert list(client.get("/orders/", {"status": "pending"}).context["page"]) == []
    client.force_login(admin_user)
    assert list(client.get("/orders/", {"search": "bob"}).context["page"]) == [confirmed_order]


def test_staff_ships_but_cannot_deliver(staff_web, confirmed_order):
    html = staff_web.get(f"/orders/{confirmed_order.pk}/").content.decode()
    assert f"/orders/{confirmed_order.pk}/ship/" in html and f"/orders/{confirmed_order.pk}/cancel/" in html
    assert "/deliver/" not in html
    response = staff_web.post(f"/orders/{confirmed_order.pk}/ship/", follow=True)
    assert "shipped" in response.content.decode()
    assert StockMovement.objects.filter(reference=confirmed_order.number, change_type="OUT").count() == 1
    assert "/deliver/" not in response.content.decode()
    assert staff_web.post(f"/orders/{confirmed_order.pk}/deliver/").status_code == 403
    confirmed_order.refresh_from_db()
    assert confirmed_order.status == Status.SHIPPED


def test_admin_delivers(client, admin_user, staff_user, confirmed_order):
    client.force_login(staff_user)
    client.post(f"/orders/{confirmed_order.pk}/ship/")
    client.force_login(admin_user)
    assert f"/orders/{confirmed_order.pk}/deliver/" in client.get(f"/orders/{confirmed_order.pk}/").content.decode()
    response = client.post(f"/orders/{confirmed_order.pk}/deliver/", follow=True)
    assert "delivered" in response.content.decode()
    confirmed_order.refresh_from_db()
    assert confirmed_order.status == Status.DELIVERED


def test_invalid_transition_shows_a_message(staff_web, confirmed_order):
    staff_web.post(f"/orders/{confirmed_order.pk}/cancel/")
    response = staff_web.post(f"/orders/{confirmed_order.pk}/ship/", follow=True)
    assert "Cannot ship an order that is cancelled." in response.content.decode()
    assert staff_web.post(f"/orders/{confirmed_order.pk}/explode/").status_code == 404
    assert staff_web.get(f"/orders/{confirmed_order.pk}/cancel/").status_code == 405
    # Ship's GET is its confirmation page; an order that cannot ship goes back to its page with the reason.
    response = staff_web.get(f"/orders/{confirmed_order.pk}/ship/", follow=True)
    assert response.redirect_chain[-1][0] == f"/orders/{confirmed_order.pk}/"
    assert "Cannot ship an order that is cancelled." in response.content.decode()


def test_rejected_order_shows_the_reason(staff_web, staff_user, django_capture_on_commit_callbacks):
    product = stocked(1, sku="OR-1")
    with django_capture_on_commit_callbacks(execute=True):
        order = order_services.place_order(
            user=staff_user, customer_name="Cy", items=[{"product_id": product.pk, "quantity": 5}]
        )
    html = staff_web.get(f"/orders/{order.pk}/").content.decode()
    assert "Rejected" in html and "OR-1 (requested 5, available 1)" in html


def test_pending_order_polls_its_status(staff_web, staff_user):
    product = stocked(3, sku="OP-1")
    order = order_services.place_order(
        user=staff_user, customer_name="Di", items=[{"product_id": product.pk, "quantity": 1}]
    )
    html = staff_web.get(f"/orders/{order.pk}/").content.decode()
    assert f'data-poll-url="/orders/{order.pk}/status/"' in html
    data = staff_web.get(f"/orders/{order.pk}/status/").json()
    assert data["status"] == "pending" and data["number"] == order.number
    order_services.process_pending_order(order_id=order.pk)
    data = staff_web.get(f"/orders/{order.pk}/status/").json()
    assert data["status"] == "confirmed"
    assert "Confirmed" in data["html"] and f"/orders/{order.pk}/ship/" in data["html"]


def test_order_pages_query_counts(staff_web, staff_user, django_assert_max_num_queries):
    product = stocked(100, sku="OQ-1")
    for _ in range(10):
        order_services.place_order(
            user=staff_user, customer_name="Q", items=[{"product_id": product.pk, "quantity": 1}]
        )
    with django_assert_max_num_queries(10):
        staff_web.get("/orders/")
    order = Order.objects.first()
    with django_assert_max_num_queries(10):
        staff_web.get(f"/orders/{order.pk}/")


def test_a_service_line_error_is_shown_on_its_line(staff_web):
    """The service's line errors are data (InvalidOrder.line_errors), put on their lines, not parsed back."""
    stocked(5, sku="OL-1")
    stocked(5, sku="OL-2")
    token = form_token(staff_web.get(NEW))
    response = staff_web.post(NEW, order_data(token, [("OL-1", "1"), ("OL-2", "1"), ("ol-1", "2")]))
    assert response.status_code == 400
    html = response.content.decode().split('id="line-template"')[0]  # the posted lines, not the blank template
    lines = re.split(r'<div class="order-line[^"]*" data-line id="line-\d+">', html)[1:]
    assert len(lines) == 3
    message = "product OL-1 appears more than once; use one line per product."
    assert [message in line for line in lines] == [False, False, True]
    assert "Line 3:" not in lines[2]
