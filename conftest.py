"""Shared fixtures and the rules for tests that need PostgreSQL, Redis or Chromium.

Those tests are marked; when the service is absent they are skipped with a printed reason. With
``CI=true`` and both ``DATABASE_URL`` and ``REDIS_URL`` set, any skip fails the run.
"""

import os
import shutil

import pytest

_skips: list[str] = []


def _postgres_reason() -> str | None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    return None


def _redis_reason() -> str | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return "needs Redis: set REDIS_URL=redis://..."
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as error:  # noqa: BLE001
        return f"needs Redis: {url} unreachable ({error})"
    return None


def _browser_reason() -> str | None:
    if not shutil.which("chromium") and not os.path.exists("/usr/bin/chromium"):
        return "needs Chromium: apt-get install -y chromium"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "needs the playwright package"
    return None


def pytest_collection_modifyitems(config, items):
    reasons = {"postgres": _postgres_reason(), "redis": _redis_reason(), "browser": _browser_reason()}
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_logreport(report):
    if report.skipped:
        _skips.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    strict = os.environ.get("CI") == "true" and os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")
    if strict and _skips:
        print(f"\nCI with DATABASE_URL and REDIS_URL set: {len(_skips)} skipped test(s) fail the run:")
        for nodeid in _skips[:50]:
            print(f"  {nodeid}")
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def private_redis(request, settings):
    """A private redis-server for tests marked ``redis`` that stop or empty it; the queues point at it and jobs
    really go through RQ."""
    from orders.tests.support import RedisServer, require_redis_marker

    require_redis_marker(request)
    server = RedisServer().start()
    settings.JOBS_IN_PROCESS = False
    settings.RQ_QUEUES = {name: {"URL": server.url, "DEFAULT_TIMEOUT": 300} for name in settings.RQ_QUEUE_NAMES}
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_unreachable(settings):
    """Redis (jobs and cache) pointed at a port where nothing listens; the cache swallows the errors, fast."""
    settings.REDIS_URL = "redis://127.0.0.1:6399/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6399/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    return settings


DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


@pytest.fixture(autouse=True)
def _system_locations(request):
    """The locations migration's MAIN and TRANSIT, in every test that uses the database: a transactional test
    flushes every table when it ends, migration data included."""
    names = set(request.fixturenames)
    if request.node.get_closest_marker("django_db") is None:
        if not names & DB_FIXTURES:
            return
        request.getfixturevalue("transactional_db" if names & {"transactional_db", "live_server"} else "db")
    from stock.services import movements
    from stock.services.locations import ensure_system_locations

    ensure_system_locations()
    # Each test has its own rows (ids may come back after a rollback): the hot path's per-process memory of
    # rows and of the default location starts empty, as in a new process.
    movements._SEEN_ROWS.clear()
    movements._DEFAULT.clear()


@pytest.fixture
def password() -> str:
    return "Warehouse-2026-secure"


@pytest.fixture
def admin_user(db, password):
    from accounts.tests.factories import UserFactory

    return UserFactory(role="admin", email="admin@example.com", password=password)


@pytest.fixture
def staff_user(db, password):
    from accounts.tests.factories import UserFactory

    return UserFactory(role="staff", email="staff@example.com", password=password)


def _hot_answer(environ):
    """``inventory_site.wsgi.application.answer(environ)`` inside a test's transaction."""
    from django.core import signals
    from django.db import close_old_connections

    from inventory_site.wsgi import application

    # As Django's ClientHandler does: the test's transaction must survive the request's start and end.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        return application.answer(environ)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def hot_answer():
    return _hot_answer


class _HotPathHandler:
    """The test client's handler behind ``inventory_site.hotpath`` as ``wsgi.py`` puts it: every API test's
    plain ``POST stock/movements`` is answered by the hot path on PostgreSQL, anything else by Django."""

    def __init__(self, handler):
        self.handler = handler

    def __getattr__(self, name):
        return getattr(self.handler, name)

    def __call__(self, environ):
        from django.core.handlers.wsgi import WSGIRequest
        from django.http import HttpResponse

        answer = _hot_answer(environ)
        if answer is None:
            return self.handler(environ)
        status, headers, body = answer
        response = HttpResponse(body, status=int(status.split()[0]))
        for name, value in headers:
            response[name] = value
        response.wsgi_request = WSGIRequest(environ)
        response.hot_path = True
        return response


def _api_client_for(user):
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import AccessToken

    client = APIClient()
    client.handler = _HotPathHandler(client.handler)
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    client.user = user
    return client


@pytest.fixture
def api_client():
    return _api_client_for(None)


@pytest.fixture
def admin_client(admin_user):
    """A DRF client with an admin's bearer token."""
    return _api_client_for(admin_user)


@pytest.fixture
def staff_client(staff_user):
    """A DRF client with a staff user's bearer token."""
    return _api_client_for(staff_user)


@pytest.fixture
def client_for():
    return _api_client_for


@pytest.fixture
def admin_web(client, admin_user):
    """Django's test client with an admin's session."""
    client.force_login(admin_user)
    return client


@pytest.fixture
def staff_web(client, staff_user):
    client.force_login(staff_user)
    return client
