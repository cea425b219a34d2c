"""Report and list timings on a large data set (run by hand).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/inv_c_bench REDIS_URL=redis://127.0.0.1:6379/13 \
        .venv/bin/python bench/reports.py [--products 10000] [--movements 1000000] [--explain]

Loads the data once (``seed_demo --products N --movements M`` when that option exists, else a COPY loader below),
then times each request through Django's test client (the whole stack but the socket): "cold" is the first
request after a movement (the movement bumps the stock version, so the report cache misses), "warm" repeats it.
Each figure is the median of several runs. With ``--explain`` (or for any missed target) the slowest SQL of
that request is shown with EXPLAIN ANALYZE.

With ``--http`` it then serves the same database with gunicorn (4 workers, as bench/movements.py) and measures
warm report pages beside the request floor ``GET auth/me``, alternating A B A B with 16 clients: a warm page
must stay within 2x the floor (at least 0.5 of its rate; issue 14).
"""

import io
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal

import _common as common

common.setup_django(
    "postgres://postgres@127.0.0.1:5432/inv_c_bench",
    # seed_demo refuses unset or published demo passwords outside DJANGO_DEBUG.
    DEMO_ADMIN_PASSWORD="bench-admin-not-a-secret-2026",
    DEMO_STAFF_PASSWORD="bench-staff-not-a-secret-2026",
)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from accounts.models import User  # noqa: E402
from catalog.models import PRODUCT_FIELDS, Product  # noqa: E402
from stock.models import StockMovement  # noqa: E402
from stock.services import record_movement  # noqa: E402

BENCH_EMAIL = "bench-admin@example.com"


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row))
        buffer.write("\n")
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def load(products: int, movements: int) -> None:
    """A quick COPY-based loader: categories, products, a year of movements, and their levels."""
    rng = random.Random(42)
    now = timezone.now()
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        _copy(
            cursor,
            "catalog_category",
            ["name", "description", "created_at"],
            [(f"Bench category {i}", "", now.isoformat()) for i in range(40)],
        )
        cursor.execute("SELECT id FROM catalog_category WHERE name LIKE 'Bench category %'")
        categories = [row[0] for row in cursor.fetchall()]
        product_rows = []
        for i in range(products):
            price = Decimal(rng.randint(50, 50000)) / 100
            product_rows.append(
                (
                    f"BENCH-{i:06d}",
                    f"Bench product {i % (products // 2 or 1)}",  # every name twice: never merged
                    "",
                    rng.choice(categories),
                    "pcs",
                    price,
                    rng.randint(0, 60),
                    rng.choice([0, 0, 10, 25, 50]),
                    "f" if i % 50 == 0 else "t",
                    now.isoformat(),
                    now.isoformat(),
                )
            )
        _copy(
            cursor,
            "catalog_product",
            [*PRODUCT_FIELDS, "created_at", "updated_at"],  # the order of the row tuples above
            product_rows,
        )
        cursor.execute("SELECT id FROM catalog_product WHERE sku LIKE 'BENCH-%' ORDER BY id")
        product_ids = [row[0] for row in cursor.fetchall()]
        totals = {pid: [0, 0, None] for pid in product_ids}
        start = now - timedelta(days=365)
        span = int((now - start).total_seconds())
        offsets = sorted(rng.randrange(span) for _ in range(movements))
        movement_rows = []
        for offset in offsets:
            pid = rng.choice(product_ids)
            at = start + timedelta(seconds=offset)
            level = totals[pid]
            if rng.random() < 0.5 or level[0] - level[1] < 10:
                quantity = rng.randint(5, 40)
                level[0] += quantity
                level[2] = at
                movement_rows.append((pid, "IN", quantity, "purchase", "", "", at.isoformat()))
            else:
                quantity = rng.randint(1, min(20, level[0] - level[1]))
                level[1] += quantity
                movement_rows.append((pid, "OUT", quantity, "sale", "", "", at.isoformat()))
        _copy(
            cursor,
            "stock_stockmovement",
            ["product_id", "change_type", "quantity", "reason", "note", "reference", "created_at"],
            movement_rows,
        )
        _copy(
            cursor,
            "stock_stocklevel",
            ["product_id", "total_in", "total_out", "reserved", "last_restocked_at"],
            [
                (pid, total_in, total_out, 0, restocked.isoformat() if restocked else None)
                for pid, (total_in, total_out, restocked) in totals.items()
            ],
        )
        cursor.execute("ANALYZE")


def shape_low_stock() -> None:
    """Put one product in five below its minimum, so the low-stock report has thousands of rows to page."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_product p SET min_quantity = l.total_in - l.total_out - l.reserved + 1 + p.id % 20 "
            "FROM stock_stocklevel l WHERE l.product_id = p.id AND p.id % 5 = 0 AND p.sku LIKE 'BENCH-%%'"
        )


def ensure_data(products: int, movements: int) -> None:
    call_command("ensure_database")
    call_command("migrate", verbosity=0)
    have_products = Product.objects.count()  # seed_demo's SKUs, or the COPY loader's BENCH- ones
    have_movements = StockMovement.objects.count()
    if have_products >= products and have_movements >= movements:
        print(f"data present: {have_products} products, {have_movements} movements")
        shape_low_stock()
        return
    began = time.perf_counter()
    try:
        call_command("seed_demo", products=products, movements=movements)
        print("loaded with seed_demo")
    except TypeError:  # seed_demo has no bulk options yet
        load(products, movements)
        print("loaded with the COPY loader")
    shape_low_stock()
    print(f"load: {time.perf_counter() - began:.0f} s")


def _admin() -> User:
    user = User.objects.filter(email=BENCH_EMAIL).first()
    return user or User.objects.create_user(BENCH_EMAIL, "Bench-password-2026", role="admin")


class Runner:
    def __init__(self, explain: bool):
        self.admin = _admin()
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(self.admin)}")
        active = Product.objects.filter(is_active=True).order_by("id")  # seed_demo's or the COPY loader's (BENCH-)
        self.product = active.filter(sku__startswith="BENCH-").first() or active.last()
        self.explain = explain
        self.rows = []

    def movement(self) -> None:
        record_movement(product=self.product, change_type="IN", quantity=1, user=self.admin)

    def get(self, url: str) -> tuple[float, int]:
        began = time.perf_counter()
        response = self.client.get(url)
        size = 0
        if response.streaming:
            for chunk in response.streaming_content:
                size += len(chunk)
        else:
            size = len(response.content)
        elapsed = (time.perf_counter() - began) * 1000
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return elapsed, size

    def measure(self, label: str, url: str, target_ms: float, *, cold: bool, runs: int = 15) -> None:
        self.get(url)  # warm the connection, imports and plans
        times = []
        for _ in range(runs):
            if cold:
                self.movement()
            elapsed, size = self.get(url)
            times.append(elapsed)
        median = statistics.median(times)
        ok = median <= target_ms
        self.rows.append((label, median, min(times), max(times), target_ms, ok, size))
        print(f"  {label:<58} {median:8.1f} ms  (target {target_ms:g})  {'ok' if ok else 'MISSED'}", flush=True)
        if self.explain or not ok:
            self.plan(url, cold)

    def plan(self, url: str, cold: bool) -> None:
        if cold:
            self.movement()
        with CaptureQueriesContext(connection) as captured:
            self.get(url)
        slowest = max(captured.captured_queries, key=lambda query: float(query["time"]))
        print(f"    slowest query ({float(slowest['time']) * 1000:.1f} ms):\n    {slowest['sql'][:600]}")
        if "COUNT" in slowest["sql"] or slowest["sql"].startswith("SELECT"):
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {slowest['sql']}")
                for (line,) in cursor.fetchall():
                    print(f"      {line}")

    def table(self) -> None:
        print("\n| request | median ms | min | max | target ms | met |")
        print("|---|---:|---:|---:|---:|---|")
        for label, median, low, high, target, ok, _size in self.rows:
            print(f"| {label} | {median:.1f} | {low:.1f} | {high:.1f} | {target:g} | {'yes' if ok else 'NO'} |")


TOKEN_SCRIPT = (
    "from accounts.models import User\nfrom rest_framework_simplejwt.tokens import AccessToken\n"
    f"print(AccessToken.for_user(User.objects.get(email={BENCH_EMAIL!r})))"
)


def http_figures(rounds: int, clients: int, duration: float) -> None:
    """Warm report pages and ``auth/me`` through gunicorn on this database, A B A B."""
    database, port, reports = connection.settings_dict["NAME"], 8991, "/api/v1/reports"
    token = common.manage(database, "shell", "-c", TOKEN_SCRIPT, capture=True).strip().splitlines()[-1]
    pages = [
        ("auth/me (the floor)", common.ME),
        ("stock report, page of 100, warm", f"{reports}/stock?page_size=100"),
        ("low stock, page of 100, warm", f"{reports}/low-stock?page_size=100"),
        ("top consumption over 30 days, warm", f"{reports}/top-products?direction=out"),
    ]

    def run(path):
        def request(rng, sent, index):
            return path, None

        return lambda: common.load(port, request, clients=clients, duration=duration, token=token)

    server = common.start_service(database, port)
    try:
        print(f"\nthrough gunicorn ({common.WORKERS} workers), {clients} clients, {duration:g} s a run:")
        results = common.alternate([(label, run(path)) for label, path in pages], rounds, unit="requests/s")
        for label, _path in pages[1:]:
            value = common.ratio(results, label, pages[0][0], f"{label} / auth/me")
            print(f"    within 2x the floor (>= 0.5): {'met' if value >= 0.5 else 'MISSED'}")
    finally:
        common.stop(server)


def main() -> None:
    parser = common.arguments(__doc__)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--http", action="store_true", help="also: warm pages beside auth/me through gunicorn")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/inv_c_bench")
    ensure_data(args.products, args.movements)
    from django.conf import settings

    print(
        f"cache: {settings.CACHES['default']['BACKEND']}, {Product.objects.count()} products, "
        f"{StockMovement.objects.count()} movements"
    )
    runner = Runner(args.explain)
    one = runner.product.pk
    reports = "/api/v1/reports"
    rows = [
        ("stock report, page of 100, cold", f"{reports}/stock?page_size=100", 50, True),
        ("stock report, page of 100, warm", f"{reports}/stock?page_size=100", 5, False),
        ("full stock CSV (all rows)", f"{reports}/stock?format=csv", 1000, True),
        ("low stock, page of 100, cold", f"{reports}/low-stock?page_size=100", 100, True),
        ("low stock, page of 100, warm", f"{reports}/low-stock?page_size=100", 5, False),
        ("movements by day over 30 days, cold", f"{reports}/movements", 400, True),
        ("movements by day over 30 days, warm", f"{reports}/movements", 5, False),
        (
            "movements by product over 30 days, page of 100, cold",
            f"{reports}/movements?group_by=product&page_size=100",
            400,
            True,
        ),
        ("top consumption over 30 days, cold", f"{reports}/top-products?direction=out", 400, True),
        ("top consumption over 30 days, warm", f"{reports}/top-products?direction=out", 5, False),
        ("top inbound over 30 days, limit 100, cold", f"{reports}/top-products?direction=in&limit=100", 400, True),
        (
            "products list, page of 100 sorted by available",
            "/api/v1/products?page_size=100&sort_by=available",
            60,
            True,
        ),
        (
            "movement history of one product, page of 50",
            f"/api/v1/stock/movements?product_id={one}&page_size=50",
            40,
            True,
        ),
        ("movement history, all products, newest first, page of 50", "/api/v1/stock/movements?page_size=50", 60, True),
    ]
    print("timings (median of 15 runs):")
    for label, url, target, cold in rows:
        runner.measure(label, url, target, cold=cold)
    runner.table()
    if args.http:
        http_figures(args.rounds, args.clients, args.duration)


if __name__ == "__main__":
    main()
