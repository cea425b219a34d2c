from django.db import InterfaceError, OperationalError

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
