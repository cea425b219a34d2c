from django.db import InterfaceError, OperationalError

from inventory_site.errors import database_unavailable_response


class DatabaseUnavailableMiddleware:
    """An unreachable or timed-out database is a clean 503 with Retry-After, never a 500 with a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        return database_unavailable_response(request, exception)
