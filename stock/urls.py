from django.urls import path

from stock import views

app_name = "stock"
urlpatterns = [
    path("products/", views.product_list, name="product-list"),
    path("products/lookup/", views.product_lookup, name="product-lookup"),
    path("stock/movements/", views.movement_list, name="movement-list"),
    path("stock/movements/new/", views.movement_create, name="movement-create"),
    path("stock/counts/new/", views.count_create, name="count-create"),
]
