from rest_framework.throttling import SimpleRateThrottle

from inventory_site.client_ip import client_ip


class AuthRateThrottle(SimpleRateThrottle):
    """`AUTH_THROTTLE_RATE` per client IP, one budget shared by the token, refresh and logout endpoints and
    the HTML and admin login forms (POSTs)."""

    scope = "auth"

    def get_ident(self, request):
        return client_ip(request) or ""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
