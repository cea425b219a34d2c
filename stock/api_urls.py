from inventory_site.api.routing import api_path
from stock import api

urlpatterns = [
    api_path("products", api.ProductListApi.as_view(), "product-list"),
    api_path(r"products/(?P<pk>[0-9]+)", api.ProductDetailApi.as_view(), "product-detail"),
    api_path("stock/movements", api.MovementListApi.as_view(), "movement-list"),
    api_path(r"stock/movements/(?P<pk>[0-9]+)", api.MovementDetailApi.as_view(), "movement-detail"),
    api_path("stock/counts", api.CountApi.as_view(), "stock-count"),
    api_path("stock/levels", api.LevelListApi.as_view(), "stock-level-list"),
]
