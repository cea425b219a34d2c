from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from inventory_site.exceptions import Invalid, NotFound, PermissionDenied
from orders import services
from orders.exceptions import InvalidOrder, InvalidTransition
from orders.jobs import process_order
from orders.models import Order, OrderStatusChange, Status
from orders.tests.factories import ProductFactory, stocked_product
from stock.models import Reservation, StockLevel, StockMovement

pytestmark = pytest.mark.django_db


def _place(user, *lines, **fields):
    fields.setdefault("customer_name", "Acme")
    return services.place_order(user=user, items=[{"product_id": p.pk, "quantity": q} for p, q in lines], **fields)


def _level(product) -> StockLevel:
    return StockLevel.objects.get(product=product)


def _placed_and_processed(user, *lines, **fields) -> Order:
    order = _place(user, *lines, **fields)
    services.process_pending_order(order_id=order.pk)
    order.refresh_from_db()
    return order


class TestPlaceOrder:
    def test_saves_a_pending_order_with_prices_history_and_audit(self, staff_user, django_capture_on_commit_callbacks):
        product = stocked_product(10, unit_price="4.25")
        with django_capture_on_commit_callbacks() as callbacks:
            order = _place(staff_user, (product, 3), reference="PO-7", priority="high", note="Rush")
        assert len(callbacks) == 2  # process_order enqueued, and the outbox's relay kicked (order.created), on commit
        order.refresh_from_db()
        assert order.status == Status.PENDING
        assert order.number == f"ORD-{order.pk:06d}"
        assert (order.reference, order.priority, order.note, order.created_by) == ("PO-7", "high", "Rush", staff_user)
        [item] = order.items.all()
        assert (item.product_id, item.quantity, str(item.unit_price)) == (product.pk, 3, "4.25")
        assert list(order.history.values_list("from_status", "to_status", "by")) == [("", "pending", staff_user.pk)]
        assert AuditEvent.objects.filter(action="order.created", object_id=str(order.pk), actor=staff_user).exists()
        assert _level(product).reserved == 0  # nothing reserved until the job runs

    def test_the_job_runs_after_commit_and_confirms(self, staff_user, django_capture_on_commit_callbacks):
        product = stocked_product(10)
        with django_capture_on_commit_callbacks(execute=True):
            order = _place(staff_user, (product, 3))
        order.refresh_from_db()
        assert order.status == Status.CONFIRMED
        assert _level(product).reserved == 3

    def test_unit_price_is_copied_not_referenced(self, staff_user):
        product = stocked_product(10, unit_price="4.25")
        order = _place(staff_user, (product, 1))
        product.unit_price = "99.00"
        product.save()
        assert str(order.items.get().unit_price) == "4.25"

    @pytest.mark.parametrize(
        "items, message",
        [
            ([], "at least one line"),
            (None, "at least one line"),
            ([{"product_id": "P", "quantity": 1}], "product_id"),
            ([{"product_id": "OK", "quantity": 0}], "quantity"),
            ([{"product_id": "OK", "quantity": -2}], "quantity"),
            ([{"product_id": "OK", "quantity": 1.5}], "quantity"),
            ([{"product_id": "OK", "quantity": "2"}], "quantity"),
            ([{"product_id": "OK", "quantity": True}], "quantity"),
            ([{"product_id": 999999, "quantity": 1}], "unknown product"),
            ([{"product_id": "INACTIVE", "quantity": 1}], "inactive"),
            ([{"product_id": "OK", "quantity": 1}, {"product_id": "OK", "quantity": 2}], "more than once"),
        ],
    )
    def test_bad_lines_are_invalid_and_nothing_is_written(self, staff_user, items, message):
        ok = stocked_product(5)
        inactive = ProductFactory(is_active=False)
        ids = {"OK": ok.pk, "INACTIVE": inactive.pk}
        if items:
            items = [{**item, "product_id": ids.get(item["product_id"], item["product_id"])} for item in items]
        with pytest.raises(Invalid) as caught:
            services.place_order(user=staff_user, customer_name="Acme", items=items)
        assert caught.value.status == 400
        assert message in " ".join(map(str, caught.value.errors["items"]))  # lazy messages, rendered here
        assert not Order.objects.exists()

    def test_line_errors_are_data_by_line_index_and_the_api_messages_are_numbered(self, staff_user):
        ok, other = stocked_product(5, sku="LE-1"), stocked_product(5, sku="LE-2")
        items = [
            {"product_id": 999999, "quantity": 1},
            {"product_id": other.pk, "quantity": 0},
            {"product_id": ok.pk, "quantity": 1},
            {"product_id": ok.pk, "quantity": 2},
        ]
        with pytest.raises(InvalidOrder) as caught:
            services.place_order(user=staff_user, customer_name="", items=items)
        error = caught.value
        assert error.line_errors == {
            0: ["unknown product 999999."],
            1: [f"quantity must be a whole number from 1 to {services.MAX_QUANTITY}."],
            3: ["product LE-1 appears more than once; use one line per product."],
        }
        assert error.errors["items"] == [  # the API's body, as before: the first pass, then the products
            f"Line 2: quantity must be a whole number from 1 to {services.MAX_QUANTITY}.",
            "Line 1: unknown product 999999.",
            "Line 4: product LE-1 appears more than once; use one line per product.",
        ]
        assert error.errors["customer_name"] == ["This field is required."]
        assert error.extra == {}  # nothing added to the problem+json body

    @pytest.mark.parametrize(
        "fields, error_field",
        [
            ({"customer_name": " "}, "customer_name"),
            ({"customer_email": "not-an-email"}, "customer_email"),
            ({"priority": "urgent"}, "priority"),
        ],
    )
    def test_bad_header_is_invalid(self, staff_user, fields, error_field):
        product = stocked_product(5)
        fields = {"customer_name": "Acme", **fields}
        with pytest.raises(Invalid) as caught:
            services.place_order(user=staff_user, items=[{"product_id": product.pk, "quantity": 1}], **fields)
        assert error_field in caught.value.errors


class TestProcessOrder:
    def test_confirms_when_every_line_fits(self, staff_user):
        a, b = stocked_product(5), stocked_product(2)
        order = _placed_and_processed(staff_user, (a, 5), (b, 1))
        assert order.status == Status.CONFIRMED
        assert (_level(a).reserved, _level(b).reserved) == (5, 1)
        assert set(Reservation.objects.values_list("reference", "state")) == {(f"order:{order.pk}", "active")}
        change = order.history.last()
        assert (change.from_status, change.to_status, change.by) == ("pending", "confirmed", None)
        assert AuditEvent.objects.filter(action="order.confirmed", object_id=str(order.pk)).exists()

    def test_rejects_all_or_none_naming_the_short_lines(self, staff_user):
        a, b, c = stocked_product(5, sku="FIT-1"), stocked_product(1, sku="SHORT-1"), stocked_product(0, sku="ZERO-1")
        order = _placed_and_processed(staff_user, (a, 2), (b, 3), (c, 1))
        assert order.status == Status.REJECTED
        assert "SHORT-1 (requested 3, available 1)" in order.rejection_reason
        assert "ZERO-1 (requested 1, available 0)" in order.rejection_reason
        assert "FIT-1" not in order.rejection_reason
        assert _level(a).reserved == 0 and not Reservation.objects.exists()
        assert AuditEvent.objects.filter(action="order.rejected", object_id=str(order.pk)).exists()

    def test_a_product_deactivated_before_the_job_rejects(self, staff_user):
        product = stocked_product(5, sku="GONE-1")
        order = _place(staff_user, (product, 1))
        product.is_active = False
        product.save()
        services.process_pending_order(order_id=order.pk)
        order.refresh_from_db()
        assert order.status == Status.REJECTED and "GONE-1" in order.rejection_reason

    def test_a_job_run_twice_changes_nothing_the_second_time(self, staff_user):
        product = stocked_product(5)
        order = _place(staff_user, (product, 2))
        assert process_order(order.pk) == "confirmed"
        counts = (OrderStatusChange.objects.count(), Reservation.objects.count(), AuditEvent.objects.count())
        assert process_order(order.pk) == "confirmed"
        assert (OrderStatusChange.objects.count(), Reservation.objects.count(), AuditEvent.objects.count()) == counts
        assert _level(product).reserved == 2

    def test_a_job_for_a_cancelled_or_missing_order_does_nothing(self, staff_user):
        product = stocked_product(5)
        order = _place(staff_user, (product, 2))
        services.cancel_order(order=order, user=staff_user)
        assert process_order(order.pk) == "cancelled"
        assert process_order(987654) is None
        assert _level(product).reserved == 0

    def test_reserving_down_to_the_minimum_writes_stock_low(self, staff_user):
        product = stocked_product(10, min_quantity=5)
        _placed_and_processed(staff_user, (product, 6))
        assert AuditEvent.objects.filter(action="stock.low", object_id=str(product.pk)).exists()


class TestTransitions:
    def test_ship_consumes_the_reservation_as_sale_movements(self, staff_user):
        a, b = stocked_product(5), stocked_product(5)
        order = _placed_and_processed(staff_user, (a, 2), (b, 3))
        services.ship_order(order=order, user=staff_user)
        order.refresh_from_db()
        assert order.status == Status.SHIPPED
        outs = StockMovement.objects.filter(change_type="OUT").order_by("product_id")
        assert [(m.product_id, m.quantity, m.reason, m.reference, m.user) for m in outs] == [
            (a.pk, 2, "sale", order.number, staff_user),
            (b.pk, 3, "sale", order.number, staff_user),
        ]
        assert (_level(a).on_hand, _level(a).reserved, _level(b).on_hand, _level(b).reserved) == (3, 0, 2, 0)
        assert set(Reservation.objects.values_list("state", flat=True)) == {"consumed"}
        assert AuditEvent.objects.filter(action="order.shipped", actor=staff_user).exists()

    def test_deliver_after_ship(self, admin_user):
        order = _placed_and_processed(admin_user, (stocked_product(5), 1))
        services.ship_order(order=order, user=admin_user)
        services.deliver_order(order=order, user=admin_user)
        order.refresh_from_db()
        assert order.status == Status.DELIVERED
        assert [c.to_status for c in order.history.all()] == ["pending", "confirmed", "shipped", "delivered"]
        assert AuditEvent.objects.filter(action="order.delivered", actor=admin_user).exists()

    def test_cancel_confirmed_releases_the_reservation(self, staff_user):
        product = stocked_product(5)
        order = _placed_and_processed(staff_user, (product, 4))
        services.cancel_order(order=order, user=staff_user)
        order.refresh_from_db()
        assert order.status == Status.CANCELLED
        assert _level(product).reserved == 0 and _level(product).on_hand == 5
        assert Reservation.objects.get().state == "released"
        assert AuditEvent.objects.filter(action="order.cancelled", actor=staff_user).exists()

    def test_cancel_pending(self, staff_user):
        order = _place(staff_user, (stocked_product(5), 4))
        services.cancel_order(order=order, user=staff_user)
        order.refresh_from_db()
        assert order.status == Status.CANCELLED
        history = [(c.from_status, c.to_status) for c in order.history.all()]
        assert history == [("", "pending"), ("pending", "cancelled")]

    @pytest.mark.parametrize(
        "path, action",
        [
            ([], "ship"),
            ([], "deliver"),
            (["confirm"], "deliver"),
            (["reject"], "ship"),
            (["reject"], "deliver"),
            (["reject"], "cancel"),
            (["confirm", "ship"], "ship"),
            (["confirm", "ship"], "cancel"),
            (["confirm", "ship", "deliver"], "deliver"),
            (["confirm", "ship", "deliver"], "cancel"),
            (["confirm", "ship", "deliver"], "ship"),
            (["cancel"], "cancel"),
            (["cancel"], "ship"),
            (["confirm", "cancel"], "ship"),
            (["confirm", "cancel"], "deliver"),
        ],
    )
    def test_any_other_transition_is_invalid_and_changes_nothing(self, admin_user, path, action):
        product = stocked_product(5)
        order = _place(admin_user, (product, 100 if "reject" in path else 2))
        steps = {
            "confirm": lambda: services.process_pending_order(order_id=order.pk),
            "reject": lambda: services.process_pending_order(order_id=order.pk),
            "ship": lambda: services.ship_order(order=order, user=admin_user),
            "deliver": lambda: services.deliver_order(order=order, user=admin_user),
            "cancel": lambda: services.cancel_order(order=order, user=admin_user),
        }
        for step in path:
            steps[step]()
        before = self._state(order, product)
        with pytest.raises(InvalidTransition) as caught:
            steps[action]()
        assert (caught.value.status, caught.value.code) == (409, "invalid_transition")
        assert self._state(order, product) == before

    @staticmethod
    def _state(order, product):
        order.refresh_from_db()
        return order.status, OrderStatusChange.objects.count(), StockMovement.objects.count(), _level(product).reserved

    def test_staff_cannot_deliver_even_their_own_order(self, staff_user, admin_user):
        order = _placed_and_processed(staff_user, (stocked_product(5), 1))
        services.ship_order(order=order, user=staff_user)
        with pytest.raises(PermissionDenied):
            services.deliver_order(order=order, user=staff_user)

    def test_staff_ship_another_users_order_but_cannot_cancel_it(self, staff_user, admin_user):
        order = _placed_and_processed(admin_user, (stocked_product(5), 1))
        other = UserFactory(role="staff")
        for action in (services.cancel_order, services.deliver_order):
            with pytest.raises(PermissionDenied):
                action(order=order, user=other)
        order.refresh_from_db()
        assert order.status == Status.CONFIRMED
        assert services.ship_order(order=order, user=other).status == Status.SHIPPED

    def test_an_order_deleted_meanwhile_or_an_unknown_action_is_not_found(self, admin_user):
        order = _placed_and_processed(admin_user, (stocked_product(5), 1))
        with pytest.raises(NotFound):
            services.act(order=order, user=admin_user, action="explode")
        Order.objects.filter(pk=order.pk).delete()
        with pytest.raises(NotFound):
            services.ship_order(order=order, user=admin_user)


class TestRequeue:
    def test_requeues_only_orders_pending_past_the_age(self, staff_user):
        product = stocked_product(5)
        old = _place(staff_user, (product, 1))
        Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(seconds=120))
        fresh = _place(staff_user, (product, 1))
        assert services.requeue_pending_orders(older_than=timedelta(seconds=30)) == 1
        old.refresh_from_db()
        fresh.refresh_from_db()
        assert (old.status, fresh.status) == (Status.CONFIRMED, Status.PENDING)
        assert services.requeue_pending_orders(older_than=timedelta(seconds=30)) == 0
