"""The API's generic views and helpers: a filtered, sorted, paged list; 404 for a missing object; validated input."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView

from inventory_site.api.sorting import SortMixin

DELETED = {204: OpenApiResponse(description="Deleted")}


def validated(serializer_class, request, **kwargs) -> dict:
    """The request body validated by ``serializer_class``: a 400 problem+json naming each bad field otherwise."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def found(obj):
    """``obj``, or a 404 when it is None (an unknown id in the path)."""
    if obj is None:
        raise NotFound("No such object.")
    return obj


def lookup(model, pk):
    return found(model.objects.filter(pk=pk).first())


class ListApi(SortMixin, GenericAPIView):
    """GET a filtered, sorted page of ``get_queryset()`` rendered with ``serializer_class``. Subclasses declare
    ``scopes`` (inventory_site.api.permissions)."""

    def get(self, request, **kwargs):  # a nested list's parent pk: get_queryset reads it from self.kwargs
        queryset = self.sort(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
