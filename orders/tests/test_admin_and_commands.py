from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.utils import timezone

from inventory_site.models import IdempotencyRecord
from orders import services
from orders.demo import load_demo_orders
from orders.management.commands.requeue_orders import Command as RequeueCommand
from orders.models import Order, Status
from orders.tests.factories import stocked_product
from orders.tests.support import assert_stock_consistent

pytestmark = pytest.mark.django_db


def _place(user, product, quantity=1):
    return services.place_order(
        user=user, customer_name="Acme", items=[{"product_id": product.pk, "quantity": quantity}]
    )


class TestRequeueCommand:
    def test_once_requeues_stale_pending_orders(self, staff_user, settings):
        settings.ORDER_REQUEUE_AFTER_SECONDS = 30
        order = _place(staff_user, stocked_product(5))
        out = StringIO()
        call_command("requeue_orders", stdout=out)
        assert "Re-enqueued 0" in out.getvalue()
        Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(seconds=31))
        call_command("requeue_orders", stdout=out)
        assert "Re-enqueued 1" in out.getvalue()
        order.refresh_from_db()
        assert order.status == Status.CONFIRMED

    def test_a_tick_of_the_loop_requeues_and_purges_expired_idempotency_records(self, staff_user):
        order = _place(staff_user, stocked_product(5))
        old = IdempotencyRecord.objects.create(user=staff_user, key="old", fingerprint="f")
        IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
        fresh = IdempotencyRecord.objects.create(user=staff_user, key="fresh", fingerprint="f")
        command = RequeueCommand(stdout=StringIO())
        command._tick(timedelta(0))
        assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [fresh.pk]
        order.refresh_from_db()
        assert order.status == Status.CONFIRMED

    def test_a_failing_tick_does_not_stop_the_loop(self, monkeypatch):
        def boom(**kwargs):
            raise RuntimeError("database down")

        monkeypatch.setattr("orders.management.commands.requeue_orders.requeue_pending_orders", boom)
        RequeueCommand(stdout=StringIO())._tick(timedelta(0))  # logged, not raised


class TestAdmin:
    def test_changelist_and_detail_render(self, admin_web, admin_user):
        order = _place(admin_user, stocked_product(5))
        assert admin_web.get("/admin/orders/order/?status__exact=confirmed&priority__exact=normal").status_code == 200
        page = admin_web.get(f"/admin/orders/order/{order.pk}/change/")
        assert page.status_code == 200
        assert b"status history" in page.content.lower()

    def test_ship_and_cancel_actions_go_through_the_services(self, admin_web, admin_user):
        product = stocked_product(10)
        confirmed = services.process_pending_order(order_id=_place(admin_user, product, 2).pk)
        rejected = services.process_pending_order(order_id=_place(admin_user, product, 50).pk)
        response = admin_web.post(
            "/admin/orders/order/",
            {"action": "ship_orders", "_selected_action": [confirmed.pk, rejected.pk]},
            follow=True,
        )
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert any("Shipped 1 order" in m for m in messages)
        assert any(rejected.number in m and "rejected" in m for m in messages)
        confirmed.refresh_from_db()
        assert confirmed.status == Status.SHIPPED

        pending = _place(admin_user, product, 1)
        Order.objects.filter(pk=pending.pk).update(status=Status.PENDING)
        admin_web.post("/admin/orders/order/", {"action": "cancel_orders", "_selected_action": [pending.pk]})
        pending.refresh_from_db()
        assert pending.status == Status.CANCELLED
        assert_stock_consistent()

    def test_staff_are_refused(self, staff_web):
        response = staff_web.get("/admin/orders/order/")
        assert response.status_code in (302, 403)


def test_demo_orders_cover_the_lifecycle(admin_user, staff_user):
    for _ in range(5):
        stocked_product(50)
    orders = load_demo_orders(admin=admin_user, staff=staff_user)
    statuses = {order.status for order in Order.objects.all()}
    assert {"delivered", "shipped", "confirmed", "cancelled", "rejected"} <= statuses
    assert len(orders) == 6
    assert load_demo_orders(admin=admin_user, staff=staff_user) == []  # once
    assert_stock_consistent()
