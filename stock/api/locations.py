"""Locations: everyone signed in reads, admins write (through stock.services.locations)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from inventory_site.api.docs import list_schema, problem_responses
from inventory_site.api.idempotency import idempotent_create
from inventory_site.api.permissions import read_write
from inventory_site.api.views import DELETED, ListApi, found, validated
from stock import selectors, services
from stock.filters import LOCATION_SORTS, LocationFilter
from stock.serializers import LocationInputSerializer, LocationSerializer


@list_schema()
@extend_schema(tags=["locations"])
class LocationListApi(ListApi):
    scopes = read_write("stock:read")  # writes: admins only
    serializer_class = LocationSerializer
    filterset_class = LocationFilter
    sort_fields = LOCATION_SORTS
    default_sort = "priority"

    def get_queryset(self):
        return selectors.location_list()

    @idempotent_create(LocationInputSerializer, LocationSerializer)
    def post(self, request):
        location = services.create_location(actor=request.user, **validated(LocationInputSerializer, request))
        return Response(LocationSerializer(location).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["locations"])
class LocationDetailApi(GenericAPIView):
    scopes = read_write("stock:read")  # writes: admins only
    serializer_class = LocationSerializer

    @extend_schema(responses={200: LocationSerializer, **problem_responses(401, 404)})
    def get(self, request, pk):
        return Response(LocationSerializer(found(selectors.location_detail(pk))).data)

    @extend_schema(
        request=LocationInputSerializer,
        responses={200: LocationSerializer, **problem_responses(400, 401, 403, 404, 409)},
        description="Partial update. `is_default: true` moves the default flag here; deactivating a location with "
        "active reservations or open transfers is a 409 `location_in_use`.",
    )
    def patch(self, request, pk):
        location = found(selectors.location_detail(pk))
        data = validated(LocationInputSerializer, request, partial=True)
        return Response(
            LocationSerializer(services.update_location(actor=request.user, location=location, **data)).data
        )

    @extend_schema(responses={**DELETED, **problem_responses(401, 403, 404, 409)})
    def delete(self, request, pk):
        services.delete_location(actor=request.user, location=found(selectors.location_detail(pk)))
        return Response(status=status.HTTP_204_NO_CONTENT)
