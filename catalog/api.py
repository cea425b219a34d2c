"""Catalogue API (categories, suppliers): input serializer -> service -> output serializer. Admins write; everyone
signed in reads. Products, which are shown with their stock figures, are stock.api's."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from catalog import selectors, services
from catalog.models import Category, Supplier
from catalog.serializers import (
    CategoryInputSerializer,
    CategorySerializer,
    SupplierInputSerializer,
    SupplierSerializer,
)
from inventory_site.api.docs import list_schema, problem_responses
from inventory_site.api.filters import StrictBooleanFilter, TextFilter
from inventory_site.api.idempotency import idempotent_create
from inventory_site.api.permissions import read_write
from inventory_site.api.views import DELETED, ListApi, found, lookup, validated

# --- categories ------------------------------------------------------------------------------


class CategoryFilter(django_filters.FilterSet):
    name = TextFilter(field_name="name", lookup_expr="icontains")


@list_schema()
@extend_schema(tags=["categories"])
class CategoryListApi(ListApi):
    scopes = read_write("catalog:read", "catalog:write")
    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    sort_fields = {"name": "name", "product_count": "product_count", "id": "id"}
    default_sort = "name"

    def get_queryset(self):
        return selectors.category_list()

    @idempotent_create(CategoryInputSerializer, CategorySerializer)
    def post(self, request):
        category = services.create_category(actor=request.user, **validated(CategoryInputSerializer, request))
        return Response(CategorySerializer(selectors.category_detail(category.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["categories"])
class CategoryDetailApi(GenericAPIView):
    scopes = read_write("catalog:read", "catalog:write")
    serializer_class = CategorySerializer

    @extend_schema(responses={200: CategorySerializer, **problem_responses(401, 404)})
    def get(self, request, pk):
        return Response(CategorySerializer(found(selectors.category_detail(pk))).data)

    @extend_schema(
        request=CategoryInputSerializer,
        responses={200: CategorySerializer, **problem_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk):
        category = lookup(Category, pk)
        data = validated(CategoryInputSerializer, request, partial=True)
        services.update_category(actor=request.user, category=category, **data)
        return Response(CategorySerializer(selectors.category_detail(pk)).data)

    @extend_schema(responses={**DELETED, **problem_responses(401, 403, 404, 409)})
    def delete(self, request, pk):
        services.delete_category(actor=request.user, category=lookup(Category, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- suppliers -------------------------------------------------------------------------------


class SupplierFilter(django_filters.FilterSet):
    name = TextFilter(field_name="name", lookup_expr="icontains")
    is_active = StrictBooleanFilter(field_name="is_active")


@list_schema()
@extend_schema(tags=["suppliers"])
class SupplierListApi(ListApi):
    scopes = read_write("catalog:read", "catalog:write")
    serializer_class = SupplierSerializer
    filterset_class = SupplierFilter
    sort_fields = {"name": "name", "id": "id"}
    default_sort = "name"

    def get_queryset(self):
        return selectors.supplier_list()

    @idempotent_create(SupplierInputSerializer, SupplierSerializer)
    def post(self, request):
        supplier = services.create_supplier(actor=request.user, **validated(SupplierInputSerializer, request))
        return Response(SupplierSerializer(supplier).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["suppliers"])
class SupplierDetailApi(GenericAPIView):
    scopes = read_write("catalog:read", "catalog:write")
    serializer_class = SupplierSerializer

    @extend_schema(responses={200: SupplierSerializer, **problem_responses(401, 404)})
    def get(self, request, pk):
        return Response(SupplierSerializer(lookup(Supplier, pk)).data)

    @extend_schema(
        request=SupplierInputSerializer, responses={200: SupplierSerializer, **problem_responses(400, 401, 403, 404)}
    )
    def patch(self, request, pk):
        supplier = lookup(Supplier, pk)
        data = validated(SupplierInputSerializer, request, partial=True)
        return Response(
            SupplierSerializer(services.update_supplier(actor=request.user, supplier=supplier, **data)).data
        )

    @extend_schema(responses={**DELETED, **problem_responses(401, 403, 404, 409)})
    def delete(self, request, pk):
        services.delete_supplier(actor=request.user, supplier=lookup(Supplier, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
