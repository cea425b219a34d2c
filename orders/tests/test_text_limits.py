"""Every free-text field of an order has a length limit, the same in the service, the API and the HTML form,
read from inventory_site.limits."""

import pytest

from inventory_site import limits
from inventory_site.exceptions import Invalid
from orders import services
from orders.forms import OrderForm
from orders.models import Order
from orders.serializers import OrderCreateSerializer
from orders.tests.factories import stocked_product
from tests.web.test_order_pages import NEW, form_token, order_data

pytestmark = pytest.mark.django_db

LIMITS = {
    "customer_name": limits.CUSTOMER_NAME_MAX_LENGTH,
    "customer_email": limits.CUSTOMER_EMAIL_MAX_LENGTH,
    "reference": limits.REFERENCE_MAX_LENGTH,
    "note": limits.NOTE_MAX_LENGTH,
}


def text_of(field: str, length: int) -> str:
    """Text of exactly ``length`` characters; for the email, a valid address (labels of at most 63)."""
    if field != "customer_email":
        return "n" * length
    labels, remaining = [], length - len("a" * 40 + "@") - len(".com")
    while remaining > 0:
        size = min(60, remaining)
        labels.append("b" * size)
        remaining -= size + 1
    domain = ".".join(labels)
    return "a" * (40 + length - len("a" * 40 + "@" + domain + ".com")) + "@" + domain + ".com"


def test_the_limits_are_the_agreed_sizes():
    assert LIMITS == {"customer_name": 200, "customer_email": 254, "reference": 100, "note": 10_000}
    assert limits.MAX_QUANTITY == 2**31 - 1


@pytest.mark.parametrize("field", list(LIMITS))
def test_serializer_and_form_read_the_limits_module(field):
    assert OrderCreateSerializer().fields[field].max_length == LIMITS[field]
    assert OrderForm().fields[field].max_length == LIMITS[field]


@pytest.mark.parametrize("field", list(LIMITS))
def test_api_refuses_one_character_too_many(staff_client, field):
    product = stocked_product(5, sku=f"TL-{field}")
    body = {"customer_name": "Acme", "items": [{"product_id": product.pk, "quantity": 1}]}
    exact = staff_client.post("/api/v1/orders", {**body, field: text_of(field, LIMITS[field])}, format="json")
    assert exact.status_code == 202, exact.json()
    over = staff_client.post("/api/v1/orders", {**body, field: text_of(field, LIMITS[field] + 1)}, format="json")
    assert over.status_code == 400 and field in over.json()["errors"], over.json()
    assert Order.objects.count() == 1


def test_a_two_million_character_note_is_refused(staff_client):
    product = stocked_product(5, sku="TL-HUGE")
    body = {"customer_name": "Acme", "note": "x" * 2_000_000, "items": [{"product_id": product.pk, "quantity": 1}]}
    response = staff_client.post("/api/v1/orders", body, format="json")
    assert response.status_code == 400 and "note" in response.json()["errors"]
    assert not Order.objects.exists()


@pytest.mark.parametrize("field", list(LIMITS))
def test_the_service_refuses_too_long_text_from_any_caller(staff_user, field):
    product = stocked_product(5, sku=f"TS-{field}")
    header = {"customer_name": "Acme", field: text_of(field, LIMITS[field] + 1)}
    with pytest.raises(Invalid) as error:
        services.place_order(user=staff_user, items=[{"product_id": product.pk, "quantity": 1}], **header)
    assert f"At most {LIMITS[field]:,} characters." in error.value.errors[field]
    assert not Order.objects.exists()


@pytest.mark.parametrize("field", ["customer_name", "reference", "note", "customer_email"])
def test_the_html_form_refuses_too_long_text(staff_web, field):
    stocked_product(5, sku="TH-1")
    token = form_token(staff_web.get(NEW))
    response = staff_web.post(NEW, order_data(token, [("TH-1", "1")], **{field: text_of(field, LIMITS[field] + 1)}))
    assert response.status_code == 400
    assert "Ensure this value has at most" in response.content.decode()
    assert not Order.objects.exists()
