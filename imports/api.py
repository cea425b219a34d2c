"""The imports API (admins only): upload and validate, read the preview, download the errors, apply."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from imports import export, selectors, services
from imports.files import MAX_FILE_BYTES
from imports.models import RowStatus
from imports.serializers import ImportCreateSerializer, ImportRowSerializer, ImportSerializer
from inventory_site.api.docs import PAGE_PARAMETERS, problem_responses
from inventory_site.api.filters import parse_boolean
from inventory_site.api.idempotency import idempotent_create
from inventory_site.api.permissions import ADMIN
from inventory_site.api.views import ListApi, found, validated
from inventory_site.exceptions import Invalid

MULTIPART_SLACK = 64 * 1024  # the form's other fields and boundaries around the file


def _import(pk: int):
    return found(selectors.import_detail(pk))


@extend_schema(tags=["imports"])
class ImportListApi(ListApi):
    scopes = {"GET": ADMIN, "POST": ADMIN}
    serializer_class = ImportSerializer
    parser_classes = [MultiPartParser]
    sort_fields = {"created_at": "created_at"}
    default_sort = "-created_at"

    def get_queryset(self):
        return selectors.import_list()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # who may call first: a staff user's upload is a 403
        if request.method == "POST":
            length = request.META.get("CONTENT_LENGTH") or ""
            services.check_size(int(length) - MULTIPART_SLACK if length.isdigit() else None)

    @extend_schema(
        summary="List imports, newest first",
        parameters=PAGE_PARAMETERS,
        responses={200: ImportSerializer(many=True), **problem_responses(400, 401, 403)},
    )
    def get(self, request):
        return super().get(request)

    @idempotent_create(
        {"multipart/form-data": ImportCreateSerializer},
        ImportSerializer,
        statuses=(400, 401, 403, 409, 413, 415),
        summary="Upload a file: validated as a job, nothing in the catalogue or stock is written",
    )
    def post(self, request):
        data = validated(ImportCreateSerializer, request)
        uploaded = data["file"]
        services.check_size(uploaded.size)
        job = services.create_import(
            actor=request.user,
            kind=data["kind"],
            data=uploaded.read(MAX_FILE_BYTES + 1),
            file_name=uploaded.name or "",
            location_id=data.get("location_id"),
        )
        body = ImportSerializer(selectors.import_detail(job.pk)).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": f"/api/v1/imports/{job.pk}"})


@extend_schema(tags=["imports"])
class ImportDetailApi(GenericAPIView):
    scopes = {"GET": ADMIN}
    serializer_class = ImportSerializer

    @extend_schema(responses={200: ImportSerializer, **problem_responses(401, 403, 404)})
    def get(self, request, pk):
        return Response(ImportSerializer(_import(pk)).data)


ROW_STATUS = OpenApiParameter("status", str, enum=RowStatus.values, description="Only the rows in this status.")


@extend_schema(tags=["imports"])
class ImportRowListApi(ListApi):
    scopes = {"GET": ADMIN}
    serializer_class = ImportRowSerializer
    sort_fields = {"row_number": "row_number"}
    default_sort = "row_number"

    def get_queryset(self):
        wanted = self.request.query_params.get("status") or None
        if wanted is not None and wanted not in RowStatus.values:
            raise Invalid.of({"status": [f"Use one of: {', '.join(RowStatus.values)}."]})
        return selectors.import_rows(_import(self.kwargs["pk"]), status=wanted)

    @extend_schema(
        summary="An import's rows: row_number, action, errors, data",
        parameters=[ROW_STATUS, *PAGE_PARAMETERS],
        responses={200: ImportRowSerializer(many=True), **problem_responses(400, 401, 403, 404)},
    )
    def get(self, request, pk):
        return super().get(request)


@extend_schema(tags=["imports"])
class ImportErrorsCsvApi(GenericAPIView):
    scopes = {"GET": ADMIN}

    @extend_schema(
        summary="The invalid rows as CSV, with an error column",
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV"),
            **problem_responses(401, 403, 404),
        },
    )
    def get(self, request, pk):
        return export.errors_csv(_import(pk))


SKIP_INVALID = OpenApiParameter("skip_invalid", bool, description="Apply the valid rows and leave the invalid out.")


@extend_schema(tags=["imports"])
class ImportApplyApi(GenericAPIView):
    scopes = {"POST": ADMIN}
    serializer_class = ImportSerializer

    @extend_schema(
        summary="Apply the valid rows (a job, in chunks); 200 and nothing written when already done",
        request=None,
        parameters=[SKIP_INVALID],
        responses={
            202: OpenApiResponse(ImportSerializer, description="Applying"),
            200: OpenApiResponse(ImportSerializer, description="Already applied: nothing written"),
            **problem_responses(400, 401, 403, 404, 409),
        },
    )
    def post(self, request, pk):
        try:
            skip_invalid = bool(parse_boolean(request.query_params.get("skip_invalid")))
        except ValueError:
            raise Invalid.of({"skip_invalid": ["Use true or false."]}) from None
        _, started = services.request_apply(actor=request.user, job=_import(pk), skip_invalid=skip_invalid)
        body = ImportSerializer(selectors.import_detail(pk)).data
        return Response(body, status=status.HTTP_202_ACCEPTED if started else status.HTTP_200_OK)
