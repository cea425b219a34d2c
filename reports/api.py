"""Report endpoints (admin only): paginated JSON, or every row as CSV with ``?format=csv``.

Each report's response schema and sort fields come from its column table (``reports.selectors``).
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from inventory_site.api.docs import PAGE_PARAMETERS, problem_responses, sort_parameters
from inventory_site.api.permissions import read_write
from reports import columns, tables
from reports import params as report_params
from reports.export import CSVRenderer, csv_response

JSON = JSONRenderer.media_type


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
    # No docstring: drf-spectacular would make it every report's description. Bad input raises the project's
    # ``Invalid`` (a page past the last its ``NotFound``), and the exception handler answers with problem+json.
    scopes = read_write("reports:read")
    renderer_classes = [JSONRenderer, CSVRenderer]
    report = ""

    def get(self, request):
        parsed = tables.parse(self.report, request.query_params)
        if request.accepted_renderer.format == "csv":
            return csv_response(self.report, parsed)
        page_number, page_size = report_params.page(request.query_params)
        # Plain JSON (no indent asked for): the page's rows come already encoded from the cache, and the answer is
        # the bytes DRF's renderer would make of the whole envelope (tested byte for byte).
        as_json = request.accepted_media_type == JSON
        data = tables.page(self.report, parsed, page_number, page_size, as_json=as_json)
        following, previous = _page_links(request, data["page"], data["num_pages"])
        envelope = {"count": data["count"], "next": following, "previous": previous}
        if not as_json:
            return Response({**envelope, "results": data["results"]})
        head = JSONRenderer().render(envelope)  # b'{"count":..,"previous":..}'
        return HttpResponse(head[:-1] + b',"results":' + data["results"] + b"}", content_type=JSON)


# --- The schema, derived from each report's column table ----------------------------------------------------
FIELD_CLASSES = {
    columns.TEXT: serializers.CharField,
    columns.INTEGER: serializers.IntegerField,
    columns.BOOLEAN: serializers.BooleanField,
    columns.DATE: serializers.DateField,
    columns.FLOAT: serializers.FloatField,
}


def _schema_field(column: columns.Column) -> serializers.Field:
    options = {}
    if column.group_by:
        options.update(required=False, help_text=f"group_by={column.group_by}")
    if column.nullable:
        options["allow_null"] = True
    if column.type == columns.DECIMAL:
        return serializers.DecimalField(max_digits=column.max_digits, decimal_places=2, **options)
    return FIELD_CLASSES[column.type](**options)


def _paginated(name: str, column_table: columns.ColumnTable):
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": inline_serializer(
                name=f"{name}Row", fields={c.name: _schema_field(c) for c in column_table}, many=True
            ),
        },
    )


LOCATION = OpenApiParameter(
    "location_id",
    int,
    description="Figures and movements at this location and its descendants only (a transfer counts as IN or OUT "
    "there). Without it: every location, transfers and their reversals left out.",
)
FORMAT = OpenApiParameter("format", str, enum=["json", "csv"], description="csv: every row, unpaginated.")
CATALOGUE_FILTERS = [
    OpenApiParameter("search", str, description="Name or SKU contains."),
    OpenApiParameter("category_id", int),
    OpenApiParameter("is_active", bool, description="Only active (true) or inactive (false) products."),
    LOCATION,
]
DATES = [
    OpenApiParameter("start_date", str, description="ISO date; default 29 days before end_date."),
    OpenApiParameter("end_date", str, description="ISO date, inclusive; default today (TIME_ZONE)."),
]
ERRORS = problem_responses(400, 401, 403, 404, 406)


def _schema(report: str, summary: str, parameters: list) -> dict:
    """``extend_schema_view`` arguments for report ``report``: its rows and sort fields from its column table."""
    column_table = tables.TABLES[report].column_table
    name = "".join(part.title() for part in report.split("-")) + "Report"
    return {
        "get": extend_schema(
            summary=summary,
            parameters=[*parameters, *sort_parameters(column_table.sort_fields()), *PAGE_PARAMETERS, FORMAT],
            responses={
                (200, "application/json"): OpenApiResponse(_paginated(name, column_table)),
                (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Every row, the same columns."),
                **ERRORS,
            },
        )
    }


@extend_schema_view(**_schema("stock", "Current stock per product", CATALOGUE_FILTERS))
class StockReportApi(ReportApi):
    report = "stock"


@extend_schema_view(**_schema("low-stock", "Products at or below their minimum quantity", CATALOGUE_FILTERS))
class LowStockReportApi(ReportApi):
    report = "low-stock"


@extend_schema_view(
    **_schema(
        "movements",
        "Movements per local day (every day of the range) or per product",
        [*DATES, OpenApiParameter("group_by", str, enum=["day", "product"]), LOCATION],
    )
)
class MovementsReportApi(ReportApi):
    report = "movements"


@extend_schema_view(
    **_schema(
        "top-products",
        "Top inbound or consumption by product",
        [
            *DATES,
            OpenApiParameter("direction", str, enum=["in", "out"], description="Default out (consumption)."),
            OpenApiParameter("limit", int, description="1-100, default 10."),
            OpenApiParameter("category_id", int),
            LOCATION,
        ],
    )
)
class TopProductsReportApi(ReportApi):
    report = "top-products"
