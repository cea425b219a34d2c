"""Products with their stock figures (admins write them through catalog.services), and stock levels."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from catalog import services as catalog_services
from catalog.exchange import PRODUCT_COLUMNS, product_row
from catalog.models import Product
from catalog.serializers import ProductCreateSerializer, ProductUpdateSerializer
from inventory_site import limits
from inventory_site.api.docs import list_schema, problem_responses
from inventory_site.api.filters import parse_boolean
from inventory_site.api.idempotency import idempotent_create
from inventory_site.api.permissions import read_write
from inventory_site.api.renderers import DOWNLOAD_FORMATS, CSVRenderer, XLSXRenderer
from inventory_site.api.views import DELETED, ListApi, found, lookup, validated
from inventory_site.csv_export import csv_response
from inventory_site.exceptions import Invalid
from inventory_site.xlsx_export import xlsx_response
from stock import access, selectors
from stock.filters import LEVEL_ROW_SORTS, LEVEL_SORTS, PRODUCT_SORTS, LevelFilter, LevelRowFilter, ProductFilter
from stock.serializers import (
    LocationLevelRowSerializer,
    ProductDetailSerializer,
    ProductSerializer,
    StockLevelRowSerializer,
)

LEVEL_PARAMETERS = [
    OpenApiParameter("location_id", int, description="That location's figures (its sub-locations included)."),
    OpenApiParameter("by_location", bool, description="One row per product and location that has held it."),
]


@list_schema(parameters=LEVEL_PARAMETERS)
@extend_schema(tags=["stock"])
class LevelListApi(ListApi):
    """One row per product (totals over every location), a location's figures with ``location_id``, or one row
    per product and location that has held or reserved it with ``by_location=true``."""

    scopes = read_write("stock:read")
    serializer_class = StockLevelRowSerializer
    filterset_class = LevelFilter
    sort_fields = LEVEL_SORTS
    nullable_sort_fields = frozenset({"last_restocked_at"})
    default_sort = "sku"

    def get(self, request):
        if self._by_location():
            self.serializer_class = LocationLevelRowSerializer
            self.filterset_class = LevelRowFilter
            self.sort_fields = LEVEL_ROW_SORTS
        return super().get(request)

    def _by_location(self) -> bool:
        try:
            return bool(parse_boolean(self.request.query_params.get("by_location")))
        except ValueError:
            raise Invalid.of({"by_location": ["Use true or false."]}) from None

    def _location_ids(self):
        raw = self.request.query_params.get("location_id")
        if raw in (None, ""):
            return None
        try:
            location_id = int(raw)
        except ValueError:
            raise Invalid.of({"location_id": ["A location id is required."]}) from None
        return selectors.locations_for(location_id) if 1 <= location_id <= limits.MAX_ID else []

    def get_queryset(self):
        location_ids = selectors.within(self._location_ids(), access.restriction(self.request.user))
        if self._by_location():
            return selectors.level_rows(location_ids=location_ids)
        return selectors.stock_level_list(location_ids=location_ids)


EXPORT_FORMAT = OpenApiParameter(
    "format",
    str,
    enum=["json", *DOWNLOAD_FORMATS],
    description="csv or xlsx: every product matching the filters, unpaginated, in the import's columns "
    f"({', '.join(PRODUCT_COLUMNS)}), so the file re-imports unchanged.",
)


@list_schema(statuses=(400, 401, 406), parameters=[EXPORT_FORMAT])
@extend_schema(tags=["products"])
class ProductListApi(ListApi):
    scopes = read_write("catalog:read", "catalog:write")
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    sort_fields = PRODUCT_SORTS
    default_sort = "name"
    renderer_classes = [JSONRenderer, CSVRenderer, XLSXRenderer]

    def get_queryset(self):
        return selectors.product_list(location_ids=access.restriction(self.request.user))

    def perform_content_negotiation(self, request, force=False):
        """An unknown ``?format=`` is bad input (400), not a missing resource (DRF answers 404), on any method."""
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            if force:
                raise
            raise Invalid.of({"format": [f"Use one of: json, {', '.join(DOWNLOAD_FORMATS)}."]}) from None

    def get(self, request):
        file_format = request.accepted_renderer.format
        if file_format not in DOWNLOAD_FORMATS:
            return super().get(request)
        products = self.sort(self.filter_queryset(self.get_queryset())).select_related("category")
        rows = (product_row(product) for product in products.iterator(chunk_size=2000))
        filename = f"products-{timezone.localdate().isoformat()}.{file_format}"
        write = csv_response if file_format == "csv" else xlsx_response
        return write(filename, PRODUCT_COLUMNS, rows)

    @idempotent_create(ProductCreateSerializer, ProductDetailSerializer)
    def post(self, request):
        product = catalog_services.create_product(actor=request.user, **validated(ProductCreateSerializer, request))
        body = ProductDetailSerializer(selectors.product_detail(product.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(tags=["products"])
class ProductDetailApi(GenericAPIView):
    scopes = read_write("catalog:read", "catalog:write")
    serializer_class = ProductDetailSerializer

    @extend_schema(responses={200: ProductDetailSerializer, **problem_responses(401, 404)})
    def get(self, request, pk):
        product = selectors.product_detail(pk, allowed=access.restriction(request.user))
        return Response(ProductDetailSerializer(found(product)).data)

    @extend_schema(
        request=ProductUpdateSerializer,
        responses={200: ProductDetailSerializer, **problem_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk):
        data = validated(ProductUpdateSerializer, request)
        catalog_services.update_product(actor=request.user, product=lookup(Product, pk), **data)
        return Response(ProductDetailSerializer(selectors.product_detail(pk)).data)

    @extend_schema(responses={**DELETED, **problem_responses(401, 403, 404, 409)})
    def delete(self, request, pk):
        catalog_services.delete_product(actor=request.user, product=lookup(Product, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
