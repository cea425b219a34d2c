"""The dashboard: what the signed-in user should look at first. It reads stock and orders, so it lives here.

Stock figures and "low stock" come from ``stock.selectors`` (through ``reports.selectors``), orders from the
orders models.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from inventory_site.params import local_day_bounds
from orders.models import Order, Status
from reports import selectors
from stock import selectors as stock_selectors


@login_required
def dashboard(request):
    user = request.user
    movements = stock_selectors.movement_list().select_related("product", "user", "supplier")
    context = {"recent_movements": (movements if user.is_admin else movements.filter(user=user))[:10]}
    if user.is_admin:
        context.update(_admin_dashboard())
    else:
        context["my_open_orders"] = _open_orders().filter(created_by=user)[:10]
    return render(request, "dashboard.html", context)


def _open_orders():
    return Order.objects.filter(status__in=[Status.PENDING, Status.CONFIRMED]).select_related("created_by")


def _admin_dashboard() -> dict:
    today_start, tomorrow_start = local_day_bounds(timezone.localdate())
    low = selectors.low_stock_products()
    orders = _open_orders()
    return {
        "today": selectors.movement_totals(start=today_start, end=tomorrow_start),
        "low_stock": low[:10],
        "low_stock_count": low.count(),
        "pending_orders": orders.filter(status=Status.PENDING)[:10],
        "confirmed_orders": orders.filter(status=Status.CONFIRMED)[:10],
        "order_counts": orders.aggregate(
            pending=Count("id", filter=Q(status=Status.PENDING)),
            confirmed=Count("id", filter=Q(status=Status.CONFIRMED)),
        ),
    }
