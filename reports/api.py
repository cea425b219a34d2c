"""Report endpoints (admin only): paginated JSON, or every row as CSV with ``?format=csv``."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from inventory_site.api.docs import PAGE_PARAMETERS, problem_responses, sort_parameters
from inventory_site.api.permissions import IsAdminRole
from reports import params as report_params
from reports import tables
from reports.export import CSVRenderer, csv_response


def _page_links(request, number: int, num_pages: int) -> tuple[str | None, str | None]:
    url = request.build_absolute_uri()
    following = replace_query_param(url, "page", number + 1) if number < num_pages else None
    if number <= 1:
        previous = None
    elif number == 2:
        previous = remove_query_param(url, "page")
    else:
        previous = replace_query_param(url, "page", number - 1)
    return following, previous


class ReportApi(APIView):
    permission_classes = [IsAdminRole]
    renderer_classes = [JSONRenderer, CSVRenderer]
    report = ""

    def get(self, request):
        parsed = tables.parse(self.report, request.query_params)
        if request.accepted_renderer.format == "csv":
            return csv_response(self.report, parsed)
        page_number, page_size = report_params.page(request.query_params)
        data = tables.page(self.report, parsed, page_number, page_size)
        following, previous = _page_links(request, data["page"], data["num_pages"])
        return Response({"count": data["count"], "next": following, "previous": previous, "results": data["results"]})

    def finalize_response(self, request, response, *args, **kwargs):
        # A problem body is JSON even when CSV was asked for.
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def _paginated(name: str, fields: dict):
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": inline_serializer(name=f"{name}Row", fields=fields, many=True),
        },
    )


def _integer(**kwargs):
    return serializers.IntegerField(**kwargs)


STOCK_FIELDS = {
    "product_id": _integer(),
    "sku": serializers.CharField(),
    "name": serializers.CharField(),
    "category": serializers.CharField(),
    "is_active": serializers.BooleanField(),
    "total_in": _integer(),
    "total_out": _integer(),
    "on_hand": _integer(),
    "reserved": _integer(),
    "available": _integer(),
    "unit_price": serializers.DecimalField(max_digits=14, decimal_places=2),
    "stock_value": serializers.DecimalField(max_digits=20, decimal_places=2),
}
LOW_STOCK_FIELDS = {
    **STOCK_FIELDS,
    "min_quantity": _integer(),
    "shortfall": _integer(),
    "suggested_reorder": _integer(),
    "days_of_cover": serializers.FloatField(allow_null=True),
}
MOVEMENT_FIELDS = {
    "day": serializers.DateField(required=False, help_text="group_by=day"),
    "product_id": _integer(required=False, help_text="group_by=product"),
    "sku": serializers.CharField(required=False, help_text="group_by=product"),
    "name": serializers.CharField(required=False, help_text="group_by=product"),
    "total_in": _integer(),
    "total_out": _integer(),
}
TOP_FIELDS = {
    "product_id": _integer(),
    "sku": serializers.CharField(),
    "name": serializers.CharField(),
    "quantity": _integer(),
}

FORMAT = OpenApiParameter("format", str, enum=["json", "csv"], description="csv: every row, unpaginated.")
CATALOGUE_FILTERS = [
    OpenApiParameter("search", str, description="Name or SKU contains."),
    OpenApiParameter("category_id", int),
    OpenApiParameter("is_active", bool, description="Only active (true) or inactive (false) products."),
]
DATES = [
    OpenApiParameter("start_date", str, description="ISO date; default 29 days before end_date."),
    OpenApiParameter("end_date", str, description="ISO date, inclusive; default today (TIME_ZONE)."),
]
ERRORS = problem_responses(400, 401, 403, 404, 406)


def _schema(summary: str, serializer, parameters: list):
    return extend_schema(
        summary=summary,
        parameters=[*parameters, *PAGE_PARAMETERS, FORMAT],
        responses={
            (200, "application/json"): OpenApiResponse(serializer),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Every row, the same columns."),
            **ERRORS,
        },
    )


class StockReportApi(ReportApi):
    report = "stock"

    @_schema(
        "Current stock per product",
        _paginated("StockReport", STOCK_FIELDS),
        [*CATALOGUE_FILTERS, *sort_parameters(report_params.STOCK_SORT)],
    )
    def get(self, request):
        return super().get(request)


class LowStockReportApi(ReportApi):
    report = "low-stock"

    @_schema(
        "Products at or below their minimum quantity",
        _paginated("LowStockReport", LOW_STOCK_FIELDS),
        [*CATALOGUE_FILTERS, *sort_parameters(report_params.LOW_STOCK_SORT)],
    )
    def get(self, request):
        return super().get(request)


class MovementsReportApi(ReportApi):
    report = "movements"

    @_schema(
        "Movements per local day (every day of the range) or per product",
        _paginated("MovementsReport", MOVEMENT_FIELDS),
        [
            *DATES,
            OpenApiParameter("group_by", str, enum=["day", "product"]),
            *sort_parameters({*report_params.BY_DAY_SORT, *report_params.BY_PRODUCT_SORT}),
        ],
    )
    def get(self, request):
        return super().get(request)


class TopProductsReportApi(ReportApi):
    report = "top-products"

    @_schema(
        "Top inbound or consumption by product",
        _paginated("TopProductsReport", TOP_FIELDS),
        [
            *DATES,
            OpenApiParameter("direction", str, enum=["in", "out"], description="Default out (consumption)."),
            OpenApiParameter("limit", int, description="1-100, default 10."),
            OpenApiParameter("category_id", int),
            *sort_parameters(report_params.TOP_SORT),
        ],
    )
    def get(self, request):
        return super().get(request)
