from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.index, name="index"),
    path("reports/stock/", views.stock, name="stock"),
    path("reports/low-stock/", views.low_stock, name="low-stock"),
    path("reports/movements/", views.movements, name="movements"),
    path("reports/top-products/", views.top_products, name="top-products"),
]
