from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.forms import ProductFilterForm
from catalog.models import Product
from inventory_site.api.errors import problem_json_response
from inventory_site.params import check_text
from inventory_site.web import paginate, with_stock

LOOKUP_LIMIT = 20


@login_required
@require_GET
def product_list(request):
    form = ProductFilterForm(request.GET or None)
    products = with_stock(Product.objects.select_related("category"))
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status") or "active"
    if status != "all":
        products = products.filter(is_active=status == "active")
    if search := filters.get("search", "").strip():
        products = products.filter(Q(name__icontains=search) | Q(sku__icontains=search))
    if filters.get("category"):
        products = products.filter(category=filters["category"])
    if filters.get("low_stock"):
        products = products.filter(available__lte=F("min_quantity"))
    field = filters.get("sort_by") or "name"
    prefix = "-" if filters.get("sort_order") == "desc" else ""
    products = products.order_by(f"{prefix}{field}", "id")
    context = {"form": form, "page": paginate(request, products)}
    return render(request, "catalog/product_list.html", context, status=400 if form.errors else 200)


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
    products = with_stock(products).annotate(exact=exact_first).order_by("exact", "sku")[:LOOKUP_LIMIT]
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
