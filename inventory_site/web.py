"""Helpers every HTML view shares: the admin-only decorator, one-time form tokens, paging and sort links.

Nothing here knows a domain app: views of the apps use these.
"""

import uuid
from enum import StrEnum
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator

from inventory_site import paging

FORM_TOKENS_KEY = "form_tokens"
FORM_TOKENS_KEPT = 20  # open forms per session (several tabs); older tokens simply expire
SPENT_TOKENS_KEY = "form_tokens_spent"
SPENT_TOKENS_KEPT = 50
FORM_TOKEN_TTL = 24 * 3600
PAGE_SIZES = (25, 50, 100)


def admin_required(view):
    """Anonymous: to the login page. Signed in without the admin role: 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not getattr(request.user, "is_admin", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- One-time form tokens: a form posted twice records once ----------------------------------
class FormToken(StrEnum):
    """What a posted form's token says about the post."""

    FRESH = "fresh"  # issued to this session and unused: go ahead (exactly once per token)
    SPENT = "spent"  # a post with it already went through (or is going through right now): do nothing
    UNKNOWN = "unknown"  # never issued here, expired, or its earlier post recorded nothing: re-show the form


def issue_form_token(request) -> str:
    token = uuid.uuid4().hex
    tokens = request.session.get(FORM_TOKENS_KEY, [])[-(FORM_TOKENS_KEPT - 1) :]
    request.session[FORM_TOKENS_KEY] = [*tokens, token]
    return token


def claim_form_token(request, token: str) -> FormToken:
    """``FRESH`` exactly once per issued token, else ``SPENT`` or ``UNKNOWN`` (see FormToken).

    The session says the token was issued here and not yet used (a repeat later); ``cache.add`` is atomic
    and catches two posts arriving together, before either has saved the session. A cache outage
    (``None`` from django-redis) leaves the session check alone in charge.
    """
    tokens = request.session.get(FORM_TOKENS_KEY, [])
    if token and token in tokens:
        if cache.add(f"form-token:{token}", 1, timeout=FORM_TOKEN_TTL) is False:
            return FormToken.SPENT  # the twin of this post holds it
        request.session[FORM_TOKENS_KEY] = [t for t in tokens if t != token]
        request.session.save()
        return FormToken.FRESH
    return FormToken.SPENT if spent_form_token_url(request, token) is not None else FormToken.UNKNOWN


def claim_posted_form_token(request, *, spent: str, expired: str) -> tuple[str, FormToken]:
    """The posted form's token and what claiming it says, with a warning when it is not fresh: ``spent`` for
    a repeat of a post that went through, ``expired`` for a form to re-show with nothing recorded."""
    token = request.POST.get("form_token", "")
    state = claim_form_token(request, token)
    if state != FormToken.FRESH:
        messages.warning(request, spent if state == FormToken.SPENT else expired)
    return token, state


def record_spent_form_token(request, token: str, url: str) -> None:
    """The post with ``token`` recorded something and led to ``url``: a repeat says so and goes there."""
    spent = request.session.get(SPENT_TOKENS_KEY, {})
    spent[token] = url
    request.session[SPENT_TOKENS_KEY] = dict(list(spent.items())[-SPENT_TOKENS_KEPT:])
    cache.set(f"form-token-spent:{token}", url, timeout=FORM_TOKEN_TTL)


def spent_form_token_url(request, token: str) -> str | None:
    """Where the post that spent ``token`` led, or None when no post with it recorded anything."""
    if not token:
        return None
    url = request.session.get(SPENT_TOKENS_KEY, {}).get(token)
    return url if url is not None else cache.get(f"form-token-spent:{token}")


# --- Lists ------------------------------------------------------------------------------------
def paginate(request, queryset, *, default_size: int = paging.DEFAULT_PAGE_SIZE):
    """One page for an HTML list: the API's parameters, read leniently (a bad value shows the first page)."""
    number, size = paging.page_request(request.GET, lenient=True)
    size = size if size in PAGE_SIZES else default_size
    return Paginator(queryset, size).get_page(number)


def sort_links(request, fields, *, default: str, default_order: str = "desc") -> dict:
    """For column headers: the order a click asks for next, and an arrow on the current sort column."""
    current = request.GET.get("sort_by") or default
    order = request.GET.get("sort_order") or default_order
    links = {}
    for field in fields:
        active = field == current
        links[field] = {
            "next": ("asc" if order == "desc" else "desc") if active else default_order,
            "arrow": (" ↓" if order == "desc" else " ↑") if active else "",
        }
    return links
