from csp.constants import SELF
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.views import throttle_login_posts
from inventory_site import redoc, views

# Each app's API and pages sit at the root of their prefix, in this order (the first match wins).
API_APPS = ["accounts", "audit", "catalog", "integrations", "stock", "orders", "reports", "imports"]
PAGE_URLS = ["accounts.urls", "reports.dashboard_urls", "stock.urls", "orders.urls", "reports.urls", "imports.urls"]

api_v1 = [path("", include(f"{app}.api_urls")) for app in API_APPS]

# What ReDoc needs beyond the site's policy, on /redoc only: its search runs in a Web Worker built from a
# blob: URL of its own bundle, and while the bundle loads (before it can read the nonce) it adds two <style>
# elements, allowed by their hashes: an empty one and perfect-scrollbar's CSS. The hashes belong to the pinned
# drf-spectacular-sidecar; after an upgrade the browser test (tests/browser/test_csp.py) names the new ones.
REDOC_CSP = {
    "worker-src": [SELF, "blob:"],
    "style-src": [
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # an empty <style>
        "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar's CSS
    ],
}

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc", csp_update(REDOC_CSP)(SpectacularRedocView.as_view(url_name="schema")), name="redoc"),
    path("redoc/redoc.standalone.js", redoc.redoc_bundle, name="redoc-bundle"),
    # The language picker (templates/base.html) posts here; the choice lives in the language cookie.
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    # The admin's own login view, its POSTs throttled like /login/ (listed first, so it wins the match).
    path("admin/login/", throttle_login_posts(admin.site.login)),
    path("admin/", admin.site.urls),
    *(path("", include(module)) for module in PAGE_URLS),
]

handler404 = "inventory_site.errors.page_not_found"
handler500 = "inventory_site.errors.server_error"
