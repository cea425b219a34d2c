"""Every HTML page of the application, found by walking the URL patterns, with the demo's data behind them.

The accessibility and layout tests visit what `page_urls()` returns, so a new page is covered as soon as its URL
pattern exists: a pattern with a parameter this module has no sample for fails `test_every_pattern_is_walked`
until a sample (or a reason it is not a page) is added here.
"""

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from imports import services as import_services
from imports.models import Import
from orders.management.commands.seed_demo import load_demo
from orders.models import Order
from stock import selectors as stock_selectors
from stock.models import Document, Location

# Not pages: JSON endpoints, POST-only actions and redirects (each checked to answer a GET with JSON, 405 or a
# redirect: tests/web/test_accessible_markup.py).
NOT_PAGES = {
    "stock:movement-reverse": "POST only",
    "set_language": "the language picker's POST (a GET only redirects)",
    "imports:apply": "POST only",
    "imports:errors": "a CSV download",
    "orders:order-find": "a redirect to the order named, or to the list searched for it",
    "stock:product-lookup": "JSON for the product picker",
    "orders:order-status": "JSON for a pending order's poll",
    "orders:order-action": "POST only (ship, deliver, cancel)",
    "stock:document-action": "POST only (reverse, receive, cancel)",
    "accounts:logout": "POST only",
}
# Outside the walk: the JSON API, Django admin (Django's own pages), the API docs (Swagger UI and ReDoc render
# third-party markup; their templates' `lang` is checked by a view test), health probes and assets.
SKIPPED_PREFIXES = ("api/", "admin/", "docs", "redoc", "healthz", "readyz", "static/")

# Pages in more than one state: query strings that change what the page shows.
VARIANTS = {
    "stock:movement-create": ["?type=IN", "?type=OUT"],
    "stock:document-create": ["?kind=receipt", "?kind=issue", "?kind=transfer", "?kind=count"],
    "reports:movements": ["", "?group_by=product"],
    "reports:top-products": ["", "?direction=in"],
    "stock:product-list": ["", "?low_stock=on"],
}


def html_patterns() -> list[tuple[str, str, list[str]]]:
    """(view name, route, parameter names) of every URL pattern outside SKIPPED_PREFIXES."""
    found = []

    def walk(patterns, prefix: str, namespace: str):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, route, inner)
            elif isinstance(entry, URLPattern):
                converters = getattr(entry.pattern, "converters", {})
                found.append((f"{namespace}{entry.name}", route, list(converters)))

    walk(get_resolver().url_patterns, "", "")
    return found


def samples() -> dict[str, list[int]]:
    """Ids for detail pages, by the route's first segment: one of each kind of thing the demo has (an order per
    status, a document per kind and state, a product low on stock and one that is not)."""
    orders: dict = {}
    for order in Order.objects.order_by("id"):
        orders.setdefault(order.status, order.pk)
    documents: dict = {}
    for document in Document.objects.order_by("-id"):
        documents.setdefault((document.kind, document.status, document.reverses_id is None), document.pk)
    products = stock_selectors.product_list().order_by("id")
    low = list(stock_selectors.low_stock(products).values_list("pk", flat=True)[:1])
    plenty = list(stock_selectors.low_stock(products, False).values_list("pk", flat=True)[:1])
    return {
        "orders": list(orders.values()),
        "stock/documents": list(documents.values()),
        "products": low + plenty,
        "locations": list(Location.objects.order_by("id").values_list("pk", flat=True)[:2]),
        "imports": list(Import.objects.order_by("id").values_list("pk", flat=True)[:1]),
    }


def _ids_for(route: str, given: dict[str, list[int]]) -> list[int] | None:
    for prefix, ids in given.items():
        if route.startswith(prefix + "/"):
            return ids
    return None


def page_urls() -> tuple[list[str], list[str]]:
    """(URLs to visit, view names with a parameter but no sample)."""
    urls: list[str] = []
    missing: list[str] = []
    given = samples()
    for name, route, parameters in html_patterns():
        if name in NOT_PAGES:
            continue
        ids = _ids_for(route, given)
        if parameters and (parameters != ["pk"] or not ids):
            missing.append(name)
            continue
        for kwargs in [{"pk": pk} for pk in ids] if parameters else [None]:
            base = reverse(name, kwargs=kwargs)
            urls.extend(base + query for query in VARIANTS.get(name, [""]))
    return urls, missing


def load_demo_data(admin, staff) -> None:
    """The demo of `make run` (catalogue, four weeks of stock, locations, documents, orders in every state), with
    the test's admin and staff as its users (same emails)."""
    assert admin.email == "admin@example.com" and staff.email == "staff@example.com"
    load_demo()
    # An import checked and waiting (one good row, one bad), for the import's own page.
    job = import_services.create_import(
        actor=admin,
        kind="products",
        data=b"sku,name,category,unit_price\nIMP-1,Imported crate,Tools,4.50\n,No SKU,Tools,x\n",
        file_name="demo.csv",
    )
    import_services.validate_import(job.pk)
