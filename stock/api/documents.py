"""Stock documents: create (all lines or none), read, receive or cancel a transfer in transit, reverse."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from inventory_site.api.docs import list_schema, problem_responses
from inventory_site.api.idempotency import idempotent_create
from inventory_site.api.permissions import read_write
from inventory_site.api.views import ListApi, found, validated
from stock import access, selectors, services
from stock.filters import DOCUMENT_SORTS, DocumentFilter
from stock.serializers import DocumentCreateSerializer, DocumentSerializer


def document_answer(document, code=status.HTTP_200_OK) -> Response:
    return Response(DocumentSerializer(selectors.document_detail(document.pk)).data, status=code)


def reversal(description: str):
    """Decorate a reversing ``post``: idempotent, no body, and a 201 with the reversal document."""
    return idempotent_create(None, DocumentSerializer, statuses=(400, 401, 403, 404, 409), description=description)


@list_schema()
@extend_schema(tags=["documents"])
class DocumentListApi(ListApi):
    scopes = read_write("stock:read", "stock:write")
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    sort_fields = DOCUMENT_SORTS
    default_sort = "-created_at"

    def get_queryset(self):
        return selectors.document_list(allowed=access.restriction(self.request.user))

    @idempotent_create(
        DocumentCreateSerializer,
        DocumentSerializer,
        description="All lines or none, in one transaction. Bad input on any line is a 400 with `errors.lines` "
        'as `{"<index from 0>": [messages]}`; lines short of stock make one 409 `insufficient_stock` with '
        "`lines: [{index, product_id, requested, available}]`. A lock timeout is a 503 (retry).",
    )
    def post(self, request):
        document = services.create_document(user=request.user, **validated(DocumentCreateSerializer, request))
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)  # as written, no re-read


@extend_schema(tags=["documents"])
class DocumentDetailApi(GenericAPIView):
    scopes = read_write("stock:read", "stock:write")
    serializer_class = DocumentSerializer

    @extend_schema(responses={200: DocumentSerializer, **problem_responses(401, 404)})
    def get(self, request, pk):
        document = selectors.document_detail(pk, allowed=access.restriction(request.user))
        return Response(DocumentSerializer(found(document)).data)


class _DocumentActionApi(GenericAPIView):
    scopes = read_write("stock:read", "stock:write")
    serializer_class = DocumentSerializer
    action = None
    answer_status = status.HTTP_200_OK

    def post(self, request, pk):
        document = found(selectors.document_detail(pk, allowed=access.restriction(request.user)))
        return document_answer(type(self).action(document=document, user=request.user), self.answer_status)


def _transition_schema(description: str):
    """A transfer in transit moved on: no body; the document as it is afterwards."""
    return extend_schema(
        tags=["documents"],
        request=None,
        responses={200: DocumentSerializer, **problem_responses(400, 401, 403, 404, 409)},
        description=description,
    )


@_transition_schema("in_transit -> completed: the stock moves from TRANSIT to the destination.")
class DocumentReceiveApi(_DocumentActionApi):
    action = staticmethod(services.receive_transfer)


@_transition_schema("in_transit -> cancelled: the stock goes back from TRANSIT to the source.")
class DocumentCancelApi(_DocumentActionApi):
    action = staticmethod(services.cancel_transfer)


@extend_schema(tags=["documents"])
class DocumentReverseApi(_DocumentActionApi):
    action = staticmethod(services.reverse_document)
    answer_status = status.HTTP_201_CREATED

    @reversal(
        "A new document of the same kind undoing this one (reason `reversal`). Staff reverse only their own "
        "documents (403); at most once (409 `already_reversed`); an in-transit transfer is cancelled instead."
    )
    def post(self, request, pk):
        return super().post(request, pk)
