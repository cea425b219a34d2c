from catalog import api
from inventory_site.api.routing import api_path

urlpatterns = [
    api_path("categories", api.CategoryListApi.as_view(), "category-list"),
    api_path(r"categories/(?P<pk>[0-9]+)", api.CategoryDetailApi.as_view(), "category-detail"),
    api_path("suppliers", api.SupplierListApi.as_view(), "supplier-list"),
    api_path(r"suppliers/(?P<pk>[0-9]+)", api.SupplierDetailApi.as_view(), "supplier-detail"),
]
