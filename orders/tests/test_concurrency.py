"""Real threads and real transactions on PostgreSQL (SQLite serializes every write, so races only show here)."""

import threading

import django_rq
import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from inventory_site.exceptions import DomainError
from orders import services
from orders.exceptions import InvalidTransition
from orders.jobs import process_order
from orders.models import Order, OrderStatusChange, Status
from orders.tests.factories import stocked_product
from orders.tests.support import assert_stock_consistent, failed_jobs, in_threads, run_burst_workers
from stock.models import Reservation, StockLevel, StockMovement

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _place(user, lines):
    return services.place_order(
        user=user, customer_name="Race", items=[{"product_id": p.pk, "quantity": q} for p, q in lines]
    )


def test_many_orders_for_scarce_stock_never_over_reserve():
    user = UserFactory(role="staff")
    product = stocked_product(50)
    orders = [_place(user, [(product, 1)]) for _ in range(100)]  # in-process jobs run at each commit...
    Order.objects.update(status=Status.PENDING)  # ...so start the race from pending, with nothing reserved
    Reservation.objects.all().delete()
    StockLevel.objects.filter(product=product).update(reserved=0)

    outcomes = in_threads(process_order, [order.pk for order in orders])

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Order.objects.filter(status=Status.CONFIRMED).count() == 50
    assert Order.objects.filter(status=Status.REJECTED).count() == 50
    assert StockLevel.objects.get(product=product).reserved == 50
    assert_stock_consistent()


def test_orders_locking_products_in_opposite_orders_do_not_deadlock(jobs_by_hand):
    user = UserFactory(role="staff")
    a, b, c = stocked_product(30), stocked_product(30), stocked_product(30)
    line_sets = [[(a, 1), (b, 1), (c, 1)], [(c, 1), (b, 1), (a, 1)], [(b, 2), (a, 1)], [(c, 1), (a, 2)]]
    orders = [_place(user, line_sets[i % len(line_sets)]) for i in range(40)]
    assert Order.objects.filter(status=Status.PENDING).count() == 40

    outcomes = in_threads(process_order, [order.pk for order in orders])

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert not Order.objects.filter(status=Status.PENDING).exists()
    assert_stock_consistent()


def test_the_same_job_run_concurrently_applies_once(jobs_by_hand):
    user = UserFactory(role="staff")
    product = stocked_product(10)
    order = _place(user, [(product, 3)])

    outcomes = in_threads(process_order, [order.pk] * 20)

    assert outcomes == ["confirmed"] * 20
    assert OrderStatusChange.objects.filter(order=order, to_status=Status.CONFIRMED).count() == 1
    assert Reservation.objects.filter(reference=f"order:{order.pk}").count() == 1
    assert StockLevel.objects.get(product=product).reserved == 3
    assert_stock_consistent()


def test_racing_ship_and_cancel_apply_exactly_one():
    admin = UserFactory(role="admin")
    product = stocked_product(10)
    order = _place(admin, [(product, 4)])
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED

    def act(action):
        return action(order=Order.objects.get(pk=order.pk), user=admin).status

    actions = [services.ship_order, services.cancel_order] * 10
    outcomes = in_threads(act, actions)

    successes = [o for o in outcomes if isinstance(o, str)]
    assert len(successes) == 1, outcomes
    assert all(isinstance(o, InvalidTransition) for o in outcomes if not isinstance(o, str)), outcomes
    order.refresh_from_db()
    assert order.status == successes[0]
    level = StockLevel.objects.get(product=product)
    if order.status == Status.SHIPPED:
        assert (level.on_hand, level.reserved, StockMovement.objects.filter(reference=order.number).count()) == (
            6,
            0,
            1,
        )
    else:
        assert (level.on_hand, level.reserved, StockMovement.objects.filter(reference=order.number).count()) == (
            10,
            0,
            0,
        )
    assert OrderStatusChange.objects.filter(order=order).count() == 3
    assert_stock_consistent()


def test_cancel_racing_the_job_leaves_no_reservation_behind(jobs_by_hand):
    user = UserFactory(role="staff")
    product = stocked_product(100)
    orders = [_place(user, [(product, 2)]) for _ in range(10)]

    def race(item):
        kind, order = item
        if kind == "job":
            return process_order(order.pk)
        return services.cancel_order(order=order, user=user).status

    outcomes = in_threads(race, [(kind, order) for order in orders for kind in ("job", "cancel")])

    assert not [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, DomainError)], outcomes
    assert set(Order.objects.values_list("status", flat=True)) == {Status.CANCELLED}
    assert StockLevel.objects.get(product=product).reserved == 0
    assert_stock_consistent()


@pytest.mark.redis
def test_100_orders_through_the_api_and_two_burst_workers(private_redis, tmp_path):
    """100 concurrent POSTs of 1 unit against 50 in stock, jobs on Redis, two real workers: 50/50, reserved 50."""
    user = UserFactory(role="staff")
    product = stocked_product(50)
    token = str(AccessToken.for_user(user))
    body = {"customer_name": "Rush", "items": [{"product_id": product.pk, "quantity": 1}]}
    lock = threading.Lock()
    statuses = []

    def post(index):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = client.post("/api/v1/orders", body, format="json")
        with lock:
            statuses.append(response.status_code)

    in_threads(post, range(100))
    assert statuses == [202] * 100
    assert django_rq.get_queue("default").count == 100
    assert Order.objects.filter(status=Status.PENDING).count() == 100

    run_burst_workers(private_redis.url, count=2, log_path=tmp_path / "worker.log")

    assert failed_jobs() == []
    assert not Order.objects.filter(status=Status.PENDING).exists(), (tmp_path / "worker.log").read_text()[-3000:]

    assert Order.objects.filter(status=Status.CONFIRMED).count() == 50
    assert Order.objects.filter(status=Status.REJECTED).count() == 50
    assert StockLevel.objects.get(product=product).reserved == 50
    assert OrderStatusChange.objects.filter(from_status=Status.PENDING).count() == 100
    assert_stock_consistent()
