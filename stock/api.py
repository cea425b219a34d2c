"""Stock API: movements (create and history, never update or delete), counts, levels, and products with their
stock figures (admins write them through catalog.services). Every signed-in user reads."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from catalog import services as catalog_services
from catalog.models import Product
from catalog.serializers import ProductCreateSerializer, ProductUpdateSerializer
from inventory_site.api.docs import IDEMPOTENCY_KEY, list_schema, problem_responses
from inventory_site.api.idempotency import idempotent
from inventory_site.api.pagination import LargeTablePagination
from inventory_site.api.permissions import IsAdminOrReadOnly
from inventory_site.api.views import DELETED, ListApi, found, lookup, validated
from inventory_site.exceptions import Invalid
from stock import selectors, services
from stock.filters import (
    LEVEL_SORTS,
    MOVEMENT_SORTS,
    PRODUCT_SORTS,
    LevelFilter,
    MovementFilter,
    ProductFilter,
)
from stock.serializers import (
    CountCreateSerializer,
    CountResultSerializer,
    MovementCreateSerializer,
    MovementSerializer,
    MovementWithStockSerializer,
    ProductSerializer,
    StockLevelRowSerializer,
    movement_representation,
)


def known(obj, field: str, message: str):
    """An unknown id in the body is bad input (400), not a missing resource (404)."""
    if obj is None:
        raise Invalid(message, errors={field: [message]})
    return obj


@list_schema(MovementSerializer, MOVEMENT_SORTS, statuses=(400, 401))
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


@list_schema(StockLevelRowSerializer, LEVEL_SORTS, statuses=(400, 401))
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


# --- products --------------------------------------------------------------------------------


@list_schema(ProductSerializer, PRODUCT_SORTS, statuses=(400, 401))
@extend_schema(tags=["products"])
class ProductListApi(ListApi):
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    sort_fields = PRODUCT_SORTS
    default_sort = "name"

    def get_queryset(self):
        return selectors.product_list()

    @extend_schema(
        request=ProductCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: ProductSerializer, **problem_responses(400, 401, 403, 409)},
    )
    @idempotent
    def post(self, request):
        product = catalog_services.create_product(actor=request.user, **validated(ProductCreateSerializer, request))
        return Response(ProductSerializer(selectors.product_detail(product.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["products"])
class ProductDetailApi(GenericAPIView):
    permission_classes = [IsAdminOrReadOnly]
    serializer_class = ProductSerializer

    @extend_schema(responses={200: ProductSerializer, **problem_responses(401, 404)})
    def get(self, request, pk):
        return Response(ProductSerializer(found(selectors.product_detail(pk))).data)

    @extend_schema(
        request=ProductUpdateSerializer,
        responses={200: ProductSerializer, **problem_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk):
        data = validated(ProductUpdateSerializer, request)
        catalog_services.update_product(actor=request.user, product=lookup(Product, pk), **data)
        return Response(ProductSerializer(selectors.product_detail(pk)).data)

    @extend_schema(responses={**DELETED, **problem_responses(401, 403, 404, 409)})
    def delete(self, request, pk):
        catalog_services.delete_product(actor=request.user, product=lookup(Product, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
