"""Stock API: movements (create and history, never update or delete), counts and levels. Every signed-in user."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from catalog.api import ListApi, found, validated
from catalog.selectors import low_stock
from inventory_site.api.docs import IDEMPOTENCY_KEY, PAGE_PARAMETERS, problem_responses, sort_parameters
from inventory_site.api.filters import DateRangeFilterSet, StrictBooleanFilter
from inventory_site.api.idempotency import idempotent
from inventory_site.api.pagination import LargeTablePagination
from inventory_site.exceptions import Invalid
from stock import selectors, services
from stock.models import ChangeType, Reason
from stock.serializers import (
    CountCreateSerializer,
    CountResultSerializer,
    MovementCreateSerializer,
    MovementSerializer,
    MovementWithStockSerializer,
    StockLevelRowSerializer,
    movement_representation,
)


def known(obj, field: str, message: str):
    """An unknown id in the body is bad input (400), not a missing resource (404)."""
    if obj is None:
        raise Invalid(message, errors={field: [message]})
    return obj


class MovementFilter(DateRangeFilterSet):
    date_field = "created_at"
    change_type = django_filters.ChoiceFilter(choices=ChangeType.choices)
    product_id = django_filters.NumberFilter(field_name="product_id")
    user_id = django_filters.NumberFilter(field_name="user_id")
    supplier_id = django_filters.NumberFilter(field_name="supplier_id")
    reason = django_filters.ChoiceFilter(choices=Reason.choices)


MOVEMENT_SORTS = {"created_at": "created_at", "quantity": "quantity"}


@extend_schema(tags=["stock"])
class MovementListApi(ListApi):
    permission_classes = [IsAuthenticated]
    serializer_class = MovementSerializer
    filterset_class = MovementFilter
    sort_fields = MOVEMENT_SORTS
    default_sort = "-created_at"
    pagination_class = LargeTablePagination

    def get_queryset(self):
        return selectors.movement_list()

    @extend_schema(
        parameters=[*PAGE_PARAMETERS, *sort_parameters(MOVEMENT_SORTS)],
        responses={200: MovementSerializer(many=True), **problem_responses(400, 401)},
    )
    def get(self, request):
        return super().get(request)

    @extend_schema(
        request=MovementCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: MovementWithStockSerializer, **problem_responses(400, 401, 409)},
    )
    @idempotent
    def post(self, request):
        data = validated(MovementCreateSerializer, request)
        movement, level = services.record_movement_by_id(user=request.user, **data)
        return Response(movement_representation(movement, level), status=status.HTTP_201_CREATED)


@extend_schema(tags=["stock"])
class MovementDetailApi(GenericAPIView):
    """Read only: the ledger is append-only, so PUT, PATCH and DELETE are 405."""

    permission_classes = [IsAuthenticated]
    serializer_class = MovementSerializer

    @extend_schema(responses={200: MovementSerializer, **problem_responses(401, 404)})
    def get(self, request, pk):
        return Response(MovementSerializer(found(selectors.movement_detail(pk))).data)


@extend_schema(tags=["stock"])
class CountApi(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = CountCreateSerializer

    @extend_schema(
        request=CountCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: CountResultSerializer, **problem_responses(400, 401, 409)},
    )
    @idempotent
    def post(self, request):
        data = validated(CountCreateSerializer, request)
        product = known(selectors.product_for_movement(data.pop("product_id")), "product_id", "Unknown product.")
        movement, level, difference = services.count_stock(product=product, user=request.user, **data)
        result = {
            "product_id": product.pk,
            "counted_quantity": data["counted_quantity"],
            "difference": difference,
            "movement": movement,
            "stock": level,
        }
        return Response(CountResultSerializer(result).data, status=status.HTTP_201_CREATED)


class LevelFilter(django_filters.FilterSet):
    product_id = django_filters.NumberFilter(field_name="id")
    category_id = django_filters.NumberFilter(field_name="category_id")
    is_active = StrictBooleanFilter(field_name="is_active")
    low_stock = StrictBooleanFilter(method="filter_low_stock", help_text="available <= min_quantity")

    def filter_low_stock(self, queryset, name, value):
        return queryset if value is None else low_stock(queryset, value)


LEVEL_SORTS = {
    "product_id": "id",
    "sku": "sku",
    "name": "name",
    "on_hand": "on_hand",
    "available": "available",
    "last_restocked_at": "last_restocked_at",
}


@extend_schema(tags=["stock"])
class LevelListApi(ListApi):
    permission_classes = [IsAuthenticated]
    serializer_class = StockLevelRowSerializer
    filterset_class = LevelFilter
    sort_fields = LEVEL_SORTS
    nullable_sort_fields = frozenset({"last_restocked_at"})
    default_sort = "sku"

    def get_queryset(self):
        return selectors.stock_level_list()

    @extend_schema(
        parameters=[*PAGE_PARAMETERS, *sort_parameters(LEVEL_SORTS)],
        responses={200: StockLevelRowSerializer(many=True), **problem_responses(400, 401)},
    )
    def get(self, request):
        return super().get(request)
