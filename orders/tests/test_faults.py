"""Lost work is recovered: a flushed queue, a worker killed mid-job, Redis down at commit time.

Each test runs its own redis-server on a spare port (never the shared one) and real `manage.py rqworker`
processes against the test database.
"""

import threading
import time
from datetime import timedelta

import django_rq
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from orders import services
from orders.models import Order, OrderStatusChange, Status
from orders.tests.factories import stocked_product
from orders.tests.support import (
    assert_stock_consistent,
    failed_jobs,
    kill,
    run_burst_workers,
    start_worker,
)
from stock.models import Reservation, StockLevel

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

NOW = timedelta(0)


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def _post_order(user, product, quantity=1, **fields):
    body = {"customer_name": "Fault", "items": [{"product_id": product.pk, "quantity": quantity}], **fields}
    response = _client(user).post("/api/v1/orders", body, format="json")
    assert response.status_code == 202, response.content
    return Order.objects.get(pk=response.json()["id"])


def _assert_processed_once(order, *, status=Status.CONFIRMED, reserved=None):
    order.refresh_from_db()
    assert order.status == status
    assert OrderStatusChange.objects.filter(order=order, from_status=Status.PENDING).count() == 1
    assert Reservation.objects.filter(reference=order.reservation_reference).count() == (
        1 if status == Status.CONFIRMED else 0
    )
    if reserved is not None:
        level = StockLevel.objects.get(product=order.items.get().product_id)
        assert level.reserved == reserved
    assert_stock_consistent()


def test_the_job_runs_on_the_queue_of_the_orders_priority(private_redis):
    user, product = UserFactory(role="staff"), stocked_product(10)
    for priority in ("high", "normal", "low"):
        _post_order(user, product, priority=priority)
    assert [django_rq.get_queue(name).count for name in ("high", "default", "low")] == [1, 1, 1]
    assert django_rq.get_queue("high").jobs[0].func_name == "orders.jobs.process_order"


def test_an_order_whose_job_was_lost_is_confirmed_after_requeue(private_redis):
    user, product = UserFactory(role="staff"), stocked_product(10)
    order = _post_order(user, product, 2)
    assert django_rq.get_queue("default").count == 1
    django_rq.get_connection("default").flushall()  # Redis keeps nothing on disk: a restart loses the queue

    run_burst_workers(private_redis.url)
    order.refresh_from_db()
    assert order.status == Status.PENDING  # nothing to run: the job is gone

    assert services.requeue_pending_orders(older_than=timedelta(hours=1)) == 0  # too young to requeue
    call_command("requeue_orders", "--older-than", "0", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert django_rq.get_queue("default").count == 1
    run_burst_workers(private_redis.url)

    _assert_processed_once(order, reserved=2)
    assert failed_jobs() == []


def _backend_blocked_by(pid: int, *, timeout: float) -> bool:
    """Whether another backend (the worker's) waits, within ``timeout``, on a lock that backend ``pid`` holds
    on the orders table."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND %s = ANY(pg_blocking_pids(pid)) AND query ILIKE %s",
                [pid, "%orders_order%FOR UPDATE%"],
            )
            if cursor.fetchone()[0] == 1:
                return True
        time.sleep(0.05)
    return False


def test_a_worker_killed_mid_job_leaves_the_order_processed_exactly_once(private_redis, tmp_path):
    user, product = UserFactory(role="staff"), stocked_product(10)
    order = _post_order(user, product, 3)
    holding, release = threading.Event(), threading.Event()
    holder_pid: list[int] = []

    def hold_the_order_row():
        # Another transaction holds the order row: the worker's job blocks inside its own transaction.
        try:
            with transaction.atomic():
                Order.objects.select_for_update().get(pk=order.pk)
                holder_pid.append(connection.connection.info.backend_pid)
                holding.set()
                release.wait(60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_order_row)
    holder.start()
    assert holding.wait(10)
    worker = start_worker(private_redis.url, log_path=tmp_path / "worker.log")
    try:
        queue = django_rq.get_queue("default")
        deadline = time.monotonic() + 60
        while queue.started_job_registry.count == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert queue.started_job_registry.count == 1, (tmp_path / "worker.log").read_text()
        # Kill only once the job's own transaction waits on the order row lock (not merely "started").
        assert _backend_blocked_by(holder_pid[0], timeout=60), (tmp_path / "worker.log").read_text()
        kill(worker)  # SIGKILL: no cleanup, no commit
    finally:
        kill(worker)
        release.set()
        holder.join(30)

    order.refresh_from_db()
    assert order.status == Status.PENDING
    assert not Reservation.objects.exists()

    # Recovery: the scheduler re-enqueues the stuck order; a new worker processes it once.
    assert services.requeue_pending_orders(older_than=NOW) == 1
    run_burst_workers(private_redis.url, log_path=tmp_path / "worker.log")
    _assert_processed_once(order, reserved=3)

    # Whatever the abandoned job does if it ever runs again, it changes nothing.
    assert services.requeue_pending_orders(older_than=NOW) == 0
    services.process_pending_order(order_id=order.pk)
    _assert_processed_once(order, reserved=3)


def test_a_job_that_ran_but_was_not_acknowledged_runs_twice_harmlessly(private_redis):
    """The worker died after the commit but before RQ marked the job done: the repeat is a no-op."""
    user, product = UserFactory(role="staff"), stocked_product(10)
    order = _post_order(user, product, 4)
    job = django_rq.get_queue("default").jobs[0]
    job.perform()  # the work is committed, the job stays queued as if its worker died before acknowledging it
    _assert_processed_once(order, reserved=4)

    services.requeue_pending_orders(older_than=NOW)
    run_burst_workers(private_redis.url)
    _assert_processed_once(order, reserved=4)


def test_with_redis_down_an_order_is_accepted_and_processed_once_redis_is_back(private_redis, tmp_path):
    user, product = UserFactory(role="staff"), stocked_product(10)
    private_redis.stop()

    started = time.monotonic()
    order = _post_order(user, product, 5)  # 202 although the enqueue fails after the commit
    assert time.monotonic() - started < 5
    order.refresh_from_db()
    assert order.status == Status.PENDING
    assert services.requeue_pending_orders(older_than=NOW) == 0  # still down: nothing enqueued, nothing lost

    private_redis.start()  # back on the same port, empty
    assert services.requeue_pending_orders(older_than=NOW) == 1
    run_burst_workers(private_redis.url, log_path=tmp_path / "worker.log")
    _assert_processed_once(order, reserved=5)


def test_the_scheduler_loop_requeues_and_purges(private_redis, settings):
    """`requeue_orders --every N` as a real process: a lost job is re-enqueued within one tick."""
    import subprocess
    import sys

    from orders.tests.support import REPO, worker_env

    user, product = UserFactory(role="staff"), stocked_product(10)
    order = _post_order(user, product, 1)
    django_rq.get_connection("default").flushall()
    env = {**worker_env(private_redis.url), "ORDER_REQUEUE_AFTER_SECONDS": "0"}
    scheduler = subprocess.Popen(
        [sys.executable, "manage.py", "requeue_orders", "--every", "1"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while django_rq.get_queue("default").count == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert django_rq.get_queue("default").count >= 1
    finally:
        scheduler.terminate()
        scheduler.wait(10)
    assert scheduler.returncode == 0  # SIGTERM stops the loop cleanly
    run_burst_workers(private_redis.url)
    _assert_processed_once(order, reserved=1)
