"""Error pages: problem+json under /api/, HTML elsewhere."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

from inventory_site.api.errors import database_unavailable, problem_json_response
from inventory_site.exceptions import DomainError

# A domain error's page by its status; any other status (a conflict, bad input) shows 409.html's layout:
# the error's title and message.
ERROR_PAGES = {403: "403.html", 404: "404.html"}


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return problem_json_response(404, "not_found", "No such endpoint or object.")
    return defaults.page_not_found(request, exception)


def domain_error_response(request, error: DomainError) -> HttpResponse:
    """A domain error that escaped a view: its problem+json under /api/, else its page with its status."""
    if request.path.startswith("/api/"):
        return problem_json_response(
            error.status, error.code, error.message, title=error.title, errors=error.errors, **error.extra
        )
    template = ERROR_PAGES.get(error.status, "409.html")
    context = {"exception": error.message, "title": error.title}
    return render(request, template, context, status=error.status)


def database_unavailable_response(request, exc: Exception) -> HttpResponse:
    """503 with Retry-After: problem+json under /api/, a plain page elsewhere."""
    answer = database_unavailable(exc)
    if request.path.startswith("/api/"):
        return problem_json_response(**answer)
    return HttpResponse(
        _("Service unavailable: %(detail)s") % {"detail": answer["detail"]},
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
