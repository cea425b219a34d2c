"""Helpers for the concurrency and fault tests: threads, a private redis-server, real rqworker processes."""

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import django_rq
import pytest
from django.db import connection, connections
from django.db.models import Sum

from catalog.models import Product
from inventory_site import jobs
from stock.models import Reservation, ReservationState, StockLevel

REPO = Path(__file__).resolve().parents[2]
PORTS = range(6390, 6400)


def in_threads(func, arguments, *, workers: int = 20) -> list:
    """Call ``func(argument)`` for each argument on ``workers`` threads, each closing its connection.

    Returns each call's result, or the exception it raised.
    """

    def call(argument):
        try:
            return func(argument)
        except Exception as error:  # noqa: BLE001 - the caller counts outcomes
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(call, arguments))


def assert_stock_consistent() -> None:
    """``reconcile_stock`` is clean, and ``reserved`` equals the active reservations at every (product, location)."""
    from django.core.management import call_command

    call_command("reconcile_stock", stdout=open(os.devnull, "w"))  # noqa: SIM115 - raises CommandError on drift
    active = {
        (product_id, location_id): total
        for product_id, location_id, total in Reservation.objects.filter(state=ReservationState.ACTIVE)
        .values_list("product_id", "location_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "location_id", "total")
    }
    for level in StockLevel.objects.all():
        assert level.reserved == active.get((level.product_id, level.location_id), 0), level
        assert 0 <= level.reserved <= level.on_hand, level
    assert Product.objects.exists()


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 6390-6399 for a private redis-server")


def require_redis_marker(request) -> None:
    """Fixtures that start a redis-server serve only tests marked ``redis``: unmarked, such a test would run
    (and error) where Redis is absent instead of being skipped with a reason, and CI could not count it."""
    if request.node.get_closest_marker("redis") is None:
        pytest.fail(f"{request.fixturename} starts a redis-server: mark the test @pytest.mark.redis")


class RedisServer:
    """A throw-away redis-server (no persistence) on a spare port; never the shared one on 6379."""

    def __init__(self, port: int | None = None):
        self.port = port or _free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        import redis

        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def database_url() -> str:
    """The URL of the database this test runs on (the test database), for worker subprocesses."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def worker_env(redis_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="inventory_site.test_settings",
        DJANGO_TESTING="1",
    )
    return env


def start_worker(redis_url: str, *extra: str, log_path: Path | None = None) -> subprocess.Popen:
    """``manage.py rqworker high default low`` as a real process (SimpleWorker, from settings)."""
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "high", "default", "low", *extra],
        cwd=REPO,
        env=worker_env(redis_url),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def run_burst_workers(redis_url: str, count: int = 1, *, timeout: float = 120, log_path: Path | None = None) -> None:
    workers = [start_worker(redis_url, "--burst", log_path=log_path) for _ in range(count)]
    for worker in workers:
        try:
            worker.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            worker.kill()
            raise
        assert worker.returncode == 0, f"rqworker exited with {worker.returncode}"


def failed_jobs(queue_names=("high", "default", "low")) -> list[str]:
    """The exception text of every failed job on these queues (for assertion messages)."""
    import django_rq

    failures = []
    for name in queue_names:
        queue = django_rq.get_queue(name)
        for job_id in queue.failed_job_registry.get_job_ids():
            job = queue.fetch_job(job_id)
            failures.append(f"{name} {job_id}: {job.latest_result().exc_string if job else '?'}")
    return failures


def kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def work_burst(*queues: str) -> None:
    """The settings' worker class, in this process (the test database), until ``queues`` (all three by default)
    are empty; first the background kicks of the commits so far have enqueued their jobs (``jobs.settle``)."""
    jobs.settle()
    worker = django_rq.get_worker(*(queues or ("high", "default", "low")))
    worker.subscribe = lambda: None
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker.work(burst=True)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
