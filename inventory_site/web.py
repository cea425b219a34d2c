"""The staff web interface: the dashboard and the helpers every HTML view shares.

Views here read models and call services; they never write a model themselves.
"""

import uuid

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
PAGE_SIZES = (25, 50, 100)


# --- One-time form tokens: a form posted twice records once ----------------------------------
def issue_form_token(request) -> str:
    token = uuid.uuid4().hex
    tokens = request.session.get(FORM_TOKENS_KEY, [])[-(FORM_TOKENS_KEPT - 1) :]
    request.session[FORM_TOKENS_KEY] = [*tokens, token]
    return token


def consume_form_token(request, token: str) -> bool:
    """True exactly once per issued token.

    The session says the token was issued here and not yet spent (a repeat later); ``cache.add`` is atomic
    and catches two posts arriving together, before either has saved the session. A cache outage
    (``None`` from django-redis) leaves the session check alone in charge.
    """
    tokens = request.session.get(FORM_TOKENS_KEY, [])
    if not token or token not in tokens:
        return False
    if cache.add(f"form-token:{token}", 1, timeout=24 * 3600) is False:
        return False
    request.session[FORM_TOKENS_KEY] = [t for t in tokens if t != token]
    request.session.save()
    return True


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
