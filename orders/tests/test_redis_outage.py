"""Recovery without a human: Redis stopped mid-job and restarted empty, a worker started while Redis is down,
and a scheduler that ticks through an outage without flooding the queues.

Real processes: a private redis-server on a spare port, `manage.py rqworker high default low` workers (the
worker class from settings) and the `requeue_orders --every 1` scheduler loop, against the test database.
"""

import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import django_rq
import pytest
import redis
from django.db import connection, transaction
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import UserFactory
from orders import services
from orders.models import Order, OrderStatusChange, Status
from orders.tests.factories import stocked_product
from orders.tests.support import REPO, assert_stock_consistent, kill, start_worker, worker_env
from stock.models import Reservation, StockLevel

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

QUEUES = ("high", "default", "low")


def _post_order(client, product, priority="normal"):
    body = {"customer_name": "Outage", "priority": priority, "items": [{"product_id": product.pk, "quantity": 1}]}
    response = client.post("/api/v1/orders", body, format="json")
    assert response.status_code == 202, response.content
    return response.json()["id"]


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def _waiting_job_ids(redis_url: str) -> list[str]:
    """Every job id waiting on the three queues."""
    conn = redis.Redis.from_url(redis_url, socket_connect_timeout=0.5, socket_timeout=0.5)
    return [job_id.decode() for name in QUEUES for job_id in conn.lrange(f"rq:queue:{name}", 0, -1)]


def _waiting_jobs_per_order(redis_url: str) -> Counter:
    """How many jobs wait on the queues for each order (whatever their ids)."""
    from rq.job import Job

    conn = redis.Redis.from_url(redis_url, socket_connect_timeout=0.5, socket_timeout=0.5)
    jobs = Job.fetch_many(_waiting_job_ids(redis_url), connection=conn)
    return Counter(job.args[0] for job in jobs if job is not None)


def _registered_workers(redis_url: str) -> set[bytes]:
    return redis.Redis.from_url(redis_url, socket_connect_timeout=0.5).smembers("rq:workers")


def _wait_until(condition, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except redis.RedisError:
            pass
        time.sleep(interval)
    return False


def _start_scheduler(redis_url: str, log_path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "requeue_orders", "--every", "1"],
        cwd=REPO,
        env={**worker_env(redis_url), "ORDER_REQUEUE_AFTER_SECONDS": "0"},
        stdout=open(log_path, "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


class RowLock:
    """Hold ``SELECT ... FOR UPDATE`` of one row in another thread until released."""

    def __init__(self, model, pk):
        self.model, self.pk = model, pk
        self.held, self.done = threading.Event(), threading.Event()
        self.thread = None

    def hold(self) -> None:
        self.thread = threading.Thread(target=self._hold)
        self.thread.start()
        assert self.held.wait(10)

    def _hold(self) -> None:
        try:
            with transaction.atomic():
                self.model.objects.select_for_update().get(pk=self.pk)
                self.held.set()
                self.done.wait(60)
        finally:
            connection.close()

    def release(self) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join(30)


def _worker_in_this_process():
    """The settings' worker class, run inside the test process, without its pub/sub listener thread."""
    worker = django_rq.get_worker(*QUEUES)
    worker.subscribe = lambda: None
    return worker


def _work_burst(worker) -> bool:
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        return worker.work(burst=True)
    finally:
        for signum, handler in handlers.items():  # the worker installed its own
            signal.signal(signum, handler)


def _assert_each_processed_once(order_ids):
    for order in Order.objects.filter(pk__in=order_ids):
        assert order.status == Status.CONFIRMED, order
        assert OrderStatusChange.objects.filter(order=order, from_status=Status.PENDING).count() == 1
        assert Reservation.objects.filter(reference=order.reservation_reference).count() == 1
    assert_stock_consistent()


def test_many_scheduler_ticks_with_no_worker_keep_one_queued_job_per_order(private_redis):
    user, product = UserFactory(role="staff"), stocked_product(100)
    client = _client(user)
    order_ids = [_post_order(client, product, priority) for priority in ("high", "normal", "low", "normal", "low")]
    for _ in range(5):
        services.requeue_pending_orders(older_than=timedelta(0))
    assert [django_rq.get_queue(name).count for name in QUEUES] == [1, 2, 2]  # not 6 per order
    assert services.requeue_pending_orders(older_than=timedelta(0)) == 0  # every job still waits
    assert sorted(_waiting_job_ids(private_redis.url)) == sorted(f"process_order-{pk}" for pk in order_ids)

    # A job that left the queue (lost, or taken by a worker that died) is enqueued again, once.
    django_rq.get_connection("default").lrem("rq:queue:default", 0, f"process_order-{order_ids[1]}")
    assert services.requeue_pending_orders(older_than=timedelta(0)) == 1
    assert services.requeue_pending_orders(older_than=timedelta(0)) == 0
    waiting = _waiting_job_ids(private_redis.url)
    assert len(waiting) == len(order_ids) == len(set(waiting))


def test_a_low_stock_alert_committed_while_redis_is_down_is_emailed_once_after_a_scheduler_tick(
    private_redis, admin_user, settings
):
    """The measured failure: 7 of 37 alerts were never sent (``Error calling enqueue_on_commit``)."""
    from django.core import mail
    from django.core.management import call_command

    from stock.models import LowStockAlert

    settings.STOCK_ALERT_EMAILS = ["buyer@example.com"]
    product = stocked_product(20, min_quantity=5)
    private_redis.stop()
    body = {"product_id": product.pk, "change_type": "OUT", "quantity": 16}
    moved = _client(admin_user).post("/api/v1/stock/movements", body, format="json")
    assert moved.status_code == 201, moved.content  # committed; its email job could not be enqueued
    assert LowStockAlert.objects.filter(product=product, sent_at__isnull=True).count() == 1

    private_redis.start()  # back, empty: nothing of the alert is in Redis
    worker = _worker_in_this_process()  # so that its emails land in this process's outbox
    for _ in range(3):  # scheduler ticks, each followed by a worker run
        call_command("requeue_orders", "--older-than", "0", stdout=open("/dev/null", "w"))  # noqa: SIM115
        _work_burst(worker)
    assert len(mail.outbox) == 1, [message.subject for message in mail.outbox]
    assert product.sku in mail.outbox[0].subject and mail.outbox[0].to == ["buyer@example.com"]
    assert LowStockAlert.objects.get(product=product).sent_at is not None


def test_a_job_cut_off_by_a_redis_error_is_recorded_failed_and_the_worker_carries_on(private_redis, monkeypatch):
    """Redis kept its data (a blip): the interrupted job shows as failed, not as running for ever."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from rq.job import Job

    user, product = UserFactory(role="staff"), stocked_product(10)
    client = _client(user)
    first, second = _post_order(client, product), _post_order(client, product)
    real_heartbeat, blips = Job.heartbeat, []

    def heartbeat(job, *args, pipeline=None, **kwargs):
        if pipeline is None and job.id == f"process_order-{first}":  # the first job's "I have finished"
            blips.append(job.id)
            raise RedisConnectionError("Connection reset by peer")
        return real_heartbeat(job, *args, pipeline=pipeline, **kwargs)

    monkeypatch.setattr(Job, "heartbeat", heartbeat)
    assert _work_burst(_worker_in_this_process())  # rq's SimpleWorker quits here, leaving the second order
    assert set(blips) == {f"process_order-{first}"}
    _assert_each_processed_once([first, second])  # the first one's work had committed
    queue = django_rq.get_queue("default")
    assert queue.failed_job_registry.get_job_ids() == [f"process_order-{first}"]
    assert queue.started_job_registry.count == 0


def test_a_worker_started_while_redis_is_down_waits_for_it(private_redis, tmp_path):
    user, product = UserFactory(role="staff"), stocked_product(10)
    private_redis.stop()
    order_id = _post_order(_client(user), product)  # accepted; its job could not be enqueued
    log = tmp_path / "worker.log"
    worker = start_worker(private_redis.url, log_path=log)
    try:
        time.sleep(3)
        assert worker.poll() is None, log.read_text()  # rq's own worker exits at once here

        private_redis.start()  # back, empty
        assert _wait_until(lambda: len(_registered_workers(private_redis.url)) == 1, 20), log.read_text()
        assert services.requeue_pending_orders(older_than=timedelta(0)) == 1
        assert _wait_until(lambda: Order.objects.get(pk=order_id).status != Status.PENDING, 30), log.read_text()
        _assert_each_processed_once([order_id])
        assert worker.poll() is None
    finally:
        worker.terminate()
        worker.wait(15)
    assert worker.returncode == 0  # SIGTERM: a warm shutdown, still
    assert _registered_workers(private_redis.url) == set()  # it deregistered


def test_redis_restarted_empty_mid_job_workers_survive_and_every_order_is_processed(private_redis, tmp_path):
    """The measured failure: two workers exited within 0.06 s of Redis stopping and 490 orders stayed pending."""
    user, product = UserFactory(role="staff"), stocked_product(500)
    client = _client(user)
    first = _post_order(client, product)
    first_order, stock_level = RowLock(Order, first), RowLock(StockLevel, StockLevel.objects.get(product=product).pk)
    first_order.hold()  # the first order's job will block on this row lock, inside its transaction
    log = tmp_path / "processes.log"
    workers = [start_worker(private_redis.url, log_path=log) for _ in range(2)]
    scheduler = _start_scheduler(private_redis.url, log)
    try:
        assert _wait_until(lambda: django_rq.get_queue("default").started_job_registry.count >= 1, 60), log.read_text()
        assert _wait_until(lambda: len(_registered_workers(private_redis.url)) == 2, 10)
        order_ids = [first] + [_post_order(client, product, p) for p in ("high", "normal", "low") * 3]

        private_redis.stop()  # mid-job: the first order's job is inside its transaction
        first_order.release()  # the job commits, then cannot tell Redis it finished
        order_ids += [_post_order(client, product, p) for p in ("high", "normal", "low") * 5]  # 202s, not enqueued
        time.sleep(3)  # an outage of several heartbeats and scheduler ticks
        assert [worker.poll() for worker in workers] == [None, None], log.read_text()

        # Busy workers after the outage: every job blocks on the product's level lock while the scheduler ticks.
        stock_level.hold()
        private_redis.start()  # back on the same port, empty
        duplicates, started = [], time.monotonic()

        def sample_the_queues():
            waiting = _waiting_jobs_per_order(private_redis.url)
            duplicates.extend(order_id for order_id, count in waiting.items() if count > 1)
            return waiting

        assert _wait_until(lambda: len(sample_the_queues()) >= 10, 20), log.read_text()
        for _ in range(35):  # three more scheduler ticks
            sample_the_queues()
            time.sleep(0.1)
        stock_level.release()

        def all_processed():
            sample_the_queues()
            return not Order.objects.filter(pk__in=order_ids, status=Status.PENDING).exists()

        assert _wait_until(all_processed, 60, interval=0.1), log.read_text()
        assert time.monotonic() - started < 60
        assert duplicates == []  # never more than one queued job per order
        _assert_each_processed_once(order_ids)
        assert [worker.poll() for worker in workers] == [None, None], log.read_text()
        assert _wait_until(lambda: len(_registered_workers(private_redis.url)) == 2, 20), log.read_text()
    finally:
        first_order.release()
        stock_level.release()
        for process in (*workers, scheduler):
            process.terminate()
        for process in (*workers, scheduler):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                kill(process)
