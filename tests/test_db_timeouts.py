"""No request waits for ever on the database: lock and statement timeouts become a 503 with Retry-After.

The measured failure: a 20 s `LOCK TABLE stock_stocklevel` stalled every server thread, `/healthz` included.
The fault test runs a real gunicorn (one worker, a few threads, like production) against the test database.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client

REPO = Path(__file__).resolve().parents[1]
THREADS = 4
LOCK_SECONDS = settings.DB_LOCK_TIMEOUT_MS / 1000


class _Canceled(Exception):
    """What psycopg raises on statement_timeout (SQLSTATE 57014), as Django's OperationalError wraps it."""

    sqlstate = "57014"


def _timed_out() -> OperationalError:
    error = OperationalError("canceling statement due to statement timeout")
    error.__cause__ = _Canceled()
    return error


# --- the answer, on any database ----------------------------------------------------------------------------


def _busy(*args, **kwargs):
    raise _timed_out()


@pytest.mark.django_db
def test_a_statement_timeout_is_a_503_problem_with_retry_after_on_the_api(admin_client, monkeypatch):
    monkeypatch.setattr("stock.selectors.stock_level_list", _busy)
    response = admin_client.get("/api/v1/stock/levels")
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "service_unavailable" and "timeout" in body["detail"]


@pytest.mark.django_db
def test_a_timeout_on_an_html_page_is_a_plain_503_with_retry_after(admin_web, monkeypatch):
    monkeypatch.setattr("stock.views.paginate", _busy)
    response = admin_web.get("/products/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain") and response["Retry-After"] == "5"
    assert b"try again" in response.content


def test_a_database_error_outside_any_view_is_a_503_not_a_500(rf):
    """A middleware (the session) hitting a timeout ends in handler500: it answers 503 too."""
    from inventory_site.errors import server_error

    for path, content_type in (("/api/v1/products", "application/problem+json"), ("/products/", "text/plain")):
        try:
            raise _timed_out()
        except OperationalError:
            response = server_error(rf.get(path))
        assert response.status_code == 503 and response["Retry-After"] == "5"
        assert response["Content-Type"].startswith(content_type)
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(rf.get("/api/v1/products")).status_code == 500


@pytest.mark.django_db
def test_healthz_never_touches_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/healthz").status_code == 200


# --- a held table lock against a real server ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def server(tmp_path):
    """gunicorn as deployed (gthread), one worker with THREADS threads, on the test database."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DB_LOCK_TIMEOUT_MS")}
    env.update(DATABASE_URL=_database_url(), DJANGO_SETTINGS_MODULE="inventory_site.test_settings", DJANGO_TESTING="1")
    log = tmp_path / "gunicorn.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "inventory_site.wsgi", "-c", "gunicorn.conf.py"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", str(THREADS)],
        cwd=REPO,
        env=env,
        stdout=open(log, "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"gunicorn did not start: {log.read_text()}")
    try:
        yield url
    finally:
        process.terminate()
        process.wait(20)


def _call(url, method="GET", body=None, headers=None):
    """(status, headers, body bytes, seconds); a client timeout counts as status 0."""
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers, response.read(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read(), time.monotonic() - started
    except TimeoutError:
        return 0, {}, b"", time.monotonic() - started


class TableLock:
    """``LOCK TABLE ... IN ACCESS EXCLUSIVE MODE`` from another connection, released at the latest after
    ``longest`` seconds (so a server without timeouts only makes the test fail, not hang)."""

    def __init__(self, table: str, longest: float):
        db = connection.settings_dict
        self.conn = psycopg.connect(
            dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
        )
        self.conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        self.released = threading.Lock()
        self.timer = threading.Timer(longest, self.release)
        self.timer.start()

    def release(self):
        with self.released:
            if not self.conn.closed:
                self.conn.rollback()
                self.conn.close()
        self.timer.cancel()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_held_table_lock_gives_503s_within_the_lock_timeout_and_healthz_still_answers(server, admin_user):
    from rest_framework_simplejwt.tokens import AccessToken

    from catalog.models import Category, Product
    from stock.services import record_movement

    category = Category.objects.create(name="Locks")
    product = Product.objects.create(sku="LCK-1", name="Locked", category=category, unit_price=Decimal("1.00"))
    record_movement(product=product, change_type="IN", quantity=10, user=admin_user)
    bearer = {"Authorization": f"Bearer {AccessToken.for_user(admin_user)}"}
    browser = Client()
    browser.force_login(admin_user)
    session = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    movement = {"product_id": product.pk, "change_type": "OUT", "quantity": 1}

    lock = TableLock("stock_stocklevel", longest=12)
    try:
        with ThreadPoolExecutor(THREADS + 2) as pool:
            # More movements than the server has threads: every thread waits on the lock.
            posts = [
                pool.submit(_call, f"{server}/api/v1/stock/movements", "POST", movement, bearer)
                for _ in range(THREADS + 2)
            ]
            time.sleep(0.3)
            health = _call(f"{server}/healthz")
            ready = _call(f"{server}/readyz")
            answers = [post.result() for post in posts]
        assert health[0] == 200 and health[3] < 3, health
        assert ready[0] in (200, 503) and ready[3] < 3, ready  # 503 only because this server has no Redis
        for status, headers, body, seconds in answers:
            assert status == 503, (status, body)
            assert headers["Content-Type"] == "application/problem+json" and headers["Retry-After"] == "5"
            assert json.loads(body)["code"] == "service_unavailable"
            # at most one lock timeout waiting for a thread, one waiting for the lock, plus a margin
            assert LOCK_SECONDS * 0.9 < seconds < 2 * LOCK_SECONDS + 1.5, seconds

        status, headers, body, seconds = _call(f"{server}/products/", headers=session)  # an HTML page
        assert status == 503 and headers["Retry-After"] == "5", (status, body)
        assert headers["Content-Type"].startswith("text/plain") and seconds < LOCK_SECONDS + 1.5
        assert lock.conn.execute("SELECT 1").fetchone() == (1,)  # the lock was held all along
    finally:
        lock.release()

    status, _, body, seconds = _call(f"{server}/api/v1/stock/movements", "POST", movement, bearer)
    assert status == 201 and seconds < LOCK_SECONDS, body
    assert json.loads(body)["stock"]["on_hand"] == 9  # no 503 wrote anything


@pytest.mark.postgres
@pytest.mark.django_db
def test_web_processes_get_the_short_limits_and_manage_py_commands_the_long_ones():
    with connection.cursor() as cursor:  # this process serves the test client: a web process
        cursor.execute("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')")
        assert cursor.fetchone() == ("2s", "30s")
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "inventory_site.test_settings"}
    show = (
        "from django.db import connection; c = connection.cursor(); "
        "c.execute(\"SELECT current_setting('lock_timeout') || ' ' || current_setting('statement_timeout')\"); "
        "print(c.fetchone()[0])"
    )
    shell = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", show], cwd=REPO, env=env, capture_output=True, text=True
    )
    # the worker and the scheduler are manage.py commands too
    assert shell.stdout.strip().splitlines()[-1] == "30s 10min", shell.stderr


@pytest.mark.postgres
@pytest.mark.django_db
def test_our_connections_run_without_jit():
    """JIT compilation cost 60-80 ms per report and product-list query (bench/reports.py): off unless DB_JIT."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit')")
        assert cursor.fetchone() == ("off",)
