import django_filters
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from inventory_site.api.docs import IDEMPOTENCY_KEY, PAGE_PARAMETERS, problem_responses, sort_parameters
from inventory_site.api.filters import DateRangeFilterSet
from inventory_site.api.idempotency import idempotent
from inventory_site.api.sorting import SortMixin
from orders import policy, selectors, services
from orders.models import Order, Priority, Status
from orders.serializers import OrderCreateSerializer, OrderSerializer, validated_order_input


class OrderFilter(DateRangeFilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)

    class Meta:
        model = Order
        fields = ["status", "priority"]


FILTER_PARAMETERS = [
    OpenApiParameter("status", str, enum=Status.values),
    OpenApiParameter("priority", str, enum=Priority.values),
    OpenApiParameter("start_date", str, description="ISO date (whole day in TIME_ZONE) or date-time."),
    OpenApiParameter("end_date", str, description="ISO date, inclusive, or date-time."),
]
SORT_FIELDS = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "number": "id",
    "status": "status",
    "priority": "priority",
    "customer_name": "customer_name",
}


class OrderListApi(SortMixin, GenericAPIView):
    """Orders: every signed-in user sees every order (orders.policy). Place one with POST (202, processed by a job)."""

    serializer_class = OrderCreateSerializer  # what OPTIONS describes for POST
    scopes = {"GET": "orders:read", "POST": "orders:write"}
    sort_fields = SORT_FIELDS
    default_sort = "-created_at"

    @extend_schema(
        parameters=[*FILTER_PARAMETERS, *sort_parameters(SORT_FIELDS), *PAGE_PARAMETERS],
        responses={200: OrderSerializer(many=True), **problem_responses(400, 401)},
    )
    def get(self, request):
        filterset = OrderFilter(request.query_params, queryset=selectors.order_list(user=request.user))
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        page = selectors.attach_allocations(self.paginate_queryset(self.sort(filterset.qs)))
        return self.get_paginated_response(OrderSerializer(page, many=True).data)

    @extend_schema(
        request=OrderCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            202: OpenApiResponse(OrderSerializer, description="Accepted as pending; `Location` is the order's URL."),
            **problem_responses(400, 401, 409, 415),
        },
        description="Accept an order as `pending`; a job reserves its lines (all or none) and sets `confirmed` or "
        "`rejected`. With `location_id` every line is reserved at that location (or below it) or the order is "
        "rejected; without it the job takes one sellable location that fills the whole order (lowest `priority`, "
        "then lowest id), else splits lines across sellable locations. Follow `Location` to see the outcome "
        "and each item's `allocations`.",
    )
    @idempotent
    def post(self, request):
        order = services.place_order(user=request.user, **validated_order_input(request.data))
        location = reverse("api-order-detail", kwargs={"pk": order.pk})
        return Response(OrderSerializer(order).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class OrderDetailApi(APIView):
    """One order with its items, status history and rejection reason."""

    scopes = {"GET": "orders:read"}

    @extend_schema(responses={200: OrderSerializer, **problem_responses(401, 404)})
    def get(self, request, pk):
        return Response(OrderSerializer(selectors.order_detail(user=request.user, pk=pk)).data)


class _OrderActionApi(APIView):
    """An action of orders.policy.ACTIONS; answers the order as it is afterwards (404, then 403, then 409)."""

    action = ""
    scopes = {"POST": "orders:write"}

    def post(self, request, pk):
        order = selectors.order_detail(user=request.user, pk=pk)
        services.act(order=order, user=request.user, action=self.action)
        return Response(OrderSerializer(selectors.order_detail(user=request.user, pk=pk)).data)


def _action_schema(*statuses: int, description: str):
    return extend_schema_view(
        post=extend_schema(
            request=None,
            responses={200: OrderSerializer, **problem_responses(401, *statuses)},
            description=description,
        )
    )


@_action_schema(
    404,
    409,
    description="confirmed -> shipped: one OUT movement per allocation, at its location (reason `sale`, reference "
    "the order number). Admins and staff, on any order.",
)
class OrderShipApi(_OrderActionApi):
    action = policy.SHIP.name


@_action_schema(404, 403, 409, description="shipped -> delivered. Admins only (403 for staff, on any order).")
class OrderDeliverApi(_OrderActionApi):
    action = policy.DELIVER.name  # orders.policy: admins only (staff and API clients: 403)


@_action_schema(
    404,
    403,
    409,
    description="pending or confirmed -> cancelled; its allocations are released. Admins cancel any order, staff "
    "only the orders they placed (another user's: 403 `permission_denied`).",
)
class OrderCancelApi(_OrderActionApi):
    action = policy.CANCEL.name
