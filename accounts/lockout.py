"""Hooks for django-axes: one counter per (normalised email, client IP) across the API, /login/ and the admin.

The email is normalised by ``inventory_site.email_key.normalise_email`` (NFKC, then case-folded), the same
key users are looked up by; the client IP is ``inventory_site.client_ip.client_ip`` (``NUM_PROXIES``).
"""

from django.conf import settings
from django.shortcuts import render

from inventory_site.api.errors import problem_json_response
from inventory_site.email_key import normalise_email

AXES_USERNAME_MAX_LENGTH = 255  # axes' AccessAttempt.username column


def client_username(request, credentials) -> str:
    credentials = credentials or {}
    value = credentials.get("username") or credentials.get("email")
    if value is None and request is not None and hasattr(request, "POST"):
        value = request.POST.get("username") or request.POST.get("email")
    # A key longer than any stored one (the column holds 254) cannot name a user: truncating it is harmless.
    return normalise_email(value)[:AXES_USERNAME_MAX_LENGTH]


def retry_after_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_response(request, original_response, credentials):
    # The attempt that just reached the limit keeps its ordinary failure answer.
    if original_response is not None and not getattr(request, "locked_before_attempt", False):
        return original_response
    headers = {"Retry-After": str(retry_after_seconds())}
    if request.path.startswith("/api/"):
        return problem_json_response(
            429, "locked_out", "Too many failed logins. Try again later.", title="Locked out", headers=headers
        )
    response = render(request, "accounts/locked_out.html", {"cooloff_minutes": retry_after_seconds() // 60}, status=429)
    response["Retry-After"] = headers["Retry-After"]
    return response
