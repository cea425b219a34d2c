"""The hottest API requests answered before Django's request cycle (``settings.HOT_PATHS``; ``wsgi.py``).

Django's handler, its middleware chain and DRF's request, negotiation and rendering cost about as much as a
movement's own work here (bench/movements.py). ``HotPath`` hands a request whose method and path are in
``HOT_PATHS`` to that handler (``stock.hotpath.movement``), which answers only the common case's success and
returns None for everything else: Django then answers as if the hot path did not exist, from the same
``environ`` with the body put back, so every error stays worded by the full stack. What a handler shares is
here: the plain-request test, the body, the host and scheme checks, Django's request signals, and the headers
the middleware chain gives an API answer (who the caller is and what they may do is the handler's to check).
``stock/tests/test_hot_path_http.py`` holds a hot answer to the full stack's (status, headers, body), so a
middleware that adds a header to API answers fails it until ``api_headers`` adds it too.
"""

import contextlib
import io

from django.conf import settings
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string
from rest_framework.renderers import JSONRenderer

from inventory_site import middleware
from inventory_site.errors import database_unavailable, problem_json_response

MAX_BODY = 4096  # a larger body is not the common case
_JSON_TYPES = frozenset({"application/json", "application/json; charset=utf-8", "application/json;charset=utf-8"})
_ACCEPTED = frozenset({"", "*/*", "application/json"})
_RENDERER = JSONRenderer()


class HotPath:
    """WSGI: ``settings.HOT_PATHS`` (``"METHOD /path"`` -> handler) first, then ``application``."""

    def __init__(self, application):
        self.application = application
        self._handlers = None

    def __call__(self, environ, start_response):
        answer = self.answer(environ)
        if answer is None:
            return self.application(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def answer(self, environ):
        """``(status, headers, body)``, or None for Django to answer (``environ`` as it came)."""
        if not settings.HOT_PATH:
            return None
        if self._handlers is None:
            self._handlers = {route: import_string(name) for route, name in settings.HOT_PATHS.items()}
        handler = self._handlers.get(f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}")
        return handler(environ) if handler is not None else None


class Hot:
    """A plain request, read: its body and Django's request over the same ``environ`` (the body put back)."""

    def __init__(self, environ, body: bytes):
        self.environ, self.body = environ, body
        self.request = WSGIRequest(environ)
        self.secure = self.request.is_secure()

    @classmethod
    def read(cls, environ) -> "Hot | None":
        """The request if it is plain (see ``plain``), on an allowed host and, under ``DJANGO_HTTPS``, over
        HTTPS, with a JSON body of at most ``MAX_BODY`` bytes; else None."""
        if not plain(environ):
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if not 0 < length <= MAX_BODY:
            return None
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # for Django, if it answers after all
        if len(body) != length:
            return None
        hot = cls(environ, body)
        try:
            hot.request.get_host()
        except DisallowedHost:
            return None
        if settings.SECURE_SSL_REDIRECT and not hot.secure:
            return None
        return hot

    def json(self, status: str, data, view) -> tuple:
        body = _RENDERER.render(data)
        return status, [*api_headers(view, self.secure), ("Content-Length", str(len(body)))], body

    def database_unavailable(self, exc, view) -> tuple:
        """The API's 503 for a database error, as Django answers it (problem+json, Retry-After)."""
        answer = problem_json_response(**database_unavailable(exc))
        headers = api_headers(view, self.secure, answer["Content-Type"])
        headers += [("Retry-After", answer["Retry-After"]), ("Content-Length", str(len(answer.content)))]
        return f"{answer.status_code} {answer.reason_phrase}", headers, answer.content


def plain(environ) -> bool:
    """No query string, no ``Idempotency-Key``, no ``Origin`` (CORS) and no cookie; a JSON body; an ``Accept``
    of JSON or anything."""
    return (
        not environ.get("QUERY_STRING")
        and environ.get("CONTENT_TYPE", "").lower() in _JSON_TYPES
        and environ.get("HTTP_ACCEPT", "") in _ACCEPTED
        and "HTTP_IDEMPOTENCY_KEY" not in environ
        and "HTTP_ORIGIN" not in environ
        and not environ.get("HTTP_COOKIE")
    )


@contextlib.contextmanager
def request_cycle(environ):
    """What Django's handler and ``RecentConnectionMiddleware`` do around a request's database work."""
    signals.request_started.send(sender=WSGIHandler, environ=environ)
    middleware.mark_recent_connections()
    try:
        yield
    finally:
        middleware.note_connections_used()
        signals.request_finished.send(sender=WSGIHandler)


_HEADERS: dict[tuple, list[tuple[str, str]]] = {}


@receiver(setting_changed)
def _settings_changed(**kwargs):
    _HEADERS.clear()


def api_headers(view, secure: bool, content_type: str = "application/json") -> list[tuple[str, str]]:
    """The headers (but Content-Length) that DRF and the middleware chain give a JSON answer of ``view``."""
    common = _HEADERS.get((view, secure))
    if common is None:
        common = _HEADERS[(view, secure)] = _common_headers(view, secure)
    return [("Content-Type", content_type), *common]


def _common_headers(view, secure: bool) -> list[tuple[str, str]]:
    from csp.constants import HEADER as CSP_HEADER
    from csp.utils import build_policy

    instance = view()
    instance.setup(None)  # as View.as_view() does: HEAD is served by GET
    headers = [
        ("Allow", ", ".join(instance.allowed_methods)),  # DRF
        ("X-Frame-Options", settings.X_FRAME_OPTIONS),  # XFrameOptionsMiddleware
        ("Vary", "origin, Cookie"),  # corsheaders, then LanguageMiddleware
        (CSP_HEADER, build_policy()),  # CSPMiddleware, as on every API answer
        ("Content-Language", settings.LANGUAGE_CODE),  # LanguageMiddleware: the API is English
    ]
    # SecurityMiddleware
    if secure and settings.SECURE_HSTS_SECONDS:
        value = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        headers.append(("Strict-Transport-Security", value))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        policy = settings.SECURE_REFERRER_POLICY
        headers.append(("Referrer-Policy", policy if isinstance(policy, str) else ",".join(policy)))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    return headers
