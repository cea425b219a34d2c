"""Orders at locations: where the job reserves, the allocations the API shows, ship and cancel per allocation."""

import pytest

from accounts.tests.factories import UserFactory
from orders import services
from orders.models import Order, Status
from orders.tests.factories import ProductFactory
from stock import services as stock_services
from stock.access import LocationForbidden
from stock.models import (
    MAIN_LOCATION_ID,
    TRANSIT_LOCATION_ID,
    Location,
    Reservation,
    ReservationState,
    StockLevel,
    StockMovement,
)
from stock.tests.factories import receive, transfer
from tests.web.conftest import form_token

pytestmark = pytest.mark.django_db


def _location(code: str, **fields):
    admin = UserFactory(role="admin")
    return stock_services.create_location(actor=admin, code=code, name=f"Location {code}", **fields)


def _stock(product, *, at: dict) -> None:
    """Receive ``product`` at each location of ``at`` (location or id -> quantity)."""
    for location, quantity in at.items():
        receive(
            product,
            quantity,
            location=location if isinstance(location, Location) else Location.objects.get(pk=location),
        )


def _place(user, *lines, **fields):
    fields.setdefault("customer_name", "Acme")
    return services.place_order(user=user, items=[{"product_id": p.pk, "quantity": q} for p, q in lines], **fields)


def _processed(user, *lines, **fields) -> Order:
    order = _place(user, *lines, **fields)
    services.process_pending_order(order_id=order.pk)
    order.refresh_from_db()
    return order


def _reserved(order) -> list[tuple[int, int, int]]:
    """``(product_id, location_id, quantity)`` of the order's active reservations."""
    rows = Reservation.objects.filter(reference=order.reservation_reference, state=ReservationState.ACTIVE)
    return sorted(rows.values_list("product_id", "location_id", "quantity"))


def _level(product, location) -> StockLevel:
    return StockLevel.objects.get(product=product, location=location)


class TestAllocationChoice:
    def test_one_location_filling_the_whole_order_lowest_priority_first(self, staff_user):
        far, near = _location("FAR", priority=20), _location("NEAR", priority=5)
        a, b = ProductFactory(), ProductFactory()
        _stock(a, at={far: 10, near: 10})
        _stock(b, at={far: 10, near: 10})
        order = _processed(staff_user, (a, 3), (b, 4))
        assert order.status == Status.CONFIRMED
        assert _reserved(order) == [(a.pk, near.pk, 3), (b.pk, near.pk, 4)]

    def test_equal_priorities_go_to_the_lower_id(self, staff_user):
        first, second = _location("FIRST", priority=5), _location("SECOND", priority=5)
        product = ProductFactory()
        _stock(product, at={second: 10, first: 10})
        order = _processed(staff_user, (product, 2))
        assert _reserved(order) == [(product.pk, first.pk, 2)]

    def test_a_single_location_beats_a_split_at_higher_priority_ones(self, staff_user):
        low = _location("LOW", priority=50)
        a, b = ProductFactory(), ProductFactory()
        _stock(a, at={MAIN_LOCATION_ID: 10, low: 5})  # MAIN (priority 0) has a, but not b
        _stock(b, at={low: 5})
        order = _processed(staff_user, (a, 5), (b, 5))
        assert _reserved(order) == [(a.pk, low.pk, 5), (b.pk, low.pk, 5)]

    def test_split_line_by_line_in_priority_order_when_no_location_fills_it(self, staff_user):
        second = _location("SECOND", priority=5)
        third = _location("THIRD", priority=9)
        a, b = ProductFactory(), ProductFactory()
        _stock(a, at={MAIN_LOCATION_ID: 6, second: 6, third: 100})
        _stock(b, at={MAIN_LOCATION_ID: 1, second: 3})
        order = _processed(staff_user, (a, 10), (b, 4))
        assert order.status == Status.CONFIRMED
        assert _reserved(order) == [
            (a.pk, MAIN_LOCATION_ID, 6),
            (a.pk, second.pk, 4),
            (b.pk, MAIN_LOCATION_ID, 1),
            (b.pk, second.pk, 3),
        ]
        assert _level(a, second).reserved == 4 and _level(a, third).reserved == 0

    def test_rejected_naming_only_the_short_lines_and_nothing_reserved(self, staff_user):
        other = _location("OTHER", priority=5)
        plenty, short = ProductFactory(sku="PLENTY"), ProductFactory(sku="SHORT")
        _stock(plenty, at={MAIN_LOCATION_ID: 50})
        _stock(short, at={MAIN_LOCATION_ID: 2, other: 3})
        order = _processed(staff_user, (plenty, 5), (short, 6))
        assert order.status == Status.REJECTED
        assert order.rejection_reason == "Insufficient stock for: SHORT (requested 6, available 5)"
        assert not Reservation.objects.filter(reference=order.reservation_reference).exists()
        assert not StockLevel.objects.filter(reserved__gt=0).exists()

    def test_unsellable_inactive_and_transit_locations_are_never_used(self, staff_user):
        admin = UserFactory(role="admin")
        back = _location("BACK", is_sellable=False)
        closed = _location("CLOSED")
        product = ProductFactory(sku="HELD")
        _stock(product, at={back: 10, closed: 10, MAIN_LOCATION_ID: 10})
        transfer(product, 10, MAIN_LOCATION_ID, back.pk, user=admin, via_transit=True)
        stock_services.update_location(actor=admin, location=closed, is_active=False)
        assert _level(product, TRANSIT_LOCATION_ID).on_hand == 10

        order = _processed(staff_user, (product, 1))

        assert order.status == Status.REJECTED
        assert order.rejection_reason == "Insufficient stock for: HELD (requested 1, available 0)"
        assert not StockLevel.objects.filter(reserved__gt=0).exists()


class TestExplicitLocation:
    def test_every_line_at_that_location_even_when_the_default_could_fill_it(self, staff_user):
        other = _location("OTHER", priority=9)
        product = ProductFactory()
        _stock(product, at={MAIN_LOCATION_ID: 10, other: 10})
        order = _processed(staff_user, (product, 4), location_id=other.pk)
        assert order.location == other
        assert _reserved(order) == [(product.pk, other.pk, 4)]

    def test_its_sub_locations_count_and_nothing_outside(self, staff_user):
        hall = _location("HALL", priority=9)
        bin_a = _location("HALL-A", kind="bin", parent_id=hall.pk, priority=2)
        bin_b = _location("HALL-B", kind="bin", parent_id=hall.pk, priority=1)
        product = ProductFactory()
        _stock(product, at={MAIN_LOCATION_ID: 100, bin_a: 3, bin_b: 3})
        order = _processed(staff_user, (product, 5), location_id=hall.pk)
        assert _reserved(order) == [(product.pk, bin_a.pk, 2), (product.pk, bin_b.pk, 3)]

    def test_rejected_when_that_location_is_short_naming_it(self, staff_user):
        other = _location("OTHER")
        product = ProductFactory(sku="BOLT")
        _stock(product, at={MAIN_LOCATION_ID: 100, other: 2})
        order = _processed(staff_user, (product, 3), location_id=other.pk)
        assert order.status == Status.REJECTED
        assert order.rejection_reason == "Insufficient stock at OTHER for: BOLT (requested 3, available 2)"
        assert not Reservation.objects.exists()

    def test_a_location_deactivated_before_the_job_runs_rejects(self, staff_user):
        admin = UserFactory(role="admin")
        other = _location("OTHER")
        product = ProductFactory(sku="BOLT")
        _stock(product, at={other: 5})
        order = _place(staff_user, (product, 1), location_id=other.pk)
        stock_services.update_location(actor=admin, location=other, is_active=False)
        services.process_pending_order(order_id=order.pk)
        order.refresh_from_db()
        assert order.status == Status.REJECTED and "available 0" in order.rejection_reason

    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (lambda: 999_999, "Unknown location."),
            (lambda: _location("SHUT", is_active=False).pk, "inactive"),
            (lambda: _location("BACK", is_sellable=False).pk, "not sellable"),
            (lambda: TRANSIT_LOCATION_ID, "not sellable"),
            (lambda: "MAIN", "integer"),
            (lambda: 1.0, "integer"),
            (lambda: True, "integer"),
            (lambda: 0, "greater than or equal to 1"),
        ],
    )
    def test_api_refuses_a_location_that_takes_no_orders(self, staff_client, make, message):
        product = ProductFactory()
        body = {"customer_name": "Acme", "location_id": make(), "items": [{"product_id": product.pk, "quantity": 1}]}
        response = staff_client.post("/api/v1/orders", body, format="json")
        assert response.status_code == 400, response.content
        assert list(response.json()["errors"]) == ["location_id"]
        assert message in " ".join(response.json()["errors"]["location_id"])
        assert not Order.objects.exists()

    def test_api_takes_a_location_and_answers_it(self, staff_client, django_capture_on_commit_callbacks):
        other = _location("OTHER")
        product = ProductFactory()
        _stock(product, at={MAIN_LOCATION_ID: 10, other: 10})
        body = {"customer_name": "Acme", "location_id": other.pk, "items": [{"product_id": product.pk, "quantity": 2}]}
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post("/api/v1/orders", body, format="json")
        assert response.status_code == 202
        assert response.json()["location_id"] == other.pk
        detail = staff_client.get(response["Location"]).json()
        assert detail["status"] == "confirmed" and detail["location_id"] == other.pk
        assert detail["items"][0]["allocations"] == [{"location_id": other.pk, "quantity": 2}]

    def test_null_location_is_the_automatic_choice(self, staff_client):
        product = ProductFactory()
        body = {"customer_name": "Acme", "location_id": None, "items": [{"product_id": product.pk, "quantity": 2}]}
        response = staff_client.post("/api/v1/orders", body, format="json")
        assert response.status_code == 202 and response.json()["location_id"] is None


class TestAllowedLocations:
    def test_the_job_reserves_only_at_the_allowed_locations(self, staff_user):
        mine = _location("MINE", priority=9)
        product = ProductFactory()
        _stock(product, at={MAIN_LOCATION_ID: 10, mine: 4})
        order = _processed(staff_user, (product, 3), allowed_location_ids=[mine.pk])
        assert _reserved(order) == [(product.pk, mine.pk, 3)]
        short = _processed(staff_user, (product, 3), allowed_location_ids=[mine.pk])
        assert short.status == Status.REJECTED and "available 1" in short.rejection_reason

    def test_a_location_outside_them_is_forbidden(self, staff_user):
        mine = _location("MINE")
        product = ProductFactory()
        with pytest.raises(LocationForbidden):
            _place(staff_user, (product, 1), location_id=MAIN_LOCATION_ID, allowed_location_ids=[mine.pk])
        assert not Order.objects.exists()

    def test_a_location_inside_them_is_taken(self, staff_user):
        mine = _location("MINE")
        product = ProductFactory()
        _stock(product, at={mine: 5})
        order = _processed(staff_user, (product, 1), location_id=mine.pk, allowed_location_ids=[mine.pk])
        assert _reserved(order) == [(product.pk, mine.pk, 1)]


def _split_order(user):
    """A confirmed order whose line of 10 is split 6 at MAIN and 4 at SECOND, and one line of 2 at MAIN."""
    second = _location("SECOND", priority=5)
    a, b = ProductFactory(), ProductFactory()
    _stock(a, at={MAIN_LOCATION_ID: 6, second: 20})
    _stock(b, at={MAIN_LOCATION_ID: 2})
    order = _processed(user, (a, 10), (b, 2))
    # SECOND alone could fill a but not b, MAIN neither: a line by line split.
    assert order.status == Status.CONFIRMED
    return order, second, a, b


class TestAllocationsAnswered:
    def test_items_carry_their_allocations_in_detail_and_list(self, staff_client, staff_user):
        order, second, a, b = _split_order(staff_user)
        detail = staff_client.get(f"/api/v1/orders/{order.pk}").json()
        allocations = {item["product_id"]: item["allocations"] for item in detail["items"]}
        assert allocations == {
            a.pk: [{"location_id": MAIN_LOCATION_ID, "quantity": 6}, {"location_id": second.pk, "quantity": 4}],
            b.pk: [{"location_id": MAIN_LOCATION_ID, "quantity": 2}],
        }
        listed = staff_client.get("/api/v1/orders").json()["results"][0]
        assert {item["product_id"]: item["allocations"] for item in listed["items"]} == allocations

    def test_pending_and_rejected_orders_have_none(self, staff_client, staff_user):
        product = ProductFactory()
        pending = _place(staff_user, (product, 1))
        rejected = _processed(staff_user, (product, 1))
        for order in (pending, rejected):
            body = staff_client.get(f"/api/v1/orders/{order.pk}").json()
            assert body["items"][0]["allocations"] == []

    def test_an_order_confirmed_before_locations_has_one_allocation_at_main(self, staff_client, staff_user):
        # What the locations migration leaves: the order's reservation row moved onto MAIN (its column default).
        product = ProductFactory()
        _stock(product, at={MAIN_LOCATION_ID: 5})
        order = _processed(staff_user, (product, 3))
        assert list(Reservation.objects.values_list("location_id", flat=True)) == [MAIN_LOCATION_ID]
        body = staff_client.get(f"/api/v1/orders/{order.pk}").json()
        assert body["items"][0]["allocations"] == [{"location_id": MAIN_LOCATION_ID, "quantity": 3}]

    def test_the_list_reads_allocations_in_one_query(self, staff_client, staff_user, django_assert_max_num_queries):
        second = _location("SECOND", priority=5)
        products = [ProductFactory() for _ in range(3)]
        for product in products:
            _stock(product, at={MAIN_LOCATION_ID: 30, second: 30})
        for _ in range(2):
            _processed(staff_user, *[(product, 20) for product in products])  # split MAIN / SECOND
        with django_assert_max_num_queries(7) as few:
            staff_client.get("/api/v1/orders").json()
        for _ in range(8):
            _processed(staff_user, *[(product, 2) for product in products])
        with django_assert_max_num_queries(len(few.captured_queries)):
            body = staff_client.get("/api/v1/orders").json()
        assert body["count"] == 10
        assert all(item["allocations"] for order in body["results"] for item in order["items"])


class TestShipAndCancel:
    def test_ship_writes_one_out_per_allocation_at_its_location(self, staff_client, staff_user):
        order, second, a, b = _split_order(staff_user)
        response = staff_client.post(f"/api/v1/orders/{order.pk}/ship")
        assert response.status_code == 200 and response.json()["status"] == "shipped"
        outs = StockMovement.objects.filter(reference=order.number).values_list(
            "product_id", "location_id", "change_type", "quantity", "reason"
        )
        assert sorted(outs) == sorted(
            [
                (a.pk, MAIN_LOCATION_ID, "OUT", 6, "sale"),
                (a.pk, second.pk, "OUT", 4, "sale"),
                (b.pk, MAIN_LOCATION_ID, "OUT", 2, "sale"),
            ]
        )
        assert (
            _level(a, MAIN_LOCATION_ID).on_hand,
            _level(a, second).on_hand,
            _level(b, MAIN_LOCATION_ID).on_hand,
        ) == (
            0,
            16,
            0,
        )
        assert not StockLevel.objects.filter(reserved__gt=0).exists()
        assert set(Reservation.objects.values_list("state", flat=True)) == {ReservationState.CONSUMED}
        # What was taken, and from where, stays on the order.
        items = {item["product_id"]: item["allocations"] for item in response.json()["items"]}
        assert items[a.pk] == [
            {"location_id": MAIN_LOCATION_ID, "quantity": 6},
            {"location_id": second.pk, "quantity": 4},
        ]

    def test_cancel_releases_every_allocation(self, staff_client, staff_user):
        order, second, a, b = _split_order(staff_user)
        response = staff_client.post(f"/api/v1/orders/{order.pk}/cancel")
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
        assert not StockLevel.objects.filter(reserved__gt=0).exists()
        assert set(Reservation.objects.values_list("state", flat=True)) == {ReservationState.RELEASED}
        assert all(item["allocations"] == [] for item in response.json()["items"])
        assert not StockMovement.objects.filter(reference=order.number).exists()
        assert (_level(a, MAIN_LOCATION_ID).available, _level(a, second).available) == (6, 20)


class TestRightsUnchanged:
    def test_staff_ship_another_users_split_order_but_cannot_cancel_or_deliver_it(self, client_for, staff_user):
        order, *_ = _split_order(UserFactory(role="staff"))
        client = client_for(staff_user)
        assert client.post(f"/api/v1/orders/{order.pk}/cancel").status_code == 403
        assert client.post(f"/api/v1/orders/{order.pk}/ship").status_code == 200
        assert client.post(f"/api/v1/orders/{order.pk}/deliver").status_code == 403

    def test_admins_cancel_any_order_at_a_location(self, admin_client, staff_user):
        other = _location("OTHER")
        product = ProductFactory()
        _stock(product, at={other: 5})
        order = _processed(staff_user, (product, 5), location_id=other.pk)
        assert admin_client.post(f"/api/v1/orders/{order.pk}/cancel").status_code == 200
        assert _level(product, other).reserved == 0


class TestPages:
    def _data(self, token, product, quantity, **header):
        return {
            "form_token": token,
            "customer_name": "Acme Ltd",
            "priority": "normal",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "100",
            "items-0-product": product.sku,
            "items-0-quantity": str(quantity),
            **header,
        }

    def test_the_form_offers_sellable_active_locations_only(self, staff_web):
        _location("SHUT", is_active=False)
        _location("BACK", is_sellable=False)
        _location("OTHER")
        html = staff_web.get("/orders/new/").content.decode()
        assert '<label for="id_location">Location' in html
        assert "OTHER – Location OTHER" in html and "MAIN" in html
        assert "SHUT" not in html and "BACK" not in html and "TRANSIT" not in html

    def test_placing_at_a_location_and_the_detail_page_shows_the_allocations(
        self, staff_web, django_capture_on_commit_callbacks
    ):
        other = _location("OTHER", priority=7)
        product = ProductFactory(sku="PAGE-1")
        _stock(product, at={MAIN_LOCATION_ID: 3, other: 10})
        token = form_token(staff_web.get("/orders/new/"))
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_web.post("/orders/new/", self._data(token, product, 5, location=str(other.pk)))
        order = Order.objects.get()
        assert response.status_code == 302 and order.location == other
        assert _reserved(order) == [(product.pk, other.pk, 5)]
        page = staff_web.get(f"/orders/{order.pk}/").content.decode()
        assert "Allocated at" in page and '<span class="sku">OTHER</span>&nbsp;5' in page

    def test_a_split_order_page_lists_each_location(self, staff_web, staff_user):
        order, second, a, b = _split_order(staff_user)
        page = staff_web.get(f"/orders/{order.pk}/").content.decode()
        assert '<span class="sku">MAIN</span>&nbsp;6, <span class="sku">SECOND</span>&nbsp;4' in page
