"""``/healthz`` and ``/readyz`` answered first, before any other middleware.

Load balancers, orchestrators and the compose healthcheck probe a container by its own address over plain
HTTP: behind ``DJANGO_ALLOWED_HOSTS=inventory.example.com`` a ``Host: 127.0.0.1`` is a 400, and with
``DJANGO_HTTPS=true`` SecurityMiddleware redirects every request (301). Placed first in MIDDLEWARE, this
serves exactly these two paths on any host and scheme, and leaves every other request to the full stack.
"""

from inventory_site import views

HEALTH_VIEWS = {"/healthz": views.healthz, "/readyz": views.readyz}


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = HEALTH_VIEWS.get(request.path_info)
        if view is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        response = view(request)
        response["Cache-Control"] = "no-store"
        return response
