from inventory_site.api.routing import api_path
from orders import api

urlpatterns = [
    api_path(r"orders", api.OrderListApi.as_view(), "api-order-list"),
    api_path(r"orders/(?P<pk>[0-9]+)", api.OrderDetailApi.as_view(), "api-order-detail"),
    api_path(r"orders/(?P<pk>[0-9]+)/ship", api.OrderShipApi.as_view(), "api-order-ship"),
    api_path(r"orders/(?P<pk>[0-9]+)/deliver", api.OrderDeliverApi.as_view(), "api-order-deliver"),
    api_path(r"orders/(?P<pk>[0-9]+)/cancel", api.OrderCancelApi.as_view(), "api-order-cancel"),
]
