from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("products/", views.product_list, name="product-list"),
    path("products/lookup/", views.product_lookup, name="product-lookup"),
]
