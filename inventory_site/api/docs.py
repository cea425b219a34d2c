"""OpenAPI helpers: every operation documents the problem+json statuses it can answer."""

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers


@extend_schema_field(
    {
        "type": "object",
        "description": "field -> messages; a document's `lines` is line index (from 0) -> messages",
        "additionalProperties": {
            "oneOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            ]
        },
    }
)
class ErrorsField(serializers.DictField):
    pass


ProblemSerializer = inline_serializer(
    name="Problem",
    fields={
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "errors": ErrorsField(required=False),
        "available": serializers.IntegerField(required=False),
    },
)

DESCRIPTIONS = {
    400: "Invalid input",
    401: (
        "Not authenticated: `not_authenticated` (no credentials), `token_invalid` (a malformed, expired, revoked "
        "or wrong-type token, or its user deleted or inactive) or `invalid_credentials` (login failure)"
    ),
    403: "Role not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict with the current state",
    410: "Gone: past the retention window",
    413: "Payload too large: `file_too_large`",
    415: "Unsupported media type",
    429: "Locked out or throttled",
    503: "Database unreachable, or a lock or statement timeout; with Retry-After",
}


def problem_responses(*statuses: int) -> dict:
    return {
        (status, "application/problem+json"): OpenApiResponse(ProblemSerializer, description=DESCRIPTIONS[status])
        for status in statuses
    }


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False, description="Replay-safe creation key."
)
PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1."),
    OpenApiParameter("page_size", int, description="Rows per page, 1-100 (default 25)."),
]


def sort_parameters(fields) -> list[OpenApiParameter]:
    return [
        OpenApiParameter("sort_by", str, enum=sorted(fields)),
        OpenApiParameter("sort_order", str, enum=["asc", "desc"]),
    ]


def list_schema(*, statuses=(400, 401), paged: bool = True, parameters=()):
    """Decorate a list view with ``@extend_schema_view(get=...)``: the page, sort (its ``sort_fields``) and filter
    parameters, and its answers (its ``serializer_class``, many)."""

    def decorate(view):
        return extend_schema_view(
            get=extend_schema(
                parameters=[*(PAGE_PARAMETERS if paged else []), *sort_parameters(view.sort_fields), *parameters],
                responses={200: view.serializer_class(many=True), **problem_responses(*statuses)},
                filters=True,
            )
        )(view)

    return decorate
