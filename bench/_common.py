"""What the benchmarks share: Django in their own process, options, databases, the real service and the ceiling
under gunicorn, the load, A B A B.

The ceiling is ``../shared/bench/ceiling.py`` (beside the repository, the yardstick every movement figure is a
ratio to), run unchanged as its docstring says: ``CEILING_DATABASE=<db> gunicorn --chdir <its folder>
ceiling:application``, in a database holding its ``SETUP_SQL``. ``bench/_ceiling.py`` is a verbatim copy kept
for clones without ``../shared``; when both exist they must be identical. ``BENCH_CEILING`` names another path.
"""

import argparse
import ast
import contextlib
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
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PREFIX = os.environ.get("BENCH_DB_PREFIX", "inv_bench")
WORKERS = os.environ.get("BENCH_WORKERS", "4")
THREADS = os.environ.get("GUNICORN_THREADS", "2")  # gunicorn.conf.py's default: both servers run gthread alike
SERVER_ENV = {
    "DJANGO_ENV_FILE": "/nonexistent",
    "DJANGO_SECRET_KEY": "bench-only-not-a-secret-0123456789abcdef",
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
    "JWT_ACCESS_MINUTES": "240",
    "LOG_LEVEL": "WARNING",
    "WEB_CONCURRENCY": WORKERS,
    "GUNICORN_THREADS": THREADS,
}
BENCH_PRODUCTS = 500
MOVEMENTS = "/api/v1/stock/movements"
CEILING_PATH = "/out"
BARE_PATH = "/constant"
ME = "/api/v1/auth/me"
# The servers' logs (gunicorn.conf.py writes every access as JSON on stdout, as in production) go nowhere.
QUIET = {"stdout": subprocess.DEVNULL}


# --- a bench's own process ----------------------------------------------------------------------------------


def setup_django(database_url: str, **env: str) -> None:
    """Configure Django in this process, for a bench that calls the code itself: ``database_url`` and ``env``
    (over the defaults below) wherever the environment does not set them."""
    sys.path.insert(0, str(ROOT))
    defaults = {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "inventory_site.settings",
        "DJANGO_SECRET_KEY": "bench-only-not-a-secret-but-long-enough-for-hs256",
        "DJANGO_ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
        "LOG_LEVEL": "WARNING",
        **env,
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()


def arguments(description: str) -> argparse.ArgumentParser:
    """A parser with the options of every A B A B run: ``--duration``, ``--rounds``, ``--clients``."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    return parser


@contextlib.contextmanager
def stopping() -> Iterator[list[subprocess.Popen]]:
    """A list for the servers a bench starts: every one in it is stopped on the way out, error or not."""
    servers: list[subprocess.Popen] = []
    try:
        yield servers
    finally:
        for server in servers:
            stop(server)


def run_threads(threads: list[threading.Thread]) -> float:
    """Start ``threads``, wait for them all; returns the seconds that took."""
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


# --- the ceiling -----------------------------------------------------------------------------------------


def ceiling_file() -> Path:
    shared = Path(os.environ.get("BENCH_CEILING", ROOT.parent / "shared" / "bench" / "ceiling.py"))
    copy = ROOT / "bench" / "_ceiling.py"
    if shared.exists():
        if copy.exists() and copy.read_bytes() != shared.read_bytes():
            print(f"[ceiling] WARNING: {copy} differs from {shared}; running {shared}")
        return shared
    return copy


def ceiling_setup_sql(path: Path) -> str:
    """``SETUP_SQL`` read from the file (not imported: importing it configures Django)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "SETUP_SQL" for t in node.targets):
            return ast.literal_eval(node.value)
    raise RuntimeError(f"{path} has no SETUP_SQL")


def start_ceiling(port: int) -> subprocess.Popen:
    path = ceiling_file()
    database = f"{PREFIX}_ceiling"
    psql("postgres", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    psql("postgres", f"CREATE DATABASE {database}")
    psql(database, ceiling_setup_sql(path))
    print(f"[ceiling] {path} on {database}, {WORKERS} workers x {THREADS} threads")
    # Started in its own folder, so that no gunicorn.conf.py of ours applies to it; the worker model is the
    # real service's (gunicorn.conf.py: gthread, GUNICORN_THREADS), set on the command line.
    command = [GUNICORN, "--chdir", str(path.parent), f"{path.stem}:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", WORKERS, "--threads", THREADS, "--no-control-socket"]
    env = {**os.environ, "CEILING_DATABASE": database}
    server = subprocess.Popen(command, cwd=path.parent, env=env, start_new_session=True, **QUIET)
    return wait_until_up(server, port, "POST", CEILING_PATH)


def start_bare(port: int) -> subprocess.Popen:
    """bench/_bare.py: a bare DRF view returning a constant, the floor of one request (no database)."""
    path = ROOT / "bench" / "_bare.py"
    command = [GUNICORN, "--chdir", str(path.parent), f"{path.stem}:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", WORKERS, "--threads", THREADS, "--no-control-socket"]
    server = subprocess.Popen(command, cwd=path.parent, env=dict(os.environ), start_new_session=True, **QUIET)
    return wait_until_up(server, port, "GET", BARE_PATH)


# --- the real service ------------------------------------------------------------------------------------

PREPARE = """
import json
from rest_framework_simplejwt.tokens import AccessToken
from accounts.models import User
from catalog.models import Category, Product
from catalog import services as catalog
from stock.services import record_movement
admin = User.objects.filter(email="admin@example.com").first() or User.objects.create_user(
    "admin@example.com", "bench-admin-not-a-secret-2026", role="admin")
ids = list(Product.objects.filter(sku__startswith="BENCH-").order_by("id").values_list("id", flat=True))
if not ids:
    category = catalog.create_category(actor=admin, name="Bench")
    for index in range(%(count)d):
        product = catalog.create_product(actor=admin, sku=f"BENCH-{index:04d}", name=f"Bench {index}",
                                         category_id=category.pk, unit_price="1.00")
        record_movement(product=product, change_type="IN", quantity=1_000_000, user=admin)
        ids.append(product.pk)
info = {"token": str(AccessToken.for_user(admin)), "product_ids": ids}
"""


def env_for(database: str, code: Path = ROOT) -> dict:
    return {**os.environ, **SERVER_ENV, "DATABASE_URL": f"{PG}/{database}", "PYTHONPATH": str(code)}


def manage(database: str, *args: str, code: Path = ROOT, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=code,
        env=env_for(database, code),
        check=True,
        text=True,
        capture_output=capture,
    )
    return result.stdout if capture else ""


def psql(database: str, sql: str) -> str:
    result = subprocess.run(["psql", f"{PG}/{database}", "-tAqc", sql], check=True, text=True, capture_output=True)
    return result.stdout.strip()


def prepare(database: str, *, code: Path = ROOT, extra: str = "", rebuild: bool = True) -> dict:
    """A fresh database migrated by ``code``'s migrations with BENCH_PRODUCTS products stocked; returns the
    admin's token and the product ids in ``info`` (``extra``, a shell snippet run after it, may add to it)."""
    if rebuild or psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{database}'") != "1":
        psql("postgres", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        psql("postgres", f"CREATE DATABASE {database}")
    manage(database, "migrate", "-v0", code=code)
    script = PREPARE % {"count": BENCH_PRODUCTS} + extra + "\nprint(json.dumps(info))\n"
    output = manage(database, "shell", "-c", script, code=code, capture=True)
    return json.loads(output.strip().splitlines()[-1])  # the last line: anything else is log noise


def start_service(database: str, port: int, *, code: Path = ROOT) -> subprocess.Popen:
    command = [GUNICORN, "inventory_site.wsgi", "-c", str(code / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}"]
    command += ["--access-logfile", "/dev/null", "--max-requests", "0", "--no-control-socket"]
    server = subprocess.Popen(command, cwd=code, env=env_for(database, code), start_new_session=True, **QUIET)
    return wait_until_up(server, port, "GET", "/healthz")


def wait_until_up(server: subprocess.Popen, port: int, method: str, path: str) -> subprocess.Popen:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request(method, path)
            if connection.getresponse().status in (200, 201):
                return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.3)
    stop(server)
    raise RuntimeError(f"gunicorn on port {port} did not start")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


# --- load ------------------------------------------------------------------------------------------------


def load(port: int, make_request: Callable, *, clients: int, duration: float, token: str = "") -> float:
    """``clients`` threads on their own connections send ``make_request(rng, sent)`` -> ``(path, body)`` for
    ``duration`` seconds (a POST of the JSON body; a GET when the body is None); returns the 2xx answers per
    second (201 for a POST, 200 for a GET)."""
    stop_at = time.monotonic() + duration
    done, errors = [0] * clients, []
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"

    def client(index: int) -> None:
        rng = random.Random(index)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        sent = 0
        while time.monotonic() < stop_at:
            path, body = make_request(rng, sent, index)
            sent += 1
            if body is None:
                connection.request("GET", path, headers=headers)
            else:
                connection.request("POST", path, json.dumps(body), headers)
            response = connection.getresponse()
            response.read()
            if response.status == (200 if body is None else 201):
                done[index] += 1
            elif len(errors) < 5:
                errors.append(response.status)
        connection.close()

    elapsed = run_threads([threading.Thread(target=client, args=(index,)) for index in range(clients)])
    if errors:
        print(f"  non-201 answers seen: {errors}")
    return sum(done) / elapsed


def movement_request(product_ids: list[int]) -> Callable:
    """IN and OUT of 1 in turn on random products, so the stock stays where it is."""

    def make(rng, sent, index):
        body = {"product_id": rng.choice(product_ids), "change_type": ("IN", "OUT")[sent % 2], "quantity": 1}
        return MOVEMENTS, body

    return make


def ceiling_request(rng, sent, index):
    return CEILING_PATH, {}


def bare_request(rng, sent, index):
    return BARE_PATH, None


def me_request(rng, sent, index):
    return ME, None


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by every process on the machine, by kind: ``web`` (every gunicorn: only the one
    under load works), ``postgres`` (every backend), ``redis``, ``client`` (this process: the load), ``other``.
    Linux only (``/proc``); a process that ended takes its share with it (backends and workers stay up)."""
    totals: dict[str, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            command = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime
        if int(entry.name) == os.getpid():
            kind = "client"
        elif "gunicorn" in command:
            kind = "web"
        elif command.startswith("postgres") or "/bin/postgres" in command:
            kind = "postgres"
        elif "redis-server" in command:
            kind = "redis"
        else:
            kind = "other"
        totals[kind] = totals.get(kind, 0.0) + seconds
    return totals


CPU_KINDS = ("web", "postgres", "redis", "client", "other")


def alternate(runs: list[tuple[str, Callable[[], float]]], rounds: int, unit: str = "movements/s") -> dict:
    """Run every benchmark in turn, ``rounds`` times (A B A B ...), so machine noise hits them alike; print each
    figure and the medians, and return the per-round figures by label.

    Beside each figure: the CPU each kind of process spent per unit counted (a movement, a request, a document
    line), in ms, from ``/proc``; its sum bounds the rate this machine's cores can give, whatever the code."""
    results: dict[str, list[float]] = {label: [] for label, _ in runs}
    costs: dict[str, list[dict[str, float]]] = {label: [] for label, _ in runs}
    width = max(len(label) for label, _ in runs)
    for round_number in range(1, rounds + 1):
        for label, runner in runs:
            before, started = cpu_seconds(), time.monotonic()
            rate = runner()
            after, elapsed = cpu_seconds(), time.monotonic() - started
            units = max(rate * elapsed, 1.0)
            cost = {kind: 1000 * (after.get(kind, 0.0) - before.get(kind, 0.0)) / units for kind in CPU_KINDS}
            results[label].append(rate)
            costs[label].append(cost)
            print(f"  round {round_number} {label:<{width}} {rate:9.1f} {unit}   {_cost_text(cost)}", flush=True)
    cores = os.cpu_count() or 1
    for label, rates in results.items():
        cost = {kind: statistics.median(c[kind] for c in costs[label]) for kind in CPU_KINDS}
        bound = 1000 * cores / max(sum(cost.values()), 1e-9)
        print(
            f"  median {label:<{width}} {statistics.median(rates):9.1f} {unit}   {_cost_text(cost)}"
            f" -> at most {bound:,.0f}/s on {cores} cores"
        )
    return results


def _cost_text(cost: dict[str, float]) -> str:
    parts = " ".join(f"{kind} {cost[kind]:.2f}" for kind in CPU_KINDS)
    return f"CPU ms per unit: {parts} (sum {sum(cost.values()):.2f})"


def ratio(results: dict, a: str, b: str, name: str) -> float:
    """The median of per-round ratios (each A run and the B run beside it share the machine's load)."""
    value = statistics.median(x / y for x, y in zip(results[a], results[b], strict=True))
    print(f"  ratio {name}: {value:.2f} (median of per-round ratios)")
    return value
