from audit.context import client_from_request, current_client


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_client.set(client_from_request(request))
        try:
            return self.get_response(request)
        finally:
            current_client.reset(token)
