"""Orders end to end: POST over HTTP -> RQ on Redis -> 2 workers -> `confirmed`, beside the movement rate.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/inv_b_bench REDIS_URL=redis://127.0.0.1:6379/12 \
        .venv/bin/python bench/orders.py [--orders 400] [--movements 400] [--clients 8] [--light-rate 10]

What runs: gunicorn (inventory_site.wsgi, gunicorn.conf.py) on a spare port, two real
`manage.py rqworker high default low` processes (SimpleWorker, from settings), and this script as the client
(``--clients`` threads with keep-alive sessions). The bench database is flushed and Redis db (never 0) emptied
at the start.

Figures:
- movement rate: `POST stock/movements` answered 201 per second (the synchronous write path), same server;
- order rate: orders per second from the first POST sent to the last order `confirmed` (end to end);
- at light load (``--light-rate`` orders/s, open loop): median and p99 time from sending the POST to the
  `confirmed` row written by the worker (same machine clock);
- integrity: every order confirmed exactly once (one pending -> confirmed change, one reservation per line),
  no failed job, queues drained, `reconcile_stock` clean.
"""

import argparse
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from _common import ROOT, run_threads, setup_django

setup_django(
    "postgres://postgres@127.0.0.1:5432/inv_b_bench",
    REDIS_URL="redis://127.0.0.1:6379/12",
    DJANGO_SECRET_KEY="bench-" + secrets.token_urlsafe(24),
    DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
)

import django_rq  # noqa: E402
import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from catalog.models import Category, Product  # noqa: E402
from orders.models import Order, OrderStatusChange, Status  # noqa: E402
from stock.models import Reservation, ReservationState  # noqa: E402
from stock.services import record_movement  # noqa: E402
from stock.services.locations import ensure_system_locations  # noqa: E402

PYTHON = sys.executable
BIN = Path(sys.executable).parent


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=400, help="orders in the throughput run")
    parser.add_argument("--movements", type=int, default=400, help="movements in the movement-rate run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--light-rate", type=float, default=10.0, help="orders per second at light load")
    parser.add_argument("--light-seconds", type=float, default=20.0)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    return parser.parse_args()


# --- setup ----------------------------------------------------------------------------------------------------


def prepare_database(products: int) -> tuple[User, list[int]]:
    name = settings.DATABASES["default"]["NAME"]
    if not settings.DATABASE_IS_POSTGRES or "bench" not in name:
        sys.exit(f"Refusing to flush {name!r}: point DATABASE_URL at a PostgreSQL database named *bench*.")
    call_command("ensure_database", verbosity=0)
    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)
    ensure_system_locations()  # the flush took the migration's MAIN and TRANSIT with it
    admin = User.objects.create_user(email="bench@example.com", password=secrets.token_urlsafe(16), role=Role.ADMIN)
    category = Category.objects.create(name="Bench")
    ids = []
    for index in range(products):
        product = Product.objects.create(sku=f"OB-{index:04d}", name=f"Bench {index}", category=category, unit_price=1)
        record_movement(product=product, change_type="IN", quantity=10_000_000, user=admin)
        ids.append(product.pk)
    return admin, ids


def prepare_redis() -> None:
    connection_ = django_rq.get_connection("default")
    db = connection_.connection_pool.connection_kwargs.get("db", 0)
    if not db:
        sys.exit("Refusing to empty Redis db 0: point REDIS_URL at a spare db (e.g. /12).")
    connection_.flushdb()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_processes(args) -> list[subprocess.Popen]:
    args.port = args.port or free_port()
    env = dict(os.environ)
    log = open("/tmp/inv_b_bench_processes.log", "wb")  # noqa: SIM115
    web = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "inventory_site.wsgi",
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.web_workers),
            "--threads",
            str(args.web_threads),
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    workers = [
        subprocess.Popen(
            [PYTHON, "manage.py", "rqworker", "high", "default", "low"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if web.poll() is not None:
            sys.exit("gunicorn exited; see /tmp/inv_b_bench_processes.log")
        try:
            if requests.get(f"http://127.0.0.1:{args.port}/healthz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    else:
        sys.exit("gunicorn did not come up; see /tmp/inv_b_bench_processes.log")
    time.sleep(2)  # let the workers register
    return [web, *workers]


# --- load -----------------------------------------------------------------------------------------------------


class Client:
    def __init__(self, base: str, token: str):
        self.base = base
        self.local = threading.local()
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: dict) -> requests.Response:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        return session.post(f"{self.base}{path}", json=body, headers=self.headers, timeout=30)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes and their children (gunicorn's workers), from /proc."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    seen = set()
    todo = list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        todo.extend(int(child) for child in children)
    return total


def postgres_cpu() -> float:
    """CPU of every postgres process on the machine (other users' load included: a rough figure)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def run_closed_loop(count: int, clients: int, make_request) -> tuple[float, list]:
    """``count`` requests from ``clients`` threads as fast as they answer; (elapsed seconds, results)."""
    results = [None] * count
    errors = []
    cursor = iter(range(count))
    lock = threading.Lock()

    def loop():
        while not errors:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            try:
                results[index] = make_request(index)
            except Exception as error:  # noqa: BLE001 - reported by the caller
                errors.append(error)

    elapsed = run_threads([threading.Thread(target=loop) for _ in range(clients)])
    if errors:
        raise errors[0]
    return elapsed, results


def order_body(rng: random.Random, product_ids: list[int]) -> dict:
    lines = rng.sample(product_ids, rng.randint(1, 3))
    return {"customer_name": "Bench customer", "items": [{"product_id": pid, "quantity": 1} for pid in lines]}


def post_order(client: Client, body: dict) -> tuple[int, float]:
    sent = time.time()
    response = client.post("/api/v1/orders", body)
    if response.status_code != 202:
        raise RuntimeError(f"POST orders answered {response.status_code}: {response.text[:300]}")
    return response.json()["id"], sent


def wait_settled(order_ids: list[int], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while Order.objects.filter(pk__in=order_ids, status=Status.PENDING).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("orders still pending after the timeout: some were lost")
        time.sleep(0.05)


def confirmation_times(order_ids: list[int]) -> dict[int, float]:
    rows = OrderStatusChange.objects.filter(order_id__in=order_ids, to_status=Status.CONFIRMED)
    return {order_id: at.timestamp() for order_id, at in rows.values_list("order_id", "at")}


def light_load(client: Client, rate: float, seconds: float, product_ids, rng) -> list[tuple[int, float]]:
    """Open loop: one POST every 1/rate s, each on its own thread so a slow answer does not delay the next."""
    count = int(rate * seconds)
    bodies = [order_body(rng, product_ids) for _ in range(count)]
    results: list = [None] * count
    threads = []
    start = time.perf_counter()
    for index in range(count):
        delay = start + index / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)

        def fire(i=index):
            try:
                results[i] = post_order(client, bodies[i])
            except Exception as error:  # noqa: BLE001
                results[i] = error

        thread = threading.Thread(target=fire)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    failures = [r for r in results if isinstance(r, Exception)]
    if failures:
        raise failures[0]
    return results


# --- checks ---------------------------------------------------------------------------------------------------


def check_integrity(order_ids: list[int]) -> list[str]:
    problems = []
    statuses = dict(Order.objects.filter(pk__in=order_ids).values_list("status").annotate(n=Count("id")))
    if statuses != {Status.CONFIRMED: len(order_ids)}:
        problems.append(f"statuses {statuses} (expected all {len(order_ids)} confirmed)")
    doubled = (
        OrderStatusChange.objects.filter(order_id__in=order_ids, from_status=Status.PENDING)
        .values("order_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    if doubled:
        problems.append(f"{doubled} orders left pending more than once")
    lines = Order.objects.filter(pk__in=order_ids).aggregate(n=Count("items"))["n"]
    reservations = Reservation.objects.filter(
        reference__in=[f"order:{pk}" for pk in order_ids], state=ReservationState.ACTIVE
    ).count()
    if reservations != lines:
        problems.append(f"{reservations} active reservations for {lines} order lines")
    for name in settings.RQ_QUEUE_NAMES:
        queue = django_rq.get_queue(name)
        if queue.failed_job_registry.count:
            problems.append(f"{queue.failed_job_registry.count} failed jobs on {name}")
    try:
        call_command("reconcile_stock", stdout=open(os.devnull, "w"))  # noqa: SIM115
    except Exception as error:  # noqa: BLE001
        problems.append(f"reconcile_stock: {error}")
    return problems


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    args = parse_args()
    rng = random.Random(7)
    print(f"database {connection.settings_dict['NAME']}, redis {settings.REDIS_URL}, {os.cpu_count()} cores")
    admin, product_ids = prepare_database(args.products)
    prepare_redis()
    connection.close()
    processes = start_processes(args)
    try:
        client = Client(f"http://127.0.0.1:{args.port}", str(AccessToken.for_user(admin)))

        # 1. Movements: the synchronous write path, same server, same clients.
        def post_movement(_):
            body = {"product_id": rng.choice(product_ids), "change_type": "IN", "quantity": 1}
            response = client.post("/api/v1/stock/movements", body)
            if response.status_code != 201:
                raise RuntimeError(f"POST stock/movements answered {response.status_code}: {response.text[:300]}")

        web_pid, worker_pids = processes[0].pid, [p.pid for p in processes[1:]]
        run_closed_loop(50, args.clients, post_movement)  # warm-up
        cpu_before = cpu_seconds([web_pid]), postgres_cpu()
        elapsed, _ = run_closed_loop(args.movements, args.clients, post_movement)
        movement_rate = args.movements / elapsed
        movement_cpu_ms = [
            (after - before) * 1000 / args.movements
            for before, after in zip(cpu_before, (cpu_seconds([web_pid]), postgres_cpu()), strict=True)
        ]

        # 2. Orders at full speed: first POST sent -> last order confirmed.
        warm = [post_order(client, order_body(rng, product_ids))[0] for _ in range(20)]
        wait_settled(warm)
        bodies = [order_body(rng, product_ids) for _ in range(args.orders)]
        cpu_before = cpu_seconds([web_pid]), cpu_seconds(worker_pids), postgres_cpu()
        post_elapsed, placed = run_closed_loop(args.orders, args.clients, lambda i: post_order(client, bodies[i]))
        ids = [order_id for order_id, _ in placed]
        wait_settled(ids)
        cpu_after = cpu_seconds([web_pid]), cpu_seconds(worker_pids), postgres_cpu()
        cpu_ms = [(after - before) * 1000 / len(ids) for before, after in zip(cpu_before, cpu_after, strict=True)]
        confirmed = confirmation_times(ids)
        first_sent = min(sent for _, sent in placed)
        end_to_end = (max(confirmed.values()) - first_sent) if len(confirmed) == len(ids) else float("inf")
        order_rate = len(ids) / end_to_end

        # 3. Light load: time to confirmation.
        light = light_load(client, args.light_rate, args.light_seconds, product_ids, rng)
        light_ids = [order_id for order_id, _ in light]
        wait_settled(light_ids)
        light_confirmed = confirmation_times(light_ids)
        latencies = [
            (light_confirmed[order_id] - sent) * 1000 for order_id, sent in light if order_id in light_confirmed
        ]

        problems = check_integrity([*warm, *ids, *light_ids])
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)

    ratio = order_rate / movement_rate
    print(f"movements: {movement_rate:8.1f} /s  ({args.movements} POSTs, {args.clients} clients)")
    print(
        f"orders:    {order_rate:8.1f} /s  end to end, POST -> confirmed ({args.orders} orders, 2 workers; "
        f"POSTs alone {args.orders / post_elapsed:.1f} /s)  = {ratio:.2f} x the movement rate (target >= 0.5, issue 14)"
    )
    print(
        f"CPU per movement: web {movement_cpu_ms[0]:.1f} ms, postgres {movement_cpu_ms[1]:.1f} ms; per order: web "
        f"{cpu_ms[0]:.1f} ms, rq workers {cpu_ms[1]:.1f} ms, postgres {cpu_ms[2]:.1f} ms (postgres: every backend on "
        f"the machine): CPU-cost ratio {sum(movement_cpu_ms) / sum(cpu_ms):.2f} (movement CPU / order CPU; steadier "
        "than the rates when other work shares the cores)"
    )
    print(
        f"light load {args.light_rate:g}/s for {args.light_seconds:g}s ({len(latencies)} orders): "
        f"median {statistics.median(latencies):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms to confirmed "
        f"(target median < 100 ms)"
    )
    total = len(warm) + len(ids) + len(light_ids)
    print(
        f"integrity: {total} orders, "
        + ("none lost or doubled; reconcile clean" if not problems else "; ".join(problems))
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
