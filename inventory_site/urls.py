from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from inventory_site import redoc, views

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("audit.api_urls")),
    path("", include("catalog.api_urls")),
    path("", include("stock.api_urls")),
    path("", include("orders.api_urls")),
    path("", include("reports.api_urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("redoc/redoc.standalone.js", redoc.redoc_bundle, name="redoc-bundle"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("inventory_site.web_urls")),
    path("", include("catalog.urls")),
    path("", include("stock.urls")),
    path("", include("orders.urls")),
    path("", include("reports.urls")),
]

handler404 = "inventory_site.errors.page_not_found"
handler500 = "inventory_site.errors.server_error"
