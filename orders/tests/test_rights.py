"""Who may do what to an order (CONTRACT "Roles"), through the API and the HTML pages, as one table.

Admins: every order, every action. Staff: read every order, ship any confirmed one, cancel only the
orders they created (another user's: 403), never deliver (403). Errors: 404, then 403, then 409.
"""

import pytest
from django.contrib.messages import get_messages

from accounts.tests.factories import UserFactory
from inventory_site.exceptions import NotFound
from orders import policy, selectors, services
from orders.models import Order, Status
from orders.tests.factories import stocked_product
from stock.models import StockLevel

pytestmark = pytest.mark.django_db

STATUSES = ("pending", "confirmed", "rejected", "shipped", "delivered", "cancelled")
# (role, whose order, action) -> the answer for an order in each of STATUSES, in that order.
MATRIX = {
    ("admin", "own", "ship"): (409, 200, 409, 409, 409, 409),
    ("admin", "own", "deliver"): (409, 409, 409, 200, 409, 409),
    ("admin", "own", "cancel"): (200, 200, 409, 409, 409, 409),
    ("admin", "other", "ship"): (409, 200, 409, 409, 409, 409),
    ("admin", "other", "deliver"): (409, 409, 409, 200, 409, 409),
    ("admin", "other", "cancel"): (200, 200, 409, 409, 409, 409),
    ("staff", "own", "ship"): (409, 200, 409, 409, 409, 409),
    ("staff", "own", "deliver"): (403, 403, 403, 403, 403, 403),
    ("staff", "own", "cancel"): (200, 200, 409, 409, 409, 409),
    ("staff", "other", "ship"): (409, 200, 409, 409, 409, 409),
    ("staff", "other", "deliver"): (403, 403, 403, 403, 403, 403),
    ("staff", "other", "cancel"): (403, 403, 403, 403, 403, 403),
}
CASES = [
    pytest.param(role, whose, action, status, expected, id=f"{role}-{whose}-{action}-{status}")
    for (role, whose, action), answers in MATRIX.items()
    for status, expected in zip(STATUSES, answers, strict=True)
]
CODES = {403: "permission_denied", 404: "not_found", 409: "invalid_transition"}
AFTER = {"ship": Status.SHIPPED, "deliver": Status.DELIVERED, "cancel": Status.CANCELLED}


def order_in(status: str, *, created_by) -> Order:
    """An order placed by ``created_by`` and brought to ``status`` by an admin through the services."""
    admin = UserFactory(role="admin")
    product = stocked_product(5)
    quantity = 9 if status == "rejected" else 2
    order = services.place_order(
        user=created_by, customer_name="Matrix", items=[{"product_id": product.pk, "quantity": quantity}]
    )
    steps = {
        "pending": [],
        "confirmed": ["process"],
        "rejected": ["process"],
        "shipped": ["process", "ship"],
        "delivered": ["process", "ship", "deliver"],
        "cancelled": ["cancel"],
    }[status]
    for step in steps:
        if step == "process":
            services.process_pending_order(order_id=order.pk)
        else:
            services.act(order=order, user=admin, action=step)
    order.refresh_from_db()
    assert order.status == status
    return order


def _actor_and_order(role, whose, status):
    actor = UserFactory(role=role)
    colleague = UserFactory(role="staff")
    return actor, order_in(status, created_by=actor if whose == "own" else colleague)


@pytest.mark.parametrize("role, whose, action, status, expected", CASES)
def test_api(client_for, role, whose, action, status, expected):
    actor, order = _actor_and_order(role, whose, status)
    client = client_for(actor)
    assert client.get(f"/api/v1/orders/{order.pk}").status_code == 200  # everyone reads every order
    assert order.pk in [o["id"] for o in client.get("/api/v1/orders").json()["results"]]

    response = client.post(f"/api/v1/orders/{order.pk}/{action}")

    assert response.status_code == expected, response.content
    order.refresh_from_db()
    if expected == 200:
        assert response.json()["status"] == order.status == AFTER[action]
    else:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == CODES[expected]
        assert order.status == status  # nothing changed


@pytest.mark.parametrize("role, whose, action, status, expected", CASES)
def test_html(client, role, whose, action, status, expected):
    actor, order = _actor_and_order(role, whose, status)
    client.force_login(actor)
    page = client.get(f"/orders/{order.pk}/")
    assert page.status_code == 200
    assert (f'action="/orders/{order.pk}/{action}/"' in page.content.decode()) == (expected == 200)

    response = client.post(f"/orders/{order.pk}/{action}/")

    order.refresh_from_db()
    said = [str(m) for m in get_messages(response.wsgi_request)]
    if expected == 403:
        assert response.status_code == 403
        assert "Only an admin" in response.content.decode()  # the reason, on the 403 page
    else:
        assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
    if expected == 200:
        assert order.status == AFTER[action] and said == [f"Order {order.number} {AFTER[action]}."]
    else:
        assert order.status == status
    if expected == 409:
        assert said == [f"Cannot {action} an order that is {status}."]


@pytest.mark.parametrize("role", ["admin", "staff"])
@pytest.mark.parametrize("action", ["ship", "deliver", "cancel"])
def test_an_unknown_order_is_404_before_anything_else(client_for, client, role, action):
    actor = UserFactory(role=role)
    response = client_for(actor).post(f"/api/v1/orders/424242/{action}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    client.force_login(actor)
    assert client.post(f"/orders/424242/{action}/").status_code == 404


def test_the_matrix_covers_every_action_and_status():
    assert {action for _, _, action in MATRIX} == set(policy.ACTIONS)
    assert set(STATUSES) == set(Status.values)


def test_staff_see_every_order_in_lists(client_for, client):
    staff, colleague, admin = UserFactory(role="staff"), UserFactory(role="staff"), UserFactory(role="admin")
    orders = [order_in("confirmed", created_by=user) for user in (staff, colleague, admin)]
    expected = [order.pk for order in reversed(orders)]  # newest first
    assert [o["id"] for o in client_for(staff).get("/api/v1/orders").json()["results"]] == expected
    client.force_login(staff)
    assert [o.pk for o in client.get("/orders/").context["page"]] == expected


class _ApiClientPrincipal:
    """Stands for the API client of a later issue: only ``is_api_client`` matters to the policy."""

    is_admin = False
    is_api_client = True

    def __init__(self, user):
        self.pk = user.pk


def test_the_api_client_hook_sees_only_its_own_orders():
    machine, person = UserFactory(role="staff"), UserFactory(role="staff")
    own, theirs = order_in("confirmed", created_by=machine), order_in("confirmed", created_by=person)
    principal = _ApiClientPrincipal(machine)
    assert list(selectors.order_list(user=principal)) == [own]
    assert selectors.order_detail(user=principal, pk=own.pk) == own
    with pytest.raises(NotFound):
        selectors.order_detail(user=principal, pk=theirs.pk)
    for action in policy.ACTIONS:
        with pytest.raises(NotFound):  # another's order is a 404, never a 403
            services.act(order=theirs, user=principal, action=action)
        assert policy.available_actions(principal, theirs) == []
    assert policy.available_actions(principal, own) == ["ship", "cancel"]


def test_a_refused_cancel_releases_nothing(client_for):
    staff = UserFactory(role="staff")
    order = order_in("confirmed", created_by=UserFactory(role="staff"))
    client_for(staff).post(f"/api/v1/orders/{order.pk}/cancel")
    assert StockLevel.objects.get(product=order.items.get().product_id).reserved == 2
