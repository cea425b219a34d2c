import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import Product
from inventory_site.api.errors import problem_json_response
from inventory_site.csv_export import csv_response
from inventory_site.exceptions import DomainError, NotFound
from inventory_site.params import check_text, day_range
from inventory_site.sorting import sort_queryset
from inventory_site.web import (
    FormToken,
    claim_posted_form_token,
    issue_form_token,
    paginate,
    record_spent_form_token,
    sort_links,
    spent_form_token_url,
)
from stock import selectors, services
from stock.exceptions import InsufficientStock
from stock.filters import PRODUCT_SORTS, ProductFilter
from stock.forms import CountForm, MovementFilterForm, MovementForm, ProductFilterForm
from stock.models import ChangeType, Reason

ALREADY_SUBMITTED = gettext_lazy(
    "This form was already submitted: it was recorded once, not a second time. "
    "Check the history before entering it again."
)
EXPIRED = gettext_lazy(
    "This form had expired (open too long, or already used in another tab): nothing was recorded. "
    "Check the entries below and submit again."
)


def _stock_sentence(product, recorded) -> str:
    total, here = recorded.stock, recorded.location_stock
    figures = {"sku": product.sku, "on_hand": total["on_hand"], "available": total["available"]}
    sentence = _("%(sku)s now has %(on_hand)s on hand, %(available)s available") % figures
    if here["on_hand"] != total["on_hand"]:  # held at several locations: say this one's too
        here = {"location": recorded.level.location.code, "on_hand": here["on_hand"], "available": here["available"]}
        sentence += " " + _("(%(location)s: %(on_hand)s on hand, %(available)s available)") % here
    return sentence + "."


def _token_form_page(request, form_class, template, submit, *, keep=None, initial_from=None, counts=False):
    """GET shows a fresh form; POST spends its one-time token, then calls ``submit(form)``.

    ``submit`` returns a success message, or raises DomainError to re-show the form with nothing written.
    After a success the browser goes to a fresh form whose query string carries ``keep(cleaned_data)``
    (what the next entry keeps); GET turns the query string into initial values with ``initial_from``.
    A repeated post of a spent form goes where the first one went; a post with an unknown or expired token
    re-shows the form as typed, with a warning, and records nothing until it is posted again.
    """
    holders = None
    if request.method == "POST":
        form = form_class(request.POST)
        token, state = claim_posted_form_token(request, spent=ALREADY_SUBMITTED, expired=EXPIRED)
        if state == FormToken.SPENT:
            return redirect(spent_form_token_url(request, token) or request.path)
        if state == FormToken.UNKNOWN:
            form.is_valid()  # show the field errors too, but submit nothing
        elif form.is_valid():
            try:
                message = submit(form)
            except DomainError as error:
                form.add_service_error(error)
                holders = getattr(error, "holders", None)
            else:
                messages.success(request, message)
                query = {name: value for name, value in (keep(form.cleaned_data) if keep else {}).items() if value}
                url = f"{request.path}?{urlencode(query)}" if query else request.path
                record_spent_form_token(request, token, url)
                return redirect(url)
        form.renew_token(request)
        status = 400
    else:
        initial = {"form_token": issue_form_token(request), **(initial_from(request.GET) if initial_from else {})}
        form = form_class(initial=initial)
        status = 200
    product = _chosen_product(form)
    context = {
        "form": form,
        "product": product,
        "stock": selectors.stock_figures(product) if product else None,
        "holders": holders,
        "recent_entries": selectors.recent_entries(user=request.user, counts=counts),
    }
    if "change_type" in form.fields:
        context["direction"] = ChangeType.OUT if form["change_type"].value() == ChangeType.OUT else ChangeType.IN
    return render(request, template, context, status=status)


def _chosen_product(form):
    if form.is_bound:
        return form.cleaned_data.get("product") if hasattr(form, "cleaned_data") else None
    sku = form.initial.get("product")
    if not sku:
        return None
    try:
        return form.fields["product"].clean(sku)
    except Exception:  # noqa: BLE001 - an unknown ?product= just leaves the field for the user
        return None


@login_required
@require_http_methods(["GET", "POST"])
def movement_create(request):
    def submit(form):
        data = form.cleaned_data
        recorded = services.record_movement(
            product=data["product"],
            change_type=data["change_type"],
            quantity=data["quantity"],
            user=request.user,
            supplier=data["supplier"] if data["change_type"] == ChangeType.IN else None,
            reason=data["reason"],
            note=data["note"],
            location=data.get("location"),
        )
        movement, product = recorded.movement, data["product"]
        recorded_text = _("Recorded %(type)s %(quantity)s × %(name)s.") % {
            "type": movement.change_type,
            "quantity": movement.quantity,
            "name": product.name,
        }
        return recorded_text + " " + _stock_sentence(product, recorded)

    return _token_form_page(
        request, MovementForm, "stock/movement_form.html", submit, keep=_movement_keeps, initial_from=_movement_initial
    )


def _movement_keeps(data) -> dict:
    """The next scan is usually the same kind of movement: keep its type, supplier and reason (not the note)."""
    supplier = data.get("supplier") if data["change_type"] == ChangeType.IN else None
    location = data.get("location")
    return {
        "type": data["change_type"],
        "supplier": supplier.pk if supplier else None,
        "reason": data.get("reason"),
        "location": location.pk if location else None,
    }


def _movement_initial(query) -> dict:
    initial = _location_initial(query, _product_initial(query))
    if query.get("type") in ChangeType.values:
        initial["change_type"] = query["type"]
    if re.fullmatch(r"[0-9]{1,18}", query.get("supplier", "")):
        initial["supplier"] = query["supplier"]
    if query.get("reason") in Reason.values:
        initial["reason"] = query["reason"]
    return initial


def _location_initial(query, initial: dict) -> dict:
    if re.fullmatch(r"[0-9]{1,18}", query.get("location", "")):
        initial["location"] = query["location"]
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def count_create(request):
    def submit(form):
        data = form.cleaned_data
        try:
            recorded = services.count_stock(
                product=data["product"],
                counted_quantity=data["counted_quantity"],
                user=request.user,
                note=data["note"],
                location=data.get("location"),
            )
        except InsufficientStock as error:  # below what orders hold here: say which orders
            location = data.get("location") or services.default_location()
            error.holders = selectors.open_reservations(product_id=data["product"].pk, location_id=location.pk)
            raise
        product, movement = data["product"], recorded.movement
        if movement is None:
            matches = _("Count matches the books for %(sku)s: nothing to adjust.") % {"sku": product.sku}
            return matches + " " + _stock_sentence(product, recorded)
        counted = _("Count recorded for %(sku)s: %(difference)+d (%(type)s).") % {
            "sku": product.sku,
            "difference": recorded.difference,
            "type": movement.change_type,
        }
        return counted + " " + _stock_sentence(product, recorded)

    return _token_form_page(
        request,
        CountForm,
        "stock/count_form.html",
        submit,
        keep=_count_keeps,
        initial_from=lambda query: _location_initial(query, _product_initial(query)),
        counts=True,
    )


@login_required
@require_POST
def movement_reverse(request, pk):
    """Reverse one of the user's own entries (a one-line reversal document), then back to the form it was
    offered on. A refusal (another user's, already reversed, stock no longer there) is said as a message."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("stock:movement-create")
    movement = selectors.movement_detail(pk)
    if movement is None:
        raise NotFound(_("No movement with this id."))
    try:
        reversal = services.reverse_movement(movement=movement, user=request.user)
    except DomainError as error:
        messages.error(request, _("Movement %(id)s was not reversed: %(reason)s") % {"id": pk, "reason": error.message})
    else:
        messages.success(
            request,
            _("Reversed: %(type)s %(quantity)s × %(sku)s at %(location)s is undone by %(number)s.")
            % {
                "type": movement.change_type,
                "quantity": movement.quantity,
                "sku": movement.product.sku,
                "location": movement.location.code,
                "number": reversal.number,
            },
        )
    return redirect(back)


def _count_keeps(data) -> dict:
    """A stocktake walks one location: keep it for the next count."""
    location = data.get("location")
    return {"location": location.pk if location else None}


def _product_initial(query) -> dict:
    return {"product": query.get("product", "")}


CSV_HEADER = [
    "id",
    "created_at",
    "product_id",
    "sku",
    "name",
    "change_type",
    "quantity",
    "supplier_id",
    "supplier",
    "reason",
    "note",
    "reference",
    "user_id",
    "user",
]


@login_required
@require_GET
def movement_list(request):
    form = MovementFilterForm(request.GET or None)
    movements = selectors.movement_list().select_related("product", "supplier", "user", "location", "document")
    if form.is_bound and form.is_valid():
        movements = _filter_movements(movements, form.cleaned_data)
    elif form.is_bound:
        movements = movements.none()
    if request.GET.get("format") == "csv":
        return csv_response("movements.csv", CSV_HEADER, _csv_rows(movements))
    context = {
        "form": form,
        "page": paginate(request, movements),
        "csv_url": _csv_url(request),
        "sort": sort_links(request, ("created_at", "quantity"), default="created_at"),
    }
    return render(request, "stock/movement_list.html", context, status=400 if form.errors else 200)


def _filter_movements(movements, data):
    for field in ("change_type", "product", "user", "supplier", "reason"):
        if data.get(field):
            movements = movements.filter(**{field: data[field]})
    if data.get("location"):  # a location and its sub-locations, as the API's location_id
        movements = movements.filter(location_id__in=selectors.locations_for(data["location"].pk))
    if data.get("document"):
        movements = movements.filter(document_id=data["document"])
    low, high = day_range(data.get("start_date"), data.get("end_date"))
    if low:
        movements = movements.filter(created_at__gte=low)
    if high:
        movements = movements.filter(created_at__lt=high)
    sort_by = data.get("sort_by") or "created_at"
    prefix = "" if data.get("sort_order") == "asc" else "-"
    return movements.order_by(f"{prefix}{sort_by}", f"{prefix}id")


def _csv_rows(movements):
    for m in movements.iterator(chunk_size=2000):
        yield [
            m.pk,
            m.created_at.isoformat(),
            m.product_id,
            m.product.sku,
            m.product.name,
            m.change_type,
            m.quantity,
            m.supplier_id or "",
            m.supplier.name if m.supplier else "",
            m.reason,
            m.note,
            m.reference,
            m.user_id or "",
            m.user.email if m.user else "",
        ]


def _csv_url(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query["format"] = "csv"
    return f"{reverse('stock:movement-list')}?{query.urlencode()}"


LOOKUP_LIMIT = 20


@login_required
@require_GET
def product_list(request):
    """The catalogue with its figures: the API's product filters and sort fields, on the form's names."""
    form = ProductFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    params = {
        "search": filters.get("search", ""),
        "category_id": filters["category"].pk if filters.get("category") else "",
        "low_stock": "true" if filters.get("low_stock") else "",
        "sort_by": filters.get("sort_by") or "",
        "sort_order": filters.get("sort_order") or "",
    }
    status = filters.get("status") or "active"
    if status != "all":
        params["is_active"] = "true" if status == "active" else "false"
    products = ProductFilter(params, queryset=selectors.product_list().select_related("category")).qs
    products = sort_queryset(products, params, fields=PRODUCT_SORTS, default="name")
    context = {"form": form, "page": paginate(request, products)}
    return render(request, "stock/product_list.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def product_lookup(request):
    """Suggestions for the product picker: by SKU or name, an exact SKU first, never more than a handful."""
    try:
        text = check_text(request.GET.get("q", "").strip())
    except ValidationError as error:
        return problem_json_response(400, "invalid", f"q: {error.messages[0]}", errors={"q": error.messages})
    if not text:
        return JsonResponse({"results": []})
    products = Product.objects.filter(Q(sku__istartswith=text) | Q(name__icontains=text))
    if request.GET.get("all") != "1":
        products = products.filter(is_active=True)
    exact_first = Case(When(sku__iexact=text, then=Value(0)), default=Value(1), output_field=IntegerField())
    products = selectors.with_stock_figures(products).annotate(exact=exact_first).order_by("exact", "sku")
    products = products[:LOOKUP_LIMIT]
    results = [
        {
            "id": p.pk,
            "sku": p.sku,
            "name": p.name,
            "unit": p.unit,
            "is_active": p.is_active,
            "on_hand": p.on_hand,
            "reserved": p.reserved,
            "available": p.available,
        }
        for p in products
    ]
    return JsonResponse({"results": results})
