import time

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.contrib.messages.middleware import MessageMiddleware as BaseMessageMiddleware
from django.db import InterfaceError, OperationalError, connections

from inventory_site.errors import database_unavailable_response, domain_error_response
from inventory_site.exceptions import DomainError


class ErrorMiddleware:
    """Errors that escape a view, answered once for every door that is not DRF (which has its own handler):

    - a domain error (inventory_site.exceptions) is its page: 404, 403 (with the reason), or the 409 page
      with the message (problem+json under /api/), so HTML views never convert one by hand;
    - an unreachable or timed-out database is a clean 503 with Retry-After, never a 500 with a traceback.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError):
            return domain_error_response(request, exception)
        if isinstance(exception, (OperationalError, InterfaceError)):
            return database_unavailable_response(request, exception)
        return None


# --- the floor of every request ------------------------------------------------------------------------------

RECENTLY_USED_SECONDS = 2.0


class RecentConnectionMiddleware:
    """``CONN_HEALTH_CHECKS`` runs a ``SELECT 1`` before the first query of every request: one round trip more
    than the work itself (about a sixth of a movement's time here, bench/movements.py). A connection this
    thread used less than ``RECENTLY_USED_SECONDS`` ago is taken as healthy; one idle for longer is checked as
    before, and after any database error Django checks it anyway (``errors_occurred``). A database restart
    within those two seconds costs at most one 503 per connection, after which the next request reconnects."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        mark_recent_connections()
        try:
            return self.get_response(request)
        finally:
            note_connections_used()


def mark_recent_connections() -> None:
    """Before a request: a connection this thread used just now, with no error since, skips its health check."""
    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        last = getattr(conn, "inventory_last_used", None)
        if last is not None and now - last < RECENTLY_USED_SECONDS and not conn.errors_occurred:
            conn.health_check_done = True


def note_connections_used() -> None:
    """After a request: when this thread's connections were last used."""
    done = time.monotonic()
    for conn in connections.all(initialized_only=True):
        conn.inventory_last_used = done if conn.connection is not None else None


# --- the API's floor ---------------------------------------------------------------------------------------
# A JSON API request has no session messages, no nonce and no per-view policy: the middleware that only pages
# need is skipped for it (bench/floor.py: an authenticated GET auth/me against a bare DRF view).

API_PREFIX = "/api/"


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's on pages; on the API the same policy (no nonce: JSON runs no script) is built once."""

    def __init__(self, get_response):
        super().__init__(get_response)
        self.api_policy = build_policy()

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return super().__call__(request)
        response = self.get_response(request)
        if CSP_HEADER not in response:
            response[CSP_HEADER] = self.api_policy
        return response


class MessageMiddleware(BaseMessageMiddleware):
    """Django's flash messages, for pages only (no API view reads or writes one)."""

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        return super().__call__(request)
