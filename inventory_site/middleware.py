import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse

from inventory_site.api.errors import problem_json_response

log = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """An unreachable database is a clean 503, never a 500 with a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        log.error("database unavailable: %s", exception)
        if request.path.startswith("/api/"):
            return problem_json_response(503, "service_unavailable", "The database is unreachable; try again shortly.")
        return HttpResponse("Service unavailable: the database is unreachable.", status=503, content_type="text/plain")
