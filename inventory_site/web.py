"""The staff web interface: the dashboard and the helpers every HTML view shares.

Views here read models and call services; they never write a model themselves.
"""

import uuid
from enum import StrEnum

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone

from catalog.models import Product
from inventory_site.params import day_range
from stock.models import ChangeType, StockMovement

FORM_TOKENS_KEY = "form_tokens"
FORM_TOKENS_KEPT = 20  # open forms per session (several tabs); older tokens simply expire
SPENT_TOKENS_KEY = "form_tokens_spent"
SPENT_TOKENS_KEPT = 50
FORM_TOKEN_TTL = 24 * 3600
PAGE_SIZES = (25, 50, 100)


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


# --- Stock figures on products: one join, zeros for a product without a level row -------------
def with_stock(products):
    on_hand = Coalesce(F("stock_level__total_in") - F("stock_level__total_out"), Value(0), output_field=IntegerField())
    reserved = Coalesce(F("stock_level__reserved"), Value(0), output_field=IntegerField())
    return products.annotate(on_hand=on_hand, reserved=reserved).annotate(available=F("on_hand") - F("reserved"))


def low_stock(products):
    return with_stock(products).filter(available__lte=F("min_quantity"))


def stock_of(product: Product) -> dict:
    level = getattr(product, "stock_level", None) if product.pk else None
    if level is None:
        return {"on_hand": 0, "reserved": 0, "available": 0}
    return {"on_hand": level.on_hand, "reserved": level.reserved, "available": level.available}


# --- Lists ------------------------------------------------------------------------------------
def paginate(request, queryset, *, default_size: int = 25):
    try:
        size = int(request.GET.get("page_size", default_size))
    except ValueError:
        size = default_size
    size = size if size in PAGE_SIZES else default_size
    return Paginator(queryset, size).get_page(request.GET.get("page"))


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


# --- Dashboard ----------------------------------------------------------------------------------
@login_required
def dashboard(request):
    user = request.user
    movements = StockMovement.objects.select_related("product", "user", "supplier")
    context = {"recent_movements": (movements if user.is_admin else movements.filter(user=user))[:10]}
    if user.is_admin:
        context.update(_admin_dashboard())
    else:
        context["my_open_orders"] = _open_orders().filter(created_by=user)[:10]
    return render(request, "dashboard.html", context)


def _open_orders():
    from orders.models import Order, Status

    return Order.objects.filter(status__in=[Status.PENDING, Status.CONFIRMED]).select_related("created_by")


def _admin_dashboard() -> dict:
    from orders.models import Status

    today_start, _ = day_range(timezone.localdate(), None)
    totals = StockMovement.objects.filter(created_at__gte=today_start).aggregate(
        total_in=Coalesce(Sum("quantity", filter=Q(change_type=ChangeType.IN)), 0),
        total_out=Coalesce(Sum("quantity", filter=Q(change_type=ChangeType.OUT)), 0),
        count=Count("id"),
    )
    low = low_stock(Product.objects.filter(is_active=True)).select_related("category")
    orders = _open_orders()
    return {
        "today": totals,
        "low_stock": low.annotate(shortfall=F("min_quantity") - F("available")).order_by("-shortfall", "name")[:10],
        "low_stock_count": low.count(),
        "pending_orders": orders.filter(status=Status.PENDING)[:10],
        "confirmed_orders": orders.filter(status=Status.CONFIRMED)[:10],
        "order_counts": orders.aggregate(
            pending=Count("id", filter=Q(status=Status.PENDING)),
            confirmed=Count("id", filter=Q(status=Status.CONFIRMED)),
        ),
    }
