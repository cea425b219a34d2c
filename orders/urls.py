from django.urls import path

from orders import views

app_name = "orders"
urlpatterns = [
    path("orders/", views.order_list, name="order-list"),
    path("orders/new/", views.order_create, name="order-create"),
    path("orders/find/", views.order_find, name="order-find"),
    path("orders/<int:pk>/", views.order_detail, name="order-detail"),
    path("orders/<int:pk>/status/", views.order_status, name="order-status"),
    path("orders/<int:pk>/print/", views.order_print, name="order-print"),
    path("orders/<int:pk>/<str:action>/", views.order_action, name="order-action"),
]
