from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, prefetch_related_objects
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from inventory_site.exceptions import Conflict, DomainError
from inventory_site.web import (
    FormToken,
    claim_posted_form_token,
    issue_form_token,
    paginate,
    record_spent_form_token,
    spent_form_token_url,
)
from orders import policy, selectors, services
from orders.forms import HEADER_FIELDS, LINE_PREFIX, MINE, OrderFilterForm, OrderForm, OrderLineFormSet
from orders.models import Status, order_id_from_number
from stock import selectors as stock_selectors

ALREADY_PLACED = gettext_lazy("This order was already submitted: it was not placed a second time.")
EXPIRED = gettext_lazy(
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
        if data["placed_by"] == MINE:
            orders = orders.filter(created_by=request.user)
    mine = form.is_valid() and form.cleaned_data["placed_by"] == MINE
    context = {"form": form, "page": paginate(request, orders), "mine": mine}
    return render(request, "orders/order_list.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def order_create(request):
    if request.method == "GET":
        if request.GET.get("copy"):
            return _copy_form(request, request.GET["copy"])
        form = OrderForm(initial={"form_token": issue_form_token(request)})
        return _render_form(request, form, OrderLineFormSet(prefix=LINE_PREFIX))
    form = OrderForm(request.POST)
    lines = OrderLineFormSet(request.POST, prefix=LINE_PREFIX)
    token, state = claim_posted_form_token(request, spent=ALREADY_PLACED, expired=EXPIRED)
    if state == FormToken.SPENT:
        return redirect(spent_form_token_url(request, token) or "orders:order-list")
    if state == FormToken.UNKNOWN:
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
            messages.success(request, _("Order %(number)s placed: stock is being reserved.") % {"number": order.number})
            url = reverse("orders:order-detail", kwargs={"pk": order.pk})
            record_spent_form_token(request, token, url)  # a repeat of this post goes to this order
            return redirect(url)
    form.renew_token(request)
    return _render_form(request, form, lines, status=400)


def _render_form(request, form, lines, status=200, copied_from=None):
    if status == 400:
        _focus_first_error(form, lines)
    context = {"form": form, "lines": lines, "copied_from": copied_from}
    return render(request, "orders/order_form.html", context, status=status)


def _focus_first_error(form, lines) -> None:
    """A re-shown order puts the cursor on its first bad field, a header's or a line's (no JavaScript needed)."""
    for candidate in [form, *lines.forms]:
        for name, field in candidate.fields.items():
            if name in candidate.errors:
                field.widget.attrs["autofocus"] = True
                return
        if candidate is not form and candidate.non_field_errors():
            next(iter(candidate.fields.values())).widget.attrs["autofocus"] = True
            return


def _copy_form(request, pk):
    """A new order form filled from order ``pk`` (a rejected one, typically): its header and its lines, each
    quantity reduced to what is available now (at the order's location, if it named one), marked so."""
    original = selectors.order_detail(user=request.user, pk=pk)
    items = list(original.items.all())
    location_ids = stock_selectors.locations_for(original.location_id)
    available = dict(
        stock_selectors.product_list(location_ids=location_ids)
        .filter(pk__in=[item.product_id for item in items])
        .values_list("pk", "available")
    )
    initial, notes = [], []
    for item in items:
        now = max(0, available.get(item.product_id, 0))
        quantity = min(item.quantity, now)
        initial.append({"product": item.product.sku, "quantity": quantity})
        notes.append({"requested": item.quantity, "available": now} if quantity < item.quantity else None)
    header = {name: getattr(original, name) for name in HEADER_FIELDS}
    header.update(form_token=issue_form_token(request), location=original.location_id)
    lines = OrderLineFormSet(prefix=LINE_PREFIX, initial=initial)
    for line, note in zip(lines.forms, notes, strict=False):
        line.reduced = note
    if any(notes):
        messages.warning(request, _("Some quantities were reduced to what is available now: check the marked lines."))
    return _render_form(request, OrderForm(initial=header), lines, copied_from=original)


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
    return _render_order(request, pk, "orders/order_detail.html")


def _render_order(request, pk, template):
    order = selectors.order_detail(user=request.user, pk=pk)
    return render(request, template, _detail_context(request, order))


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
@require_http_methods(["GET", "POST"])
def order_action(request, pk, action):
    """One of orders.policy.ACTIONS. An unknown action or order is the 404 page and a refusal the 403 page
    (inventory_site.middleware); a conflict (the wrong status) is said on the order's page.

    GET of ``ship`` is its confirmation page (shipping writes OUT movements); no other action has a GET."""
    order = selectors.order_detail(user=request.user, pk=pk)
    if request.method == "GET":
        if action != policy.SHIP.name:
            return HttpResponseNotAllowed(["POST"])
        return _ship_confirmation(request, order)
    try:
        order = services.act(order=order, user=request.user, action=action)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        status = Status(policy.ACTIONS[action].to_status).label.lower()
        messages.success(request, _("Order %(number)s %(status)s.") % {"number": order.number, "status": status})
    return redirect("orders:order-detail", pk=pk)


def _ship_confirmation(request, order):
    """What shipping ``order`` will take out, and where, with the button that does it."""
    try:
        policy.check(request.user, order, policy.SHIP)
    except Conflict as error:
        messages.error(request, error.message)
        return redirect("orders:order-detail", pk=order.pk)
    return render(request, "orders/ship_confirm.html", _detail_context(request, order))


@login_required
@require_GET
def order_print(request, pk):
    """The order's pick list and packing slip on one printable page."""
    return _render_order(request, pk, "orders/order_print.html")


@login_required
@require_GET
def order_find(request):
    """An order named by its number (a movement's reference): its page, or else the list searched for it."""
    number = request.GET.get("number", "")[:64]
    order_id = order_id_from_number(number.strip().upper())
    if order_id is not None and selectors.order_list(user=request.user).filter(pk=order_id).exists():
        return redirect("orders:order-detail", pk=order_id)
    return redirect(f"{reverse('orders:order-list')}?{urlencode({'search': number})}")
