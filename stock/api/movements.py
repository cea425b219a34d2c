"""Movements (create, history, reverse; never update or delete) and counts. Every signed-in user."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from inventory_site.api.docs import list_schema, problem_responses
from inventory_site.api.idempotency import idempotent_create
from inventory_site.api.pagination import LargeTablePagination
from inventory_site.api.permissions import read_write
from inventory_site.api.views import ListApi, found, validated
from inventory_site.exceptions import Invalid
from stock import access, selectors, services
from stock.api import quick
from stock.api.documents import document_answer, reversal
from stock.filters import MOVEMENT_SORTS, MovementFilter
from stock.serializers import (
    CountCreateSerializer,
    CountResultSerializer,
    DocumentSerializer,
    MovementCreateSerializer,
    MovementSerializer,
    MovementWithStockSerializer,
    movement_representation,
)


def known(obj, field: str, message: str):
    """An unknown id in the body is bad input (400), not a missing resource (404)."""
    if obj is None:
        raise Invalid(message, errors={field: [message]})
    return obj


@list_schema()
@extend_schema(tags=["stock"])
class MovementListApi(ListApi):
    scopes = read_write("stock:read", "stock:write")
    serializer_class = MovementSerializer
    filterset_class = MovementFilter
    sort_fields = MOVEMENT_SORTS
    default_sort = "-created_at"
    pagination_class = LargeTablePagination

    def get_queryset(self):
        return selectors.movement_list(allowed=access.restriction(self.request.user))

    @idempotent_create(MovementCreateSerializer, MovementWithStockSerializer)
    def post(self, request):
        data = quick.movement_input(request.data) or validated(MovementCreateSerializer, request)
        recorded = services.record_movement_by_id(user=request.user, **data)
        return Response(movement_representation(recorded.movement, recorded), status=status.HTTP_201_CREATED)


@extend_schema(tags=["stock"])
class MovementDetailApi(GenericAPIView):
    """Read only: the ledger is append-only, so PUT, PATCH and DELETE are 405."""

    scopes = read_write("stock:read", "stock:write")
    serializer_class = MovementSerializer

    @extend_schema(responses={200: MovementSerializer, **problem_responses(401, 404)})
    def get(self, request, pk):
        movement = selectors.movement_detail(pk, allowed=access.restriction(request.user))
        return Response(MovementSerializer(found(movement)).data)


@extend_schema(tags=["stock"])
class MovementReverseApi(GenericAPIView):
    scopes = read_write("stock:read", "stock:write")
    serializer_class = DocumentSerializer

    @reversal(
        "The opposite movement, written as a one-line reversal document (reason `reversal`). Staff reverse only "
        "their own movements; a movement is reversed at most once (409 `already_reversed`); a transfer's movement "
        "is reversed with its transfer (409 `invalid_transition`)."
    )
    def post(self, request, pk):
        movement = found(selectors.movement_detail(pk))
        document = services.reverse_movement(movement=movement, user=request.user)
        return document_answer(document, status.HTTP_201_CREATED)


@extend_schema(tags=["stock"])
class CountApi(GenericAPIView):
    scopes = read_write("stock:read", "stock:write")
    serializer_class = CountCreateSerializer

    @idempotent_create(CountCreateSerializer, CountResultSerializer)
    def post(self, request):
        data = validated(CountCreateSerializer, request)
        product = known(selectors.product_for_movement(data.pop("product_id")), "product_id", "Unknown product.")
        location_id = data.pop("location_id", None)
        location = services.usable_location(location_id) if location_id is not None else None
        recorded = services.count_stock(product=product, user=request.user, location=location, **data)
        result = {
            "product_id": product.pk,
            "counted_quantity": data["counted_quantity"],
            "difference": recorded.difference,
            "movement": recorded.movement,
            "stock": recorded.stock,
            "location_stock": recorded.location_stock,
            "location_id": recorded.level.location_id,
        }
        return Response(CountResultSerializer(result).data, status=status.HTTP_201_CREATED)
