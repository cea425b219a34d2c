from inventory_site.api.routing import api_path
from stock import api

ID = r"(?P<pk>[0-9]+)"
urlpatterns = [
    api_path("products", api.ProductListApi.as_view(), "product-list"),
    api_path(rf"products/{ID}", api.ProductDetailApi.as_view(), "product-detail"),
    api_path("stock/movements", api.MovementListApi.as_view(), "movement-list"),
    api_path(rf"stock/movements/{ID}", api.MovementDetailApi.as_view(), "movement-detail"),
    api_path(rf"stock/movements/{ID}/reverse", api.MovementReverseApi.as_view(), "movement-reverse"),
    api_path("stock/counts", api.CountApi.as_view(), "stock-count"),
    api_path("stock/levels", api.LevelListApi.as_view(), "stock-level-list"),
    api_path("stock/documents", api.DocumentListApi.as_view(), "document-list"),
    api_path(rf"stock/documents/{ID}", api.DocumentDetailApi.as_view(), "document-detail"),
    api_path(rf"stock/documents/{ID}/receive", api.DocumentReceiveApi.as_view(), "document-receive"),
    api_path(rf"stock/documents/{ID}/cancel", api.DocumentCancelApi.as_view(), "document-cancel"),
    api_path(rf"stock/documents/{ID}/reverse", api.DocumentReverseApi.as_view(), "document-reverse"),
    api_path("locations", api.LocationListApi.as_view(), "location-list"),
    api_path(rf"locations/{ID}", api.LocationDetailApi.as_view(), "location-detail"),
]
