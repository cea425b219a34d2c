from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, prefetch_related_objects
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from inventory_site.exceptions import Conflict, DomainError
from inventory_site.web import (
    FormToken,
    claim_form_token,
    issue_form_token,
    paginate,
    record_spent_form_token,
    spent_form_token_url,
)
from orders import policy, selectors, services
from orders.forms import HEADER_FIELDS, LINE_PREFIX, OrderFilterForm, OrderForm, OrderLineFormSet
from orders.models import Status

ALREADY_PLACED = "This order was already submitted: it was not placed a second time."
EXPIRED = (
    "This form had expired (open too long, or already used in another tab): the order was not placed. "
    "Check it and press Place order again."
)


@login_required
@require_GET
def order_list(request):
    form = OrderFilterForm(request.GET or None)
    orders = selectors.order_list(user=request.user).select_related("created_by")
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            orders = orders.filter(status=data["status"])
        if data["priority"]:
            orders = orders.filter(priority=data["priority"])
        if search := data["search"].strip():
            orders = orders.filter(Q(number__icontains=search) | Q(customer_name__icontains=search))
    context = {"form": form, "page": paginate(request, orders)}
    return render(request, "orders/order_list.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def order_create(request):
    if request.method == "GET":
        form = OrderForm(initial={"form_token": issue_form_token(request)})
        return _render_form(request, form, OrderLineFormSet(prefix=LINE_PREFIX))
    form = OrderForm(request.POST)
    lines = OrderLineFormSet(request.POST, prefix=LINE_PREFIX)
    token = request.POST.get("form_token", "")
    state = claim_form_token(request, token)
    if state == FormToken.SPENT:
        messages.warning(request, ALREADY_PLACED)
        return redirect(spent_form_token_url(request, token) or "orders:order-list")
    if state == FormToken.UNKNOWN:
        messages.warning(request, EXPIRED)
        form.is_valid()  # show the field errors too, but place nothing
        lines.is_valid()
    elif form.is_valid() and lines.is_valid():
        try:
            order = services.place_order(
                user=request.user,
                items=[{"product_id": data["product"].pk, "quantity": data["quantity"]} for _, data in lines.lines()],
                location_id=location.pk if (location := form.cleaned_data.get("location")) else None,
                **{name: form.cleaned_data[name] for name in HEADER_FIELDS},
            )
        except DomainError as error:
            lines.add_service_error(error)
            form.add_service_error(error)
        else:
            messages.success(request, f"Order {order.number} placed: stock is being reserved.")
            url = reverse("orders:order-detail", kwargs={"pk": order.pk})
            record_spent_form_token(request, token, url)  # a repeat of this post goes to this order
            return redirect(url)
    form.data = form.data.copy()
    form.data["form_token"] = issue_form_token(request)
    return _render_form(request, form, lines, status=400)


def _render_form(request, form, lines, status=200):
    return render(request, "orders/order_form.html", {"form": form, "lines": lines}, status=status)


def _detail_context(request, order) -> dict:
    prefetch_related_objects([order], "history__by")
    items = list(order.items.all())
    allocations = getattr(order, "allocations", None)
    if allocations is None:
        allocations = selectors.attach_allocations([order])[0].allocations
    codes = selectors.location_codes({a["location_id"] for rows in allocations.values() for a in rows})
    for item in items:
        item.line_total = item.unit_price * item.quantity
        item.allocated = [
            {"code": codes.get(a["location_id"], a["location_id"]), **a} for a in allocations.get(item.product_id, [])
        ]
    return {
        "order": order,
        "items": items,
        "order_total": sum((item.line_total for item in items), Decimal("0")),
        "actions": selectors.available_actions(order=order, user=request.user),
        "is_pending": order.status == Status.PENDING,
    }


@login_required
@require_GET
def order_detail(request, pk):
    order = selectors.order_detail(user=request.user, pk=pk)
    return render(request, "orders/order_detail.html", _detail_context(request, order))


@login_required
@require_GET
def order_status(request, pk):
    """Polled by a pending order's page: the status and the panel to show once it changes."""
    order = selectors.order_detail(user=request.user, pk=pk)
    html = render_to_string("orders/_status_panel.html", _detail_context(request, order), request=request)
    response = JsonResponse(
        {
            "id": order.pk,
            "number": order.number,
            "status": order.status,
            "status_label": order.get_status_display(),
            "rejection_reason": order.rejection_reason,
            "html": html,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def order_action(request, pk, action):
    """One of orders.policy.ACTIONS. An unknown action or order is the 404 page and a refusal the 403 page
    (inventory_site.middleware); a conflict (the wrong status) is said on the order's page."""
    order = selectors.order_detail(user=request.user, pk=pk)
    try:
        order = services.act(order=order, user=request.user, action=action)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Order {order.number} {policy.ACTIONS[action].to_status}.")
    return redirect("orders:order-detail", pk=pk)
