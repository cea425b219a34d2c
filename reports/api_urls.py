from inventory_site.api.routing import api_path
from reports import api

urlpatterns = [
    api_path("reports/stock", api.StockReportApi.as_view(), "report-stock"),
    api_path("reports/low-stock", api.LowStockReportApi.as_view(), "report-low-stock"),
    api_path("reports/movements", api.MovementsReportApi.as_view(), "report-movements"),
    api_path("reports/top-products", api.TopProductsReportApi.as_view(), "report-top-products"),
]
