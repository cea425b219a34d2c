"""Error pages: problem+json under /api/, HTML elsewhere."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.views import defaults

from inventory_site.api.errors import database_unavailable, problem_json_response


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return problem_json_response(404, "not_found", "No such endpoint or object.")
    return defaults.page_not_found(request, exception)


def database_unavailable_response(request, exc: Exception) -> HttpResponse:
    """503 with Retry-After: problem+json under /api/, a plain page elsewhere."""
    answer = database_unavailable(exc)
    if request.path.startswith("/api/"):
        return problem_json_response(**answer)
    return HttpResponse(
        f"Service unavailable: {answer['detail']}",
        status=answer["status"],
        content_type="text/plain; charset=utf-8",
        headers=answer["headers"],
    )


def server_error(request):
    # A database error raised outside a view (a middleware reading or saving the session) lands here.
    exc = sys.exc_info()[1]
    if isinstance(exc, (OperationalError, InterfaceError)):
        return database_unavailable_response(request, exc)
    if request.path.startswith("/api/"):
        return problem_json_response(500, "server_error", "An unexpected error occurred.")
    return defaults.server_error(request)
