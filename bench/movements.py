"""Movements per second through the HTTP API under gunicorn (run by hand, not in CI).

    .venv/bin/python bench/movements.py [--duration 4] [--rounds 3] [--clients 16] [--skip-growth] [--fresh]

1. Ceiling: the real ``POST /api/v1/stock/movements`` against a bare DRF view (same JWT auth, JSON in/out) that
   runs only the two SQL statements of a movement (INSERT the movement, UPDATE the level), on one gunicorn.
   The two alternate A B A B ... so machine noise hits both alike; it prints the medians and their ratio.
   Target: the real endpoint reaches at least 0.6 of the ceiling.
2. Ledger growth: the real endpoint against an empty ledger and against one holding 1,000,000 movements
   loaded by ``seed_demo --products 10000 --movements 1000000`` (two gunicorns, two databases, alternating).
   Target: the loaded ledger's median stays within 15% of the empty one's.

Databases (PostgreSQL, created here): ``inv_a_bench`` (rebuilt every run) and ``inv_a_bench_full`` (kept between
runs; ``--fresh`` rebuilds it). Redis db 11 is the cache, as in production-like runs.
"""

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
EMPTY_DB, FULL_DB = "inv_a_bench", "inv_a_bench_full"
BENCH_PRODUCTS = 500
SERVER_ENV = {
    "DJANGO_SECRET_KEY": "bench-only-not-a-secret-0123456789abcdef",
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
    "JWT_ACCESS_MINUTES": "240",
    "LOG_LEVEL": "WARNING",
    "PYTHONPATH": str(ROOT),
    # seed_demo refuses unset or published demo passwords outside DJANGO_DEBUG.
    "DEMO_ADMIN_PASSWORD": "bench-admin-not-a-secret-2026",
    "DEMO_STAFF_PASSWORD": "bench-staff-not-a-secret-2026",
}
REAL_PATH, BARE_PATH = "/api/v1/stock/movements", "/bench/bare-movement"


# --- server side: a gunicorn app with one extra, bench-only route ----------------------------------------


def wsgi():
    """gunicorn 'bench.movements:wsgi()': the production URLs plus the bare view (never mounted in production)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inventory_site.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    settings.ROOT_URLCONF = __name__
    return get_wsgi_application()


def __getattr__(name):
    """``urlpatterns`` for this module as a URLconf, built on first use (after Django is set up)."""
    if name != "urlpatterns":
        raise AttributeError(name)
    from django.urls import include, path

    return [path(BARE_PATH.lstrip("/"), _bare_view()), path("", include("inventory_site.urls"))]


def _bare_view():
    from django.db import connection, transaction
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class BareMovementApi(APIView):
        """The ceiling: the movement's two statements, nothing else (no checks, no lock, no cache)."""

        def post(self, request):
            data = request.data
            column = "total_in" if data["change_type"] == "IN" else "total_out"
            reason = "purchase" if column == "total_in" else "sale"
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO stock_stockmovement (product_id, change_type, quantity, reason, note, reference, "
                    "user_id, created_at) VALUES (%s, %s, %s, %s, '', '', %s, now()) RETURNING id",
                    [data["product_id"], data["change_type"], data["quantity"], reason, request.user.pk],
                )
                movement_id = cursor.fetchone()[0]
                cursor.execute(
                    f"UPDATE stock_stocklevel SET {column} = {column} + %s WHERE product_id = %s",
                    [data["quantity"], data["product_id"]],
                )
            return Response({"id": movement_id}, status=201)

    return BareMovementApi.as_view()


# --- preparation -----------------------------------------------------------------------------------------

PREPARE = """
import json
from rest_framework_simplejwt.tokens import AccessToken
from accounts.models import User
from catalog.models import Category, Product
from catalog import services as catalog
from stock.services import record_movement
admin = User.objects.get(email="admin@example.com")
ids = list(Product.objects.filter(sku__startswith="BENCH-").order_by("id").values_list("id", flat=True))
if not ids:
    category = catalog.create_category(actor=admin, name="Bench")
    for index in range(%(count)d):
        product = catalog.create_product(actor=admin, sku=f"BENCH-{index:04d}", name=f"Bench {index}",
                                         category_id=category.pk, unit_price="1.00")
        record_movement(product=product, change_type="IN", quantity=1_000_000, user=admin)
        ids.append(product.pk)
print(json.dumps({"token": str(AccessToken.for_user(admin)), "product_ids": ids}))
"""


def _env(database: str) -> dict:
    return {**os.environ, **SERVER_ENV, "DATABASE_URL": f"{PG}/{database}"}


def _manage(database: str, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=_env(database), check=True, text=True, capture_output=capture
    )
    return result.stdout if capture else ""


def _psql(sql: str) -> str:
    return subprocess.run(
        ["psql", f"{PG}/postgres", "-tAc", sql], check=True, text=True, capture_output=True
    ).stdout.strip()


def prepare(database: str, *, rebuild: bool, bulk: bool) -> dict:
    exists = _psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'") == "1"
    if exists and rebuild:
        _psql(f"DROP DATABASE {database} WITH (FORCE)")
        exists = False
    if not exists:
        _psql(f"CREATE DATABASE {database}")
    _manage(database, "migrate", "-v0")
    if not exists:
        print(f"[{database}] seed_demo{' --products 10000 --movements 1000000' if bulk else ''}")
        _manage(database, "seed_demo", *(["--products", "10000", "--movements", "1000000"] if bulk else []))
    output = _manage(database, "shell", "-c", PREPARE % {"count": BENCH_PRODUCTS}, capture=True)
    info = json.loads(output.strip().splitlines()[-1])  # the last line: anything else is log noise
    count = _psql_in(database, "SELECT count(*) FROM stock_stockmovement")
    print(f"[{database}] ledger rows: {int(count):,}")
    return info


def _psql_in(database: str, sql: str) -> str:
    return subprocess.run(
        ["psql", f"{PG}/{database}", "-tAc", sql], check=True, text=True, capture_output=True
    ).stdout.strip()


def start_server(database: str, port: int) -> subprocess.Popen:
    command = [
        GUNICORN,
        "bench.movements:wsgi()",
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "/dev/null",
        "--max-requests",
        "0",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=_env(database), start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise RuntimeError(f"gunicorn on port {port} did not start")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


# --- load ------------------------------------------------------------------------------------------------


def run(port: int, path: str, info: dict, *, clients: int, duration: float) -> float:
    """``clients`` threads, each on a keep-alive connection, post IN/OUT of 1 on random products for
    ``duration`` seconds; returns successful movements per second."""
    stop_at = time.monotonic() + duration
    done, errors = [0] * clients, []
    headers = {"Authorization": f"Bearer {info['token']}", "Content-Type": "application/json"}

    def client(index: int) -> None:
        rng = random.Random(index)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        change_types = ("IN", "OUT")
        sent = 0
        while time.monotonic() < stop_at:
            body = {"product_id": rng.choice(info["product_ids"]), "change_type": change_types[sent % 2], "quantity": 1}
            sent += 1
            connection.request("POST", path, json.dumps(body), headers)
            response = connection.getresponse()
            response.read()
            if response.status == 201:
                done[index] += 1
            elif len(errors) < 5:
                errors.append(response.status)
        connection.close()

    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        print(f"  non-201 answers seen: {errors}")
    return sum(done) / (time.monotonic() - started)


def alternate(label_a, run_a, label_b, run_b, rounds: int) -> tuple[float, float]:
    results: dict[str, list[float]] = {label_a: [], label_b: []}
    for round_number in range(1, rounds + 1):
        for label, runner in ((label_a, run_a), (label_b, run_b)):
            rate = runner()
            results[label].append(rate)
            print(f"  round {round_number} {label:<28} {rate:8.1f} movements/s")
    median_a, median_b = statistics.median(results[label_a]), statistics.median(results[label_b])
    # Each A run and the B run right after it share the machine's load: their ratio is steadier than the medians'.
    pairs = statistics.median(a / b for a, b in zip(results[label_a], results[label_b], strict=True))
    print(f"  median {label_a:<27} {median_a:8.1f} movements/s")
    print(f"  median {label_b:<27} {median_b:8.1f} movements/s")
    print(f"  median of the per-round ratios A/B: {pairs:.2f}")
    return median_a, median_b


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--skip-growth", action="store_true", help="only the API-vs-ceiling comparison")
    parser.add_argument("--fresh", action="store_true", help=f"rebuild {FULL_DB} (the 1,000,000-row ledger)")
    args = parser.parse_args()
    options = {"clients": args.clients, "duration": args.duration}

    empty = prepare(EMPTY_DB, rebuild=True, bulk=False)
    full = None if args.skip_growth else prepare(FULL_DB, rebuild=args.fresh, bulk=True)
    servers = [start_server(EMPTY_DB, 8765)]
    try:
        if full is not None:
            servers.append(start_server(FULL_DB, 8766))
        for port, info in ((8765, empty), (8766, full)):  # warm every worker's connection
            if info is not None:
                run(port, REAL_PATH, info, clients=args.clients, duration=1)
        run(8765, BARE_PATH, empty, clients=args.clients, duration=1)

        print(f"\nA/B: API vs bare view, {args.clients} clients, {args.duration:g} s per run")
        api, bare = alternate(
            "API POST stock/movements",
            lambda: run(8765, REAL_PATH, empty, **options),
            "bare view (2 statements)",
            lambda: run(8765, BARE_PATH, empty, **options),
            args.rounds,
        )
        ratio = api / bare
        print(f"  ratio API/ceiling: {ratio:.2f} (target >= 0.60: {'ok' if ratio >= 0.6 else 'MISSED'})")

        # The hard limit: every client on one product, so every movement waits for the same level row lock.
        hot = {**empty, "product_ids": empty["product_ids"][:1]}
        rates = sorted(run(8765, REAL_PATH, hot, **options) for _ in range(args.rounds))
        hot_rate = statistics.median(rates)
        print(f"\nOne product, {args.clients} clients on its row lock: median {hot_rate:.1f} movements/s")

        if full is not None:
            print(f"\nLedger growth: API on an empty ledger vs 1,000,000 rows, {args.duration:g} s per run")
            small, large = alternate(
                "empty ledger",
                lambda: run(8765, REAL_PATH, empty, **options),
                "1,000,000-row ledger",
                lambda: run(8766, REAL_PATH, full, **options),
                args.rounds,
            )
            change = (large - small) / small
            verdict = "ok" if change >= -0.15 else "MISSED"
            print(f"  change with 1M rows: {change:+.1%} (target within -15%: {verdict})")
    finally:
        for server in servers:
            stop_server(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
