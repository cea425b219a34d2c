import functools
import math

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils.decorators import method_decorator

from accounts.forms import EmailAuthenticationForm
from inventory_site.api.throttling import AuthRateThrottle


def throttle_login_posts(view):
    """``AUTH_THROTTLE_RATE`` per client IP on a login form's POSTs, on the same budget as the API's
    ``auth/*`` endpoints; past it a 429 page with ``Retry-After``. Showing the form (GET) is never throttled."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            throttle = AuthRateThrottle()
            if not throttle.allow_request(request, None):
                return throttled_response(request, throttle.wait())
        return view(request, *args, **kwargs)

    return wrapped


def throttled_response(request, wait: float | None):
    retry_after = max(math.ceil(wait or 0), 1)
    response = render(request, "accounts/throttled.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


@method_decorator(throttle_login_posts, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5)."""
