"""The dashboard: what the signed-in user should look at first. It reads stock and orders, so it lives here."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone

from inventory_site.params import day_range
from orders.models import Order, Status
from stock import selectors as stock_selectors
from stock.models import ChangeType, StockMovement


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
    return Order.objects.filter(status__in=[Status.PENDING, Status.CONFIRMED]).select_related("created_by")


def _admin_dashboard() -> dict:
    today_start, _ = day_range(timezone.localdate(), None)
    totals = StockMovement.objects.filter(created_at__gte=today_start).aggregate(
        total_in=Coalesce(Sum("quantity", filter=Q(change_type=ChangeType.IN)), 0),
        total_out=Coalesce(Sum("quantity", filter=Q(change_type=ChangeType.OUT)), 0),
        count=Count("id"),
    )
    low = stock_selectors.low_stock(stock_selectors.product_list().filter(is_active=True)).select_related(
        "category"
    )
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
