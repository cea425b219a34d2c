from django.urls import path

from stock import document_views, product_views, views

app_name = "stock"
urlpatterns = [
    path("products/", views.product_list, name="product-list"),
    path("products/lookup/", views.product_lookup, name="product-lookup"),
    path("products/new/", product_views.product_create, name="product-create"),
    path("products/<int:pk>/", product_views.product_detail, name="product-detail"),
    path("products/<int:pk>/edit/", product_views.product_edit, name="product-edit"),
    path("stock/movements/", views.movement_list, name="movement-list"),
    path("stock/movements/new/", views.movement_create, name="movement-create"),
    path("stock/movements/<int:pk>/reverse/", views.movement_reverse, name="movement-reverse"),
    path("stock/counts/new/", views.count_create, name="count-create"),
    path("stock/documents/", document_views.document_list, name="document-list"),
    path("stock/documents/new/", document_views.document_create, name="document-create"),
    path("stock/documents/<int:pk>/", document_views.document_detail, name="document-detail"),
    path("stock/documents/<int:pk>/print/", document_views.document_print, name="document-print"),
    path("stock/documents/<int:pk>/<slug:action>/", document_views.document_action, name="document-action"),
    path("locations/", document_views.location_list, name="location-list"),
]
