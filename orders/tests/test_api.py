from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from inventory_site.models import IdempotencyRecord
from orders import services
from orders.models import Order, Status
from orders.tests.factories import ProductFactory, stocked_product
from stock.models import StockLevel, StockMovement

pytestmark = pytest.mark.django_db

# The contract's fields, written out (not imported from the code they check).
ORDER_FIELDS = set(
    "id number status priority customer_name customer_email reference "
    "note location_id items rejection_reason created_by created_at updated_at history".split()
)


def _body(*lines, **fields):
    return {"customer_name": "Acme", "items": [{"product_id": p.pk, "quantity": q} for p, q in lines], **fields}


def _post(client, body, **headers):
    return client.post("/api/v1/orders", body, format="json", headers=headers)


def _confirmed_order(user, product, quantity=1):
    order = services.place_order(
        user=user, customer_name="Acme", items=[{"product_id": product.pk, "quantity": quantity}]
    )
    return services.process_pending_order(order_id=order.pk)


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["status"] == status
    return body


class TestPlace:
    def test_202_with_the_pending_order_and_location(self, staff_client, staff_user):
        product = stocked_product(10, sku="BOLT-1", name="Bolt", unit_price="1.20")
        response = _post(
            staff_client,
            _body(
                (product, 3),
                customer_email="buyer@example.com",
                reference="PO-9",
                priority="high",
                note="Dock 4",
            ),
        )
        assert response.status_code == 202
        body = response.json()
        assert set(body) == ORDER_FIELDS
        assert response["Location"] == f"/api/v1/orders/{body['id']}"
        assert body["status"] == "pending"
        assert body["number"].startswith("ORD-")
        assert (body["priority"], body["customer_email"], body["reference"], body["note"]) == (
            "high",
            "buyer@example.com",
            "PO-9",
            "Dock 4",
        )
        assert body["items"] == [
            {
                "product_id": product.pk,
                "sku": "BOLT-1",
                "name": "Bolt",
                "quantity": 3,
                "unit_price": "1.20",
                "allocations": [],
            }
        ]
        assert body["created_by"] == staff_user.pk and body["rejection_reason"] == ""
        assert [(h["from_status"], h["to_status"], h["by"]) for h in body["history"]] == [
            ("", "pending", staff_user.pk)
        ]

    def test_embedded_default_confirms_right_after_commit(self, staff_client, django_capture_on_commit_callbacks):
        product = stocked_product(10)
        with django_capture_on_commit_callbacks(execute=True):
            response = _post(staff_client, _body((product, 4)))
        assert response.status_code == 202 and response.json()["status"] == "pending"
        detail = staff_client.get(response["Location"]).json()
        assert detail["status"] == "confirmed"
        assert [(h["from_status"], h["to_status"], h["by"]) for h in detail["history"]][-1] == (
            "pending",
            "confirmed",
            None,
        )
        assert StockLevel.objects.get(product=product).reserved == 4

    def test_short_stock_is_rejected_with_a_reason(self, staff_client, django_capture_on_commit_callbacks):
        product = stocked_product(2, sku="SCARCE-1")
        with django_capture_on_commit_callbacks(execute=True):
            response = _post(staff_client, _body((product, 3)))
        detail = staff_client.get(response["Location"]).json()
        assert detail["status"] == "rejected"
        assert "SCARCE-1 (requested 3, available 2)" in detail["rejection_reason"]

    def test_defaults(self, staff_client):
        body = _post(staff_client, _body((stocked_product(1), 1))).json()
        assert (body["priority"], body["customer_email"], body["reference"], body["note"]) == ("normal", "", "", "")

    @pytest.mark.parametrize(
        "change, field",
        [
            ({"items": []}, "items"),
            ({"items": None}, "items"),
            ({"items": "x"}, "items"),
            ({"items": [{"product_id": "OK", "quantity": 0}]}, "items"),
            ({"items": [{"product_id": "OK", "quantity": -1}]}, "items"),
            ({"items": [{"product_id": "OK", "quantity": 2.0}]}, "items"),
            ({"items": [{"product_id": "OK", "quantity": 1.5}]}, "items"),
            ({"items": [{"product_id": "OK", "quantity": "2"}]}, "items"),
            ({"items": [{"product_id": "OK", "quantity": True}]}, "items"),
            ({"items": [{"product_id": "OK", "quantity": None}]}, "items"),
            ({"items": [{"product_id": "OK", "quantity": 2**31}]}, "items"),
            ({"items": [{"product_id": "OK"}]}, "items"),
            ({"items": [{"product_id": "1", "quantity": 1}]}, "items"),
            ({"items": [{"product_id": 99999, "quantity": 1}]}, "items"),
            ({"items": [{"product_id": "INACTIVE", "quantity": 1}]}, "items"),
            ({"items": [{"product_id": "OK", "quantity": 1}, {"product_id": "OK", "quantity": 1}]}, "items"),
            ({"customer_name": ""}, "customer_name"),
            ({"customer_name": None}, "customer_name"),
            ({"customer_email": "nope"}, "customer_email"),
            ({"priority": "urgent"}, "priority"),
        ],
    )
    def test_bad_input_is_400_and_creates_nothing(self, staff_client, change, field):
        ok, inactive = stocked_product(5), ProductFactory(is_active=False)
        body = _body((ok, 1))
        body.update(change)
        if isinstance(body["items"], list):
            ids = {"OK": ok.pk, "INACTIVE": inactive.pk}
            body["items"] = [
                {**i, "product_id": ids.get(i.get("product_id"), i.get("product_id"))} for i in body["items"]
            ]
        problem = _problem(_post(staff_client, body), 400, "invalid")
        assert field in problem["errors"]
        assert all(isinstance(m, str) for messages in problem["errors"].values() for m in messages)
        assert not Order.objects.exists()

    def test_missing_body_fields(self, staff_client):
        problem = _problem(staff_client.post("/api/v1/orders", {}, format="json"), 400, "invalid")
        assert {"customer_name", "items"} <= set(problem["errors"])

    def test_not_json_is_415(self, staff_client):
        response = staff_client.post(
            "/api/v1/orders", "customer_name=x", content_type="application/x-www-form-urlencoded"
        )
        _problem(response, 415, "unsupported_media_type")

    def test_unauthenticated_is_401(self, api_client):
        _problem(_post(api_client, _body()), 401, "not_authenticated")
        _problem(api_client.get("/api/v1/orders"), 401, "not_authenticated")

    def test_trailing_slash_is_routed(self, staff_client):
        response = staff_client.post("/api/v1/orders/", _body((stocked_product(1), 1)), format="json")
        assert response.status_code == 202


class TestIdempotency:
    def test_a_repeat_replays_and_creates_nothing(self, staff_client):
        body = _body((stocked_product(5), 1))
        first = _post(staff_client, body, **{"Idempotency-Key": "k-1"})
        second = _post(staff_client, body, **{"Idempotency-Key": "k-1"})
        assert first.status_code == second.status_code == 202
        assert second.json() == first.json()
        assert second["Location"] == first["Location"]
        assert Order.objects.count() == 1

    def test_the_same_key_with_another_body_is_409(self, staff_client):
        product = stocked_product(5)
        _post(staff_client, _body((product, 1)), **{"Idempotency-Key": "k-2"})
        _problem(_post(staff_client, _body((product, 2)), **{"Idempotency-Key": "k-2"}), 409, "idempotency_key_reused")
        assert Order.objects.count() == 1

    def test_a_400_is_not_stored(self, staff_client):
        product = stocked_product(5)
        _problem(_post(staff_client, _body((product, 0)), **{"Idempotency-Key": "k-3"}), 400, "invalid")
        assert not IdempotencyRecord.objects.exists()

    def test_keys_are_per_user(self, staff_client, admin_client):
        body = _body((stocked_product(5), 1))
        _post(staff_client, body, **{"Idempotency-Key": "shared"})
        _post(admin_client, body, **{"Idempotency-Key": "shared"})
        assert Order.objects.count() == 2

    def test_the_job_runs_once_after_the_commit(self, staff_client, django_capture_on_commit_callbacks):
        product = stocked_product(5)
        with django_capture_on_commit_callbacks(execute=True):
            response = _post(staff_client, _body((product, 2)), **{"Idempotency-Key": "k-4"})
        assert response.json()["status"] == "pending"
        assert Order.objects.get().status == Status.CONFIRMED


class TestList:
    def test_staff_and_admins_see_every_order(self, staff_client, admin_client, staff_user, admin_user):
        product = stocked_product(10)
        mine = _confirmed_order(staff_user, product)
        theirs = _confirmed_order(admin_user, product)
        staff_ids = [o["id"] for o in staff_client.get("/api/v1/orders").json()["results"]]
        admin_ids = [o["id"] for o in admin_client.get("/api/v1/orders").json()["results"]]
        assert staff_ids == admin_ids == [theirs.pk, mine.pk]  # newest first

    def test_paginated_shape(self, admin_client, admin_user):
        product = stocked_product(10)
        for _ in range(3):
            _confirmed_order(admin_user, product)
        body = admin_client.get("/api/v1/orders?page_size=2").json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
        assert set(body["results"][0]) == ORDER_FIELDS

    def test_filters(self, admin_client, admin_user):
        product = stocked_product(2)
        confirmed = _confirmed_order(admin_user, product, 2)
        rejected = _confirmed_order(admin_user, product, 1)
        high = services.place_order(
            user=admin_user, customer_name="X", priority="high", items=[{"product_id": product.pk, "quantity": 1}]
        )
        Order.objects.filter(pk=high.pk).update(created_at=timezone.now() - timedelta(days=3))

        def ids(query):
            response = admin_client.get(f"/api/v1/orders?{query}")
            assert response.status_code == 200, response.content
            return {o["id"] for o in response.json()["results"]}

        assert ids("status=confirmed") == {confirmed.pk}
        assert ids("status=rejected") == {rejected.pk}
        assert ids("priority=high") == {high.pk}
        assert ids("priority=normal") == {confirmed.pk, rejected.pk}
        today = timezone.localdate()
        assert ids(f"start_date={today}") == {confirmed.pk, rejected.pk}
        assert ids(f"end_date={today - timedelta(days=1)}") == {high.pk}
        assert ids(f"start_date={today - timedelta(days=3)}&end_date={today - timedelta(days=3)}") == {high.pk}

    @pytest.mark.parametrize(
        "query",
        [
            "status=lost",
            "priority=urgent",
            "start_date=yesterday",
            "start_date=2026-02-02&end_date=2026-02-01",
            "sort_by=bogus",
            "sort_order=sideways",
            "page=0",
            "page_size=x",
        ],
    )
    def test_bad_query_is_400(self, admin_client, query):
        _problem(admin_client.get(f"/api/v1/orders?{query}"), 400, "invalid")

    def test_sorting(self, admin_client, admin_user):
        product = stocked_product(10)
        a = services.place_order(
            user=admin_user, customer_name="Zed", items=[{"product_id": product.pk, "quantity": 1}]
        )
        b = services.place_order(
            user=admin_user, customer_name="Amy", items=[{"product_id": product.pk, "quantity": 1}]
        )
        names = admin_client.get("/api/v1/orders?sort_by=customer_name").json()["results"]
        assert [o["id"] for o in names] == [b.pk, a.pk]
        oldest = admin_client.get("/api/v1/orders?sort_by=created_at&sort_order=asc").json()["results"]
        assert [o["id"] for o in oldest] == [a.pk, b.pk]

    def test_no_n_plus_one(self, admin_client, admin_user, django_assert_max_num_queries):
        products = [stocked_product(50) for _ in range(3)]
        for index in range(12):
            order = services.place_order(
                user=admin_user if index % 2 else UserFactory(),
                customer_name=f"C{index}",
                items=[{"product_id": p.pk, "quantity": 1} for p in products],
            )
            services.process_pending_order(order_id=order.pk)
        # user, count, page, items with products, history
        with django_assert_max_num_queries(6):
            response = admin_client.get("/api/v1/orders?page_size=100")
        assert len(response.json()["results"]) == 12
        assert all(len(o["items"]) == 3 and len(o["history"]) == 2 for o in response.json()["results"])


class TestDetailAndRoles:
    def test_detail(self, staff_client, staff_user):
        product = stocked_product(5)
        order = _confirmed_order(staff_user, product, 2)
        body = staff_client.get(f"/api/v1/orders/{order.pk}").json()
        assert body["id"] == order.pk and body["status"] == "confirmed" and len(body["history"]) == 2
        assert staff_client.get(f"/api/v1/orders/{order.pk}/").status_code == 200

    def test_unknown_id_is_404(self, admin_client):
        _problem(admin_client.get("/api/v1/orders/424242"), 404, "not_found")
        _problem(admin_client.post("/api/v1/orders/424242/ship"), 404, "not_found")

    def test_staff_read_and_ship_another_users_order_but_not_cancel_it(self, staff_client, admin_user):
        order = _confirmed_order(admin_user, stocked_product(5))
        assert staff_client.get(f"/api/v1/orders/{order.pk}").json()["id"] == order.pk
        _problem(staff_client.post(f"/api/v1/orders/{order.pk}/cancel"), 403, "permission_denied")
        _problem(staff_client.post(f"/api/v1/orders/{order.pk}/deliver"), 403, "permission_denied")
        order.refresh_from_db()
        assert order.status == Status.CONFIRMED
        assert staff_client.post(f"/api/v1/orders/{order.pk}/ship").json()["status"] == "shipped"

    def test_admin_sees_and_acts_on_any_order(self, admin_client, staff_user):
        order = _confirmed_order(staff_user, stocked_product(5))
        assert admin_client.get(f"/api/v1/orders/{order.pk}").status_code == 200
        assert admin_client.post(f"/api/v1/orders/{order.pk}/ship").json()["status"] == "shipped"
        assert admin_client.post(f"/api/v1/orders/{order.pk}/deliver").json()["status"] == "delivered"

    def test_staff_ship_and_cancel_their_own_but_deliver_is_403(self, staff_client, staff_user):
        product = stocked_product(5)
        shipped = _confirmed_order(staff_user, product)
        response = staff_client.post(f"/api/v1/orders/{shipped.pk}/ship")
        assert response.status_code == 200 and response.json()["status"] == "shipped"
        _problem(staff_client.post(f"/api/v1/orders/{shipped.pk}/deliver"), 403, "permission_denied")
        cancelled = _confirmed_order(staff_user, product)
        assert staff_client.post(f"/api/v1/orders/{cancelled.pk}/cancel").json()["status"] == "cancelled"

    def test_get_on_an_action_is_405(self, admin_client, admin_user):
        order = _confirmed_order(admin_user, stocked_product(5))
        _problem(admin_client.get(f"/api/v1/orders/{order.pk}/ship"), 405, "method_not_allowed")


class TestActions:
    def test_ship_answers_the_order_and_writes_sale_movements(self, admin_client, admin_user):
        a, b = stocked_product(5), stocked_product(5)
        order = services.place_order(
            user=admin_user,
            customer_name="Acme",
            items=[{"product_id": a.pk, "quantity": 5}, {"product_id": b.pk, "quantity": 2}],
        )
        services.process_pending_order(order_id=order.pk)
        response = admin_client.post(f"/api/v1/orders/{order.pk}/ship")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "shipped"
        assert [(h["to_status"], h["by"]) for h in body["history"]][-1] == ("shipped", admin_user.pk)
        movements = StockMovement.objects.filter(reference=body["number"]).order_by("product_id")
        assert [(m.product_id, m.change_type, m.quantity, m.reason) for m in movements] == [
            (a.pk, "OUT", 5, "sale"),
            (b.pk, "OUT", 2, "sale"),
        ]
        assert StockLevel.objects.get(product=a).on_hand == 0

    def test_cancel_releases(self, admin_client, admin_user):
        product = stocked_product(5)
        order = _confirmed_order(admin_user, product, 3)
        assert admin_client.post(f"/api/v1/orders/{order.pk}/cancel").json()["status"] == "cancelled"
        level = StockLevel.objects.get(product=product)
        assert (level.on_hand, level.reserved) == (5, 0)

    @pytest.mark.parametrize(
        "setup, action",
        [
            ("pending", "ship"),
            ("pending", "deliver"),
            ("confirmed", "deliver"),
            ("rejected", "ship"),
            ("rejected", "cancel"),
            ("shipped", "cancel"),
            ("shipped", "ship"),
            ("delivered", "deliver"),
            ("delivered", "cancel"),
            ("cancelled", "cancel"),
            ("cancelled", "ship"),
        ],
    )
    def test_invalid_transitions_are_409(self, admin_client, admin_user, setup, action):
        product = stocked_product(5)
        order = services.place_order(
            user=admin_user,
            customer_name="Acme",
            items=[{"product_id": product.pk, "quantity": 9 if setup == "rejected" else 1}],
        )
        if setup != "pending" and setup != "cancelled":
            services.process_pending_order(order_id=order.pk)
        if setup in ("shipped", "delivered"):
            services.ship_order(order=order, user=admin_user)
        if setup == "delivered":
            services.deliver_order(order=order, user=admin_user)
        if setup == "cancelled":
            services.cancel_order(order=order, user=admin_user)
        order.refresh_from_db()
        assert order.status == setup
        problem = _problem(admin_client.post(f"/api/v1/orders/{order.pk}/{action}"), 409, "invalid_transition")
        assert setup in problem["detail"]
        order.refresh_from_db()
        assert order.status == setup


def test_schema_documents_the_order_operations(admin_client):
    schema = admin_client.get("/api/schema/?format=json")
    assert schema.status_code == 200, schema.content  # a broken schema endpoint fails here, never skips
    paths = schema.json()["paths"]
    assert "202" in paths["/api/v1/orders"]["post"]["responses"]
    assert "403" in paths["/api/v1/orders/{id}/deliver"]["post"]["responses"]
    assert "403" in paths["/api/v1/orders/{id}/cancel"]["post"]["responses"]
    assert "403" not in paths["/api/v1/orders/{id}/ship"]["post"]["responses"]  # staff ship any order
    for action in ("ship", "deliver", "cancel"):
        assert {"404", "409"} <= set(paths[f"/api/v1/orders/{{id}}/{action}"]["post"]["responses"])
    assert "permission_denied" in paths["/api/v1/orders/{id}/cancel"]["post"]["description"]
